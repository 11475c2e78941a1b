/* SPDX-License-Identifier: BSD-2-Clause */
/* EPT table builder (any CPU; also host unit tests). 4-level tables with
 * 4 KiB and 2 MiB leaves, SDM Vol. 3C 29.3. */
#include <stddef.h>
#include "ept/ept.h"

#define ENTRIES 512
#define SIZE_2M (2ull << 20)
#define SIZE_4K 4096ull

static uint64_t *table(uint64_t entry)
{
    return (uint64_t *)(uintptr_t)(entry & EPT_ADDR_MASK);
}

static unsigned index_at(uint64_t gpa, unsigned level)  /* level 3 = PML4 ... 0 = PT */
{
    return (unsigned)(gpa >> (12 + 9 * level)) & (ENTRIES - 1);
}

int ept_init(struct ept *e)
{
    e->pml4 = e->alloc_page();
    return e->pml4 ? 0 : -1;
}

/* The table at `level` covering gpa, creating missing ones on the way. */
static uint64_t *walk_create(struct ept *e, uint64_t gpa, unsigned level)
{
    uint64_t *t = table(e->pml4);
    for (unsigned l = 3; l > level; l--) {
        uint64_t *slot = &t[index_at(gpa, l)];
        if (!(*slot & EPT_RWX)) {
            uint64_t page = e->alloc_page();
            if (!page)
                return NULL;
            /* Non-leaf entries grant everything; leaves restrict. */
            *slot = page | EPT_RWX;
        } else if (*slot & EPT_LARGE) {
            return NULL;    /* already covered by a large page */
        }
        t = table(*slot);
    }
    return t;
}

#define GPA_LIMIT (1ull << 48)     /* a 4-level walk translates 48 bits */

/* Write-only or write+execute without read is a misconfiguration (SDM 29.3.3.1). */
static bool valid_perms(uint64_t perms)
{
    return perms && !(perms & ~EPT_RWX) && (perms & EPT_READ || !(perms & EPT_WRITE));
}

static bool valid_memtype(unsigned t)
{
    return t == EPT_MT_UC || t == 1 || t == 4 || t == 5 || t == EPT_MT_WB;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len, uint64_t perms,
            unsigned memtype, bool large_ok)
{
    if ((gpa | hpa | len) & (SIZE_4K - 1) || !valid_perms(perms) || !valid_memtype(memtype))
        return -1;
    if (len && (gpa + len < gpa || gpa + len > GPA_LIMIT || hpa + len < hpa ||
                ((hpa + len - 1) & ~EPT_ADDR_MASK & ~(SIZE_4K - 1))))
        return -1;
    while (len) {
        bool large = large_ok && !(gpa & (SIZE_2M - 1)) && !(hpa & (SIZE_2M - 1)) && len >= SIZE_2M;
        unsigned level = large ? 1 : 0;
        uint64_t *t = walk_create(e, gpa, level);
        if (!t)
            return -1;
        uint64_t *slot = &t[index_at(gpa, level)];
        if (*slot & EPT_RWX)
            return -1;      /* overlapping mappings are a caller bug */
        *slot = hpa | perms | EPT_MEMTYPE(memtype) | (large ? EPT_LARGE : 0);
        uint64_t step = large ? SIZE_2M : SIZE_4K;
        gpa += step;
        hpa += step;
        len -= step;
    }
    return 0;
}

/* The 4 KiB leaf slot for gpa; NULL when a table on the way is missing (the
 * page is unmapped); *large when a 2 MiB or 1 GiB leaf covers it. */
static uint64_t *leaf_4k(struct ept *e, uint64_t gpa, bool *large)
{
    uint64_t *t = table(e->pml4);
    *large = false;
    for (unsigned l = 3; l > 0; l--) {
        uint64_t entry = t[index_at(gpa, l)];
        if (!(entry & EPT_RWX))
            return NULL;
        if (entry & EPT_LARGE) {
            *large = true;
            return NULL;
        }
        t = table(entry);
    }
    return &t[index_at(gpa, 0)];
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t len)
{
    if ((gpa | len) & (SIZE_4K - 1) || gpa + len < gpa || gpa + len > GPA_LIMIT)
        return -1;
    bool large;
    for (uint64_t off = 0; off < len; off += SIZE_4K) {     /* first check, then change */
        leaf_4k(e, gpa + off, &large);
        if (large)
            return -1;
    }
    for (uint64_t off = 0; off < len; off += SIZE_4K) {
        uint64_t *slot = leaf_4k(e, gpa + off, &large);
        if (slot)
            __atomic_store_n(slot, 0, __ATOMIC_RELEASE);   /* other CPUs may be walking */
    }
    return 0;
}

int ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint64_t *perms)
{
    const uint64_t *t = table(e->pml4);
    for (unsigned l = 3;; l--) {
        uint64_t entry = t[index_at(gpa, l)];
        if (!(entry & EPT_RWX))
            return -1;
        if (l == 0 || (l <= 2 && (entry & EPT_LARGE))) {
            uint64_t page_mask = (1ull << (12 + 9 * l)) - 1;
            *hpa = (entry & EPT_ADDR_MASK & ~page_mask) | (gpa & page_mask);
            *perms = entry & EPT_RWX;
            return 0;
        }
        t = table(entry);
    }
}

uint64_t ept_pointer(const struct ept *e)
{
    return e->pml4 | EPTP_WALK_4 | EPTP_MEMTYPE_WB;
}

static void free_level(struct ept *e, uint64_t *t, unsigned level)
{
    if (level > 0) {
        for (unsigned i = 0; i < ENTRIES; i++)
            if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
                free_level(e, table(t[i]), level - 1);
    }
    e->free_page((uint64_t)(uintptr_t)t);
}

void ept_destroy(struct ept *e)
{
    if (e->pml4)
        free_level(e, table(e->pml4), 3);
    e->pml4 = 0;
}
