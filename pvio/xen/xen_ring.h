/* SPDX-License-Identifier: BSD-2-Clause */
/* Backend side of a Xen shared ring (io/ring.h protocol) over 1-8 non-contiguous pages; inline, under the device's lock. */
#ifndef KEEL_PVIO_XEN_RING_H
#define KEEL_PVIO_XEN_RING_H

/*
 * The frontend owns the ring pages and writes them from other CPUs at any
 * time, so everything read from them is untrusted:
 *  - req_prod is read once per check, and a value more than a ring's worth
 *    ahead of our responses marks the ring broken instead of being used;
 *  - entries are copied out whole into private memory (no double fetch),
 *    at offsets computed from our own index masked by the ring size, so no
 *    access leaves the pages whatever the guest writes;
 *  - the indices we publish (rsp_prod, req_event) are kept privately too.
 *
 * Layout (xen/include/public/io/ring.h): a 64-byte header {req_prod,
 * req_event, rsp_prod, rsp_event, 48 bytes pad}, then entries of one size;
 * the entry count is the largest power of two that fits the pages. Pages are
 * concatenated in the order the frontend granted them; an entry may straddle
 * a page boundary.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XEN_RING_PAGE_SIZE      4096u
#define XEN_RING_PAGES_MAX      8u
#define XEN_RING_HEADER_SIZE    64u

struct xen_sring_header {
    uint32_t req_prod;          /* written by the frontend */
    uint32_t req_event;         /* backend: notify me when req_prod passes this */
    uint32_t rsp_prod;          /* written by the backend */
    uint32_t rsp_event;         /* frontend: notify me when rsp_prod passes this */
    uint8_t _pad[48];
};
_Static_assert(sizeof(struct xen_sring_header) == XEN_RING_HEADER_SIZE, "sring header");

struct xen_back_ring {
    uint8_t *page[XEN_RING_PAGES_MAX];  /* host pointers, in ring order */
    unsigned nr_pages;
    uint32_t entry_size;
    uint32_t nr_entries;        /* power of two; 0 while detached */
    uint32_t req_cons;          /* next request to copy out */
    uint32_t rsp_prod_pvt;      /* next response slot to fill */
    uint32_t rsp_prod_pushed;   /* rsp_prod as last published to the frontend */
};

/* Largest power of two of entry_size-byte entries that fits after the
 * header in nr_pages pages; 0 if none does or the arguments are invalid. */
static inline uint32_t xen_ring_nr_entries(unsigned nr_pages, uint32_t entry_size)
{
    if (nr_pages == 0 || nr_pages > XEN_RING_PAGES_MAX || entry_size == 0)
        return 0;
    uint32_t fit = (nr_pages * XEN_RING_PAGE_SIZE - XEN_RING_HEADER_SIZE) / entry_size;
    if (fit == 0)
        return 0;
    uint32_t n = 1;
    while (n <= fit / 2)
        n *= 2;
    return n;
}

static inline struct xen_sring_header *xen_back_ring_header(const struct xen_back_ring *r)
{
    return (struct xen_sring_header *)(void *)r->page[0];
}

/* Published requests not yet consumed, from one read of req_prod; -1 if
 * req_prod claims more requests than the ring has free slots (broken). */
static inline int xen_back_ring_unconsumed(const struct xen_back_ring *r)
{
    /* Acquire: the entries are read only after the index that covers them. */
    uint32_t prod = __atomic_load_n(&xen_back_ring_header(r)->req_prod, __ATOMIC_ACQUIRE);
    if (prod - r->rsp_prod_pvt > r->nr_entries)
        return -1;
    return (int)(prod - r->req_cons);
}

/* Attach to pages the frontend initialised. Resumes at the frontend's
 * rsp_prod (0 on a fresh ring), as Linux's BACK_RING_ATTACH does, after
 * checking that the indices are consistent. 0, or -1 (nothing kept). */
static inline int xen_back_ring_attach(struct xen_back_ring *r, void *const pages[],
                                       unsigned nr_pages, uint32_t entry_size)
{
    uint32_t nr_entries = xen_ring_nr_entries(nr_pages, entry_size);
    if (nr_entries == 0)
        return -1;
    for (unsigned i = 0; i < nr_pages; i++)
        if (!pages[i])
            return -1;

    struct xen_back_ring tmp = { .nr_pages = nr_pages, .entry_size = entry_size,
                                 .nr_entries = nr_entries };
    for (unsigned i = 0; i < nr_pages; i++)
        tmp.page[i] = pages[i];
    uint32_t rsp = __atomic_load_n(&xen_back_ring_header(&tmp)->rsp_prod, __ATOMIC_RELAXED);
    tmp.req_cons = tmp.rsp_prod_pvt = tmp.rsp_prod_pushed = rsp;
    if (xen_back_ring_unconsumed(&tmp) < 0)
        return -1;
    *r = tmp;
    return 0;
}

/* Byte-range copy between a private buffer and the ring's concatenated
 * pages; [offset, offset + len) must lie within nr_pages pages. */
static inline void xen_ring_copy_bytes(const struct xen_back_ring *r, uint32_t offset,
                                       void *buf, uint32_t len, bool into_ring)
{
    uint8_t *p = buf;
    while (len) {
        uint32_t in_page = offset % XEN_RING_PAGE_SIZE;
        uint32_t chunk = XEN_RING_PAGE_SIZE - in_page;
        if (chunk > len)
            chunk = len;
        uint8_t *ring = r->page[offset / XEN_RING_PAGE_SIZE] + in_page;
        if (into_ring)
            memcpy(ring, p, chunk);
        else
            memcpy(p, ring, chunk);
        p += chunk;
        offset += chunk;
        len -= chunk;
    }
}

static inline uint32_t xen_ring_entry_offset(const struct xen_back_ring *r, uint32_t idx)
{
    return XEN_RING_HEADER_SIZE + (idx & (r->nr_entries - 1)) * r->entry_size;
}

/* Copy the first len bytes (at most one entry) of slot idx out / in. */
static inline void xen_back_ring_read(const struct xen_back_ring *r, uint32_t idx,
                                      void *dst, uint32_t len)
{
    if (len > r->entry_size)
        len = r->entry_size;
    xen_ring_copy_bytes(r, xen_ring_entry_offset(r, idx), dst, len, false);
}

static inline void xen_back_ring_write(const struct xen_back_ring *r, uint32_t idx,
                                       const void *src, uint32_t len)
{
    if (len > r->entry_size)
        len = r->entry_size;
    xen_ring_copy_bytes(r, xen_ring_entry_offset(r, idx), (void *)(uintptr_t)src, len, true);
}

/* RING_FINAL_CHECK_FOR_REQUESTS: when the ring looks empty, ask to be
 * notified of the next request and look again, so a request published in
 * between is not left waiting for a notification that will never come.
 * Returns as xen_back_ring_unconsumed. */
static inline int xen_back_ring_final_check(struct xen_back_ring *r)
{
    int n = xen_back_ring_unconsumed(r);
    if (n != 0)
        return n;
    __atomic_store_n(&xen_back_ring_header(r)->req_event, r->req_cons + 1, __ATOMIC_RELAXED);
    /* A full fence: x86 may otherwise let the req_prod load pass the store. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return xen_back_ring_unconsumed(r);
}

/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish the responses written so
 * far; true if the frontend asked (rsp_event) to be notified of one of them. */
static inline bool xen_back_ring_push_responses(struct xen_back_ring *r)
{
    uint32_t old_prod = r->rsp_prod_pushed;
    uint32_t new_prod = r->rsp_prod_pvt;
    if (old_prod == new_prod)
        return false;
    struct xen_sring_header *h = xen_back_ring_header(r);
    /* Release: the response bodies are visible before the index. */
    __atomic_store_n(&h->rsp_prod, new_prod, __ATOMIC_RELEASE);
    /* The index is visible before we read rsp_event (store->load order). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t event = __atomic_load_n(&h->rsp_event, __ATOMIC_RELAXED);
    r->rsp_prod_pushed = new_prod;
    return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old_prod);
}

#endif
