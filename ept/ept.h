/* SPDX-License-Identifier: BSD-2-Clause */
/* Extended page tables: building a VM's guest-physical to host-physical map.
 * Pure over an allocator callback, so host unit tests build real tables. */
#ifndef KEEL_EPT_EPT_H
#define KEEL_EPT_EPT_H

#include <stdbool.h>
#include <stdint.h>

/* EPT entry bits (SDM Vol. 3C 29.3.2, Tables 29-1 to 29-6) */
#define EPT_READ        (1ull << 0)
#define EPT_WRITE       (1ull << 1)
#define EPT_EXEC        (1ull << 2)
#define EPT_RWX         (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MEMTYPE(t)  ((uint64_t)(t) << 3)   /* leaf entries only */
#define EPT_LARGE       (1ull << 7)
#define EPT_ADDR_MASK   0x000ffffffffff000ull
#define EPT_MT_UC       0
#define EPT_MT_WB       6

/* EPTP format (SDM Vol. 3C 25.6.11) */
#define EPTP_MEMTYPE_WB     6ull
#define EPTP_WALK_4         (3ull << 3)

struct ept {
    uint64_t pml4;      /* physical (== host-virtual) address of the root table */
    /* Returns a zeroed, 4 KiB-aligned page (physical == usable pointer), or 0. */
    uint64_t (*alloc_page)(void);
    void (*free_page)(uint64_t page);
};

/* Allocate the root table. 0 or -1. */
int ept_init(struct ept *e);
/* Map [gpa, gpa+len) to [hpa, hpa+len) with permissions and memory type,
 * using 2 MiB leaves where both sides are aligned and large_ok. All addresses
 * and len 4 KiB-aligned. Returns 0, or -1 (no memory / already mapped). */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t len, uint64_t perms,
            unsigned memtype, bool large_ok);
/* Remove the 4 KiB mappings of [gpa, gpa+len) (4 KiB-aligned); pages not
 * mapped are skipped. -1, changing nothing, when the range is misaligned or
 * any of it lies in a 2 MiB leaf. Tables stay until ept_destroy. CPUs may
 * still hold the old translations: the caller has them flushed (INVEPT). */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t len);
/* Walk: host address for gpa and the leaf's permissions; -1 if unmapped. */
int ept_translate(const struct ept *e, uint64_t gpa, uint64_t *hpa, uint64_t *perms);
/* The VMCS EPT pointer for these tables (WB, 4-level walk). */
uint64_t ept_pointer(const struct ept *e);
/* Free every table page. */
void ept_destroy(struct ept *e);

#endif
