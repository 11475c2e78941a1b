/* SPDX-License-Identifier: BSD-2-Clause */
/* cmdline.c — test guest: the Multiboot information block as QEMU -kernel builds it.
 * Config: cmdline "alpha=1 beta=two", modules "/boot/mod-a.bin first arg" and
 * "/boot/mod-b.bin". Checks magic, info flags, the command line (kernel path first),
 * module strings/alignment/contents/placement, and mem_lower/mem_upper against the
 * memory map. Module contents come from mods/mod-a.asm and mods/mod-b.asm. */
#include "guest.h"

const char test_name[] = "cmdline";

#define RAM_LIMIT       (16u << 20)     /* memory = 16 in cmdline.cfg */
#define WANT_CMDLINE    "/boot/cmdline.elf alpha=1 beta=two"
#define MOD_A_LEN       5000u
static const uint8_t mod_b_bytes[] = { 0x4B, 0x65, 0x6C };     /* "Kel" */

static const char *const want_mod_string[2] = {
    "/boot/mod-a.bin first arg",
    "/boot/mod-b.bin",
};

static uint8_t bss_probe[8192];     /* must be zero: ELF memsz > filesz is the loader's to clear */

static bool in_ram(uint64_t addr, uint64_t len)
{
    return addr + len >= addr && addr + len <= RAM_LIMIT;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool outside_image(uint64_t addr, uint64_t len)
{
    uint64_t lo = (uintptr_t)__image_start, hi = (uintptr_t)__bss_end;
    return !overlaps(addr, len, lo, hi - lo);
}

/* Loader-provided string, checked in place: in RAM and NUL-terminated within max. */
static const char *loader_string(uint32_t gpa, const char *what)
{
    const unsigned max = 4096;
    if (!check(gpa && in_ram(gpa, 1), "%s string at 0x%x is in RAM", what, gpa))
        return 0;
    const char *s = gpa_ptr(gpa);
    size_t limit = in_ram(gpa, max) ? max : RAM_LIMIT - gpa;
    if (!check(strnlen(s, limit) < limit, "%s string is NUL-terminated", what))
        return 0;
    return s;
}

struct ram_map {
    uint64_t total;             /* bytes of type-1 RAM */
    uint64_t highest;           /* end of the highest type-1 region */
    uint64_t low_len;           /* type-1 region starting at 0 */
    uint64_t upper_len;         /* type-1 region starting at 1 MiB */
};

static bool mmap_valid;     /* set by check_mmap; in_map_ram walks the map only then */

static bool in_map_ram(const struct multiboot_info *mi, uint64_t addr, uint64_t len)
{
    uint32_t off = 0;
    if (!mmap_valid)
        return false;
    while (off + 4 <= mi->mmap_length) {
        const struct multiboot_mmap_entry *e = gpa_ptr(mi->mmap_addr + off);
        if (e->type == MMAP_TYPE_RAM && addr >= e->base && addr + len <= e->base + e->length)
            return true;
        off += e->size + 4;
    }
    return false;
}

static void check_mmap(const struct multiboot_info *mi, struct ram_map *m)
{
    memset(m, 0, sizeof(*m));
    if (!check(in_ram(mi->mmap_addr, mi->mmap_length) && mi->mmap_length >= 24,
               "memory map at 0x%x, %u bytes, is in RAM", mi->mmap_addr, mi->mmap_length))
        return;
    uint32_t off = 0;
    unsigned n = 0;
    bool sizes_ok = true;
    while (off + 4 <= mi->mmap_length) {
        const struct multiboot_mmap_entry *e = gpa_ptr(mi->mmap_addr + off);
        if (e->size < 20 || off + e->size + 4 > mi->mmap_length) {
            sizes_ok = false;
            break;
        }
        kprintf("cmdline: mmap[%u] base 0x%lx length 0x%lx type %u\n", n, (unsigned long)e->base,
                (unsigned long)e->length, e->type);
        if (e->type == MMAP_TYPE_RAM) {
            m->total += e->length;
            if (e->base + e->length > m->highest)
                m->highest = e->base + e->length;
            if (e->base == 0)
                m->low_len = e->length;
            if (e->base == 0x100000)
                m->upper_len = e->length;
        }
        off += e->size + 4;
        n++;
    }
    mmap_valid = check(sizes_ok && n >= 2, "memory map has %u well-formed entries (size >= 20)", n);
    check(m->highest <= RAM_LIMIT && m->total > RAM_LIMIT / 2,
          "memory map RAM: %lu KiB in all, highest end 0x%lx, within the configured 16 MiB",
          (unsigned long)(m->total >> 10), (unsigned long)m->highest);
}

static void check_memory(const struct multiboot_info *mi)
{
    struct ram_map m;
    check_mmap(mi, &m);
    check(mi->mem_lower > 0 && mi->mem_lower <= 640, "mem_lower %u KiB is in (0, 640]", mi->mem_lower);
    check(m.low_len == (uint64_t)mi->mem_lower << 10,
          "mem_lower %u KiB matches the map's RAM at 0 (%lu KiB)", mi->mem_lower,
          (unsigned long)(m.low_len >> 10));
    check(m.upper_len == (uint64_t)mi->mem_upper << 10,
          "mem_upper %u KiB matches the map's RAM at 1 MiB (%lu KiB)", mi->mem_upper,
          (unsigned long)(m.upper_len >> 10));
}

static bool module_contents_ok(unsigned i, const uint8_t *p, uint32_t len)
{
    if (i == 0) {
        if (len != MOD_A_LEN)
            return false;
        for (uint32_t k = 0; k < len; k++)
            if (p[k] != (uint8_t)(k * 7 + 3))
                return false;
        return true;
    }
    return len == sizeof(mod_b_bytes) && memcmp(p, mod_b_bytes, len) == 0;
}

static void check_modules(const struct multiboot_info *mi)
{
    if (!check(mi->mods_count == 2, "mods_count %u, want 2", mi->mods_count))
        return;
    uint64_t table_len = (uint64_t)mi->mods_count * sizeof(struct multiboot_module);
    if (!check(in_ram(mi->mods_addr, table_len), "module table at 0x%x is in RAM", mi->mods_addr))
        return;
    const struct multiboot_module *mod = gpa_ptr(mi->mods_addr);
    static const uint32_t want_len[2] = { MOD_A_LEN, sizeof(mod_b_bytes) };

    for (unsigned i = 0; i < 2; i++) {
        uint32_t start = mod[i].mod_start, end = mod[i].mod_end;
        const char *s = loader_string(mod[i].string, "module");
        check(s && strcmp(s, want_mod_string[i]) == 0, "module %u string \"%s\", want \"%s\"", i,
              s ? s : "?", want_mod_string[i]);
        check((start & 0xFFF) == 0, "module %u start 0x%x is page-aligned", i, start);
        if (!check(end > start && end - start == want_len[i] && in_ram(start, end - start),
                   "module %u [0x%x, 0x%x) is %u bytes in RAM, want %u", i, start, end,
                   end - start, want_len[i]))
            continue;
        check(module_contents_ok(i, gpa_ptr(start), end - start), "module %u contents match", i);
        check(outside_image(start, end - start), "module %u does not overlap the kernel image", i);
        check(!overlaps(start, end - start, (uintptr_t)mi, sizeof(*mi)) &&
              !overlaps(start, end - start, mi->mods_addr, table_len),
              "module %u does not overlap the info block or module table", i);
        check(in_map_ram(mi, start, end - start), "module %u lies in RAM per the memory map", i);
    }
    check(!overlaps(mod[0].mod_start, mod[0].mod_end - mod[0].mod_start, mod[1].mod_start,
                    mod[1].mod_end - mod[1].mod_start),
          "modules do not overlap each other");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    const uint32_t need = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP;
    unsigned nonzero = 0;
    for (unsigned i = 0; i < sizeof(bss_probe); i++)
        nonzero += bss_probe[i] != 0;
    check(nonzero == 0, "bss is zeroed (%u nonzero bytes in the probe)", nonzero);

    check(magic == MULTIBOOT_BOOTLOADER_MAGIC, "magic 0x%08x, want 0x%08x", magic,
          MULTIBOOT_BOOTLOADER_MAGIC);
    if (!check(mbi && in_ram(mbi, sizeof(struct multiboot_info)), "info block at 0x%x is in RAM", mbi))
        test_finish();
    const struct multiboot_info *mi = gpa_ptr(mbi);
    check(outside_image(mbi, sizeof(*mi)), "info block does not overlap the kernel image");
    if (!check((mi->flags & need) == need, "info flags 0x%x include MEM|CMDLINE|MODS|MMAP (0x%x)",
               mi->flags, need))
        test_finish();

    const char *cl = loader_string(mi->cmdline, "command line");
    check(cl && strcmp(cl, WANT_CMDLINE) == 0, "command line \"%s\", want \"%s\"", cl ? cl : "?",
          WANT_CMDLINE);
    if (cl)
        check(outside_image(mi->cmdline, strlen(cl) + 1), "command line does not overlap the image");

    check_memory(mi);
    check_modules(mi);

    if (mi->flags & MBI_FLAG_LOADER) {
        const char *name = loader_string(mi->boot_loader_name, "boot loader name");
        if (name)
            note("boot loader name \"%s\"", name);
    }
    test_finish();
}
