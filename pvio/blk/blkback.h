/* SPDX-License-Identifier: BSD-2-Clause */
/* Data path of one Xen PV block device (blkback): ring requests to blk_store I/O on granted pages; pure, under the VM's lock. */
#ifndef KEEL_PVIO_BLKBACK_H
#define KEEL_PVIO_BLKBACK_H

/*
 * The control path (xenstore handshake, event channel) is Keel's; it calls
 * blkback_connect once the frontend has published its ring refs, then
 * blkback_kick each time the frontend notifies the backend's event channel.
 *
 * Processing is synchronous: a request's I/O is done through the store, its
 * grants unpinned, and only then its response written (Linux blkfront
 * complains, and disables the device, about grants still in use at
 * completion). Every request is copied out of the ring before it is looked
 * at; indirect segment pages are copied out too, so the guest changing
 * shared memory mid-request cannot change what we do.
 *
 * Answers, per request (op = the request's op; for INDIRECT, its
 * indirect_op, which Linux blkfront checks in blkif_interrupt):
 *  READ/WRITE       1..11 segments (INDIRECT: 1..256), each
 *                   first_sect <= last_sect <= 7; the sectors, contiguous on
 *                   disk from sector_number, within the store; else ERROR.
 *  FLUSH_DISKCACHE  0..11 segments: write any data, then store->flush;
 *  WRITE_BARRIER    OKAY only once flush returned 0 (EOPNOTSUPP without one).
 *                   Linux's blkback also takes 0-segment barriers.
 *  DISCARD          EOPNOTSUPP if the store cannot discard; range checked.
 *  other ops        EOPNOTSUPP.
 * Writing ops (WRITE, barrier/flush with data, DISCARD) on a read-only vbd
 * (or store) get ERROR and change nothing. A grant that cannot be pinned
 * (bad ref, read-only grant for a READ, not guest RAM...) fails the request
 * with ERROR before any I/O starts.
 *
 * Locking: none inside; the caller holds the VM's lock for every call, and
 * the grant table is only used under that same lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include "block/blk_store.h"
#include "pvio/blk/blkif.h"
#include "pvio/xen/grant_table.h"
#include "pvio/xen/xen_ring.h"

/* What the control path advertises (feature-max-indirect-segments,
 * max-ring-page-order). */
#define BLKBACK_MAX_INDIRECT_SEGMENTS   256u
#define BLKBACK_MAX_RING_PAGE_ORDER     3u
#define BLKBACK_MAX_RING_PAGES          (1u << BLKBACK_MAX_RING_PAGE_ORDER)

/* One kick handles at most this many rings' worth of requests, so a guest
 * that keeps producing cannot hold the VM's lock for ever. */
#define BLKBACK_KICK_BUDGET_RINGS       4u
/* ...and at most this much data (4 MiB): with 256-segment indirect requests
 * four rings could otherwise move a gigabyte in one kick. */
#define BLKBACK_KICK_BUDGET_SECTORS     8192u

/* Results. */
#define BLKBACK_OK          0
#define BLKBACK_MORE        1       /* kick budget spent with requests left: kick again */
#define BLKBACK_EINVAL      (-1)    /* bad arguments, or wrong state for the call */
#define BLKBACK_EGRANT      (-2)    /* a ring ref could not be pinned writable */
#define BLKBACK_EBROKEN     (-3)    /* ring indices impossible: close the device */
#define BLKBACK_ENOTCONN    (-4)

struct blkback_stats {
    uint64_t requests;          /* responses written */
    uint64_t segments;          /* data segments transferred */
    uint64_t sectors_read;      /* store -> guest */
    uint64_t sectors_written;   /* guest -> store */
    uint64_t flushes;           /* store->flush calls */
    uint64_t discards;          /* store->discard calls */
    uint64_t notifications;     /* notify calls */
    uint64_t errors;            /* responses other than OKAY */
};

struct blkback {
    struct blk_store *store;
    bool read_only;             /* the vbd (xl.cfg access=r) */

    /* Connection: ring pages pinned writable until disconnect. */
    bool connected;
    bool broken;                /* the frontend broke the ring; only disconnect helps */
    struct grant_table *gt;
    unsigned nr_ring_pages;
    uint32_t ring_refs[BLKBACK_MAX_RING_PAGES];
    struct xen_back_ring ring;
    void (*notify)(void *ctx);  /* raise the frontend's event channel */
    void *notify_ctx;

    struct blkback_stats stats;

    /* The request being processed, private: its segments (copied from the
     * ring or the indirect pages) and the pinned pages they name. */
    struct blkif_segment seg[BLKBACK_MAX_INDIRECT_SEGMENTS];
    void *seg_page[BLKBACK_MAX_INDIRECT_SEGMENTS];
};

/* A disconnected device over store (read, write and flush set; discard
 * optional). read_only: refuse writing ops. BLKBACK_OK or BLKBACK_EINVAL. */
int blkback_init(struct blkback *b, struct blk_store *store, bool read_only);

/* Attach to the frontend's ring: ring_refs[0..nr_pages) in ring order,
 * nr_pages 1, 2, 4 or 8, each pinned writable in gt. The ring resumes at the
 * frontend's rsp_prod, and is refused if req_prod is more than a ring ahead.
 * On failure nothing stays pinned. BLKBACK_OK, _EINVAL (also: already
 * connected, notify NULL), _EGRANT or _EBROKEN. */
int blkback_connect(struct blkback *b, struct grant_table *gt, const uint32_t ring_refs[],
                    unsigned nr_pages, void (*notify)(void *ctx), void *ctx);

/* Unpin the ring. Any state; a no-op when not connected. Clears `broken`. */
void blkback_disconnect(struct blkback *b);

/* Process every request the frontend has published, each to its response,
 * re-arming req_event when the ring is empty, and call notify at most once
 * if rsp_event asked for one of the new responses. BLKBACK_OK, _MORE (see
 * BLKBACK_KICK_BUDGET_RINGS), _ENOTCONN, or _EBROKEN: the frontend moved
 * req_prod more than a ring ahead; responses already written are still
 * published, nothing else is done until blkback_disconnect. */
int blkback_kick(struct blkback *b);

#endif
