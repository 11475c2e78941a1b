/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the PV block backend (pvio/blk/blkback.c, grant_table.c, blk_ramdisk.c) as a hostile frontend drives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvio/blk/blk_ramdisk.h"
#include "pvio/blk/blkback.h"
#include "tests/fuzz/fuzz_common.h"

/*
 * The frontend owns 64 pages of guest RAM (data pages, indirect pages and
 * up to 8 ring pages, in two extents) and a two-frame grant table. The input
 * is a script (see LLVMFuzzerTestOneInput): requests of every kind written
 * into the ring (direct, indirect with its segment page, discard, flush,
 * barrier, unknown ops, raw bytes), producer index moves (also past a ring),
 * grant entries rewritten, notification thresholds, disconnects with good
 * or bad ring refs, and hooks that change ring slots, grant entries,
 * indirect and data pages or req_prod while the backend is inside a
 * request's I/O. After every kick:
 *  - pins: only the ring's refs stay pinned, once per ring page; every
 *    other entry's GTF_reading/GTF_writing bits are clear unless the guest
 *    set them itself, and no other bit, domid or frame changed;
 *  - memory: no byte of guest RAM changed outside the ring pages and pages
 *    granted writable to the backend; the store is only handed buffers
 *    inside pages granted for that direction, and sector ranges inside the
 *    disk; a read-only vbd or medium is never written or discarded;
 *  - responses: exactly one per consumed request, all published, each at
 *    its request's slot with its id and operation (indirect_op for
 *    INDIRECT) and a valid status; when no hook ran, the status is the one
 *    blkback.h documents, computed here from the request and the grants.
 */

#define PG              4096u
#define RAM_PAGES       64u
#define DATA_PAGES      48u             /* gfn 0..47, granted as ref 8 + gfn */
#define INDIRECT_GFN0   48u             /* indirect page i: gfn 48 + i, ref 80 + i */
#define RING_GFN_TOP    63u             /* ring page i: gfn 63 - i, ref 64 + i */
#define DATA_REF0       8u
#define RING_REF0       64u
#define INDIRECT_REF0   80u
#define TABLE_FRAMES    2u
#define SECTORS_MAX     4096u           /* 2 MiB: four full indirect requests pass the kick's data budget */
#define HOOKS_MAX       16u
#define STEPS_MAX       64u

struct hook {
    unsigned at_call;       /* store call number that runs it */
    uint8_t what;
    uint16_t where;
    uint32_t value;
};

static struct {
    struct fuzz_ram ram;
    uint8_t shadow[RAM_PAGES * PG];          /* guest RAM as the guest last left it */
    uint8_t *table[TABLE_FRAMES];
    struct grant_entry_v1 model[TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME];   /* what the guest wrote */
    struct grant_table *gt;
    struct blkback *bb;
    uint8_t disk[SECTORS_MAX * BLK_SECTOR_SIZE];
    uint64_t dirty_from, dirty_to;           /* sectors written or discarded by this input */

    /* The store as blkback sees it, wrapping a RAM disk. */
    struct blk_store st;
    struct blk_ramdisk rd;
    unsigned calls, fail_at;
    int flush_result;
    bool fault_hit, hook_ran;
    bool hook_granted_ring;     /* a hook pointed a grant at a ring page during this kick */
    struct hook hooks[HOOKS_MAX];
    unsigned nr_hooks;

    /* Frontend. */
    unsigned nr_frames;
    unsigned ring_pages;
    uint32_t ring_refs[BLKBACK_MAX_RING_PAGES];
    uint32_t ring_gfns[BLKBACK_MAX_RING_PAGES];    /* the frames those refs name */
    uint32_t nr_entries;
    uint32_t req_prod_pvt;
    uint64_t next_id;
    unsigned notified;
    bool reader[RAM_PAGES], writer[RAM_PAGES];   /* granted to the backend at some point this kick */
    bool ring_page[RAM_PAGES];
    bool seg_page[RAM_PAGES];                   /* read as a segment array by this kick's INDIRECTs */

    /* What each ring slot holds as written by the harness (idx, valid). */
    struct {
        uint32_t idx;
        bool valid;
        union blkif_ring_entry e;
    } slot[256];
} f;

/* ---- Guest memory and grants, written through the model ---------------------------- */

static uint8_t *gfn_ptr(uint32_t gfn)
{
    return f.ram.base + (size_t)gfn * PG;
}

static void taint_ring(uint32_t off, uint32_t len);

/* Bytes [gpa, gpa + len) of one page changed: ring slots there, through
 * every ring page that names that frame, are no longer what the harness
 * put there. */
static void taint_frame(uint64_t gpa, uint32_t len)
{
    for (unsigned i = 0; f.nr_entries && i < f.ring_pages; i++) {
        if (f.ring_gfns[i] == gpa / PG)
            taint_ring(i * PG + (uint32_t)(gpa % PG), len);
    }
}

/* The guest writes its own RAM: the shadow follows, and ring slots written
 * behind the harness's back are no longer what it put there. */
static void guest_write(uint64_t gpa, const void *src, size_t len)
{
    if (gpa >= RAM_PAGES * PG || len > RAM_PAGES * PG - gpa || len > PG - gpa % PG)
        return;
    memcpy(f.ram.base + gpa, src, len);
    memcpy(f.shadow + gpa, src, len);
    taint_frame(gpa, (uint32_t)len);
}

static struct grant_entry_v1 *entry(uint32_t ref)
{
    return (struct grant_entry_v1 *)(void *)(f.table[ref / GRANT_ENTRIES_PER_FRAME] +
                                             (ref % GRANT_ENTRIES_PER_FRAME) * 8);
}

/* Which pages the backend may touch, from an entry the guest just wrote. */
static void note_grant(const struct grant_entry_v1 *e)
{
    if ((e->flags & GTF_type_mask) != GTF_permit_access || e->domid != 0 || e->frame >= RAM_PAGES)
        return;
    f.reader[e->frame] = true;
    if (!(e->flags & GTF_readonly))
        f.writer[e->frame] = true;
}

static void set_grant(uint32_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
    struct grant_entry_v1 *e = entry(ref % (TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME));
    e->flags = flags;
    e->domid = domid;
    e->frame = frame;
    f.model[ref % (TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME)] = *e;
    note_grant(e);
}

static void refresh_access(void)
{
    memset(f.reader, 0, sizeof f.reader);
    memset(f.writer, 0, sizeof f.writer);
    for (uint32_t ref = 0; ref < TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME; ref++)
        note_grant(&f.model[ref]);
}

/* ---- Ring slots --------------------------------------------------------------------- */

/* Ring page i as the backend maps it (the frame its ref named at connect). */
static uint32_t ring_gfn(unsigned i)
{
    return f.ring_gfns[i];
}

/* Offset of ring byte `off` (over the concatenated pages) in guest RAM. */
static uint64_t ring_gpa(uint32_t off)
{
    return (uint64_t)ring_gfn(off / PG) * PG + off % PG;
}

static void ring_bytes(uint32_t off, void *buf, uint32_t len, bool write)
{
    uint8_t *b = buf;
    for (uint32_t i = 0; i < len; i++) {
        uint64_t gpa = ring_gpa(off + i);
        if (write) {
            f.ram.base[gpa] = f.shadow[gpa] = b[i];
            taint_frame(gpa, 1);    /* also where another ring ref names the same frame */
        } else {
            b[i] = f.ram.base[gpa];
        }
    }
}

static uint32_t slot_off(uint32_t idx)
{
    return XEN_RING_HEADER_SIZE + (idx & (f.nr_entries - 1)) * BLKIF_RING_ENTRY_SIZE;
}

static struct xen_sring_header *ring_header(void)
{
    return (struct xen_sring_header *)(void *)gfn_ptr(ring_gfn(0));
}

static void put_request(const union blkif_ring_entry *e)
{
    if (!f.nr_entries)
        return;
    uint32_t idx = f.req_prod_pvt++;
    ring_bytes(slot_off(idx), (void *)(uintptr_t)e, sizeof *e, true);
    f.slot[idx & (f.nr_entries - 1)].idx = idx;
    f.slot[idx & (f.nr_entries - 1)].valid = true;
    f.slot[idx & (f.nr_entries - 1)].e = *e;
}

/* The guest scribbled on ring bytes [off, off + len): slots there are no longer ours. */
static void taint_ring(uint32_t off, uint32_t len)
{
    if (!f.nr_entries || !len || off + len <= XEN_RING_HEADER_SIZE)
        return;
    uint32_t from = off < XEN_RING_HEADER_SIZE ? 0 : (off - XEN_RING_HEADER_SIZE) / BLKIF_RING_ENTRY_SIZE;
    uint32_t to = (off + len - 1 - XEN_RING_HEADER_SIZE) / BLKIF_RING_ENTRY_SIZE;
    for (uint32_t p = from; p <= to && p < f.nr_entries; p++)
        f.slot[p].valid = false;
}

/* ---- The store ----------------------------------------------------------------------- */

/* The buffer blkback hands the store lies inside one page granted for the access. */
static void check_buffer(const void *buf, uint32_t count, bool backend_writes)
{
    const uint8_t *b = buf;
    FUZZ_CHECK(b >= f.ram.base && b < f.ram.base + RAM_PAGES * PG, "store buffer outside guest RAM");
    size_t off = (size_t)(b - f.ram.base);
    uint32_t gfn = (uint32_t)(off / PG);
    FUZZ_CHECK(off % BLK_SECTOR_SIZE == 0 && off % PG + (size_t)count * BLK_SECTOR_SIZE <= PG,
               "store buffer at %#zx for %u sectors crosses its page", off, count);
    FUZZ_CHECK(backend_writes ? f.writer[gfn] : f.reader[gfn], "store %s gfn %u, which is not granted for it",
               backend_writes ? "writes" : "reads", gfn);
}

static void run_hooks(void);

static void check_range(uint64_t sector, uint64_t count)
{
    FUZZ_CHECK(count >= 1 && count <= f.st.sectors && sector <= f.st.sectors - count,
               "store access [%llu, +%llu) outside %llu sectors", (unsigned long long)sector,
               (unsigned long long)count, (unsigned long long)f.st.sectors);
}

/* The disk starts every input as setup() leaves it: an input's result must
 * not depend on what earlier inputs wrote, or a failure found by a long run
 * does not reproduce from its artifact alone (a READ brings those bytes into
 * guest pages, where they may be an INDIRECT's segment array). */
static void disk_dirty(uint64_t sector, uint64_t count)
{
    if (f.dirty_from == f.dirty_to || sector < f.dirty_from)
        f.dirty_from = sector;
    if (f.dirty_to < sector + count)
        f.dirty_to = sector + count;
}

static void disk_pattern(uint64_t from, uint64_t to)
{
    for (size_t i = (size_t)from * BLK_SECTOR_SIZE; i < (size_t)to * BLK_SECTOR_SIZE; i++)
        f.disk[i] = (uint8_t)(i * 7 + i / 512);
}

static bool store_fails(void)
{
    run_hooks();
    if (f.fail_at && f.calls == f.fail_at) {
        f.fault_hit = true;
        return true;
    }
    return false;
}

static int st_read(struct blk_store *s, uint64_t sector, uint32_t count, void *buf)
{
    (void)s;
    f.calls++;
    check_range(sector, count);
    check_buffer(buf, count, true);
    if (store_fails())
        return -1;
    return f.rd.store.read(&f.rd.store, sector, count, buf);
}

static int st_write(struct blk_store *s, uint64_t sector, uint32_t count, const void *buf)
{
    (void)s;
    f.calls++;
    check_range(sector, count);
    check_buffer(buf, count, false);
    FUZZ_CHECK(!f.bb->read_only && !f.st.read_only, "write to a read-only vbd");
    if (store_fails())
        return -1;
    disk_dirty(sector, count);
    return f.rd.store.write(&f.rd.store, sector, count, buf);
}

static int st_flush(struct blk_store *s)
{
    (void)s;
    f.calls++;
    if (store_fails())
        return -1;
    return f.flush_result;
}

static int st_discard(struct blk_store *s, uint64_t sector, uint64_t count)
{
    (void)s;
    f.calls++;
    check_range(sector, count);
    FUZZ_CHECK(!f.bb->read_only && !f.st.read_only, "discard on a read-only vbd");
    if (store_fails())
        return -1;
    disk_dirty(sector, count);
    return f.rd.store.discard(&f.rd.store, sector, count);
}

/* The guest, from another CPU, while the backend is inside a request's I/O. */
static void run_hooks(void)
{
    for (unsigned i = 0; i < f.nr_hooks; i++) {
        const struct hook *h = &f.hooks[i];
        if (h->at_call != f.calls)
            continue;
        f.hook_ran = true;
        switch (h->what % 5) {
        case 0: {   /* rewrite a grant entry (revoke, retarget, make read-only) */
            uint32_t ref = h->where % (f.nr_frames * GRANT_ENTRIES_PER_FRAME);
            uint32_t frame = (h->value >> 8) % (RAM_PAGES + 4);
            set_grant(ref, (uint16_t)h->value, (uint16_t)(h->value >> 16 & 1), frame);
            for (unsigned page = 0; f.nr_entries && page < f.ring_pages; page++)
                f.hook_granted_ring |= f.ring_gfns[page] == frame;
            break;
        }
        case 1: {   /* ring bytes: requests not yet read, responses already written */
            if (!f.nr_entries)
                break;
            uint32_t size = XEN_RING_HEADER_SIZE + f.nr_entries * BLKIF_RING_ENTRY_SIZE;
            uint32_t off = h->where % size;
            uint32_t len = off + 4 <= size ? 4 : size - off;
            ring_bytes(off, (void *)(uintptr_t)&h->value, len, true);
            break;
        }
        case 2:     /* the indirect pages */
            guest_write((uint64_t)INDIRECT_GFN0 * PG + h->where % (8 * PG), &h->value, 4);
            break;
        case 3:     /* data pages */
            guest_write((uint64_t)(h->where % DATA_PAGES) * PG + (h->value & 0xFFC), &h->value, 4);
            break;
        default:    /* req_prod moves on (or anywhere) */
            if (f.nr_entries) {
                uint32_t prod = h->what & 0x80 ? h->value : f.req_prod_pvt;
                guest_write((uint64_t)ring_gfn(0) * PG, &prod, 4);
            }
            break;
        }
    }
}

/* ---- What the backend should answer (blkback.h), when nothing changes mid-way -------- */

static bool pinnable(uint32_t ref, bool write)
{
    if (ref < GRANT_REF_FIRST_USABLE || ref >= f.nr_frames * GRANT_ENTRIES_PER_FRAME)
        return false;
    const struct grant_entry_v1 *e = &f.model[ref];
    return (e->flags & GTF_type_mask) == GTF_permit_access && e->domid == 0 &&
           !(write && (e->flags & GTF_readonly)) && e->frame < RAM_PAGES;
}

static bool vbd_read_only(void)
{
    return f.bb->read_only || f.st.read_only;
}

static int16_t expect_rw(uint8_t op, uint64_t sector, const struct blkif_segment *seg, unsigned n)
{
    bool flushes = op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER;
    if (op != BLKIF_OP_READ && n && vbd_read_only())
        return BLKIF_RSP_ERROR;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (seg[i].first_sect > seg[i].last_sect || seg[i].last_sect >= BLKIF_SECTORS_PER_PAGE)
            return BLKIF_RSP_ERROR;
        total += seg[i].last_sect - seg[i].first_sect + 1u;
    }
    if (total && (total > f.st.sectors || sector > f.st.sectors - total))
        return BLKIF_RSP_ERROR;
    for (unsigned i = 0; i < n; i++) {
        if (!pinnable(seg[i].gref, op == BLKIF_OP_READ))
            return BLKIF_RSP_ERROR;
    }
    if (flushes && f.flush_result)
        return BLKIF_RSP_ERROR;
    return BLKIF_RSP_OKAY;
}

static int16_t expect_status(const union blkif_ring_entry *e)
{
    static struct blkif_segment seg[BLKBACK_MAX_INDIRECT_SEGMENTS];
    switch (e->req.operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE: {
        bool flushes = e->req.operation >= BLKIF_OP_WRITE_BARRIER;
        unsigned n = e->req.nr_segments;
        if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST || (n == 0 && !flushes))
            return BLKIF_RSP_ERROR;
        return expect_rw(e->req.operation, e->req.sector_number, e->req.seg, n);
    }
    case BLKIF_OP_INDIRECT: {
        const struct blkif_request_indirect *r = &e->indirect;
        unsigned n = r->nr_segments;
        if (r->indirect_op != BLKIF_OP_READ && r->indirect_op != BLKIF_OP_WRITE)
            return BLKIF_RSP_ERROR;
        if (n == 0 || n > BLKBACK_MAX_INDIRECT_SEGMENTS)
            return BLKIF_RSP_ERROR;
        for (unsigned page = 0; page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE < n; page++) {
            if (!pinnable(r->indirect_grefs[page], false))
                return BLKIF_RSP_ERROR;
            unsigned k = n - page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE;
            if (k > BLKIF_SEGMENTS_PER_INDIRECT_PAGE)
                k = BLKIF_SEGMENTS_PER_INDIRECT_PAGE;
            memcpy(&seg[page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE], gfn_ptr(f.model[r->indirect_grefs[page]].frame),
                   k * sizeof seg[0]);
        }
        return expect_rw(r->indirect_op, r->sector_number, seg, n);
    }
    case BLKIF_OP_DISCARD:
        if (!f.st.discard)
            return BLKIF_RSP_EOPNOTSUPP;
        if (vbd_read_only() || e->discard.nr_sectors > f.st.sectors ||
            e->discard.sector_number > f.st.sectors - e->discard.nr_sectors)
            return BLKIF_RSP_ERROR;
        return BLKIF_RSP_OKAY;
    default:
        return BLKIF_RSP_EOPNOTSUPP;
    }
}

/* A READ may land in the ring or in a page that an INDIRECT of the same
 * kick reads its segments from: later requests then change under the
 * model's feet, so only what stays exact is checked. The segment pages are
 * whatever indirect_grefs name, not only gfns 48..55 (op_request's kind &
 * 0x80 picks any ref, a data page too): the backend copies a segment array
 * when it reaches that request, after the earlier READs of the kick, as
 * Linux's xen_blkbk_parse_indirect maps the pages only once it parses the
 * request, while expected[] is computed from the pages before the kick. */
static bool lands_in_own_pages(uint32_t ref)
{
    if (!pinnable(ref, true))
        return false;
    uint32_t gfn = f.model[ref].frame;
    return f.ring_page[gfn] || f.seg_page[gfn];
}

/* The pages an INDIRECT's segment arrays are copied from, if it gets that far. */
static void note_seg_pages(const union blkif_ring_entry *e)
{
    const struct blkif_request_indirect *r = &e->indirect;
    unsigned n = r->nr_segments;
    if (e->req.operation != BLKIF_OP_INDIRECT || n > BLKBACK_MAX_INDIRECT_SEGMENTS)
        return;
    for (unsigned page = 0; page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE < n; page++) {
        if (pinnable(r->indirect_grefs[page], false))
            f.seg_page[f.model[r->indirect_grefs[page]].frame] = true;
    }
}

static bool reads_into_own_pages(const union blkif_ring_entry *e)
{
    if (e->req.operation == BLKIF_OP_READ && e->req.nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        for (unsigned i = 0; i < e->req.nr_segments; i++) {
            if (lands_in_own_pages(e->req.seg[i].gref))
                return true;
        }
    }
    if (e->req.operation == BLKIF_OP_INDIRECT && e->indirect.indirect_op == BLKIF_OP_READ) {
        const struct blkif_request_indirect *r = &e->indirect;
        unsigned n = r->nr_segments;
        for (unsigned page = 0; n <= BLKBACK_MAX_INDIRECT_SEGMENTS && page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE < n;
             page++) {
            if (!pinnable(r->indirect_grefs[page], false))
                break;
            const struct blkif_segment *seg = (const void *)gfn_ptr(f.model[r->indirect_grefs[page]].frame);
            for (unsigned i = 0; i < n - page * BLKIF_SEGMENTS_PER_INDIRECT_PAGE && i < BLKIF_SEGMENTS_PER_INDIRECT_PAGE;
                 i++) {
                if (lands_in_own_pages(seg[i].gref))
                    return true;
            }
        }
    }
    return false;
}

/* ---- After each kick ------------------------------------------------------------------ */

static void check_pins(void)
{
    unsigned ring_pins = f.bb->connected ? f.ring_pages : 0;
    FUZZ_CHECK(f.gt->active_pins == ring_pins, "%u pins held, the ring has %u", f.gt->active_pins, ring_pins);
    static uint8_t ring_uses[TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME];
    memset(ring_uses, 0, sizeof ring_uses);
    for (unsigned i = 0; f.bb->connected && i < f.ring_pages; i++) {
        if (f.ring_refs[i] < TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME)
            ring_uses[f.ring_refs[i]]++;
    }
    for (uint32_t ref = 0; ref < TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME; ref++) {
        unsigned want = ring_uses[ref];
        FUZZ_CHECK(grant_pin_count(f.gt, ref) == want, "ref %u: %u pins, expected %u", ref,
                   grant_pin_count(f.gt, ref), want);
        const struct grant_entry_v1 *e = entry(ref), *m = &f.model[ref];
        uint16_t busy = GTF_reading | GTF_writing;
        FUZZ_CHECK(e->domid == m->domid && e->frame == m->frame && (e->flags & ~busy) == (m->flags & ~busy),
                   "ref %u: the backend changed the entry (flags %#x, guest wrote %#x)", ref, e->flags, m->flags);
        if (!want)
            FUZZ_CHECK((e->flags & busy & ~m->flags) == 0, "ref %u: left busy (flags %#x)", ref, e->flags);
        f.model[ref].flags = e->flags;  /* the guest sees what the backend left */
    }
}

static void check_memory(void)
{
    for (uint32_t gfn = 0; gfn < RAM_PAGES; gfn++) {
        uint8_t *now = gfn_ptr(gfn), *was = f.shadow + (size_t)gfn * PG;
        if (memcmp(now, was, PG) == 0)
            continue;
        FUZZ_CHECK(f.writer[gfn] || f.ring_page[gfn], "gfn %u changed, but was never granted writable", gfn);
        memcpy(was, now, PG);
    }
}

static void kick(void)
{
    if (!f.bb->connected) {
        FUZZ_CHECK(blkback_kick(f.bb) == BLKBACK_ENOTCONN, "kick while disconnected");
        return;
    }
    refresh_access();
    uint32_t first = f.bb->ring.req_cons;
    uint64_t requests = f.bb->stats.requests, errors = f.bb->stats.errors;
    unsigned notified = f.notified;
    f.hook_ran = f.fault_hit = f.hook_granted_ring = false;

    /* Expected statuses, fixed before the backend runs (valid while no hook runs). */
    static int16_t expected[256];
    static bool exact[256];
    bool own_pages = false;
    uint32_t published = ring_header()->req_prod;
    memset(f.seg_page, 0, sizeof f.seg_page);
    for (uint32_t k = 0; k < f.nr_entries && k < published - first; k++) {
        uint32_t p = (first + k) & (f.nr_entries - 1);
        if (f.slot[p].valid && f.slot[p].idx == first + k)
            note_seg_pages(&f.slot[p].e);
    }
    for (uint32_t k = 0; k < f.nr_entries; k++) {
        uint32_t idx = first + k, p = idx & (f.nr_entries - 1);
        exact[p] = f.slot[p].valid && f.slot[p].idx == idx;
        if (exact[p])
            expected[p] = expect_status(&f.slot[p].e);
        if (k < published - first)
            own_pages |= !exact[p] || reads_into_own_pages(&f.slot[p].e);
    }
    /* The backend's own ring writes (responses, rsp_prod, req_event) change
     * a segment array kept in a ring page during the kick. (Ring slots the
     * guest wrote are exact only while no write reached them through any
     * ring page naming the same frame: see taint_frame.) */
    for (unsigned i = 0; i < f.ring_pages; i++)
        own_pages |= f.seg_page[f.ring_gfns[i]];
    /* rsp_prod as the guest leaves it: its own writes reach the header
     * through an aliased ring page or a ring page that is also a data page. */
    uint32_t rsp_prod_before = ring_header()->rsp_prod;

    int rc = BLKBACK_MORE;
    for (unsigned tries = 0; rc == BLKBACK_MORE && tries < 8; tries++) {
        rc = blkback_kick(f.bb);
        FUZZ_CHECK(rc == BLKBACK_OK || rc == BLKBACK_MORE || rc == BLKBACK_EBROKEN, "kick returned %d", rc);
    }
    uint32_t done = f.bb->ring.req_cons - first;
    FUZZ_CHECK(f.bb->ring.rsp_prod_pvt == f.bb->ring.req_cons, "%u requests consumed, %u responses",
               f.bb->ring.req_cons, f.bb->ring.rsp_prod_pvt);
    /* Every batch is published (when none is consumed, rsp_prod stays as it was). */
    FUZZ_CHECK(ring_header()->rsp_prod == f.bb->ring.rsp_prod_pvt || f.hook_ran ||
                   (done == 0 && ring_header()->rsp_prod == rsp_prod_before),
               "rsp_prod %u published, %u written", ring_header()->rsp_prod, f.bb->ring.rsp_prod_pvt);
    FUZZ_CHECK(f.bb->stats.requests - requests == done, "stats count %llu responses for %u requests",
               (unsigned long long)(f.bb->stats.requests - requests), done);
    FUZZ_CHECK(f.notified - notified <= 8, "notified %u times", f.notified - notified);

    /* Once a hook grants a ring page, later READs of the kick may write over
     * responses already in the ring: what is read back is not theirs. */
    own_pages |= f.hook_granted_ring;
    if (done > f.nr_entries) {
        FUZZ_CHECK(f.hook_ran || own_pages, "%u responses from a ring of %u without the guest moving req_prod",
                   done, f.nr_entries);
        own_pages = true;   /* slots reused within the kick: nothing to compare */
    }
    uint64_t failed = 0;
    for (uint32_t k = 0; k < done && k < f.nr_entries; k++) {
        uint32_t idx = first + k, p = idx & (f.nr_entries - 1);
        struct blkif_response r;
        ring_bytes(slot_off(idx), &r, sizeof r, false);
        failed += r.status != BLKIF_RSP_OKAY;
        if (own_pages || !exact[p] || !f.slot[p].valid)
            continue;   /* not what we wrote, or overwritten since (by the guest or the backend's READs) */
        FUZZ_CHECK(r.status == BLKIF_RSP_OKAY || r.status == BLKIF_RSP_ERROR || r.status == BLKIF_RSP_EOPNOTSUPP,
                   "response %u: status %d", idx, r.status);
        const union blkif_ring_entry *e = &f.slot[p].e;
        uint8_t op = e->req.operation == BLKIF_OP_INDIRECT ? e->indirect.indirect_op : e->req.operation;
        FUZZ_CHECK(r.id == e->req.id && r.operation == op, "response %u: id %llu op %u, request id %llu op %u", idx,
                   (unsigned long long)r.id, r.operation, (unsigned long long)e->req.id, op);
        FUZZ_CHECK(f.hook_ran || f.fault_hit || r.status == expected[p], "request %u (op %u): status %d, expected %d",
                   idx, e->req.operation, r.status, expected[p]);
        f.slot[p].valid = false;    /* the slot holds the response now */
    }
    if (done <= f.nr_entries && !own_pages && !f.hook_ran)
        FUZZ_CHECK(f.bb->stats.errors - errors == failed, "stats count %llu errors, responses %llu",
                   (unsigned long long)(f.bb->stats.errors - errors), (unsigned long long)failed);
    for (uint32_t k = 0; k < done && k < f.nr_entries; k++)
        f.slot[(first + k) & (f.nr_entries - 1)].valid = false;

    check_pins();
    check_memory();
    f.nr_hooks = 0;
    f.calls = 0;
}

/* ---- Building requests ------------------------------------------------------------------ */

/* A grant ref: mostly good data refs, sometimes anything. */
static uint32_t pick_ref(uint8_t b, struct fuzz_input *in)
{
    if (b < 0xC0)
        return DATA_REF0 + b % DATA_PAGES;
    switch (b & 7) {
    case 0: return 0;
    case 1: return 7;
    case 2: return RING_REF0 + (b >> 3) % 8;
    case 3: return INDIRECT_REF0 + (b >> 3) % 8;
    case 4: return GRANT_ENTRIES_PER_FRAME + (b >> 3);  /* the second frame */
    case 5: return TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME + b;
    default: return fin_u32(in);
    }
}

static struct blkif_segment make_seg(struct fuzz_input *in)
{
    uint8_t r = fin_u8(in), s = fin_u8(in);
    struct blkif_segment seg = { .gref = pick_ref(r, in) };
    if (s < 0xF0) {     /* valid sectors, mostly */
        seg.first_sect = s & 7;
        seg.last_sect = (uint8_t)(seg.first_sect + ((s >> 3) & 7) % (8 - seg.first_sect));
    } else {
        seg.first_sect = (uint8_t)(s & 0xF);
        seg.last_sect = fin_u8(in);
    }
    return seg;
}

static uint64_t make_sector(struct fuzz_input *in)
{
    uint8_t b = fin_u8(in);
    if (b == 0xFF)
        return fin_u64(in);
    if (b == 0xFE)
        return fin_u16(in) % (f.st.sectors + 8);
    return b % (f.st.sectors + 8);
}

static void op_request(struct fuzz_input *in)
{
    union blkif_ring_entry e;
    memset(&e, 0, sizeof e);
    uint8_t kind = fin_u8(in);
    static const uint8_t ops[] = { BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_READ, BLKIF_OP_WRITE,
                                   BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD,
                                   BLKIF_OP_INDIRECT, BLKIF_OP_INDIRECT, BLKIF_OP_RESERVED_1, 7, 0xFF };
    uint8_t op = ops[kind % sizeof ops];
    if (kind >= 0xF8) {     /* raw bytes, id and all */
        fin_bytes(in, &e, sizeof e);
        put_request(&e);
        return;
    }
    e.req.id = f.next_id++ * 0x0101010101ull;
    e.req.operation = op;
    if (op == BLKIF_OP_INDIRECT) {
        struct blkif_request_indirect *r = &e.indirect;
        r->indirect_op = fin_u8(in) % 5;
        uint16_t n = fin_u16(in);
        r->nr_segments = n & 0x8000 ? n : n % (BLKBACK_MAX_INDIRECT_SEGMENTS + 2);
        r->sector_number = make_sector(in);
        r->handle = 0x51;
        unsigned page = fin_u8(in) % 8;
        for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
            r->indirect_grefs[i] = INDIRECT_REF0 + (page + i) % 8;
        if (kind & 0x80)
            r->indirect_grefs[0] = pick_ref(fin_u8(in), in);
        /* The segment array, in the indirect page the first gref names. */
        unsigned count = r->nr_segments < BLKIF_SEGMENTS_PER_INDIRECT_PAGE ? r->nr_segments : 8;
        for (unsigned i = 0; i < count; i++) {
            struct blkif_segment s = in->left ? make_seg(in) : (struct blkif_segment){ DATA_REF0 + i % DATA_PAGES, 0, 7, 0 };
            guest_write((uint64_t)(INDIRECT_GFN0 + page) * PG + i * sizeof s, &s, sizeof s);
        }
    } else if (op == BLKIF_OP_DISCARD) {
        e.discard.flag = fin_u8(in) & 1;
        e.discard.sector_number = make_sector(in);
        uint8_t n = fin_u8(in);
        e.discard.nr_sectors = n == 0xFF ? fin_u64(in) : n % 24;
    } else {
        uint8_t n = fin_u8(in);
        e.req.nr_segments = n < 0xF0 ? n % (BLKIF_MAX_SEGMENTS_PER_REQUEST + 1) : n;
        e.req.handle = 0x51;
        e.req.sector_number = make_sector(in);
        for (unsigned i = 0; i < e.req.nr_segments && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
            e.req.seg[i] = make_seg(in);
    }
    put_request(&e);
}

static void publish(struct fuzz_input *in)
{
    if (!f.nr_entries)
        return;
    uint8_t how = fin_u8(in);
    uint32_t prod = f.req_prod_pvt;
    if (how >= 0xF0)
        prod = how == 0xFF ? fin_u32(in) : prod + fin_u8(in);     /* ahead of what was written */
    guest_write((uint64_t)ring_gfn(0) * PG, &prod, sizeof prod);
    if (how >= 0xF0)
        taint_ring(0, f.nr_entries * BLKIF_RING_ENTRY_SIZE + XEN_RING_HEADER_SIZE);
}

static void notify(void *ctx)
{
    FUZZ_CHECK(ctx == &f, "notify context");
    f.notified++;
}

/* (Re)connects: cfg bits 1-2 choose 1, 2, 4 or 8 ring pages, bit 0 one ring ref from the input. */
static void connect(struct fuzz_input *in, uint8_t cfg)
{
    blkback_disconnect(f.bb);
    f.ring_pages = 1u << ((cfg >> 1) % 4);
    f.nr_entries = 0;
    for (unsigned i = 0; i < f.ring_pages; i++)
        f.ring_refs[i] = RING_REF0 + i;
    if (cfg & 1) {
        unsigned which = fin_u8(in) % f.ring_pages;
        f.ring_refs[which] = pick_ref(fin_u8(in), in);
    }
    for (unsigned i = 0; i < f.ring_pages; i++) {
        uint32_t ref = f.ring_refs[i];
        bool ok = ref < TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME && f.model[ref].frame < RAM_PAGES;
        f.ring_gfns[i] = ok ? f.model[ref].frame : RING_GFN_TOP - i;
        f.ring_page[f.ring_gfns[i]] = true;
    }
    /* A fresh ring: the header at its indices, the rest zero. */
    uint8_t how = fin_u8(in);
    uint32_t start = how & 1 ? fin_u32(in) : 0;
    uint8_t zero[PG] = { 0 };
    for (unsigned i = 0; i < f.ring_pages; i++)
        guest_write((uint64_t)ring_gfn(i) * PG, zero, PG);
    struct xen_sring_header h = { start, start + 1, start, start + 1, { 0 } };
    if (how & 2)
        h.req_prod += fin_u16(in);  /* requests published before connecting, or a broken ring */
    guest_write((uint64_t)ring_gfn(0) * PG, &h, sizeof h);
    memset(f.slot, 0, sizeof f.slot);
    f.req_prod_pvt = start;

    unsigned pins = f.gt->active_pins;
    int rc = blkback_connect(f.bb, f.gt, f.ring_refs, f.ring_pages, NULL, NULL);
    FUZZ_CHECK(rc == BLKBACK_EINVAL && f.gt->active_pins == pins, "connect without notify: %d", rc);
    rc = blkback_connect(f.bb, f.gt, f.ring_refs, f.ring_pages, notify, &f);
    FUZZ_CHECK(rc == BLKBACK_OK || rc == BLKBACK_EGRANT || rc == BLKBACK_EBROKEN, "connect returned %d", rc);
    if (rc == BLKBACK_OK)
        f.nr_entries = f.bb->ring.nr_entries;
    check_pins();
}

static void setup(struct fuzz_input *in)
{
    static bool once;
    if (!once) {
        once = true;
        fuzz_ram_init(&f.ram, RAM_PAGES * PG);
        for (unsigned i = 0; i < TABLE_FRAMES; i++)
            f.table[i] = aligned_alloc(PG, PG);
        f.gt = malloc(sizeof *f.gt);
        f.bb = malloc(sizeof *f.bb);
        if (!f.table[0] || !f.table[1] || !f.gt || !f.bb)
            abort();
        disk_pattern(0, SECTORS_MAX);
    }
    disk_pattern(f.dirty_from, f.dirty_to);
    f.dirty_from = f.dirty_to = 0;
    uint8_t cfg = fin_u8(in);
    f.nr_frames = cfg & 0x40 ? 2 : 1;
    fuzz_ram_layout(&f.ram, RAM_PAGES * PG, 2);
    memset(f.ram.base, 0xEE, RAM_PAGES * PG);
    memcpy(f.shadow, f.ram.base, sizeof f.shadow);
    for (unsigned i = 0; i < TABLE_FRAMES; i++)
        memset(f.table[i], 0, PG);
    memset(f.model, 0, sizeof f.model);
    memset(f.ring_page, 0, sizeof f.ring_page);
    grant_table_init(f.gt, &f.ram.gm, 0);
    for (unsigned i = 0; i < TABLE_FRAMES; i++)
        grant_table_set_frame(f.gt, i, f.table[i]);
    FUZZ_CHECK(grant_table_set_nr_frames(f.gt, f.nr_frames) == GNT_OK, "grant table frames");
    for (uint32_t g = 0; g < DATA_PAGES; g++)
        set_grant(DATA_REF0 + g, GTF_permit_access, 0, g);
    for (uint32_t i = 0; i < 8; i++) {
        set_grant(RING_REF0 + i, GTF_permit_access, 0, RING_GFN_TOP - i);
        set_grant(INDIRECT_REF0 + i, GTF_permit_access | GTF_readonly, 0, INDIRECT_GFN0 + i);
    }

    uint8_t size = fin_u8(in);
    uint32_t sectors = size & 0x80 ? SECTORS_MAX - (size & 0x7F) : 16 + size;
    blk_ramdisk_init(&f.rd, f.disk, (uint64_t)sectors * BLK_SECTOR_SIZE, cfg & 0x08);
    f.st = (struct blk_store){ sectors, (cfg & 0x08) != 0, st_read, st_write, st_flush,
                               cfg & 0x10 ? st_discard : NULL };
    f.flush_result = cfg & 0x20 ? -1 : 0;
    f.fail_at = fin_u8(in) % 16;        /* 0: no device error */
    f.calls = f.nr_hooks = f.notified = 0;
    f.next_id = 1;
    FUZZ_CHECK(blkback_init(f.bb, &f.st, (cfg & 0x04) != 0) == BLKBACK_OK, "blkback_init");
    connect(in, (uint8_t)((cfg & 3) << 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    setup(&in);
    for (unsigned step = 0; in.left && step < STEPS_MAX; step++) {
        uint8_t op = fin_u8(&in);
        switch (op % 12) {
        case 0: case 1: case 2: case 3:
            op_request(&in);
            break;
        case 4:
            publish(&in);
            break;
        case 5: case 6:
            publish(&in);
            kick();
            break;
        case 7: {   /* the guest rewrites a grant entry */
            uint32_t ref = pick_ref(fin_u8(&in), &in) % (TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME);
            uint32_t v = fin_u32(&in);
            set_grant(ref, (uint16_t)v, (uint16_t)((v >> 16) & 1), (v >> 20) % (RAM_PAGES + 8));
            break;
        }
        case 8:     /* a hook for the next kick */
            if (f.nr_hooks < HOOKS_MAX) {
                struct hook *h = &f.hooks[f.nr_hooks++];
                h->at_call = 1 + fin_u8(&in) % 24;
                h->what = fin_u8(&in);
                h->where = fin_u16(&in);
                h->value = fin_u32(&in);
            }
            break;
        case 9:     /* rsp_event: when the guest wants its next notification */
            if (f.nr_entries) {
                uint32_t ev = f.bb->ring.rsp_prod_pvt + fin_u8(&in) % 4;
                guest_write((uint64_t)ring_gfn(0) * PG + 12, &ev, sizeof ev);
            }
            break;
        case 10:
            connect(&in, fin_u8(&in));
            break;
        default: {  /* the guest changes a data page between requests */
            uint64_t page = fin_u8(&in) % DATA_PAGES;
            guest_write(page * PG + fin_u16(&in) % PG, &op, 1);
            break;
        }
        }
    }
    publish(&in);
    kick();
    blkback_disconnect(f.bb);
    FUZZ_CHECK(f.gt->active_pins == 0, "%u pins left after disconnect", f.gt->active_pins);
    return 0;
}
