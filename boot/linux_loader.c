/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux bzImage loader for the 64-bit boot protocol with QEMU `-kernel` semantics; pure code run at VM setup in the hypervisor (and in host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "boot/linux_loader.h"
#include "boot/bootparam.h"

#define PAGE_SIZE   0x1000ull
#define MIB         0x100000ull
#define GIB         0x40000000ull
#define PAGE_2M     0x200000ull

#define MIN_PD      4u              /* the identity map covers at least 4 GiB */
#define GDT_ENTRIES 4u

/* Page-table entry bits. */
#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_PS      (1ull << 7)

/* Flat descriptors, base 0, limit 0xFFFFF with 4 KiB granularity, accessed
 * bit preset so the CPU never writes the GDT:
 *   code: type 0xB (execute/read), S, DPL 0, P, L = 1, D = 0, G
 *   data: type 0x3 (read/write),   S, DPL 0, P, D/B = 1, G */
#define GDT_CODE64  0x00AF9B000000FFFFull
#define GDT_DATA    0x00CF93000000FFFFull

#define PD_CHUNK    64u             /* PD entries written per guest_mem_write */

static const char E_NOT_FIT_STATIC[] = "kernel does not fit in guest memory";
static const char E_TRUNCATED[] = "kernel image is truncated inside the setup header";

/* What the image asks for and where everything goes, fully validated
 * before anything is written. */
struct plan {
    struct bp_setup_header hdr;     /* as in the image; absent fields zero */
    uint64_t hdr_end;               /* one past the last header byte */
    uint64_t setup_len;             /* (setup_sects + 1) * 512: file offset of the kernel */
    uint64_t sys_len;               /* protected-mode kernel bytes to copy */
    uint64_t load;                  /* where the protected-mode kernel goes */
    uint64_t foot_start;            /* the kernel's reservation: the copy and */
    uint64_t foot_end;              /* init_size bytes from where it runs */
    uint64_t cmdline_len;           /* including the NUL */
    uint64_t initrd_gpa;
    unsigned n_pd;                  /* page directories = GiB identity-mapped */
};

/* A range the loader writes, checked against e820 RAM and the others. */
struct region {
    uint64_t start;
    uint64_t len;
    const char *not_ram;            /* reason when it is not in e820 RAM */
    const char *overlap;            /* reason when it overlaps an earlier region */
};

enum { R_GDT, R_BOOT_PARAMS, R_PAGING, R_CMDLINE, R_PD, R_KERNEL, R_INITRD, R_COUNT };

static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -1;
}

static bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* x rounded up to a (a power of two); false when that passes 2^64. */
static bool align_up(uint64_t x, uint64_t a, uint64_t *out)
{
    if (x > UINT64_MAX - (a - 1))
        return false;
    *out = (x + a - 1) & ~(a - 1);
    return true;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* [start, start+len) within [0, gm->size), written so nothing wraps. */
static bool in_guest(const struct guest_mem *gm, uint64_t start, uint64_t len)
{
    return len <= gm->size && start <= gm->size - len;
}

/* End of an e820 entry; validate_e820() has ruled out wrapping. */
static uint64_t e820_end(const struct linux_e820_entry *e)
{
    return e->addr + e->size;
}

/* [start, start+len) is covered by type-1 entries (adjacent or overlapping
 * entries count together). Each step moves past the end of a different
 * entry, so the loop runs at most nr_e820 times. */
static bool in_e820_ram(const struct linux_load_request *req, uint64_t start, uint64_t len)
{
    if (!len)
        return true;
    if (start > UINT64_MAX - len)
        return false;
    uint64_t cur = start, end = start + len;
    while (cur < end) {
        uint64_t reach = cur;
        for (unsigned i = 0; i < req->nr_e820; i++) {
            const struct linux_e820_entry *e = &req->e820[i];
            if (e->type == BP_E820_RAM && e->addr <= cur && e820_end(e) > reach)
                reach = e820_end(e);
        }
        if (reach == cur)
            return false;
        cur = reach;
    }
    return true;
}

static bool usable(const struct guest_mem *gm, const struct linux_load_request *req,
                   uint64_t start, uint64_t len)
{
    return in_guest(gm, start, len) && in_e820_ram(req, start, len);
}

/* Writes "<prefix><n><suffix>" into buf (cap > 0), truncating if needed. */
static const char *format_u64(char *buf, size_t cap, const char *prefix, uint64_t n,
                              const char *suffix)
{
    char digits[20];
    size_t nd = 0, at = 0;

    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (const char *p = prefix; *p && at + 1 < cap; p++)
        buf[at++] = *p;
    while (nd && at + 1 < cap)
        buf[at++] = digits[--nd];
    for (const char *p = suffix; *p && at + 1 < cap; p++)
        buf[at++] = *p;
    buf[at] = '\0';
    return buf;
}

static int refuse_needs(struct linux_load_result *res, const char **why, uint64_t end)
{
    uint64_t mib = end / MIB + (end % MIB ? 1 : 0);
    return refuse(why, format_u64(res->why_buf, sizeof res->why_buf,
                                  "kernel does not fit in guest memory (needs ", mib, " MiB)"));
}

static const char *version_reason(uint16_t version)
{
    static const char *const old[] = {
        "boot protocol 2.00 too old (need 2.12)", "boot protocol 2.01 too old (need 2.12)",
        "boot protocol 2.02 too old (need 2.12)", "boot protocol 2.03 too old (need 2.12)",
        "boot protocol 2.04 too old (need 2.12)", "boot protocol 2.05 too old (need 2.12)",
        "boot protocol 2.06 too old (need 2.12)", "boot protocol 2.07 too old (need 2.12)",
        "boot protocol 2.08 too old (need 2.12)", "boot protocol 2.09 too old (need 2.12)",
        "boot protocol 2.10 too old (need 2.12)", "boot protocol 2.11 too old (need 2.12)",
    };
    if (version >= BP_PROTO(2, 0) && version < BP_PROTO(2, 12))
        return old[version - BP_PROTO(2, 0)];
    return "boot protocol older than 2.00 (need 2.12)";
}

/* The setup header and the protected-mode kernel's extent in the file. */
static int check_image(const struct linux_load_request *req, struct plan *p, const char **why)
{
    const unsigned char *k = req->kernel;
    uint64_t len = req->kernel_len;
    uint16_t u16;
    uint32_t u32;

    if (len < BP_HDR_BOOT_FLAG + 2)
        return refuse(why, "kernel image is shorter than a boot sector");
    memcpy(&u16, k + BP_HDR_BOOT_FLAG, sizeof u16);
    if (u16 != BP_BOOT_FLAG)
        return refuse(why, "no boot sector signature 0xAA55 at 0x1FE: not a bzImage");
    if (len < BP_HDR_MAGIC_OFF + 4)
        return refuse(why, E_TRUNCATED);
    memcpy(&u32, k + BP_HDR_MAGIC_OFF, sizeof u32);
    if (u32 != BP_HDR_MAGIC)
        return refuse(why, "no \"HdrS\" setup header at 0x202: not a bzImage");
    if (len < BP_HDR_VERSION + 2)
        return refuse(why, E_TRUNCATED);
    memcpy(&u16, k + BP_HDR_VERSION, sizeof u16);
    if (u16 < BP_PROTO(2, 12))
        return refuse(why, version_reason(u16));

    /* The header runs to 0x202 + the jump's displacement byte. */
    p->hdr_end = BP_HDR_MAGIC_OFF + (uint64_t)k[BP_HDR_JUMP_LEN];
    if (p->hdr_end < BP_HDR_END_2_12)
        return refuse(why, "setup header is too short for boot protocol 2.12");
    if (p->hdr_end > BP_HDR_LIMIT)
        return refuse(why, "setup header is longer than boot_params has room for");
    if (p->hdr_end > len)
        return refuse(why, E_TRUNCATED);
    memset(&p->hdr, 0, sizeof p->hdr);
    memcpy(&p->hdr, k + BP_HDR_START, min_u64(p->hdr_end, BP_HDR_START + sizeof p->hdr) - BP_HDR_START);
    const struct bp_setup_header *h = &p->hdr;

    if (!(h->loadflags & BP_LOADED_HIGH))
        return refuse(why, "kernel is not a bzImage (LOADED_HIGH clear)");
    if (!(h->xloadflags & BP_XLF_KERNEL_64))
        return refuse(why, "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)");

    uint64_t sects = h->setup_sects ? h->setup_sects : BP_DEFAULT_SETUP_SECTS;
    p->setup_len = (sects + 1) * BP_SECTOR;                 /* <= 256 * 512 */
    if (p->setup_len > len)
        return refuse(why, "setup_sects extends beyond the end of the file");
    p->sys_len = (uint64_t)h->syssize * 16;                 /* < 2^36 */
    if (!p->sys_len)
        return refuse(why, "syssize is zero: no protected-mode kernel");
    if (p->sys_len > len - p->setup_len)
        return refuse(why, "syssize extends beyond the end of the file");
    if (p->sys_len <= BP_ENTRY64_OFFSET)
        return refuse(why, "protected-mode kernel ends before its 64-bit entry point");
    return 0;
}

/* Where the kernel goes and what it reserves. A relocatable kernel entered
 * at 64-bit runs from max(align_up(load, kernel_alignment), pref_address),
 * so loading it at an aligned address >= pref_address makes it run in place;
 * a non-relocatable one is copied to 1 MiB and moves itself to pref_address.
 * Either way init_size bytes from the run address stay reserved. */
static int place_kernel(const struct guest_mem *gm, const struct linux_load_request *req,
                        struct plan *p, struct linux_load_result *res, const char **why)
{
    const struct bp_setup_header *h = &p->hdr;
    uint64_t pref = h->pref_address;
    uint64_t size = max_u64(h->init_size, p->sys_len);

    if (!h->relocatable_kernel) {
        if (pref > UINT64_MAX - size)
            return refuse(why, "pref_address + init_size overflows");
        p->load = LINUX_KERNEL_LOW_GPA;
        p->foot_start = min_u64(p->load, pref);
        p->foot_end = max_u64(p->load + p->sys_len, pref + size);
        if (!usable(gm, req, p->foot_start, p->foot_end - p->foot_start))
            return refuse_needs(res, why, p->foot_end);
        return 0;
    }

    if (!is_pow2(h->kernel_alignment))
        return refuse(why, "kernel_alignment is not a power of two");
    uint64_t align = max_u64(h->kernel_alignment, PAGE_SIZE);
    uint64_t floor = max_u64(pref, LINUX_KERNEL_LOW_GPA);
    uint64_t first;
    if (!align_up(floor, align, &first) || first > UINT64_MAX - size)
        return refuse(why, "pref_address + init_size overflows");

    /* The lowest fitting candidate: pref_address itself, or the aligned
     * start of some RAM range above it. */
    bool found = false;
    uint64_t best = 0;
    for (unsigned i = 0; i <= req->nr_e820; i++) {
        uint64_t at = first;
        if (i < req->nr_e820) {
            const struct linux_e820_entry *e = &req->e820[i];
            if (e->type != BP_E820_RAM || !align_up(max_u64(e->addr, floor), align, &at))
                continue;
        }
        if (at > UINT64_MAX - size || (found && at >= best) || !usable(gm, req, at, size))
            continue;
        best = at;
        found = true;
    }
    if (!found)
        return refuse_needs(res, why, first + size);
    p->load = best;
    p->foot_start = best;
    p->foot_end = best + size;
    return 0;
}

/* Page-aligned, as high as possible below initrd_addr_max and the end of a
 * RAM range, at or above the end of the kernel's reservation. */
static int place_initrd(const struct guest_mem *gm, const struct linux_load_request *req,
                        struct plan *p, const char **why)
{
    static const char e_fit[] = "initrd does not fit in guest memory below initrd_addr_max";
    uint64_t n = req->initrd_len;
    uint64_t limit = (uint64_t)p->hdr.initrd_addr_max + 1;  /* one past the highest byte */
    bool found = false;
    uint64_t best = 0;

    p->initrd_gpa = 0;
    if (!n)
        return 0;
    for (unsigned i = 0; i < req->nr_e820; i++) {
        const struct linux_e820_entry *e = &req->e820[i];
        if (e->type != BP_E820_RAM)
            continue;
        uint64_t top = min_u64(min_u64(e820_end(e), limit), gm->size);
        if (top < n)
            continue;
        uint64_t at = (top - n) & ~(PAGE_SIZE - 1);
        if (at < e->addr || at < p->foot_end || (found && at <= best) || !usable(gm, req, at, n))
            continue;
        best = at;
        found = true;
    }
    if (!found)
        return refuse(why, e_fit);
    p->initrd_gpa = best;
    return 0;
}

/* GiB of identity map: enough for 4 GiB, all e820 RAM and the kernel. */
static int size_identity_map(const struct linux_load_request *req, struct plan *p,
                             const char **why)
{
    uint64_t top = max_u64(4 * GIB, p->foot_end);
    for (unsigned i = 0; i < req->nr_e820; i++)
        if (req->e820[i].type == BP_E820_RAM)
            top = max_u64(top, e820_end(&req->e820[i]));

    uint64_t cap = (uint64_t)LINUX_PD_MAX * GIB;
    if (p->foot_end > cap)
        return refuse(why, "kernel lies above the 108 GiB the boot page tables map");
    top = min_u64(top, cap);
    p->n_pd = (unsigned)(top / GIB + (top % GIB ? 1 : 0));
    if (p->n_pd < MIN_PD)
        p->n_pd = MIN_PD;
    return 0;
}

static int check_regions(const struct guest_mem *gm, const struct linux_load_request *req,
                         const struct plan *p, const char **why)
{
    const struct region r[R_COUNT] = {
        [R_GDT] = { LINUX_GDT_GPA, GDT_ENTRIES * 8,
                    "GDT at 0x1000 is not in e820 RAM", "GDT overlaps another boot region" },
        [R_BOOT_PARAMS] = { LINUX_BOOT_PARAMS_GPA, BP_SIZE,
                            "boot_params at 0x7000 is not in e820 RAM",
                            "boot_params overlaps another boot region" },
        [R_PAGING] = { LINUX_PML4_GPA, 2 * PAGE_SIZE,
                       "page tables at 0x9000 are not in e820 RAM",
                       "page tables overlap another boot region" },
        [R_CMDLINE] = { LINUX_CMDLINE_GPA, p->cmdline_len,
                        "command line at 0x20000 is not in e820 RAM",
                        "command line overlaps another boot region" },
        [R_PD] = { LINUX_PD_GPA, (uint64_t)p->n_pd * PAGE_SIZE,
                   "page directories from 0x30000 are not in e820 RAM",
                   "page directories overlap another boot region" },
        [R_KERNEL] = { p->foot_start, p->foot_end - p->foot_start, E_NOT_FIT_STATIC,
                       "kernel overlaps the loader's boot structures below 1 MiB" },
        [R_INITRD] = { p->initrd_gpa, req->initrd_len,
                       "initrd does not fit in guest memory below initrd_addr_max",
                       "initrd overlaps the kernel or the boot structures" },
    };

    for (unsigned i = 0; i < R_COUNT; i++) {
        if (!r[i].len)
            continue;
        if (!usable(gm, req, r[i].start, r[i].len))
            return refuse(why, r[i].not_ram);
        /* usable() bounded start + len by gm->size: no wrap below. */
        for (unsigned j = 0; j < i; j++) {
            if (r[j].len && r[i].start < r[j].start + r[j].len &&
                r[j].start < r[i].start + r[i].len)
                return refuse(why, r[i].overlap);
        }
    }
    return 0;
}

static int validate_request(const struct guest_mem *gm, const struct linux_load_request *req,
                            const struct linux_load_result *res, const char **why)
{
    if (!gm || !req || !res || !req->kernel || (!req->initrd && req->initrd_len) ||
        (!req->e820 && req->nr_e820))
        return refuse(why, "invalid Linux load request");
    if (req->nr_e820 > LINUX_E820_MAX)
        return refuse(why, "too many e820 entries (at most 128)");
    if (!req->nr_e820)
        return refuse(why, "e820 map is empty");
    for (unsigned i = 0; i < req->nr_e820; i++) {
        if (req->e820[i].size > UINT64_MAX - req->e820[i].addr)
            return refuse(why, "e820 entry wraps past the end of the address space");
    }
    return 0;
}

static int put(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
               const char **why)
{
    if (guest_mem_write(gm, gpa, src, len))
        return refuse(why, "cannot write guest memory");
    return 0;
}

static int put_u8(const struct guest_mem *gm, uint64_t off, uint8_t v, const char **why)
{
    return put(gm, LINUX_BOOT_PARAMS_GPA + off, &v, sizeof v, why);
}

static int put_u32(const struct guest_mem *gm, uint64_t off, uint32_t v, const char **why)
{
    return put(gm, LINUX_BOOT_PARAMS_GPA + off, &v, sizeof v, why);
}

static int put_u64(const struct guest_mem *gm, uint64_t off, uint64_t v, const char **why)
{
    return put(gm, LINUX_BOOT_PARAMS_GPA + off, &v, sizeof v, why);
}

/* The zero page: cleared, the image's setup header, then what the loader
 * owns. Fields beyond the setup header length are never touched. */
static int write_boot_params(const struct guest_mem *gm, const struct linux_load_request *req,
                             const struct plan *p, const char **why)
{
    const unsigned char *k = req->kernel;
    uint64_t cmdline = LINUX_CMDLINE_GPA;
    uint64_t rd = p->initrd_gpa, rd_len = req->initrd_len;

    if (guest_mem_zero(gm, LINUX_BOOT_PARAMS_GPA, BP_SIZE))
        return refuse(why, "cannot write guest memory");
    if (put(gm, LINUX_BOOT_PARAMS_GPA + BP_HDR_START, k + BP_HDR_START,
            p->hdr_end - BP_HDR_START, why) ||
        put_u8(gm, BP_HDR_FIELD(type_of_loader), BP_LOADER_UNDEFINED, why) ||
        put_u32(gm, BP_HDR_FIELD(cmd_line_ptr), (uint32_t)cmdline, why) ||
        put_u32(gm, BP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline >> 32), why) ||
        put_u32(gm, BP_HDR_FIELD(ramdisk_image), (uint32_t)rd, why) ||
        put_u32(gm, BP_EXT_RAMDISK_IMAGE, (uint32_t)(rd >> 32), why) ||
        put_u32(gm, BP_HDR_FIELD(ramdisk_size), (uint32_t)rd_len, why) ||
        put_u32(gm, BP_EXT_RAMDISK_SIZE, (uint32_t)(rd_len >> 32), why) ||
        /* We pass no setup_data list and are a plain PC. */
        put_u64(gm, BP_HDR_FIELD(setup_data), 0, why) ||
        put_u32(gm, BP_HDR_FIELD(hardware_subarch), 0, why) ||
        put_u64(gm, BP_HDR_FIELD(hardware_subarch_data), 0, why) ||
        put_u8(gm, BP_E820_ENTRIES, (uint8_t)req->nr_e820, why))
        return -1;

    for (unsigned i = 0; i < req->nr_e820; i++) {
        const struct bp_e820_entry e = {
            .addr = req->e820[i].addr,
            .size = req->e820[i].size,
            .type = req->e820[i].type,
        };
        if (put(gm, LINUX_BOOT_PARAMS_GPA + BP_E820_TABLE + (uint64_t)i * sizeof e,
                &e, sizeof e, why))
            return -1;
    }
    if (req->acpi_rsdp_gpa && p->hdr.version >= BP_PROTO(2, 14) &&
        put_u64(gm, BP_ACPI_RSDP_ADDR, req->acpi_rsdp_gpa, why))
        return -1;
    return 0;
}

/* PML4[0] -> PDPT; PDPT[i] -> PD i; PD i maps [i GiB, i+1 GiB) with 2 MiB pages. */
static int write_page_tables(const struct guest_mem *gm, const struct plan *p, const char **why)
{
    uint64_t chunk[PD_CHUNK];

    if (guest_mem_zero(gm, LINUX_PML4_GPA, 2 * PAGE_SIZE))
        return refuse(why, "cannot write guest memory");
    uint64_t e = LINUX_PDPT_GPA | PTE_P | PTE_RW;
    if (put(gm, LINUX_PML4_GPA, &e, sizeof e, why))
        return -1;
    for (unsigned i = 0; i < p->n_pd; i++) {
        uint64_t pd = LINUX_PD_GPA + (uint64_t)i * PAGE_SIZE;
        e = pd | PTE_P | PTE_RW;
        if (put(gm, LINUX_PDPT_GPA + (uint64_t)i * sizeof e, &e, sizeof e, why))
            return -1;
        for (unsigned j = 0; j < 512; j += PD_CHUNK) {
            for (unsigned c = 0; c < PD_CHUNK; c++)
                chunk[c] = ((uint64_t)i * GIB + (uint64_t)(j + c) * PAGE_2M) |
                           PTE_P | PTE_RW | PTE_PS;
            if (put(gm, pd + (uint64_t)j * sizeof chunk[0], chunk, sizeof chunk, why))
                return -1;
        }
    }
    return 0;
}

static int write_gdt(const struct guest_mem *gm, const char **why)
{
    const uint64_t gdt[GDT_ENTRIES] = {
        0,
        0,              /* 0x08: unused */
        GDT_CODE64,     /* 0x10: __BOOT_CS */
        GDT_DATA,       /* 0x18: __BOOT_DS */
    };
    _Static_assert(LINUX_BOOT_CS == 2 * 8 && LINUX_BOOT_DS == 3 * 8, "GDT selectors");
    return put(gm, LINUX_GDT_GPA, gdt, sizeof gdt, why);
}

int linux_load(const struct guest_mem *gm, const struct linux_load_request *req,
               struct linux_load_result *res, const char **why)
{
    struct plan p;
    int rc;

    rc = validate_request(gm, req, res, why);
    if (rc)
        return rc;
    memset(&p, 0, sizeof p);
    rc = check_image(req, &p, why);
    if (rc)
        return rc;

    /* Command line: bounded by the kernel's cmdline_size and our area. */
    const char *cmdline = req->cmdline ? req->cmdline : "";
    uint64_t n = strlen(cmdline);
    if (n > p.hdr.cmdline_size)
        return refuse(why, "command line is longer than the kernel's cmdline_size");
    if (n + 1 > LINUX_CMDLINE_MAX)
        return refuse(why, "command line is longer than 64 KiB");
    p.cmdline_len = n + 1;

    /* Validate everything before writing anything: a refused kernel leaves
     * guest RAM untouched. */
    rc = place_kernel(gm, req, &p, res, why);
    if (rc)
        return rc;
    rc = place_initrd(gm, req, &p, why);
    if (rc)
        return rc;
    rc = size_identity_map(req, &p, why);
    if (rc)
        return rc;
    rc = check_regions(gm, req, &p, why);
    if (rc)
        return rc;

    const unsigned char *k = req->kernel;
    if (put(gm, p.load, k + p.setup_len, p.sys_len, why) ||
        (req->initrd_len && put(gm, p.initrd_gpa, req->initrd, req->initrd_len, why)) ||
        put(gm, LINUX_CMDLINE_GPA, cmdline, p.cmdline_len, why) ||
        write_boot_params(gm, req, &p, why) ||
        write_page_tables(gm, &p, why) ||
        write_gdt(gm, why))
        return -1;

    res->entry_rip = p.load + BP_ENTRY64_OFFSET;
    res->boot_params_gpa = LINUX_BOOT_PARAMS_GPA;
    res->cr3 = LINUX_PML4_GPA;
    res->gdt_gpa = LINUX_GDT_GPA;
    res->gdt_limit = GDT_ENTRIES * 8 - 1;
    res->cs = LINUX_BOOT_CS;
    res->ds = LINUX_BOOT_DS;
    res->load_gpa = p.load;
    res->initrd_gpa = p.initrd_gpa;
    res->mapped_bytes = (uint64_t)p.n_pd * GIB;
    return 0;
}
