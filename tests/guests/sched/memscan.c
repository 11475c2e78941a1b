/* SPDX-License-Identifier: BSD-2-Clause */
/* memscan.c — scheduler test guest: memory isolation between VMs that run at the same
 * time. Command line "mine=0xHEX other=0xHEX" (32-bit tags, defaults 0x4b45454c and
 * 0x4c45454b; memscan_b.cfg swaps them). Each round (`rounds=`, default 3) it
 *   1. fills every free 4 KiB page of RAM (Multiboot memory map) with a 64-byte pattern
 *      built from `mine`, skipping everything below 1 MiB, its own image (code, data, bss
 *      with the stack and page tables), the Multiboot info block, command line, memory
 *      map, module list, modules and loader name;
 *   2. scans every 4-byte word of every RAM range below 4 GiB (low memory and its own
 *      image included) for the first 16 bytes of the pattern built from `other`.
 * A hit means another VM's memory (or a stale copy of it) is visible: FAIL with the
 * address. Else "memscan: 0xMINE: N MiB filled, other pattern absent" and PASS.
 *
 * Pattern for tag T, per 64-byte block (16 little-endian 32-bit words):
 *   T, T^0xA5A5A5A5, ~T, T+0x9E3779B9      the 16-byte key: depends on T only
 *   page counter, round, block index, page address (low 32 bits)
 *   T rotated left by 1..8 bits
 * The key of `other` is never stored anywhere by this guest: the scan compares a word
 * with `other` and only then the next three with values computed in registers, so its own
 * image and stack cannot match. With other == mine the scan finds its own fill: that run
 * must FAIL (it proves the scan can fail). */
#include "guest.h"

const char test_name[] = "memscan";

#define DEFAULT_MINE    0x4b45454cu     /* "LEEK" in memory: the bytes 4c 45 45 4b */
#define DEFAULT_OTHER   0x4c45454bu     /* "KEEL" */
#define DEFAULT_ROUNDS  3u
#define PAGE            4096u
#define LOW_END         0x100000u       /* nothing below 1 MiB is filled */
#define MAX_RANGES      32u
#define MAX_EXCL        48u

#define KEY1_XOR        0xA5A5A5A5u
#define KEY3_ADD        0x9E3779B9u

struct range {
    uint64_t lo, hi;                    /* [lo, hi) */
};

static struct range ram[MAX_RANGES];    /* type-1 map ranges, clipped to 4 GiB */
static unsigned nr_ram;
static struct range excl[MAX_EXCL];     /* never filled, page-rounded outwards */
static unsigned nr_excl;
static uint32_t page_counter;

static void exclude(uint64_t addr, uint64_t len)
{
    if (!len)
        return;
    if (nr_excl == MAX_EXCL)
        test_fail("more than %u areas to keep out of the fill", MAX_EXCL);
    excl[nr_excl].lo = addr & ~(uint64_t)(PAGE - 1);
    excl[nr_excl].hi = (addr + len + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    nr_excl++;
}

static void exclude_string(uint32_t gpa)
{
    if (gpa)
        exclude(gpa, strnlen(gpa_ptr(gpa), 65536) + 1);
}

static bool excluded(uint64_t page)
{
    for (unsigned i = 0; i < nr_excl; i++)
        if (page < excl[i].hi && page + PAGE > excl[i].lo)
            return true;
    return false;
}

/* "0x1234abcd" or "1234abcd": 1 to 8 hex digits. */
static bool parse_hex32(const char *s, uint32_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    uint32_t v = 0;
    unsigned n = 0;
    for (; *s; s++, n++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (n == 8)
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return n > 0;
}

static uint32_t tag_arg(const char *cmdline, const char *key, uint32_t def)
{
    char arg[24];
    uint32_t v = def;
    if (cmdline_value(cmdline, key, arg, sizeof(arg)) && !parse_hex32(arg, &v))
        test_fail("bad %s=%s on the command line (want a 32-bit hex number)", key, arg);
    return v;
}

static inline uint32_t rotl32(uint32_t v, unsigned n)
{
    return v << n | v >> (32 - n);
}

/* Reads RAM ranges and keep-out areas from the Multiboot info; returns the command line. */
static const char *read_boot_info(uint32_t magic, uint32_t mbi)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        test_fail("Multiboot magic 0x%x", magic);
    const struct multiboot_info *mi = gpa_ptr(mbi);
    if (!(mi->flags & MBI_FLAG_MMAP))
        test_fail("no memory map in the Multiboot info (flags 0x%x)", mi->flags);

    exclude(0, LOW_END);
    exclude((uintptr_t)__image_start, (uintptr_t)__bss_end - (uintptr_t)__image_start);
    exclude(mbi, sizeof(*mi));
    exclude(mi->mmap_addr, mi->mmap_length);
    const char *cmdline = "";
    if ((mi->flags & MBI_FLAG_CMDLINE) && mi->cmdline) {
        exclude_string(mi->cmdline);
        cmdline = gpa_ptr(mi->cmdline);
    }
    if (mi->flags & MBI_FLAG_LOADER)
        exclude_string(mi->boot_loader_name);
    if ((mi->flags & MBI_FLAG_MODS) && mi->mods_count) {
        const struct multiboot_module *m = gpa_ptr(mi->mods_addr);
        exclude(mi->mods_addr, (uint64_t)mi->mods_count * sizeof(*m));
        for (uint32_t i = 0; i < mi->mods_count && i < 16; i++) {
            exclude(m[i].mod_start, m[i].mod_end > m[i].mod_start ? m[i].mod_end - m[i].mod_start : 0);
            exclude_string(m[i].string);
        }
    }

    for (uint32_t off = 0; off + sizeof(struct multiboot_mmap_entry) <= mi->mmap_length;) {
        const struct multiboot_mmap_entry *e = gpa_ptr(mi->mmap_addr + off);
        off += e->size + 4;
        note("map: 0x%lx-0x%lx type %u", (unsigned long)e->base,
             (unsigned long)(e->base + e->length), e->type);
        if (e->type != MMAP_TYPE_RAM || !e->length || e->base >= 0x100000000ull)
            continue;
        if (nr_ram == MAX_RANGES)
            test_fail("more than %u RAM ranges in the memory map", MAX_RANGES);
        uint64_t hi = e->base + e->length;
        ram[nr_ram].lo = e->base;
        ram[nr_ram].hi = hi > 0x100000000ull ? 0x100000000ull : hi;
        nr_ram++;
    }
    if (!nr_ram)
        test_fail("no RAM below 4 GiB in the memory map");
    return cmdline;
}

static void fill_page(uint64_t addr, uint32_t tag, uint32_t round)
{
    uint64_t *q = (uint64_t *)(uintptr_t)addr;
    uint64_t k01 = tag | (uint64_t)(tag ^ KEY1_XOR) << 32;
    uint64_t k23 = (uint32_t)~tag | (uint64_t)(tag + KEY3_ADD) << 32;
    uint64_t w45 = page_counter | (uint64_t)round << 32;
    uint64_t t12 = rotl32(tag, 1) | (uint64_t)rotl32(tag, 2) << 32;
    uint64_t t34 = rotl32(tag, 3) | (uint64_t)rotl32(tag, 4) << 32;
    uint64_t t56 = rotl32(tag, 5) | (uint64_t)rotl32(tag, 6) << 32;
    uint64_t t78 = rotl32(tag, 7) | (uint64_t)rotl32(tag, 8) << 32;
    for (uint32_t b = 0; b < PAGE / 64; b++, q += 8) {
        q[0] = k01;
        q[1] = k23;
        q[2] = w45;
        q[3] = b | (uint64_t)(uint32_t)addr << 32;
        q[4] = t12;
        q[5] = t34;
        q[6] = t56;
        q[7] = t78;
    }
    page_counter++;
}

/* Pattern in every free page; returns the number of pages filled. */
static uint64_t fill(uint32_t tag, uint32_t round)
{
    uint64_t pages = 0;
    for (unsigned r = 0; r < nr_ram; r++) {
        uint64_t lo = (ram[r].lo + PAGE - 1) & ~(uint64_t)(PAGE - 1);
        uint64_t hi = ram[r].hi & ~(uint64_t)(PAGE - 1);
        for (uint64_t a = lo; a < hi; a += PAGE) {
            if (excluded(a))
                continue;
            fill_page(a, tag, round);
            pages++;
        }
    }
    return pages;
}

/* Every aligned 32-bit word of every RAM range: the key of tag at [a, a+16). Returns the
 * number of hits, the first in *first; the bytes scanned in *bytes. */
static uint64_t scan(uint32_t tag, uint64_t *first, uint64_t *bytes)
{
    uint64_t hits = 0;
    *bytes = 0;
    for (unsigned r = 0; r < nr_ram; r++) {
        uint64_t lo = (ram[r].lo + 3) & ~3ull, hi = ram[r].hi & ~3ull;
        if (hi < lo + 16)
            continue;
        *bytes += hi - lo;
        const volatile uint32_t *p = (const volatile uint32_t *)(uintptr_t)lo;
        /* Launder the pointer: the range may start at address 0. */
        __asm__("" : "+r"(p));
        const volatile uint32_t *end = p + (hi - lo) / 4 - 3;
        for (; p < end; p++) {
            if (*p != tag)
                continue;
            if (p[1] == (tag ^ KEY1_XOR) && p[2] == (uint32_t)~tag && p[3] == tag + KEY3_ADD) {
                if (!hits)
                    *first = (uintptr_t)p;
                hits++;
            }
        }
    }
    return hits;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    const char *cmdline = read_boot_info(magic, mbi);
    uint32_t mine = tag_arg(cmdline, "mine", DEFAULT_MINE);
    uint32_t other = tag_arg(cmdline, "other", DEFAULT_OTHER);
    char arg[24];
    uint64_t rounds = DEFAULT_ROUNDS;
    if (cmdline_value(cmdline, "rounds", arg, sizeof(arg)) &&
        !(parse_u64(arg, &rounds) && rounds >= 1 && rounds <= 1000000u))
        test_fail("bad rounds=%s on the command line (want 1..1000000)", arg);
    note("mine 0x%08x, other 0x%08x%s, %lu rounds", mine, other,
         mine == other ? " (the same: this run must FAIL)" : "", (unsigned long)rounds);

    uint64_t pages = 0;
    for (uint32_t round = 1; round <= rounds; round++) {
        pages = fill(mine, round);
        uint64_t first = 0, bytes = 0;
        uint64_t hits = scan(other, &first, &bytes);
        note("round %u: filled %lu pages, scanned %lu KiB: %lu hits", round, (unsigned long)pages,
             (unsigned long)(bytes >> 10), (unsigned long)hits);
        if (hits)
            test_fail("round %u: the pattern of tag 0x%08x (another VM's memory) at 0x%lx "
                      "(%lu places)", round, other, (unsigned long)first, (unsigned long)hits);
    }
    kprintf("memscan: 0x%08x: %lu MiB filled, other pattern absent\n", mine,
            (unsigned long)(pages * PAGE >> 20));
    test_pass();
}
