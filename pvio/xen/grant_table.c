/* SPDX-License-Identifier: BSD-2-Clause */
/* Backend access to a guest's v1 grant table: pin/unpin with Xen's checks, bounded copies; pure, under the VM's lock. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvio/xen/grant_table.h"

/* Xen gives up after this many lost CAS races: a guest rewriting its entry
 * in a loop must not keep us spinning. */
#define GRANT_CAS_TRIES 5

/* flags and domid as one 32-bit word (little endian: flags low). */
#define WORD_FLAGS(w)   ((uint16_t)(w))
#define WORD_DOMID(w)   ((uint16_t)((w) >> 16))

void grant_table_init(struct grant_table *gt, const struct guest_mem *mem, uint16_t backend_domid)
{
    memset(gt, 0, sizeof *gt);
    gt->mem = mem;
    gt->backend_domid = backend_domid;
}

int grant_table_set_frame(struct grant_table *gt, unsigned idx, void *page)
{
    if (idx >= GRANT_FRAMES_MAX || !page || ((uintptr_t)page & (GRANT_PAGE_SIZE - 1)))
        return GNT_EINVAL;
    /* Once recorded, a frame is the guest's table page for good: swapping it
     * would orphan the bits of refs pinned in it. */
    if (gt->frame[idx] && gt->frame[idx] != page)
        return GNT_EINVAL;
    gt->frame[idx] = page;
    return GNT_OK;
}

int grant_table_set_nr_frames(struct grant_table *gt, unsigned nr)
{
    if (nr > GRANT_FRAMES_MAX || nr < gt->nr_frames)
        return GNT_EINVAL;
    for (unsigned i = 0; i < nr; i++)
        if (!gt->frame[i])
            return GNT_EINVAL;
    gt->nr_frames = nr;
    return GNT_OK;
}

static bool ref_in_table(const struct grant_table *gt, uint32_t ref)
{
    return ref >= GRANT_REF_FIRST_USABLE && ref < gt->nr_frames * GRANT_ENTRIES_PER_FRAME;
}

static struct grant_entry_v1 *entry_of(const struct grant_table *gt, uint32_t ref)
{
    return &gt->frame[ref / GRANT_ENTRIES_PER_FRAME][ref % GRANT_ENTRIES_PER_FRAME];
}

/* Set the status bits our pin needs, re-checking the entry each try. */
static int mark_in_use(const struct grant_table *gt, struct grant_entry_v1 *e, bool write)
{
    uint32_t *word = (uint32_t *)(void *)e;
    uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    uint32_t set = GTF_reading | (write ? GTF_writing : 0);

    for (int tries = 0; tries < GRANT_CAS_TRIES; tries++) {
        uint16_t flags = WORD_FLAGS(seen);
        if ((flags & GTF_type_mask) != GTF_permit_access || WORD_DOMID(seen) != gt->backend_domid)
            return GNT_EPERM;
        if (write && (flags & GTF_readonly))
            return GNT_EROFS;
        uint32_t want = seen | set;
        if (want == seen)
            return GNT_OK;      /* already marked by an earlier pin */
        /* On failure `seen` is refreshed with the guest's latest word. */
        if (__atomic_compare_exchange_n(word, &seen, want, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return GNT_OK;
    }
    return GNT_EBUSY;
}

/* Clear the status bits no remaining pin needs. */
static void clear_unused_bits(struct grant_table *gt, uint32_t ref)
{
    const struct grant_pins *p = &gt->pins[ref];
    uint16_t clear = 0;
    if (p->writers == 0)
        clear |= GTF_writing;
    if (p->readers == 0 && p->writers == 0)
        clear |= GTF_reading;
    if (clear)
        __atomic_fetch_and(&entry_of(gt, ref)->flags, (uint16_t)~clear, __ATOMIC_SEQ_CST);
}

int grant_pin(struct grant_table *gt, uint32_t ref, bool write, void **page)
{
    if (!ref_in_table(gt, ref))
        return GNT_EBADREF;
    struct grant_pins *p = &gt->pins[ref];
    if ((write ? p->writers : p->readers) == UINT16_MAX)
        return GNT_EBUSY;

    struct grant_entry_v1 *e = entry_of(gt, ref);
    int rc = mark_in_use(gt, e, write);
    if (rc != GNT_OK)
        return rc;      /* nothing was set */

    /* Read the frame after our bits are set: from here a well-behaved guest
     * can no longer revoke or retarget the entry. */
    uint32_t gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
    void *host = guest_mem_ptr(gt->mem, (uint64_t)gfn * GRANT_PAGE_SIZE, GRANT_PAGE_SIZE);
    if (!host) {
        clear_unused_bits(gt, ref);     /* counts unchanged: drops only what we just set */
        return GNT_ENOTRAM;
    }

    if (write)
        p->writers++;
    else
        p->readers++;
    gt->active_pins++;
    *page = host;
    return GNT_OK;
}

int grant_unpin(struct grant_table *gt, uint32_t ref, bool write)
{
    if (ref >= GRANT_REFS_MAX)
        return GNT_ENOTPINNED;
    struct grant_pins *p = &gt->pins[ref];
    uint16_t *count = write ? &p->writers : &p->readers;
    if (*count == 0)
        return GNT_ENOTPINNED;
    (*count)--;
    gt->active_pins--;
    clear_unused_bits(gt, ref);
    return GNT_OK;
}

static bool range_in_page(uint32_t offset, uint32_t len)
{
    return offset <= GRANT_PAGE_SIZE && len <= GRANT_PAGE_SIZE - offset;
}

int grant_copy_from(struct grant_table *gt, uint32_t ref, uint32_t offset, void *dst, uint32_t len)
{
    if (!range_in_page(offset, len))
        return GNT_ERANGE;
    void *page;
    int rc = grant_pin(gt, ref, false, &page);
    if (rc != GNT_OK)
        return rc;
    memcpy(dst, (uint8_t *)page + offset, len);
    grant_unpin(gt, ref, false);
    return GNT_OK;
}

int grant_copy_to(struct grant_table *gt, uint32_t ref, uint32_t offset, const void *src, uint32_t len)
{
    if (!range_in_page(offset, len))
        return GNT_ERANGE;
    void *page;
    int rc = grant_pin(gt, ref, true, &page);
    if (rc != GNT_OK)
        return rc;
    memcpy((uint8_t *)page + offset, src, len);
    grant_unpin(gt, ref, true);
    return GNT_OK;
}

unsigned grant_pin_count(const struct grant_table *gt, uint32_t ref)
{
    if (ref >= GRANT_REFS_MAX)
        return 0;
    return (unsigned)gt->pins[ref].readers + gt->pins[ref].writers;
}
