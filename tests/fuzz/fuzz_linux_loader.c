/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the Linux bzImage loader (boot/linux_loader.c): any image, initrd, command line and e820 map. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "boot/bootparam.h"
#include "boot/linux_loader.h"

/*
 * Input: the request (RAM size and extents, an e820 layout or raw entries,
 * initrd and command-line lengths, an RSDP), then the kernel image, which is
 * the tail of libFuzzer's buffer so that ASan sees any read past it. Guest RAM
 * (1-4 MiB) is filled with a poison byte. Checked:
 *  - a refused load names a reason and leaves every byte of RAM as it was;
 *  - an accepted one returns the documented entry state (RIP = load + 0x200,
 *    RSI, CR3, GDT, selectors), copies the protected-mode kernel, initrd
 *    and command line byte for byte, places the kernel as the boot protocol
 *    asks (aligned at or above pref_address when relocatable, at 1 MiB
 *    otherwise) and the initrd page-aligned above the kernel's reservation
 *    and below initrd_addr_max, keeps every region it wrote (and the
 *    kernel's whole init_size reservation) in e820 RAM, inside guest RAM
 *    and apart from each other, fills the zero page (header copy, loader
 *    fields, e820 table) and identity page tables for >= 4 GiB as
 *    documented, and writes no byte outside those regions.
 */

#define MIB 0x100000ull
#define GIB 0x40000000ull
#define POISON 0xCC
#define RAM_MAX (4 * MIB)
#define GRANULE 1024u                   /* e820 boundaries here are 1 KiB-aligned */

static struct fuzz_ram ram;
static bool e820_ram[RAM_MAX / GRANULE];

struct region {
    uint64_t start, len;
    const char *what;
};

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static const uint8_t *gpa_ptr(uint64_t gpa)
{
    return ram.base + gpa;
}

/* [start, start + len) inside guest RAM and covered by e820 RAM. */
static bool usable(uint64_t start, uint64_t len)
{
    if (len > ram.gm.size || start > ram.gm.size - len)
        return false;
    for (uint64_t g = start / GRANULE; g * GRANULE < start + len; g++) {
        if (!e820_ram[g])
            return false;
    }
    return true;
}

static void build_e820(struct fuzz_input *in, struct linux_e820_entry *e, unsigned *n)
{
    uint64_t size = ram.gm.size;
    uint8_t how = fin_u8(in);
    *n = 0;
    switch (how % 4) {
    case 0:
        e[(*n)++] = (struct linux_e820_entry){ 0, size, 1 };
        break;
    case 1:
    case 2:     /* a PC: low RAM, EBDA and BIOS reserved, RAM from 1 MiB (with a hole) */
        e[(*n)++] = (struct linux_e820_entry){ 0, 0x9FC00, 1 };
        e[(*n)++] = (struct linux_e820_entry){ 0x9FC00, 0x400, 2 };
        e[(*n)++] = (struct linux_e820_entry){ 0xF0000, 0x10000, 2 };
        if (how % 4 == 2 && size > 2 * MIB) {
            uint64_t hole = size / 2 & ~0xFFFull;
            e[(*n)++] = (struct linux_e820_entry){ MIB, hole - MIB, 1 };
            e[(*n)++] = (struct linux_e820_entry){ hole, 0x10000, 2 };
            e[(*n)++] = (struct linux_e820_entry){ hole + 0x10000, size - hole - 0x10000, 1 };
        } else if (size > MIB) {
            e[(*n)++] = (struct linux_e820_entry){ MIB, size - MIB, 1 };
        }
        break;
    default: {  /* any entries, page-granular, in any order, overlapping */
        unsigned count = 1 + fin_u8(in) % 8;
        for (unsigned i = 0; i < count; i++) {
            uint64_t addr = (uint64_t)fin_u16(in) * 0x1000, len = (uint64_t)fin_u16(in) * 0x1000;
            uint8_t type = fin_u8(in);
            if (type == 0xFF)
                len = UINT64_MAX - addr + (fin_u8(in) & 1);     /* to the top, or wrapping */
            e[(*n)++] = (struct linux_e820_entry){ addr, len, 1 + type % 5u };
        }
        break;
    }
    }
    if (how & 0x80)     /* RAM the map claims but guest memory lacks */
        e[(*n)++] = (struct linux_e820_entry){ size, 4 * MIB, 1 };

    memset(e820_ram, 0, sizeof e820_ram);
    for (unsigned i = 0; i < *n; i++) {
        if (e[i].type != 1 || e[i].size > UINT64_MAX - e[i].addr)
            continue;
        for (uint64_t g = e[i].addr / GRANULE; g < RAM_MAX / GRANULE && g * GRANULE < e[i].addr + e[i].size; g++)
            e820_ram[g] = true;
    }
}

/* The image's setup header fields, as the loader must read them (zero past its end). */
struct header {
    uint64_t end, setup_len, sys_len;
    struct bp_setup_header h;
};

static void read_header(const uint8_t *k, size_t len, struct header *hd)
{
    hd->end = BP_HDR_MAGIC_OFF + (uint64_t)k[BP_HDR_JUMP_LEN];
    memset(&hd->h, 0, sizeof hd->h);
    uint64_t n = hd->end < BP_HDR_START + sizeof hd->h ? hd->end : BP_HDR_START + sizeof hd->h;
    memcpy(&hd->h, k + BP_HDR_START, n - BP_HDR_START);
    hd->setup_len = ((uint64_t)(hd->h.setup_sects ? hd->h.setup_sects : 4) + 1) * 512;
    hd->sys_len = (uint64_t)hd->h.syssize * 16;
    FUZZ_CHECK(hd->end <= len && hd->setup_len + hd->sys_len <= len, "accepted an image shorter than its header says");
}

/* Loader-owned zero-page fields: everything else in the header is the image's. */
static bool loader_field(uint64_t off)
{
    static const struct {
        uint64_t off, len;
    } owned[] = {
        { BP_HDR_FIELD(type_of_loader), 1 }, { BP_HDR_FIELD(ramdisk_image), 8 },
        { BP_HDR_FIELD(cmd_line_ptr), 4 },   { BP_HDR_FIELD(hardware_subarch), 12 },
        { BP_HDR_FIELD(setup_data), 8 },
    };
    for (unsigned i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        if (off >= owned[i].off && off < owned[i].off + owned[i].len)
            return true;
    }
    return false;
}

static void check_loaded(const struct linux_load_request *req, const struct linux_load_result *res)
{
    const uint8_t *k = req->kernel;
    struct header hd;
    read_header(k, req->kernel_len, &hd);
    const struct bp_setup_header *h = &hd.h;

    FUZZ_CHECK(res->entry_rip == res->load_gpa + BP_ENTRY64_OFFSET && res->boot_params_gpa == LINUX_BOOT_PARAMS_GPA &&
                   res->cr3 == LINUX_PML4_GPA && res->gdt_gpa == LINUX_GDT_GPA && res->gdt_limit == 31 &&
                   res->cs == LINUX_BOOT_CS && res->ds == LINUX_BOOT_DS,
               "entry state");
    FUZZ_CHECK(h->version >= BP_PROTO(2, 12) && (h->loadflags & BP_LOADED_HIGH) && (h->xloadflags & BP_XLF_KERNEL_64),
               "accepted protocol %#x loadflags %#x xloadflags %#x", h->version, h->loadflags, h->xloadflags);

    /* Where the kernel went, and what it reserves from where it runs. */
    uint64_t load = res->load_gpa, size = h->init_size > hd.sys_len ? h->init_size : hd.sys_len;
    uint64_t foot_start, foot_end;
    if (h->relocatable_kernel) {
        uint64_t align = h->kernel_alignment > 0x1000 ? h->kernel_alignment : 0x1000;
        FUZZ_CHECK(load % align == 0 && load >= h->pref_address && load >= LINUX_KERNEL_LOW_GPA,
                   "relocatable kernel at %#llx (pref %#llx, align %#llx)", (unsigned long long)load,
                   (unsigned long long)h->pref_address, (unsigned long long)align);
        foot_start = load;
        foot_end = load + size;
    } else {
        FUZZ_CHECK(load == LINUX_KERNEL_LOW_GPA, "fixed kernel at %#llx", (unsigned long long)load);
        foot_start = load < h->pref_address ? load : h->pref_address;
        foot_end = load + hd.sys_len > h->pref_address + size ? load + hd.sys_len : h->pref_address + size;
    }
    FUZZ_CHECK(usable(foot_start, foot_end - foot_start), "kernel reservation [%#llx, %#llx) not in RAM",
               (unsigned long long)foot_start, (unsigned long long)foot_end);
    FUZZ_CHECK(memcmp(gpa_ptr(load), k + hd.setup_len, hd.sys_len) == 0, "kernel bytes differ");

    uint64_t rd = res->initrd_gpa;
    if (req->initrd_len) {
        FUZZ_CHECK(rd % 0x1000 == 0 && rd >= foot_end && rd + req->initrd_len - 1 <= h->initrd_addr_max &&
                       usable(rd, req->initrd_len),
                   "initrd at %#llx (kernel to %#llx, max %#x)", (unsigned long long)rd, (unsigned long long)foot_end,
                   h->initrd_addr_max);
        FUZZ_CHECK(memcmp(gpa_ptr(rd), req->initrd, req->initrd_len) == 0, "initrd bytes differ");
    } else {
        FUZZ_CHECK(rd == 0, "initrd address without an initrd");
    }

    size_t cmdline_len = strlen(req->cmdline) + 1;
    FUZZ_CHECK(cmdline_len - 1 <= h->cmdline_size, "command line longer than cmdline_size");
    FUZZ_CHECK(memcmp(gpa_ptr(LINUX_CMDLINE_GPA), req->cmdline, cmdline_len) == 0, "command line differs");

    uint64_t n_pd = res->mapped_bytes / GIB;
    FUZZ_CHECK(res->mapped_bytes % GIB == 0 && n_pd >= 4 && n_pd <= LINUX_PD_MAX && foot_end <= res->mapped_bytes,
               "identity map of %llu bytes", (unsigned long long)res->mapped_bytes);

    /* Every region written, plus the kernel's reservation: RAM, and apart. */
    const struct region r[] = {
        { LINUX_GDT_GPA, 32, "GDT" },
        { LINUX_BOOT_PARAMS_GPA, BP_SIZE, "zero page" },
        { LINUX_PML4_GPA, 0x2000, "PML4 and PDPT" },
        { LINUX_CMDLINE_GPA, cmdline_len, "command line" },
        { LINUX_PD_GPA, n_pd * 0x1000, "page directories" },
        { foot_start, foot_end - foot_start, "kernel" },
        { rd, req->initrd_len, "initrd" },
    };
    const unsigned nr = sizeof r / sizeof r[0];
    for (unsigned i = 0; i < nr; i++) {
        FUZZ_CHECK(!r[i].len || usable(r[i].start, r[i].len), "%s outside e820 RAM", r[i].what);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(!r[i].len || !r[j].len || r[i].start >= r[j].start + r[j].len ||
                           r[j].start >= r[i].start + r[i].len,
                       "%s overlaps %s", r[i].what, r[j].what);
    }

    /* The zero page. */
    const uint8_t *bp = gpa_ptr(LINUX_BOOT_PARAMS_GPA);
    for (uint64_t off = BP_HDR_START; off < hd.end; off++) {
        if (!loader_field(off))
            FUZZ_CHECK(bp[off] == k[off], "zero page byte %#llx differs from the image", (unsigned long long)off);
    }
    FUZZ_CHECK(bp[BP_HDR_FIELD(type_of_loader)] == BP_LOADER_UNDEFINED &&
                   rd32(bp + BP_HDR_FIELD(cmd_line_ptr)) == LINUX_CMDLINE_GPA &&
                   rd32(bp + BP_HDR_FIELD(ramdisk_image)) == (uint32_t)rd &&
                   rd32(bp + BP_HDR_FIELD(ramdisk_size)) == (uint32_t)req->initrd_len &&
                   rd64(bp + BP_HDR_FIELD(setup_data)) == 0 && bp[BP_E820_ENTRIES] == req->nr_e820,
               "zero page loader fields");
    for (unsigned i = 0; i < req->nr_e820; i++) {
        const uint8_t *e = bp + BP_E820_TABLE + i * 20;
        FUZZ_CHECK(rd64(e) == req->e820[i].addr && rd64(e + 8) == req->e820[i].size && rd32(e + 16) == req->e820[i].type,
                   "zero page e820 entry %u", i);
    }

    /* Identity map: PML4[0] -> PDPT -> one PD per GiB of 2 MiB pages. */
    FUZZ_CHECK(rd64(gpa_ptr(LINUX_PML4_GPA)) == (LINUX_PDPT_GPA | 3), "PML4[0]");
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t pdpte = rd64(gpa_ptr(LINUX_PDPT_GPA + i * 8));
        FUZZ_CHECK(pdpte == (i < n_pd ? (LINUX_PD_GPA + i * 0x1000) | 3 : 0), "PDPT[%llu]", (unsigned long long)i);
        if (i >= n_pd)
            continue;
        for (uint64_t j = 0; j < 512; j += 73)
            FUZZ_CHECK(rd64(gpa_ptr(LINUX_PD_GPA + i * 0x1000 + j * 8)) == ((i * GIB + j * 2 * MIB) | 0x83),
                       "PD %llu entry %llu", (unsigned long long)i, (unsigned long long)j);
    }
    FUZZ_CHECK(rd64(gpa_ptr(LINUX_GDT_GPA + 16)) == 0x00AF9B000000FFFFull &&
                   rd64(gpa_ptr(LINUX_GDT_GPA + 24)) == 0x00CF93000000FFFFull,
               "GDT descriptors");

    /* Nothing else written: scan the gaps, then restore the regions. */
    struct region w[] = {
        { LINUX_GDT_GPA, 32, "" },           { LINUX_BOOT_PARAMS_GPA, BP_SIZE, "" }, { LINUX_PML4_GPA, 0x2000, "" },
        { LINUX_CMDLINE_GPA, cmdline_len, "" }, { LINUX_PD_GPA, n_pd * 0x1000, "" }, { load, hd.sys_len, "" },
        { rd, req->initrd_len, "" },
    };
    const unsigned nw = sizeof w / sizeof w[0];
    for (unsigned i = 1; i < nw; i++) {     /* by start address */
        for (unsigned j = i; j > 0 && w[j].start < w[j - 1].start; j--) {
            struct region t = w[j];
            w[j] = w[j - 1];
            w[j - 1] = t;
        }
    }
    uint64_t at = 0;
    for (unsigned i = 0; i <= nw; i++) {
        uint64_t end = i < nw ? w[i].start : fuzz_ram_scan_end(&ram);
        if (end > at) {
            int64_t bad = fuzz_ram_find_change(&ram, at, end, POISON);
            FUZZ_CHECK(bad < 0, "byte %#llx written outside the loader's regions", (unsigned long long)bad);
        }
        if (i < nw && w[i].start + w[i].len > at)
            at = w[i].start + w[i].len;
    }
    for (unsigned i = 0; i < nw; i++)
        memset(ram.base + w[i].start, POISON, w[i].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct linux_e820_entry e820[16];
    static uint8_t initrd[0x80000];
    static char cmdline[70000];
    if (!ram.base) {
        fuzz_ram_init(&ram, RAM_MAX);
        fuzz_ram_fill(&ram, POISON);
        for (size_t i = 0; i < sizeof cmdline; i++)     /* each run ends it with a NUL, then puts this back */
            cmdline[i] = (char)('a' + i % 26);
        for (size_t i = 0; i < sizeof initrd; i++)
            initrd[i] = (uint8_t)(i * 13 + (i >> 12));
    }
    struct fuzz_input in = { data, size };
    uint8_t r = fin_u8(&in);
    fuzz_ram_layout(&ram, (1 + r % 4) * MIB, 1 + (r >> 2) % 4);
    struct linux_load_request req = { 0 };
    build_e820(&in, e820, &req.nr_e820);
    req.e820 = e820;
    uint16_t n = fin_u16(&in);
    req.initrd_len = n & 0x8000 ? (n & 0x3FFu) * 0x200 : n % 300;
    req.initrd = req.initrd_len ? initrd : NULL;
    uint16_t c = fin_u16(&in);
    size_t cmdline_len = c & 0x8000 ? 0xFFF0 + (c & 0x1F) : c % 600;
    cmdline[cmdline_len] = '\0';
    req.cmdline = cmdline;
    req.acpi_rsdp_gpa = fin_u8(&in) & 1 ? 0xE0000 : 0;
    /* The rest is the image, up to the end of libFuzzer's exact-size buffer. */
    req.kernel = in.p;
    req.kernel_len = in.left;

    struct linux_load_result res;
    memset(&res, 0, sizeof res);
    const char *why = NULL;
    if (linux_load(&ram.gm, &req, &res, &why) == 0) {
        check_loaded(&req, &res);
    } else {
        FUZZ_CHECK(why && why[0], "refused without a reason");
        int64_t bad = fuzz_ram_find_change(&ram, 0, fuzz_ram_scan_end(&ram), POISON);
        FUZZ_CHECK(bad < 0, "refused (%s) but wrote byte %#llx", why, (unsigned long long)bad);
    }
    cmdline[cmdline_len] = (char)('a' + cmdline_len % 26);
    return 0;
}
