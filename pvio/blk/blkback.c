/* SPDX-License-Identifier: BSD-2-Clause */
/* blkback data path: copy each request out of the ring, validate, do the I/O on pinned grants, respond; pure, under the VM's lock. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvio/blk/blkback.h"

int blkback_init(struct blkback *b, struct blk_store *store, bool read_only)
{
    if (!store || !store->read || !store->write || !store->flush)
        return BLKBACK_EINVAL;
    memset(b, 0, sizeof *b);
    b->store = store;
    b->read_only = read_only;
    return BLKBACK_OK;
}

static void unpin_refs(struct grant_table *gt, const uint32_t refs[], unsigned n, bool write)
{
    for (unsigned i = 0; i < n; i++)
        grant_unpin(gt, refs[i], write);
}

int blkback_connect(struct blkback *b, struct grant_table *gt, const uint32_t ring_refs[],
                    unsigned nr_pages, void (*notify)(void *ctx), void *ctx)
{
    if (b->connected || !gt || !ring_refs || !notify)
        return BLKBACK_EINVAL;
    if (nr_pages == 0 || nr_pages > BLKBACK_MAX_RING_PAGES || (nr_pages & (nr_pages - 1)))
        return BLKBACK_EINVAL;

    void *pages[BLKBACK_MAX_RING_PAGES];
    for (unsigned i = 0; i < nr_pages; i++) {
        if (grant_pin(gt, ring_refs[i], true, &pages[i]) != GNT_OK) {
            unpin_refs(gt, ring_refs, i, true);
            return BLKBACK_EGRANT;
        }
    }
    if (xen_back_ring_attach(&b->ring, pages, nr_pages, BLKIF_RING_ENTRY_SIZE) != 0) {
        unpin_refs(gt, ring_refs, nr_pages, true);
        return BLKBACK_EBROKEN;
    }

    b->gt = gt;
    b->nr_ring_pages = nr_pages;
    for (unsigned i = 0; i < nr_pages; i++)
        b->ring_refs[i] = ring_refs[i];
    b->notify = notify;
    b->notify_ctx = ctx;
    b->broken = false;
    b->connected = true;
    return BLKBACK_OK;
}

void blkback_disconnect(struct blkback *b)
{
    if (b->connected)
        unpin_refs(b->gt, b->ring_refs, b->nr_ring_pages, true);
    b->connected = false;
    b->broken = false;
    memset(&b->ring, 0, sizeof b->ring);
}

static bool vbd_read_only(const struct blkback *b)
{
    return b->read_only || b->store->read_only;
}

/* [sector, sector + count) within the store, without wrapping. */
static bool within_store(const struct blkback *b, uint64_t sector, uint64_t count)
{
    return count <= b->store->sectors && sector <= b->store->sectors - count;
}

static unsigned seg_sectors(const struct blkif_segment *s)
{
    return (unsigned)s->last_sect - s->first_sect + 1u;
}

/* Data transfer of b->seg[0..nr_segs) for a READ, WRITE, FLUSH or BARRIER
 * already known to have a sane segment count. */
static int16_t do_rw(struct blkback *b, uint8_t op, uint64_t sector, unsigned nr_segs)
{
    struct blk_store *st = b->store;
    bool to_guest = op == BLKIF_OP_READ;
    bool flushes = op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER;

    if (nr_segs > BLKBACK_MAX_INDIRECT_SEGMENTS)     /* callers check; the arrays depend on it */
        return BLKIF_RSP_ERROR;
    if (!to_guest && nr_segs > 0 && vbd_read_only(b))
        return BLKIF_RSP_ERROR;

    uint64_t total = 0;
    for (unsigned i = 0; i < nr_segs; i++) {
        const struct blkif_segment *s = &b->seg[i];
        if (s->first_sect > s->last_sect || s->last_sect >= BLKIF_SECTORS_PER_PAGE)
            return BLKIF_RSP_ERROR;
        total += seg_sectors(s);
    }
    /* An empty flush carries no meaningful sector (Linux checks the range
     * only when there are sectors). */
    if (total && !within_store(b, sector, total))
        return BLKIF_RSP_ERROR;

    /* Pin everything first, so a bad grant fails the request before any
     * byte moves. The backend writes the guest's page for a READ. */
    for (unsigned i = 0; i < nr_segs; i++) {
        if (grant_pin(b->gt, b->seg[i].gref, to_guest, &b->seg_page[i]) != GNT_OK) {
            for (unsigned j = 0; j < i; j++)
                grant_unpin(b->gt, b->seg[j].gref, to_guest);
            return BLKIF_RSP_ERROR;
        }
    }

    int16_t status = BLKIF_RSP_OKAY;
    for (unsigned i = 0; i < nr_segs; i++) {
        const struct blkif_segment *s = &b->seg[i];
        uint32_t count = seg_sectors(s);
        uint8_t *buf = (uint8_t *)b->seg_page[i] + (size_t)s->first_sect * BLK_SECTOR_SIZE;
        int rc = to_guest ? st->read(st, sector, count, buf) : st->write(st, sector, count, buf);
        if (rc != 0) {
            status = BLKIF_RSP_ERROR;
            break;
        }
        b->stats.segments++;
        if (to_guest)
            b->stats.sectors_read += count;
        else
            b->stats.sectors_written += count;
        sector += count;
    }

    for (unsigned i = 0; i < nr_segs; i++)
        grant_unpin(b->gt, b->seg[i].gref, to_guest);

    /* After the data: the flush must cover this request's own writes. */
    if (status == BLKIF_RSP_OKAY && flushes) {
        b->stats.flushes++;
        if (st->flush(st) != 0)
            status = BLKIF_RSP_ERROR;
    }
    return status;
}

static int16_t do_direct(struct blkback *b, const struct blkif_request *req)
{
    unsigned nr_segs = req->nr_segments;
    bool flushes = req->operation == BLKIF_OP_FLUSH_DISKCACHE ||
                   req->operation == BLKIF_OP_WRITE_BARRIER;

    if (nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST || (nr_segs == 0 && !flushes))
        return BLKIF_RSP_ERROR;
    memcpy(b->seg, req->seg, nr_segs * sizeof req->seg[0]);
    return do_rw(b, req->operation, req->sector_number, nr_segs);
}

static int16_t do_indirect(struct blkback *b, const struct blkif_request_indirect *req)
{
    unsigned nr_segs = req->nr_segments;

    if (req->indirect_op != BLKIF_OP_READ && req->indirect_op != BLKIF_OP_WRITE)
        return BLKIF_RSP_ERROR;
    if (nr_segs == 0 || nr_segs > BLKBACK_MAX_INDIRECT_SEGMENTS)
        return BLKIF_RSP_ERROR;

    /* Only the pages that nr_segments needs; each is pinned for reading,
     * copied into b->seg and unpinned at once. */
    for (unsigned done = 0, page = 0; done < nr_segs; page++) {
        unsigned n = nr_segs - done;
        if (n > BLKIF_SEGMENTS_PER_INDIRECT_PAGE)
            n = BLKIF_SEGMENTS_PER_INDIRECT_PAGE;
        if (grant_copy_from(b->gt, req->indirect_grefs[page], 0, &b->seg[done],
                            n * (uint32_t)sizeof b->seg[0]) != GNT_OK)
            return BLKIF_RSP_ERROR;
        done += n;
    }
    return do_rw(b, req->indirect_op, req->sector_number, nr_segs);
}

static int16_t do_discard(struct blkback *b, const struct blkif_request_discard *req)
{
    struct blk_store *st = b->store;

    /* The secure flag needs no check: we never advertise discard-secure, so
     * the frontend's flag must be ignored (blkif.h). */
    if (!st->discard)
        return BLKIF_RSP_EOPNOTSUPP;
    if (vbd_read_only(b) || !within_store(b, req->sector_number, req->nr_sectors))
        return BLKIF_RSP_ERROR;
    if (req->nr_sectors == 0)
        return BLKIF_RSP_OKAY;
    b->stats.discards++;
    return st->discard(st, req->sector_number, req->nr_sectors) == 0 ? BLKIF_RSP_OKAY
                                                                     : BLKIF_RSP_ERROR;
}

/* Consume one request and write its response (not yet published). */
static void process_one(struct blkback *b)
{
    /* The private copy: from here on the ring slot is never read again. */
    union blkif_ring_entry req;
    xen_back_ring_read(&b->ring, b->ring.req_cons, &req, sizeof req);
    b->ring.req_cons++;

    struct blkif_response rsp = { .id = req.req.id, .operation = req.req.operation };
    switch (req.req.operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        rsp.status = do_direct(b, &req.req);
        break;
    case BLKIF_OP_INDIRECT:
        rsp.operation = req.indirect.indirect_op;
        rsp.status = do_indirect(b, &req.indirect);
        break;
    case BLKIF_OP_DISCARD:
        rsp.status = do_discard(b, &req.discard);
        break;
    default:
        rsp.status = BLKIF_RSP_EOPNOTSUPP;
        break;
    }

    xen_back_ring_write(&b->ring, b->ring.rsp_prod_pvt, &rsp, sizeof rsp);
    b->ring.rsp_prod_pvt++;
    b->stats.requests++;
    if (rsp.status != BLKIF_RSP_OKAY)
        b->stats.errors++;
}

int blkback_kick(struct blkback *b)
{
    if (!b->connected)
        return BLKBACK_ENOTCONN;
    if (b->broken)
        return BLKBACK_EBROKEN;

    uint32_t budget = BLKBACK_KICK_BUDGET_RINGS * b->ring.nr_entries;
    const uint64_t moved_before = b->stats.sectors_read + b->stats.sectors_written;
#define DATA_BUDGET_LEFT() \
    (b->stats.sectors_read + b->stats.sectors_written - moved_before < BLKBACK_KICK_BUDGET_SECTORS)
    bool notify = false;
    int result = BLKBACK_OK;
    for (;;) {
        int pending = xen_back_ring_final_check(&b->ring);
        if (pending < 0) {
            b->broken = true;
            result = BLKBACK_EBROKEN;
            break;
        }
        if (pending == 0)
            break;
        if (budget == 0 || !DATA_BUDGET_LEFT()) {
            result = BLKBACK_MORE;
            break;
        }
        for (; pending > 0 && budget > 0 && DATA_BUDGET_LEFT(); pending--, budget--)
            process_one(b);
        /* Publish per batch: the frontend may reap while we work on more. */
        notify |= xen_back_ring_push_responses(&b->ring);
    }

#undef DATA_BUDGET_LEFT
    if (notify) {
        b->stats.notifications++;
        b->notify(b->notify_ctx);
    }
    return result;
}
