/* SPDX-License-Identifier: BSD-2-Clause */
/* A guest's v1 grant table as backend domain 0 (Keel) uses it: pin granted frames, copy to/from them; pure, under the VM's lock. */
#ifndef KEEL_PVIO_GRANT_TABLE_H
#define KEEL_PVIO_GRANT_TABLE_H

/*
 * The table itself lives in pages Keel allocates and maps into the guest
 * (XENMEM_add_to_physmap, space grant_table, idx): the guest writes entries
 * there from any of its CPUs while we read them, so entries are read with
 * single atomic loads and updated with compare-and-swap, as Xen does
 * (xen/common/grant_table.c, _set_status_v1).
 *
 * Entry v1 (xen/include/public/grant_table.h), 8 bytes, 512 per frame:
 *   u16 flags @0, u16 domid @2 (who may use it), u32 frame @4 (a GFN).
 *
 * Pinning a ref for a backend access checks, in order: the ref is in range
 * and not reserved; type permit_access and domid == backend; !readonly for
 * writes; sets GTF_reading (and GTF_writing) by CAS, at most 5 tries; the
 * frame is ordinary guest RAM (never an MMIO hole or a Keel-owned page such
 * as the grant table or shared info, which are not in guest_mem). While
 * pinned, the guest's revocation (Linux: cmpxchg flags -> 0) fails, so the
 * frame stays the guest's to lend. Each pin re-checks the entry even if the
 * ref is already pinned (stricter than Xen, which trusts the first check).
 *
 * Refs 0-7 (GNTTAB_NR_RESERVED_ENTRIES) are refused: Xen accepts them, but
 * they are reserved for a toolstack's console and xenstore pages, which
 * Keel does not use, and Linux never grants them.
 *
 * Locking: no internal lock; the caller holds the VM's lock for every call
 * (pin counts are plain fields). Only the shared entries are atomic.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/guest_mem.h"

#define GRANT_PAGE_SIZE         4096u
#define GRANT_FRAMES_MAX        32u
#define GRANT_ENTRIES_PER_FRAME 512u
#define GRANT_REFS_MAX          (GRANT_FRAMES_MAX * GRANT_ENTRIES_PER_FRAME)
#define GRANT_REF_FIRST_USABLE  8u      /* GNTTAB_NR_RESERVED_ENTRIES */

/* Entry flags (v1). */
#define GTF_invalid             0u
#define GTF_permit_access       1u
#define GTF_type_mask           3u
#define GTF_readonly            (1u << 2)
#define GTF_reading             (1u << 3)
#define GTF_writing             (1u << 4)

struct grant_entry_v1 {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant entry v1");
_Static_assert(GRANT_ENTRIES_PER_FRAME * sizeof(struct grant_entry_v1) == GRANT_PAGE_SIZE,
               "grant frame");

/* Errors: distinct negative codes. */
#define GNT_OK          0
#define GNT_EBADREF     (-1)    /* reserved, or beyond the frames the guest mapped */
#define GNT_EPERM       (-2)    /* not permit_access, or granted to another domain */
#define GNT_EROFS       (-3)    /* write access to a read-only grant */
#define GNT_EBUSY       (-4)    /* entry kept changing under CAS, or pin count full */
#define GNT_ENOTRAM     (-5)    /* frame is not ordinary guest RAM */
#define GNT_ERANGE      (-6)    /* offset + len beyond the page */
#define GNT_ENOTPINNED  (-7)    /* unpin without a matching pin (a Keel bug) */
#define GNT_EINVAL      (-8)    /* bad argument to a table-setup call */

/* Backend pins, per ref: how many for reading only, how many for writing. */
struct grant_pins {
    uint16_t readers;
    uint16_t writers;
};

struct grant_table {
    const struct guest_mem *mem;        /* the granting guest's RAM */
    uint16_t backend_domid;             /* 0: Keel */
    unsigned nr_frames;                 /* frames the guest has mapped: refs < 512 * this */
    struct grant_entry_v1 *frame[GRANT_FRAMES_MAX];    /* host pointers to the table pages */
    uint32_t active_pins;               /* sum of all pin counts */
    struct grant_pins pins[GRANT_REFS_MAX];
};

/* Empty table (no frames) for a guest. The struct may be uninitialised. */
void grant_table_init(struct grant_table *gt, const struct guest_mem *mem, uint16_t backend_domid);

/* Record the host page Keel allocated for table frame idx. Replacing a
 * frame that refs are pinned in is refused. GNT_OK or GNT_EINVAL. */
int grant_table_set_frame(struct grant_table *gt, unsigned idx, void *page);

/* The guest now has frames [0, nr) mapped; each must have a page recorded.
 * May only grow (a table never shrinks while the guest runs). GNT_OK or GNT_EINVAL. */
int grant_table_set_nr_frames(struct grant_table *gt, unsigned nr);

/* Pin ref for the backend to read the granted frame (write = false) or to
 * write it (write = true), returning the frame's 4 KiB host page in *page.
 * GNT_OK, or a GNT_E* code with nothing changed. */
int grant_pin(struct grant_table *gt, uint32_t ref, bool write, void **page);

/* Undo one grant_pin(ref, write). When the last write pin goes, GTF_writing
 * is cleared; when the last pin goes, GTF_reading too. GNT_OK or GNT_ENOTPINNED. */
int grant_unpin(struct grant_table *gt, uint32_t ref, bool write);

/* Pin, copy [offset, offset + len) of the granted page out / in, unpin.
 * offset + len <= 4096 or GNT_ERANGE (checked first). */
int grant_copy_from(struct grant_table *gt, uint32_t ref, uint32_t offset, void *dst, uint32_t len);
int grant_copy_to(struct grant_table *gt, uint32_t ref, uint32_t offset, const void *src, uint32_t len);

/* Pins held on ref (readers + writers), 0 for any ref out of range. */
unsigned grant_pin_count(const struct grant_table *gt, uint32_t ref);

#endif
