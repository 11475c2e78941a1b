/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the Multiboot v1 loader (boot/multiboot_loader.c): any ELF32/ELF64/a.out-kludge image, modules and command lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "boot/elf.h"
#include "boot/multiboot.h"
#include "boot/multiboot_loader.h"

/*
 * Input: the request (RAM size and extents, up to 9 modules with their
 * lengths and strings, the command line's length), then the kernel image,
 * the tail of libFuzzer's buffer so that ASan sees any read past it. Guest
 * RAM (1-4 MiB) is filled with a poison byte. Checked:
 *  - a refused load names a reason and leaves RAM untouched;
 *  - an accepted one enters at a byte some loaded segment (or the a.out
 *    image) covers, with EBX at the information block; segments hold their
 *    file bytes then zeroes (when they do not overlap); modules sit
 *    page-aligned after the kernel, apart, byte for byte; the information
 *    block (flags, memory sizes, command line, module list, memory map,
 *    loader name) says what the loader wrote; nothing is written outside
 *    the kernel's segments, the modules and the information area, all of
 *    which lie in guest RAM below 4 GiB and outside [0x9000, 0xA0000) but
 *    for the information block itself.
 */

#define MIB 0x100000ull
#define POISON 0xCC
#define RAM_MAX (4 * MIB)
#define INFO_GPA 0x9000u
#define INFO_LIMIT 0x9FC00u
#define INFO_END 0xA0000u

static struct fuzz_ram ram;

struct region {
    uint64_t start, len;
};

static uint32_t rd32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, ram.base + gpa, sizeof v);
    return v;
}

static bool in_ram(uint64_t start, uint64_t len)
{
    return len <= ram.gm.size && start <= ram.gm.size - len;
}

static bool overlaps(struct region a, struct region b)
{
    return a.len && b.len && a.start < b.start + b.len && b.start < a.start + a.len;
}

/* What the kernel image occupies, parsed here independently: the a.out
 * kludge range, or the non-empty PT_LOAD segments. Returns how many. */
static unsigned kernel_regions(const uint8_t *k, size_t len, struct region *seg, uint64_t *file_off, uint64_t *file_len,
                               unsigned max)
{
    size_t window = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;
    for (size_t o = 0; window >= 12 && o <= window - 12; o += 4) {
        uint32_t w[3];
        memcpy(w, k + o, sizeof w);
        if (w[0] != MULTIBOOT_HEADER_MAGIC || (uint32_t)(w[0] + w[1] + w[2]) != 0)
            continue;
        if (w[1] & MULTIBOOT_AOUT_KLUDGE) {
            struct multiboot_header h;
            memset(&h, 0, sizeof h);
            memcpy(&h, k + o, window - o < sizeof h ? window - o : sizeof h);
            uint64_t load_end = h.load_end_addr ? h.load_end_addr : h.load_addr + (len - (o - (h.header_addr - h.load_addr)));
            uint64_t end = h.bss_end_addr ? h.bss_end_addr : load_end;
            seg[0] = (struct region){ h.load_addr, end - h.load_addr };
            file_off[0] = o - ((uint64_t)h.header_addr - h.load_addr);
            file_len[0] = load_end - h.load_addr;
            return 1;
        }
        break;
    }
    unsigned n = 0;
    bool elf64 = k[ELF_EI_CLASS] == ELF_CLASS64;
    uint64_t phoff;
    unsigned phnum, phentsize;
    if (elf64) {
        struct elf64_ehdr eh;
        memcpy(&eh, k, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
    } else {
        struct elf32_ehdr eh;
        memcpy(&eh, k, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
    }
    for (unsigned i = 0; i < phnum && n < max; i++) {
        const uint8_t *p = k + phoff + (uint64_t)i * phentsize;
        uint32_t type;
        uint64_t offset, paddr, filesz, memsz;
        if (elf64) {
            struct elf64_phdr ph;
            memcpy(&ph, p, sizeof ph);
            type = ph.p_type, offset = ph.p_offset, paddr = ph.p_paddr, filesz = ph.p_filesz, memsz = ph.p_memsz;
        } else {
            struct elf32_phdr ph;
            memcpy(&ph, p, sizeof ph);
            type = ph.p_type, offset = ph.p_offset, paddr = ph.p_paddr, filesz = ph.p_filesz, memsz = ph.p_memsz;
        }
        if (type != ELF_PT_LOAD || !memsz)
            continue;
        seg[n] = (struct region){ paddr, memsz };
        file_off[n] = offset;
        file_len[n] = filesz;
        n++;
    }
    return n;
}

static void check_loaded(const struct multiboot_load_request *req, const struct multiboot_load_result *res)
{
    enum { SEGS_MAX = 64 };
    static struct region seg[SEGS_MAX];
    static uint64_t file_off[SEGS_MAX], file_len[SEGS_MAX];
    const uint8_t *k = req->kernel;
    unsigned nseg = kernel_regions(k, req->kernel_len, seg, file_off, file_len, SEGS_MAX);
    FUZZ_CHECK(nseg > 0, "loaded without a segment");

    uint64_t kernel_end = 0;
    bool entry_inside = false;
    for (unsigned i = 0; i < nseg; i++) {
        FUZZ_CHECK(in_ram(seg[i].start, seg[i].len) && seg[i].start + seg[i].len <= 0x100000000ull,
                   "segment [%#llx, +%#llx) outside RAM", (unsigned long long)seg[i].start, (unsigned long long)seg[i].len);
        FUZZ_CHECK(!overlaps(seg[i], (struct region){ INFO_GPA, INFO_END - INFO_GPA }),
                   "segment at %#llx overlaps the information area", (unsigned long long)seg[i].start);
        FUZZ_CHECK(file_len[i] <= seg[i].len &&
                       (!file_len[i] || (file_off[i] <= req->kernel_len && file_len[i] <= req->kernel_len - file_off[i])),
                   "segment %u's file bytes [%#llx, +%#llx) beyond the image", i, (unsigned long long)file_off[i],
                   (unsigned long long)file_len[i]);
        if (seg[i].start + seg[i].len > kernel_end)
            kernel_end = seg[i].start + seg[i].len;
        entry_inside |= res->entry >= seg[i].start && res->entry - seg[i].start < seg[i].len;
        bool alone = true;
        for (unsigned j = 0; j < nseg; j++)
            alone &= j == i || !overlaps(seg[i], seg[j]);
        if (!alone)
            continue;
        FUZZ_CHECK(memcmp(ram.base + seg[i].start, k + file_off[i], file_len[i]) == 0, "segment %u bytes differ", i);
        for (uint64_t b = file_len[i]; b < seg[i].len; b++)
            FUZZ_CHECK(ram.base[seg[i].start + b] == 0, "segment %u bss byte %#llx not zero", i, (unsigned long long)b);
    }
    FUZZ_CHECK(entry_inside, "entry %#x outside the loaded image", res->entry);
    FUZZ_CHECK(res->info_gpa == INFO_GPA, "information block at %#x", res->info_gpa);

    /* The information block and what it points to. */
    struct multiboot_info info;
    memcpy(&info, ram.base + INFO_GPA, sizeof info);
    uint32_t want_flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
                          MULTIBOOT_INFO_BOOT_LOADER_NAME;
    FUZZ_CHECK(info.flags == want_flags && info.mem_lower == INFO_LIMIT / 1024 &&
                   info.mem_upper == (ram.gm.size - MIB) / 1024 && info.mods_count == req->nr_modules,
               "information block header");
    struct region used[SEGS_MAX + MULTIBOOT_LOADER_MODULES_MAX + 1];
    unsigned nused = 0;
    for (unsigned i = 0; i < nseg; i++)
        used[nused++] = seg[i];
    used[nused++] = (struct region){ INFO_GPA, INFO_LIMIT - INFO_GPA };
    FUZZ_CHECK(info.cmdline >= INFO_GPA && info.cmdline < INFO_LIMIT &&
                   strncmp((const char *)ram.base + info.cmdline, req->cmdline ? req->cmdline : "", INFO_LIMIT - info.cmdline) == 0,
               "command line");
    FUZZ_CHECK(!strcmp((const char *)ram.base + info.boot_loader_name, "keel"), "boot loader name");
    FUZZ_CHECK(info.mmap_length == 4 * sizeof(struct multiboot_mmap_entry) && info.mmap_addr >= INFO_GPA &&
                   info.mmap_addr + info.mmap_length <= INFO_LIMIT,
               "memory map at %#x", info.mmap_addr);
    FUZZ_CHECK(rd32(info.mmap_addr + 3 * 24 + 4) == MIB && rd32(info.mmap_addr + 3 * 24 + 12) == ram.gm.size - MIB,
               "memory map's RAM above 1 MiB");
    uint64_t prev_end = kernel_end;
    for (unsigned i = 0; i < req->nr_modules; i++) {
        FUZZ_CHECK(info.mods_addr >= INFO_GPA && info.mods_addr + (i + 1) * 16u <= INFO_LIMIT, "module list");
        uint32_t start = rd32(info.mods_addr + i * 16), end = rd32(info.mods_addr + i * 16 + 4);
        uint32_t str = rd32(info.mods_addr + i * 16 + 8);
        const struct multiboot_module_image *m = &req->module[i];
        FUZZ_CHECK(start % 0x1000 == 0 && start >= prev_end && end - start == m->len && in_ram(start, m->len),
                   "module %u at [%#x, %#x), after %#llx", i, start, end, (unsigned long long)prev_end);
        FUZZ_CHECK(!overlaps((struct region){ start, m->len }, (struct region){ INFO_GPA, INFO_END - INFO_GPA }),
                   "module %u overlaps the information area", i);
        FUZZ_CHECK(!m->len || memcmp(ram.base + start, m->data, m->len) == 0, "module %u bytes differ", i);
        FUZZ_CHECK(str >= INFO_GPA && str < INFO_LIMIT && strcmp((const char *)ram.base + str, m->string) == 0,
                   "module %u string", i);
        used[nused++] = (struct region){ start, m->len };
        prev_end = end;
    }

    /* Nothing written elsewhere: scan, restoring poison where the loader wrote. */
    for (unsigned i = 1; i < nused; i++) {
        for (unsigned j = i; j > 0 && used[j].start < used[j - 1].start; j--) {
            struct region t = used[j];
            used[j] = used[j - 1];
            used[j - 1] = t;
        }
    }
    uint64_t at = 0;
    for (unsigned i = 0; i <= nused; i++) {
        uint64_t end = i < nused ? used[i].start : fuzz_ram_scan_end(&ram);
        if (end > at) {
            int64_t bad = fuzz_ram_find_change(&ram, at, end, POISON);
            FUZZ_CHECK(bad < 0, "byte %#llx written outside the kernel, modules and information area",
                       (unsigned long long)bad);
        }
        if (i < nused && used[i].start + used[i].len > at)
            at = used[i].start + used[i].len;
    }
    for (unsigned i = 0; i < nused; i++)
        memset(ram.base + used[i].start, POISON, used[i].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t module_data[MULTIBOOT_LOADER_MODULES_MAX + 1][0x3000];
    static char strings[MULTIBOOT_LOADER_MODULES_MAX + 1][64];
    static char cmdline[0x98000];
    if (!ram.base) {
        fuzz_ram_init(&ram, RAM_MAX);
        fuzz_ram_fill(&ram, POISON);
        for (size_t i = 0; i < sizeof cmdline; i++)     /* each run ends it with a NUL, then puts this back */
            cmdline[i] = (char)('a' + i % 26);
        for (unsigned m = 0; m <= MULTIBOOT_LOADER_MODULES_MAX; m++) {
            for (size_t i = 0; i < sizeof module_data[m]; i++)
                module_data[m][i] = (uint8_t)(m * 31 + i * 7);
        }
    }
    struct fuzz_input in = { data, size };
    uint8_t r = fin_u8(&in);
    fuzz_ram_layout(&ram, (1 + r % 4) * MIB, 1 + (r >> 2) % 4);

    static struct multiboot_load_request req;
    memset(&req, 0, sizeof req);
    uint8_t mods = fin_u8(&in);
    req.nr_modules = mods % (MULTIBOOT_LOADER_MODULES_MAX + 2);
    for (unsigned i = 0; i < req.nr_modules && i < MULTIBOOT_LOADER_MODULES_MAX; i++) {
        uint16_t len = fin_u16(&in);
        req.module[i].len = len % sizeof module_data[i];
        req.module[i].data = len & 0x8000 ? NULL : module_data[i];     /* NULL: refused unless empty */
        snprintf(strings[i], sizeof strings[i], "/boot/mod%u arg=%u", i, len);
        req.module[i].string = strings[i];
    }
    uint16_t c = fin_u16(&in);
    size_t cmdline_len = c & 0x8000 ? 0x96000 + (c & 0x1FFF) : c % 200;     /* or past the information area */
    cmdline[cmdline_len] = '\0';
    req.cmdline = mods & 0x80 ? NULL : cmdline;
    req.kernel = in.p;
    req.kernel_len = in.left;

    struct multiboot_load_result res;
    const char *why = NULL;
    if (multiboot_load(&ram.gm, &req, &res, &why) == 0) {
        FUZZ_CHECK(req.nr_modules <= MULTIBOOT_LOADER_MODULES_MAX, "accepted %u modules", req.nr_modules);
        check_loaded(&req, &res);
    } else {
        FUZZ_CHECK(why && why[0], "refused without a reason");
        int64_t bad = fuzz_ram_find_change(&ram, 0, fuzz_ram_scan_end(&ram), POISON);
        FUZZ_CHECK(bad < 0, "refused (%s) but wrote byte %#llx", why, (unsigned long long)bad);
    }
    cmdline[cmdline_len] = (char)('a' + cmdline_len % 26);
    return 0;
}
