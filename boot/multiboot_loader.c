/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot v1 kernel loader with QEMU `-kernel` semantics; pure code run at VM setup in the hypervisor (and in host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "boot/multiboot_loader.h"
#include "boot/multiboot.h"
#include "boot/elf.h"

#define PAGE_SIZE   0x1000ull
#define MIB         0x100000ull
#define LIMIT_4G    0x100000000ull
#define MIN_RAM     (2 * MIB)

/* QEMU's layout: the information block at 0x9000 with everything it points
 * to packed after it, below the EBDA; kernel and modules keep out of
 * [0x9000, 0xA0000) so nothing we write there clobbers them. */
#define INFO_GPA        0x9000ull
#define INFO_LIMIT      0x9FC00ull
#define INFO_AREA_END   0xA0000ull

#define BOOT_LOADER_NAME "keel"
#define MMAP_ENTRIES     4

/* Bits 0..15 of the header flags are features the kernel requires. Page-
 * aligned modules and memory info are always provided; a video mode request
 * is accepted without video info, as QEMU does. Bits 16..31 are optional. */
#define REQUIRED_FLAGS_MASK 0xFFFFu
#define SUPPORTED_FLAGS     (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

static const char E_NOT_FIT[] = "kernel does not fit in guest memory";
static const char E_INFO_OVERLAP[] = "kernel overlaps the Multiboot information area at 0x9000";
static const char E_MODS_NOT_FIT[] = "modules do not fit in guest memory";

/* A PT_LOAD program header, widened from either ELF class. */
struct segment {
    uint32_t type;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
};

/* What the image asks for, fully validated before anything is written. */
struct kernel_plan {
    bool aout;
    /* a.out kludge: file bytes [file_off, +load_size) go to load_addr, then
     * zeroes up to load_addr + mem_size. */
    uint64_t file_off;
    uint64_t load_addr;
    uint64_t load_size;
    uint64_t mem_size;
    /* ELF: where the (validated) program header table is. */
    bool elf64;
    uint64_t phoff;
    unsigned phnum;
    unsigned phentsize;
    /* Both. */
    uint64_t end;           /* one past the highest byte the kernel occupies */
    uint32_t entry;
};

static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -1;
}

static uint64_t page_align_up(uint64_t x)
{
    return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static bool overlaps_info_area(uint64_t start, uint64_t len)
{
    return len && start < INFO_AREA_END && start + len > INFO_GPA;
}

/* Callers bound start+len below 2^64 first (it fits guest RAM), so the
 * overlap arithmetic above cannot wrap. */
static int check_kernel_range(const struct guest_mem *gm, uint64_t start, uint64_t len,
                              const char **why)
{
    if (len > gm->size || start > gm->size - len)
        return refuse(why, E_NOT_FIT);
    if (start + len > LIMIT_4G)
        return refuse(why, "kernel lies above 4 GiB");
    if (overlaps_info_area(start, len))
        return refuse(why, E_INFO_OVERLAP);
    return 0;
}

/* First 4-byte aligned magic whose checksum holds, entirely within the first
 * 8192 bytes. Header fields past the window's end read as zero. */
static bool find_header(const unsigned char *k, size_t window, size_t *off,
                        struct multiboot_header *h)
{
    for (size_t o = 0; window >= MULTIBOOT_HEADER_MIN_LEN &&
                       o <= window - MULTIBOOT_HEADER_MIN_LEN; o += MULTIBOOT_HEADER_ALIGN) {
        uint32_t w[3];
        memcpy(w, k + o, sizeof w);
        if (w[0] != MULTIBOOT_HEADER_MAGIC || (uint32_t)(w[0] + w[1] + w[2]) != 0)
            continue;
        size_t n = window - o < sizeof *h ? window - o : sizeof *h;
        memset(h, 0, sizeof *h);
        memcpy(h, k + o, n);
        *off = o;
        return true;
    }
    return false;
}

static int plan_aout(const struct guest_mem *gm, const struct multiboot_load_request *req,
                     size_t hoff, const struct multiboot_header *h,
                     struct kernel_plan *kp, const char **why)
{
    uint64_t len = req->kernel_len;

    if (h->load_addr > h->header_addr)
        return refuse(why, "a.out kludge: load_addr is above header_addr");
    uint64_t lead = (uint64_t)h->header_addr - h->load_addr;
    if (lead > hoff)
        return refuse(why, "a.out kludge: load_addr lies before the start of the file");
    kp->file_off = hoff - lead;

    if (h->load_end_addr == 0) {
        kp->load_size = len - kp->file_off;     /* file_off <= hoff < len */
    } else {
        /* The header itself is part of the loaded text. */
        if ((uint64_t)h->load_end_addr < (uint64_t)h->header_addr + MULTIBOOT_HEADER_AOUT_LEN)
            return refuse(why, "a.out kludge: load_end_addr does not cover the header");
        kp->load_size = (uint64_t)h->load_end_addr - h->load_addr;
        if (kp->load_size > len - kp->file_off)
            return refuse(why, "a.out kludge: load range extends beyond the file");
    }

    uint64_t load_end = (uint64_t)h->load_addr + kp->load_size;
    uint64_t end = load_end;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < load_end)
            return refuse(why, "a.out kludge: bss_end_addr is below load_end_addr");
        end = h->bss_end_addr;
    }
    if (h->entry_addr < h->load_addr || h->entry_addr >= load_end)
        return refuse(why, "a.out kludge: entry_addr is outside the loaded image");

    kp->aout = true;
    kp->load_addr = h->load_addr;
    kp->mem_size = end - h->load_addr;
    kp->end = end;
    kp->entry = h->entry_addr;
    return check_kernel_range(gm, kp->load_addr, kp->mem_size, why);
}

/* Entry i of a program header table plan_elf() has bounds-checked. */
static void read_segment(const unsigned char *k, const struct kernel_plan *kp, unsigned i,
                         struct segment *s)
{
    const unsigned char *p = k + kp->phoff + (uint64_t)i * kp->phentsize;

    if (kp->elf64) {
        struct elf64_phdr ph;
        memcpy(&ph, p, sizeof ph);
        s->type = ph.p_type;
        s->offset = ph.p_offset;
        s->vaddr = ph.p_vaddr;
        s->paddr = ph.p_paddr;
        s->filesz = ph.p_filesz;
        s->memsz = ph.p_memsz;
    } else {
        struct elf32_phdr ph;
        memcpy(&ph, p, sizeof ph);
        s->type = ph.p_type;
        s->offset = ph.p_offset;
        s->vaddr = ph.p_vaddr;
        s->paddr = ph.p_paddr;
        s->filesz = ph.p_filesz;
        s->memsz = ph.p_memsz;
    }
}

/* Empty segments occupy nothing and are skipped everywhere. */
static bool is_loaded(const struct segment *s)
{
    return s->type == ELF_PT_LOAD && s->memsz;
}

static int plan_elf_header(const struct multiboot_load_request *req, struct kernel_plan *kp,
                           uint64_t *entry, const char **why)
{
    const unsigned char *k = req->kernel;
    uint64_t len = req->kernel_len;
    uint16_t type, machine, want_machine;
    unsigned min_phentsize;

    if (len < 4 || memcmp(k, "\177ELF", 4) != 0)
        return refuse(why, "kernel is not ELF and has no Multiboot a.out kludge");
    if (len < ELF_NIDENT)
        return refuse(why, "ELF header is truncated");
    if (k[ELF_EI_CLASS] != ELF_CLASS32 && k[ELF_EI_CLASS] != ELF_CLASS64)
        return refuse(why, "ELF class is neither 32-bit nor 64-bit");
    if (k[ELF_EI_DATA] != ELF_DATA2LSB)
        return refuse(why, "ELF is not little-endian");
    if (k[ELF_EI_VERSION] != ELF_EV_CURRENT)
        return refuse(why, "ELF version is not 1");

    kp->elf64 = k[ELF_EI_CLASS] == ELF_CLASS64;
    if (kp->elf64) {
        struct elf64_ehdr eh;
        if (len < sizeof eh)
            return refuse(why, "ELF header is truncated");
        memcpy(&eh, k, sizeof eh);
        type = eh.e_type;
        machine = eh.e_machine;
        *entry = eh.e_entry;
        kp->phoff = eh.e_phoff;
        kp->phnum = eh.e_phnum;
        kp->phentsize = eh.e_phentsize;
        want_machine = ELF_EM_X86_64;
        min_phentsize = sizeof(struct elf64_phdr);
    } else {
        struct elf32_ehdr eh;
        if (len < sizeof eh)
            return refuse(why, "ELF header is truncated");
        memcpy(&eh, k, sizeof eh);
        type = eh.e_type;
        machine = eh.e_machine;
        *entry = eh.e_entry;
        kp->phoff = eh.e_phoff;
        kp->phnum = eh.e_phnum;
        kp->phentsize = eh.e_phentsize;
        want_machine = ELF_EM_386;
        min_phentsize = sizeof(struct elf32_phdr);
    }

    if (type != ELF_ET_EXEC)
        return refuse(why, "ELF is not an executable (ET_EXEC)");
    if (machine != want_machine)
        return refuse(why, "ELF machine is not i386 (ELF32) or x86-64 (ELF64)");
    if (kp->phnum == 0)
        return refuse(why, "ELF has no program headers");
    if (kp->phnum == ELF_PN_XNUM)
        return refuse(why, "ELF uses extended program header numbering");
    if (kp->phentsize < min_phentsize)
        return refuse(why, "ELF program header entry size is too small");
    uint64_t table = (uint64_t)kp->phnum * kp->phentsize;  /* both < 2^16: no wrap */
    if (kp->phoff > len || table > len - kp->phoff)
        return refuse(why, "ELF program headers extend beyond the file");
    return 0;
}

static int plan_elf(const struct guest_mem *gm, const struct multiboot_load_request *req,
                    struct kernel_plan *kp, const char **why)
{
    const unsigned char *k = req->kernel;
    uint64_t len = req->kernel_len;
    uint64_t e_entry = 0;
    struct segment s;
    bool any = false;

    int rc = plan_elf_header(req, kp, &e_entry, why);
    if (rc)
        return rc;

    kp->end = 0;
    for (unsigned i = 0; i < kp->phnum; i++) {
        read_segment(k, kp, i, &s);
        if (s.type != ELF_PT_LOAD)
            continue;
        if (s.filesz > s.memsz)
            return refuse(why, "ELF segment has p_filesz larger than p_memsz");
        if (s.filesz && (s.offset > len || s.filesz > len - s.offset))
            return refuse(why, "ELF segment data extends beyond the file");
        if (!s.memsz)
            continue;
        rc = check_kernel_range(gm, s.paddr, s.memsz, why);
        if (rc)
            return rc;
        any = true;
        if (s.paddr + s.memsz > kp->end)
            kp->end = s.paddr + s.memsz;
    }
    if (!any)
        return refuse(why, "ELF has no loadable segments");

    /* A higher-half kernel links e_entry at a virtual address; paging is off
     * at entry, so it becomes the physical address of the same byte. An entry
     * no segment maps virtually is taken as physical already. */
    uint64_t entry = e_entry;
    for (unsigned i = 0; i < kp->phnum; i++) {
        read_segment(k, kp, i, &s);
        if (is_loaded(&s) && e_entry >= s.vaddr && e_entry - s.vaddr < s.memsz) {
            entry = s.paddr + (e_entry - s.vaddr);
            break;
        }
    }
    if (entry >= LIMIT_4G)
        return refuse(why, "ELF entry point is above 4 GiB");
    bool inside = false;
    for (unsigned i = 0; i < kp->phnum && !inside; i++) {
        read_segment(k, kp, i, &s);
        inside = is_loaded(&s) && entry >= s.paddr && entry - s.paddr < s.memsz;
    }
    if (!inside)
        return refuse(why, "ELF entry point is outside the loaded segments");
    kp->entry = (uint32_t)entry;
    return 0;
}

/* Modules go after the kernel's last byte (bss included), in order, each on
 * a page boundary; mod_end is a 32-bit exclusive bound, hence < 4 GiB. */
static int plan_modules(const struct guest_mem *gm, const struct multiboot_load_request *req,
                        uint64_t kernel_end, uint32_t *mod_start, const char **why)
{
    uint64_t cur = kernel_end;      /* <= 4 GiB: no wrap below */

    for (unsigned i = 0; i < req->nr_modules; i++) {
        const struct multiboot_module_image *m = &req->module[i];
        if (m->len && !m->data)
            return refuse(why, "module has no data");
        uint64_t start = page_align_up(cur);
        uint64_t n = m->len;
        if (n > gm->size || start > gm->size - n || start + n >= LIMIT_4G)
            return refuse(why, E_MODS_NOT_FIT);
        if (overlaps_info_area(start, n))
            return refuse(why, E_INFO_OVERLAP);
        mod_start[i] = (uint32_t)start;
        cur = start + n;
    }
    return 0;
}

static int load_kernel(const struct guest_mem *gm, const struct multiboot_load_request *req,
                       const struct kernel_plan *kp, const char **why)
{
    const unsigned char *k = req->kernel;

    if (kp->aout) {
        if (guest_mem_write(gm, kp->load_addr, k + kp->file_off, kp->load_size) ||
            guest_mem_zero(gm, kp->load_addr + kp->load_size, kp->mem_size - kp->load_size))
            return refuse(why, E_NOT_FIT);
        return 0;
    }
    for (unsigned i = 0; i < kp->phnum; i++) {
        struct segment s;
        read_segment(k, kp, i, &s);
        if (!is_loaded(&s))
            continue;
        if (guest_mem_write(gm, s.paddr, k + s.offset, s.filesz) ||
            guest_mem_zero(gm, s.paddr + s.filesz, s.memsz - s.filesz))
            return refuse(why, E_NOT_FIT);
    }
    return 0;
}

static int load_modules(const struct guest_mem *gm, const struct multiboot_load_request *req,
                        const uint32_t *mod_start, const char **why)
{
    for (unsigned i = 0; i < req->nr_modules; i++) {
        if (guest_mem_write(gm, mod_start[i], req->module[i].data, req->module[i].len))
            return refuse(why, E_MODS_NOT_FIT);
    }
    return 0;
}

/* Claim n bytes of the information area at *at; false when they would reach
 * INFO_LIMIT. Keeps *at <= INFO_LIMIT, so the subtraction cannot wrap. */
static bool info_reserve(uint64_t *at, uint64_t n, uint64_t *gpa)
{
    if (n > INFO_LIMIT - *at)
        return false;
    *gpa = *at;
    *at += n;
    return true;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* Lays out the information block; with commit false it only checks that
 * everything fits, so the same code decides the layout both times. */
static int build_info(const struct guest_mem *gm, const struct multiboot_load_request *req,
                      const uint32_t *mod_start, bool commit, const char **why)
{
    static const char e_big[] = "Multiboot command lines do not fit below 0x9FC00";
    static const char e_write[] = "cannot write the Multiboot information block";
    uint64_t at = INFO_GPA + sizeof(struct multiboot_info);
    uint64_t mods_gpa, mmap_gpa, name_gpa, cmdline_gpa, str_gpa;

    if (!info_reserve(&at, (uint64_t)req->nr_modules * sizeof(struct multiboot_mod_list), &mods_gpa) ||
        !info_reserve(&at, MMAP_ENTRIES * sizeof(struct multiboot_mmap_entry), &mmap_gpa) ||
        !info_reserve(&at, sizeof BOOT_LOADER_NAME, &name_gpa))
        return refuse(why, e_big);

    const char *cmdline = or_empty(req->cmdline);
    uint64_t n = (uint64_t)strlen(cmdline) + 1;
    if (!info_reserve(&at, n, &cmdline_gpa))
        return refuse(why, e_big);
    if (commit && (guest_mem_write(gm, name_gpa, BOOT_LOADER_NAME, sizeof BOOT_LOADER_NAME) ||
                   guest_mem_write(gm, cmdline_gpa, cmdline, n)))
        return refuse(why, e_write);

    for (unsigned i = 0; i < req->nr_modules; i++) {
        const char *str = or_empty(req->module[i].string);
        n = (uint64_t)strlen(str) + 1;
        if (!info_reserve(&at, n, &str_gpa))
            return refuse(why, e_big);
        if (!commit)
            continue;
        struct multiboot_mod_list ml = {
            .mod_start = mod_start[i],
            /* plan_modules() keeps mod_start + len below 4 GiB. */
            .mod_end = (uint32_t)(mod_start[i] + req->module[i].len),
            .string = (uint32_t)str_gpa,
            .reserved = 0,
        };
        if (guest_mem_write(gm, str_gpa, str, n) ||
            guest_mem_write(gm, mods_gpa + (uint64_t)i * sizeof ml, &ml, sizeof ml))
            return refuse(why, e_write);
    }
    if (!commit)
        return 0;

    /* RAM is one range [0, size): conventional memory up to the EBDA, the
     * EBDA and BIOS areas reserved, the VGA/ROM hole unlisted, then RAM
     * from 1 MiB to the end. */
    const uint64_t map[MMAP_ENTRIES][3] = {
        { 0, INFO_LIMIT, MULTIBOOT_MEMORY_AVAILABLE },
        { INFO_LIMIT, INFO_AREA_END - INFO_LIMIT, MULTIBOOT_MEMORY_RESERVED },
        { 0xF0000, 0x10000, MULTIBOOT_MEMORY_RESERVED },
        { MIB, gm->size - MIB, MULTIBOOT_MEMORY_AVAILABLE },
    };
    for (unsigned i = 0; i < MMAP_ENTRIES; i++) {
        struct multiboot_mmap_entry me = {
            .size = sizeof me - sizeof me.size,
            .base_addr_low = (uint32_t)map[i][0],
            .base_addr_high = (uint32_t)(map[i][0] >> 32),
            .length_low = (uint32_t)map[i][1],
            .length_high = (uint32_t)(map[i][1] >> 32),
            .type = (uint32_t)map[i][2],
        };
        if (guest_mem_write(gm, mmap_gpa + (uint64_t)i * sizeof me, &me, sizeof me))
            return refuse(why, e_write);
    }

    uint64_t upper_kib = (gm->size - MIB) / 1024;
    struct multiboot_info info = {
        .flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
                 MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME,
        /* Agrees with the map: RAM below the EBDA, as GRUB reports from INT 12h. */
        .mem_lower = INFO_LIMIT / 1024,
        .mem_upper = upper_kib > UINT32_MAX ? UINT32_MAX : (uint32_t)upper_kib,
        .cmdline = (uint32_t)cmdline_gpa,
        .mods_count = req->nr_modules,
        .mods_addr = (uint32_t)mods_gpa,
        .mmap_length = MMAP_ENTRIES * sizeof(struct multiboot_mmap_entry),
        .mmap_addr = (uint32_t)mmap_gpa,
        .boot_loader_name = (uint32_t)name_gpa,
    };
    if (guest_mem_write(gm, INFO_GPA, &info, sizeof info))
        return refuse(why, e_write);
    return 0;
}

int multiboot_load(const struct guest_mem *gm, const struct multiboot_load_request *req,
                   struct multiboot_load_result *res, const char **why)
{
    struct multiboot_header h;
    struct kernel_plan kp;
    uint32_t mod_start[MULTIBOOT_LOADER_MODULES_MAX];
    size_t hoff = 0;
    int rc;

    if (!gm || !req || !res || (!req->kernel && req->kernel_len))
        return refuse(why, "invalid Multiboot load request");
    if (req->nr_modules > MULTIBOOT_LOADER_MODULES_MAX)
        return refuse(why, "too many modules");
    if (gm->size < MIN_RAM)
        return refuse(why, "guest memory too small for a Multiboot kernel");

    size_t window = req->kernel_len < MULTIBOOT_SEARCH ? req->kernel_len : MULTIBOOT_SEARCH;
    if (!find_header(req->kernel, window, &hoff, &h))
        return refuse(why, "no Multiboot header in the first 8192 bytes");
    if (h.flags & REQUIRED_FLAGS_MASK & ~SUPPORTED_FLAGS)
        return refuse(why, "kernel requests unsupported Multiboot features");

    /* Validate everything before writing anything: a refused kernel leaves
     * guest RAM untouched. */
    memset(&kp, 0, sizeof kp);
    if (h.flags & MULTIBOOT_AOUT_KLUDGE) {
        if (window - hoff < MULTIBOOT_HEADER_AOUT_LEN)
            return refuse(why, "Multiboot header is truncated");
        rc = plan_aout(gm, req, hoff, &h, &kp, why);
    } else {
        rc = plan_elf(gm, req, &kp, why);
    }
    if (rc)
        return rc;
    rc = plan_modules(gm, req, kp.end, mod_start, why);
    if (rc)
        return rc;
    rc = build_info(gm, req, mod_start, false, why);
    if (rc)
        return rc;

    rc = load_kernel(gm, req, &kp, why);
    if (rc)
        return rc;
    rc = load_modules(gm, req, mod_start, why);
    if (rc)
        return rc;
    rc = build_info(gm, req, mod_start, true, why);
    if (rc)
        return rc;

    res->entry = kp.entry;
    res->info_gpa = (uint32_t)INFO_GPA;
    return 0;
}
