/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical page allocator over the Multiboot2 memory map (any CPU: a lock
 * serializes allocation and freeing; palloc_init on the boot CPU first). */
#include <stdbool.h>
#include <string.h>
#include "arch/x86/spinlock.h"
#include "host/palloc.h"

#define NR_FRAMES (PALLOC_MAX_PHYS >> PAGE_SHIFT)

/* Bit set = page in use or not RAM. */
static uint64_t frame_used[NR_FRAMES / 64];
static uint64_t free_count;
static uint64_t ram_top;
/* No frame below this one is free: a search starts here, so allocating
 * does not rescan everything already handed out (VM creation stays flat
 * however many VMs run). */
static uint64_t first_free;
static struct spinlock lock;

extern char _kernel_start[], _kernel_end[];

static void mark(uint64_t first, uint64_t last_excl, int used)
{
    for (uint64_t f = first; f < last_excl && f < NR_FRAMES; f++) {
        uint64_t bit = 1ull << (f % 64);
        if (used && !(frame_used[f / 64] & bit)) {
            frame_used[f / 64] |= bit;
            free_count--;
        } else if (!used && (frame_used[f / 64] & bit)) {
            frame_used[f / 64] &= ~bit;
            free_count++;
        }
    }
}

static void reserve_range(uint64_t start, uint64_t end)
{
    mark(start >> PAGE_SHIFT, (end + PAGE_SIZE - 1) >> PAGE_SHIFT, 1);
}

void palloc_init(const struct boot_info *bi)
{
    memset(frame_used, 0xff, sizeof(frame_used));
    free_count = 0;
    for (unsigned i = 0; i < bi->nr_mmap; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (e->type != 1)
            continue;
        /* Only whole pages inside the entry are usable. */
        uint64_t first = (e->base + PAGE_SIZE - 1) >> PAGE_SHIFT;
        uint64_t last = (e->base + e->len) >> PAGE_SHIFT;
        mark(first, last, 0);
        if (last << PAGE_SHIFT > ram_top)
            ram_top = last << PAGE_SHIFT;
    }
    for (unsigned i = 0; i < bi->nr_mmap; i++)     /* overlapping reserved entries win */
        if (bi->mmap[i].type != 1)
            reserve_range(bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len);
    if (ram_top > PALLOC_MAX_PHYS)
        ram_top = PALLOC_MAX_PHYS;
    reserve_range(0, 1ull << 20);   /* BIOS data, EBDA, ROMs; later the AP trampoline */
    reserve_range((uintptr_t)_kernel_start, (uintptr_t)_kernel_end);
    reserve_range(bi->info_start, bi->info_end);
    for (unsigned i = 0; i < bi->nr_modules; i++)
        reserve_range(bi->module[i].start, bi->module[i].end);
    first_free = 0;
}

static bool frame_is_used(uint64_t f)
{
    return frame_used[f / 64] & (1ull << (f % 64));
}

/* Move first_free past used frames, a whole word at a time where it can. */
static void advance_first_free(uint64_t limit)
{
    while (first_free < limit) {
        if (first_free % 64 == 0 && frame_used[first_free / 64] == ~0ull)
            first_free += 64;
        else if (frame_is_used(first_free))
            first_free++;
        else
            break;
    }
}

/* n if frames f..f+n-1 are all free, else the offset of the last used one
 * seen (the search goes on after it). */
static uint64_t free_run(uint64_t f, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = f + i;
        if (x % 64 == 0 && n - i >= 64) {   /* whole words at a time */
            uint64_t w = frame_used[x / 64];
            if (w)
                return i + 63 - (uint64_t)__builtin_clzll(w);
            i += 63;
            continue;
        }
        if (frame_is_used(x))
            return i;
    }
    return n;
}

uint64_t palloc_alloc(uint64_t pages, uint64_t align)
{
    uint64_t step = align >> PAGE_SHIFT, phys = 0;
    if (!pages || !step || (step & (step - 1)))
        return 0;
    spin_lock(&lock);
    uint64_t limit = ram_top >> PAGE_SHIFT;
    advance_first_free(limit);
    uint64_t start = first_free > step ? (first_free + step - 1) & ~(step - 1) : step;
    for (uint64_t f = start; pages <= free_count && f + pages <= limit;) {
        uint64_t used = free_run(f, pages);
        if (used < pages) {
            f = (f + used + step) & ~(step - 1);   /* the first aligned frame past it */
            continue;
        }
        mark(f, f + pages, 1);
        phys = f << PAGE_SHIFT;
        break;
    }
    spin_unlock(&lock);
    if (phys)
        zero_bytes((void *)(uintptr_t)phys, pages << PAGE_SHIFT);    /* ours alone now */
    return phys;
}

void palloc_free(uint64_t phys, uint64_t pages)
{
    uint64_t f = phys >> PAGE_SHIFT;
    spin_lock(&lock);
    mark(f, f + pages, 0);
    if (f < first_free)
        first_free = f;
    spin_unlock(&lock);
}

uint64_t palloc_free_pages(void) { return free_count; }
uint64_t palloc_ram_top(void) { return ram_top; }

void zero_bytes(void *p, uint64_t n)
{
    uint64_t words = n / 8;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(0ull) : "memory");
    for (uint64_t i = 0; i < n % 8; i++)
        ((char *)p)[i] = 0;
}
