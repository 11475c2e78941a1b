/* SPDX-License-Identifier: BSD-2-Clause */
/* xen_hostile_blk.c — the PV disk test of xen_pv.elf (cmdline test=blk; VM xen_hostile_blk):
 * a hand-written, hostile Xen blkfront against Keel's xenstore and blkback (config:
 * xen_platform_pci = 1, disk = xen_hostile_disk.bin as xvda, 512 sectors of a known
 * pattern). It maps shared_info and grant frame 0 (at the platform device's BAR1),
 * speaks raw xs_wire messages on the xenstore ring (lib/xs_raw.c), and:
 *  - breaks the handshake (ungranted or out-of-table ring-ref, the xenstore port as
 *    event channel, a foreign ring protocol, ring-page-order above the maximum, a
 *    missing ring-refN): each time the backend closes and comes back to InitWait;
 *  - connects properly and checks good READ/WRITE/FLUSH/DISCARD/indirect requests
 *    against the disk pattern;
 *  - sends malformed requests (forged, out-of-table, foreign-domain, read-only and
 *    non-RAM grants, 0 and 12 segments, 257 indirect segments, first_sect > last_sect,
 *    last_sect 8, sectors past the end, unknown ops): each gets exactly one response
 *    with an error status echoing its id, and no data moves;
 *  - keeps canary pages around the ring and every data page, and checks grants are
 *    released after every batch;
 *  - makes the ring feed itself: READs into the ring page load disk sectors that
 *    publish more requests (192 in one notification, past Keel's per-kick budget);
 *  - fills xenstore to ENOSPC, then moves req_prod more than a ring ahead: the device
 *    closes (state 5 written into the full store, no responses, ring grant released),
 *    then reconnects and works again, then closes cleanly;
 *  - abuses xenstore (writes outside its subtree, reads other domains' nodes, bad
 *    paths, unknown and privileged messages), and last sends a message longer than
 *    4096 bytes: the ring stops with error PROTO and hypercalls still work. */
#include "guest.h"
#include "xen_guest.h"
#include "xs_raw.h"

#define DISK_SECTORS    512             /* mods/xen_hostile_disk.asm */
#define VBD             "device/vbd/51712"

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint32_t store_port, blk_port;
static volatile struct grant_entry_v1 *gnt;     /* grant frame 0, at BAR1 */
static uint32_t bar1;

/* Disk byte o of sector s, as generated (before this guest writes or discards). */
static uint8_t disk_byte(uint64_t s, unsigned o)
{
    return (uint8_t)(s * 13 + (s >> 8) * 101 + o * 7 + (o >> 8) * 3 + 1);
}

/* ---- pages: every data page between canary pages -------------------------------------------- */

enum { PG_RING = 1, PG_A = 3, PG_B = 5, PG_C = 7, PG_IND = 9, NPAGES = 11 };
static uint8_t pages[NPAGES][4096] __attribute__((aligned(4096)));
#define CANARY(pg)      ((uint8_t)(0xc0 | (pg)))
#define RING_TAIL       0x77            /* ring page bytes after the 32 entries */
#define FILL            0x5a            /* data pages before a request */

static uint32_t gfn_of(unsigned pg)
{
    return (uint32_t)((uintptr_t)pages[pg] >> 12);
}

/* Grant refs (0-7 are reserved). */
enum {
    REF_RING = 8, REF_A, REF_B, REF_C_RO, REF_IND, REF_FORGED, REF_DOM5, REF_NOTRAM,
    REF_A_RO, REF_GNTTAB, REF_STORE, REF_LAST
};

static void grant(uint32_t ref, uint16_t domid, uint32_t frame, uint16_t flags)
{
    gnt[ref].domid = domid;
    gnt[ref].frame = frame;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    gnt[ref].flags = flags;
}

static void fill(unsigned pg, uint8_t v)
{
    memset(pages[pg], v, 4096);
}

/* Bytes [from, to) of a page all equal v. */
static bool page_is(unsigned pg, unsigned from, unsigned to, uint8_t v)
{
    for (unsigned i = from; i < to; i++)
        if (pages[pg][i] != v)
            return false;
    return true;
}

static bool canaries_intact(void)
{
    for (unsigned pg = 0; pg < NPAGES; pg += 2)
        if (!page_is(pg, 0, 4096, CANARY(pg)))
            return false;
    return true;
}

/* ---- shared_info ------------------------------------------------------------------------------ */

/* Takes a port's pending bit (and clears vCPU 0's upcall state: no callback is set up). */
static bool take_event(uint32_t port)
{
    return evtchn_take(shinfo, port);
}

/* ---- xenstore (raw xs_wire, lib/xs_raw.c): this disk's nodes ---------------------------------------- */

static char be_path[96];

static bool is_error_e2big(int t)
{
    return t == XS_ERROR && (strcmp(xs_msg.body, "E2BIG") == 0 || strcmp(xs_msg.body, "EINVAL") == 0 ||
                             strcmp(xs_msg.body, "ENOSPC") == 0);
}

static const char *be_read(const char *key)
{
    return xs_read(xs_path(be_path, key));
}

/* The backend's state, or -1. */
static int be_state(void)
{
    const char *v;
    uint64_t n;
    return (v = be_read("state")) && parse_u64(v, &n) ? (int)n : -1;
}

static bool fe_write(const char *key, const char *value)
{
    return xs_write(xs_path(VBD, key), value);
}

/* ---- the blkif ring (xen/include/public/io/blkif.h, x86_64) ------------------------------------------- */

enum { OP_READ = 0, OP_WRITE = 1, OP_FLUSH = 3, OP_RESERVED_1 = 4, OP_DISCARD = 5, OP_INDIRECT = 6 };
#define RSP_OKAY        0
#define RSP_ERROR       (-1)
#define RSP_EOPNOTSUPP  (-2)
#define RSP_ANY_ERROR   100             /* expectation: ERROR or EOPNOTSUPP */

struct blk_seg {
    uint32_t gref;
    uint8_t first_sect, last_sect;
    uint16_t pad;
};
struct blk_req {
    uint8_t operation, nr_segments;
    uint16_t handle;
    uint32_t pad;
    uint64_t id, sector;
    struct blk_seg seg[11];
};
struct blk_req_indirect {
    uint8_t operation, indirect_op;
    uint16_t nr_segments;
    uint32_t pad1;
    uint64_t id, sector;
    uint16_t handle, pad2;
    uint32_t indirect_grefs[8];
    uint32_t pad3;
};
struct blk_req_discard {
    uint8_t operation, flag;
    uint16_t handle;
    uint32_t pad;
    uint64_t id, sector, nr_sectors;
};
struct blk_rsp {
    uint64_t id;
    uint8_t operation, pad1;
    int16_t status;
    uint32_t pad2;
};
union blk_entry {
    struct blk_req req;
    struct blk_req_indirect ind;
    struct blk_req_discard dis;
    struct blk_rsp rsp;
    uint8_t raw[112];
};
#define RING_SIZE 32                    /* (4096 - 64) / 112 rounded down to a power of two */
struct blk_sring {
    uint32_t req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[48];
    union blk_entry ring[RING_SIZE];
};
_Static_assert(sizeof(union blk_entry) == 112, "blkif entry");
_Static_assert(sizeof(struct blk_req_indirect) == 64, "blkif indirect");
_Static_assert(sizeof(struct blk_sring) == 64 + RING_SIZE * 112, "blkif ring");

#define SRING ((volatile struct blk_sring *)(void *)pages[PG_RING])
static uint32_t req_prod_pvt, rsp_cons;
static uint64_t next_id = 0xb10c000000000000ull;

static void ring_init(void)
{
    fill(PG_RING, RING_TAIL);
    memset(pages[PG_RING], 0, sizeof(struct blk_sring));
    SRING->req_event = 1;
    SRING->rsp_event = 1;
    req_prod_pvt = rsp_cons = 0;
}

static bool ring_tail_intact(void)
{
    return page_is(PG_RING, sizeof(struct blk_sring), 4096, RING_TAIL);
}

/* Data grants must be idle after every batch; the ring's stays pinned while connected. */
static bool data_grants_idle(void)
{
    for (uint32_t ref = REF_A; ref < REF_LAST; ref++)
        if (gnt[ref].flags & (GTF_reading | GTF_writing))
            return false;
    return true;
}

static bool ring_grant_pinned(void)
{
    return (gnt[REF_RING].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing);
}

struct batch {
    union blk_entry req[RING_SIZE];
    int16_t want[RING_SIZE];            /* status, or RSP_ANY_ERROR */
    uint8_t op[RING_SIZE];              /* operation the response must carry */
    unsigned n;
};
static struct batch B;

static union blk_entry *add(uint8_t op, int16_t want)
{
    union blk_entry *e = &B.req[B.n];
    memset(e, 0, sizeof(*e));
    e->req.operation = op;
    e->req.id = next_id++;
    B.want[B.n] = want;
    B.op[B.n] = op;
    B.n++;
    return e;
}

static union blk_entry *add_rw(uint8_t op, int16_t want, uint64_t sector, unsigned nseg)
{
    union blk_entry *e = add(op, want);
    e->req.sector = sector;
    e->req.nr_segments = (uint8_t)nseg;
    return e;
}

static void set_seg(union blk_entry *e, unsigned i, uint32_t gref, uint8_t first, uint8_t last)
{
    e->req.seg[i] = (struct blk_seg){ gref, first, last, 0 };
}

/* Indirect request: segments are in PG_IND (granted read-only as REF_IND). */
static union blk_entry *add_indirect(uint8_t indirect_op, int16_t want, uint64_t sector,
                                     uint16_t nseg, uint32_t ind_gref)
{
    union blk_entry *e = add(OP_INDIRECT, want);
    e->ind.indirect_op = indirect_op;
    e->ind.nr_segments = nseg;
    e->ind.sector = sector;
    e->ind.indirect_grefs[0] = ind_gref;
    B.op[B.n - 1] = indirect_op;
    return e;
}

/* Publishes the batch, notifies, and checks: exactly one response per request, each
 * echoing a request id once, with the op and status expected; the frontend's event
 * channel notified; canaries, the ring's tail and grant states intact. */
static void submit(const char *what)
{
    volatile struct blk_sring *s = SRING;
    for (unsigned i = 0; i < B.n; i++)
        memcpy((void *)&s->ring[req_prod_pvt++ % RING_SIZE], &B.req[i], sizeof(B.req[i]));
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->req_prod = req_prod_pvt;
    take_event(blk_port);
    long rc = xen_evtchn_port_op(EVTCHNOP_send, blk_port);
    uint32_t prod = s->rsp_prod;
    for (unsigned kicks = 0; prod - rsp_cons < B.n && kicks < 3; kicks++) {
        xen_evtchn_port_op(EVTCHNOP_send, blk_port);
        prod = s->rsp_prod;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool notified = take_event(blk_port);
    check(rc == 0 && prod - rsp_cons == B.n, "%s: %u request(s), %u response(s)", what, B.n,
          prod - rsp_cons);

    bool used[RING_SIZE] = { false };
    unsigned good = 0;
    for (uint32_t got = prod - rsp_cons; got && got <= RING_SIZE; got--, rsp_cons++) {
        struct blk_rsp r;
        memcpy(&r, (const void *)&s->ring[rsp_cons % RING_SIZE].rsp, sizeof(r));
        unsigned i = 0;
        while (i < B.n && (used[i] || B.req[i].req.id != r.id))
            i++;
        if (i == B.n) {
            note("%s: response with an id no request had (0x%lx, op %u, status %d)", what,
                 (unsigned long)r.id, r.operation, r.status);
            continue;
        }
        used[i] = true;
        bool st = B.want[i] == RSP_ANY_ERROR ? (r.status == RSP_ERROR || r.status == RSP_EOPNOTSUPP)
                                             : r.status == B.want[i];
        if (st && r.operation == B.op[i])
            good++;
        else
            note("%s: request %u (id 0x%lx): op %u status %d, want op %u status %d%s", what, i,
                 (unsigned long)r.id, r.operation, r.status, B.op[i], B.want[i],
                 B.want[i] == RSP_ANY_ERROR ? " (-1 or -2)" : "");
    }
    rsp_cons = prod;
    s->rsp_event = rsp_cons + 1;
    check(good == B.n, "%s: %u of %u responses echo their id and op with the expected status", what,
          good, B.n);
    check(notified, "%s: the backend raised the frontend's event channel", what);
    check(canaries_intact() && ring_tail_intact(),
          "%s: no byte written outside the ring entries and the data pages", what);
    check(data_grants_idle() && ring_grant_pinned(),
          "%s: data grants released (flags clean), the ring's still pinned", what);
    B.n = 0;
}

/* Page bytes [off, off + 512) equal sector s of the disk (as this guest left it). */
static uint64_t written_lo = ~0ull, written_hi;     /* sectors holding wr_byte() */
static uint64_t zeroed_lo = ~0ull, zeroed_hi;       /* sectors discarded */

static uint8_t wr_byte(uint64_t s, unsigned o)
{
    return (uint8_t)(0xa5 ^ (s * 29) ^ (o * 3));
}

static uint8_t want_byte(uint64_t s, unsigned o)
{
    if (s >= written_lo && s < written_hi)
        return wr_byte(s, o);
    if (s >= zeroed_lo && s < zeroed_hi)
        return 0;
    return disk_byte(s, o);
}

static bool holds_sector(unsigned pg, unsigned slot, uint64_t s)
{
    for (unsigned o = 0; o < 512; o++)
        if (pages[pg][slot * 512 + o] != want_byte(s, o))
            return false;
    return true;
}

/* ---- set-up: shared_info, grants, xenstore ------------------------------------------------------------------- */

static bool setup(void)
{
    gnt = xen_map_shinfo_and_grants(shinfo, &bar1);
    if (!gnt || !xs_connect(0x100, &store_port))
        return false;
    check(XS_RING->connection == 0, "xenstore ring connection field 0 (connected)");

    /* Pages: canaries everywhere, then the data pages and their grants. */
    for (unsigned pg = 0; pg < NPAGES; pg += 2)
        fill(pg, CANARY(pg));
    ring_init();
    grant(REF_RING, 0, gfn_of(PG_RING), GTF_permit_access);
    grant(REF_A, 0, gfn_of(PG_A), GTF_permit_access);
    grant(REF_B, 0, gfn_of(PG_B), GTF_permit_access);
    grant(REF_C_RO, 0, gfn_of(PG_C), GTF_permit_access | GTF_readonly);
    grant(REF_IND, 0, gfn_of(PG_IND), GTF_permit_access | GTF_readonly);
    grant(REF_FORGED, 0, gfn_of(PG_A), 0);                      /* never permitted */
    grant(REF_DOM5, 5, gfn_of(PG_A), GTF_permit_access);        /* for another domain */
    grant(REF_NOTRAM, 0, 0x40000, GTF_permit_access);           /* 1 GiB: outside RAM */
    grant(REF_A_RO, 0, gfn_of(PG_A), GTF_permit_access | GTF_readonly);
    grant(REF_GNTTAB, 0, bar1 >> 12, GTF_permit_access);        /* the grant table itself */
    grant(REF_STORE, 0, (uint32_t)(XS_RING_GPA >> 12), GTF_permit_access);   /* xenstore page */
    return true;
}

/* ---- the handshake ------------------------------------------------------------------------------------------ */

static void probe_nodes(void)
{
    const char *v = xs_read(VBD "/backend");
    bool ok = v && strlen(v) < sizeof(be_path) &&
              memcmp(v, "/local/domain/0/backend/vbd/", 28) == 0 &&
              strlen(v) > 34 && strcmp(v + strlen(v) - 6, "/51712") == 0;
    check(ok, "READ " VBD "/backend = \"%s\"", v ? v : "(error)");
    if (ok)
        memcpy(be_path, v, strlen(v) + 1);
    else
        memcpy(be_path, "/local/domain/0/backend/vbd/1/51712", 36);
    check(take_event(store_port), "the xenstore reply raised the store event channel %u", store_port);
    v = xs_read(VBD "/backend-id");
    check(v && strcmp(v, "0") == 0, VBD "/backend-id = \"%s\"", v ? v : "(error)");
    v = xs_read(VBD "/device-type");
    check(v && strcmp(v, "disk") == 0, VBD "/device-type = \"%s\"", v ? v : "(error)");
    v = xs_read(VBD "/state");
    check(v && strcmp(v, "1") == 0, "frontend state = \"%s\" (Initialising)", v ? v : "(error)");
    check(be_state() == 2, "backend state %d (InitWait)", be_state());
}

/* Writes the ring keys (in a transaction, as blkfront does), then state 3. */
static void publish(const char *ring_ref, uint32_t port, const char *protocol)
{
    char num[24];
    int t = xs_req(XS_TRANSACTION_START, 0, "", NULL, false);
    uint64_t tx = 0;
    bool ok = t == XS_TRANSACTION_START && parse_u64(xs_msg.body, &tx) && tx;
    check(ok, "TRANSACTION_START gives transaction \"%s\"", xs_msg.body);
    bool w = xs_write_tx((uint32_t)tx, VBD "/ring-ref", ring_ref);
    utoa(port, num);
    w &= xs_write_tx((uint32_t)tx, VBD "/event-channel", num);
    w &= xs_write_tx((uint32_t)tx, VBD "/protocol", protocol);
    t = xs_req(XS_TRANSACTION_END, (uint32_t)tx, "T", NULL, true);
    check(w && t == XS_TRANSACTION_END, "ring-ref %s, event-channel %u, protocol %s written and committed",
          ring_ref, port, protocol);
    check(fe_write("state", "3"), "frontend state 3 (Initialised) written");
}

/* Frontend back to Initialising: the backend must offer InitWait again. */
static void restart(const char *why)
{
    fe_write("state", "1");
    check(be_state() == 2, "%s: frontend state 1 brings the backend back to InitWait (%d)", why,
          be_state());
}

static void hostile_handshakes(void)
{
    char ref[16];

    utoa(REF_FORGED, ref);
    publish(ref, blk_port, "x86_64-abi");
    check(be_state() == 5, "ring-ref naming a grant never permitted: backend Closing (%d)", be_state());
    restart("after the bad ring-ref");

    utoa(REF_RING, ref);
    publish(ref, store_port, "x86_64-abi");
    check(be_state() == 5, "event-channel = the xenstore's own port %u: backend Closing (%d)", store_port,
          be_state());
    check(data_grants_idle() && !(gnt[REF_RING].flags & (GTF_reading | GTF_writing)),
          "the refused connection left no grant pinned (ring flags 0x%x)", gnt[REF_RING].flags);
    struct evtchn_status st;
    long rc = xen_evtchn_status(store_port, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain, "the xenstore port is still interdomain (%u)",
          st.status);
    restart("after the stolen event channel");

    publish(ref, blk_port, "x86_32-abi");
    check(be_state() == 5, "protocol x86_32-abi (not served): backend Closing (%d)", be_state());
    restart("after the foreign protocol");

    utoa(512 * 4, ref);
    publish(ref, blk_port, "x86_64-abi");
    check(be_state() == 5, "ring-ref 2048 (beyond the one mapped grant frame): backend Closing (%d)",
          be_state());
    restart("after the out-of-table ring-ref");

    /* Multi-page rings: an order above the advertised maximum, then a missing ring-refN. */
    const char *v = be_read("max-ring-page-order");
    uint64_t max_order = 0;
    if (!v || !parse_u64(v, &max_order))
        max_order = 0;
    char order[24];
    utoa(max_order + 1, order);
    utoa(REF_RING, ref);
    fe_write("ring-page-order", order);
    fe_write("ring-ref0", ref);
    publish(ref, blk_port, "x86_64-abi");
    check(be_state() == 5, "ring-page-order %s (max-ring-page-order %lu): backend Closing (%d)", order,
          (unsigned long)max_order, be_state());
    restart("after the oversized ring-page-order");
    if (max_order >= 1) {
        fe_write("ring-page-order", "1");           /* ring-ref0 only: ring-ref1 missing */
        publish(ref, blk_port, "x86_64-abi");
        check(be_state() == 5, "ring-page-order 1 without ring-ref1: backend Closing (%d)", be_state());
        restart("after the missing ring-ref1");
    }
    int t1 = xs_req(XS_RM, 0, VBD "/ring-page-order", NULL, false);
    int t2 = xs_req(XS_RM, 0, VBD "/ring-ref0", NULL, false);
    check(t1 == XS_RM && t2 == XS_RM, "the frontend removes its ring-page-order and ring-ref0 (%d %d)", t1, t2);
}

static void connect(void)
{
    char ref[16];
    char watch_path[128];
    size_t n = strlen(be_path);
    memcpy(watch_path, be_path, n);
    memcpy(watch_path + n, "/state", 7);

    /* A watch on the backend's state, as blkfront has: the registration event first. */
    int t = xs_req(XS_WATCH, 0, watch_path, "hostile-be", true);
    check(t == XS_WATCH, "WATCH %s accepted (%d)", watch_path, t);
    unsigned ev0 = xs_events;
    xs_read(VBD "/state");                              /* drains events queued behind the reply */
    check(xs_events > ev0 && strcmp(xs_event_path, watch_path) == 0,
          "the watch fired on registration (%u event(s), last \"%s\")", xs_events - ev0, xs_event_path);

    ring_init();
    utoa(REF_RING, ref);
    ev0 = xs_events;
    xs_event_path[0] = 0;
    publish(ref, blk_port, "x86_64-abi");
    int st = be_state();
    check(st == 4, "backend state %d (Connected) after a proper handshake", st);
    check(xs_events > ev0 && strcmp(xs_event_path, watch_path) == 0,
          "the watch reported the backend's state change (%u event(s))", xs_events - ev0);
    check(ring_grant_pinned(), "the ring grant is in use (GTF_reading|GTF_writing) while connected");
    struct evtchn_status es;
    long rc = xen_evtchn_status(blk_port, &es);
    check(rc == 0 && es.status == EVTCHNSTAT_interdomain, "event channel %u is now interdomain (%u)",
          blk_port, es.status);

    const char *v = be_read("sectors");
    check(v && strcmp(v, "512") == 0, "backend sectors = \"%s\" (the 256 KiB RAM disk)", v ? v : "(error)");
    v = be_read("sector-size");
    check(v && strcmp(v, "512") == 0, "backend sector-size = \"%s\"", v ? v : "(error)");
    v = be_read("info");
    check(v && strcmp(v, "0") == 0, "backend info = \"%s\" (read-write disk)", v ? v : "(error)");
    fe_write("state", "4");
}

/* ---- good requests ---------------------------------------------------------------------------------------------- */

static unsigned max_indirect;

static void good_requests(void)
{
    union blk_entry *e;

    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 0, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ sectors 0-7 into a whole page");
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, i);
    check(ok, "the page holds disk sectors 0-7");

    fill(PG_B, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 3, 1);
    set_seg(e, 0, REF_B, 2, 4);
    submit("READ sectors 3-5 into page sectors 2-4");
    check(holds_sector(PG_B, 2, 3) && holds_sector(PG_B, 3, 4) && holds_sector(PG_B, 4, 5) &&
          page_is(PG_B, 0, 1024, FILL) && page_is(PG_B, 2560, 4096, FILL),
          "sectors 3-5 landed at bytes 1024-2559, the rest of the page untouched");

    fill(PG_A, FILL);
    fill(PG_B, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 100, 2);
    set_seg(e, 0, REF_A, 0, 1);
    set_seg(e, 1, REF_B, 6, 7);
    submit("READ sectors 100-103 through 2 segments");
    check(holds_sector(PG_A, 0, 100) && holds_sector(PG_A, 1, 101) && page_is(PG_A, 1024, 4096, FILL) &&
          holds_sector(PG_B, 6, 102) && holds_sector(PG_B, 7, 103) && page_is(PG_B, 0, 3072, FILL),
          "segment 1 got sectors 100-101, segment 2 sectors 102-103");

    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 200, 11);
    for (unsigned i = 0; i < 11; i++)
        set_seg(e, i, REF_A, (uint8_t)(i % 8), (uint8_t)(i % 8));
    submit("READ with 11 segments (the most a direct request holds)");
    ok = true;
    for (unsigned k = 0; k < 8; k++)
        ok &= holds_sector(PG_A, k, k < 3 ? 208 + k : 200 + k);
    check(ok, "11 one-sector segments landed in order (later ones overwrite slots 0-2)");

    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, DISK_SECTORS - 1, 1);
    set_seg(e, 0, REF_A, 7, 7);
    submit("READ the last sector (511)");
    check(holds_sector(PG_A, 7, DISK_SECTORS - 1) && page_is(PG_A, 0, 3584, FILL),
          "sector 511 landed in page sector 7");

    /* WRITE from a read-only grant (the backend only reads it), then read it back. */
    for (unsigned s = 0; s < 8; s++)
        for (unsigned o = 0; o < 512; o++)
            pages[PG_C][s * 512 + o] = wr_byte(300 + s, o);
    e = add_rw(OP_WRITE, RSP_OKAY, 300, 1);
    set_seg(e, 0, REF_C_RO, 0, 7);
    submit("WRITE sectors 300-307 from a read-only grant");
    written_lo = 300;
    written_hi = 308;
    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 298, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ sectors 298-305 back");
    ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, 298 + i);
    check(ok, "the written sectors read back, their neighbours unchanged");

    add(OP_FLUSH, RSP_OKAY);
    submit("FLUSH_DISKCACHE without data");

    const char *v = be_read("feature-discard");
    if (v && strcmp(v, "1") == 0) {
        e = add(OP_DISCARD, RSP_OKAY);
        e->dis.sector = 400;
        e->dis.nr_sectors = 4;
        submit("DISCARD sectors 400-403");
        zeroed_lo = 400;
        zeroed_hi = 404;
        fill(PG_A, FILL);
        e = add_rw(OP_READ, RSP_OKAY, 400, 1);
        set_seg(e, 0, REF_A, 0, 7);
        submit("READ sectors 400-407");
        ok = true;
        for (unsigned i = 0; i < 8; i++)
            ok &= holds_sector(PG_A, i, 400 + i);
        check(ok, "discarded sectors read as zeros, the next ones unchanged");
    } else {
        note("backend has no feature-discard: DISCARD not tried");
    }

    v = be_read("feature-max-indirect-segments");
    uint64_t mi = 0;
    if (!v || !parse_u64(v, &mi) || mi <= 11) {
        check(false, "backend feature-max-indirect-segments = \"%s\"", v ? v : "(none)");
        return;
    }
    max_indirect = mi > 256 ? 256 : (unsigned)mi;
    note("backend feature-max-indirect-segments %lu", (unsigned long)mi);

    struct blk_seg *ind = (struct blk_seg *)(void *)pages[PG_IND];
    fill(PG_A, FILL);
    fill(PG_B, FILL);
    ind[0] = (struct blk_seg){ REF_A, 0, 3, 0 };
    ind[1] = (struct blk_seg){ REF_B, 4, 7, 0 };
    add_indirect(OP_READ, RSP_OKAY, 50, 2, REF_IND);
    submit("INDIRECT READ, 2 segments");
    ok = true;
    for (unsigned i = 0; i < 4; i++)
        ok &= holds_sector(PG_A, i, 50 + i) && holds_sector(PG_B, 4 + i, 54 + i);
    check(ok && page_is(PG_A, 2048, 4096, FILL) && page_is(PG_B, 0, 2048, FILL),
          "indirect segments landed (the response carried indirect_op READ)");

    fill(PG_A, FILL);
    for (unsigned i = 0; i < 512; i++)
        ind[i] = (struct blk_seg){ REF_A, 0, 0, 0 };
    add_indirect(OP_READ, RSP_OKAY, 0, (uint16_t)max_indirect, REF_IND);
    submit("INDIRECT READ with the advertised maximum of segments");
    check(holds_sector(PG_A, 0, max_indirect - 1) && page_is(PG_A, 512, 4096, FILL),
          "%u one-sector segments all went to page sector 0 (holds sector %u)", max_indirect,
          max_indirect - 1);
}

/* ---- hostile requests ----------------------------------------------------------------------------------------- */

static bool data_pages_untouched(void)
{
    return page_is(PG_A, 0, 4096, FILL) && page_is(PG_B, 0, 4096, FILL);
}

static void one_bad_read(const char *what, uint32_t gref, uint64_t sector, unsigned nseg,
                         uint8_t first, uint8_t last)
{
    fill(PG_A, FILL);
    fill(PG_B, FILL);
    union blk_entry *e = add_rw(OP_READ, RSP_ANY_ERROR, sector, nseg);
    for (unsigned i = 0; i < nseg && i < 11; i++)
        set_seg(e, i, gref, first, last);
    submit(what);
    check(data_pages_untouched(), "%s: no data reached the guest", what);
}

static void hostile_requests(void)
{
    union blk_entry *e;

    one_bad_read("READ into a read-only grant", REF_A_RO, 0, 1, 0, 7);
    one_bad_read("READ with a grant never permitted (flags 0)", REF_FORGED, 0, 1, 0, 7);
    one_bad_read("READ with grant ref 512 (beyond the mapped frame)", 512, 0, 1, 0, 7);
    one_bad_read("READ with grant ref 0xffffffff", 0xffffffffu, 0, 1, 0, 7);
    one_bad_read("READ with a grant made out to domain 5", REF_DOM5, 0, 1, 0, 7);
    one_bad_read("READ into a grant of GPA 1 GiB (not RAM)", REF_NOTRAM, 0, 1, 0, 7);
    one_bad_read("READ into a grant of the grant table page", REF_GNTTAB, 0, 1, 0, 0);
    one_bad_read("READ into a grant of the xenstore page", REF_STORE, 0, 1, 0, 0);
    check(gnt[REF_GNTTAB].frame == bar1 >> 12 && gnt[REF_GNTTAB].domid == 0,
          "the grant table entries were not overwritten with disk data");
    check(XS_RING->connection == 0 && xs_read(VBD "/state") != NULL, "the xenstore ring still works");

    /* A good segment, then a forged one: the whole request fails before any byte moves. */
    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_ANY_ERROR, 0, 2);
    set_seg(e, 0, REF_A, 0, 7);
    set_seg(e, 1, REF_FORGED, 0, 7);
    submit("READ whose second segment's grant is forged");
    check(page_is(PG_A, 0, 4096, FILL), "the good first segment was not filled either");

    one_bad_read("READ with nr_segments 12 (> 11)", REF_A, 0, 12, 0, 0);
    one_bad_read("READ with nr_segments 0", REF_A, 0, 0, 0, 7);
    one_bad_read("READ with nr_segments 255", REF_A, 0, 255, 0, 0);
    one_bad_read("READ with first_sect 5 > last_sect 3", REF_A, 0, 1, 5, 3);
    one_bad_read("READ with last_sect 8", REF_A, 0, 1, 0, 8);
    one_bad_read("READ with first_sect = last_sect = 255", REF_A, 0, 1, 255, 255);
    one_bad_read("READ of sectors 511-512 (one past the end)", REF_A, DISK_SECTORS - 1, 1, 0, 1);
    one_bad_read("READ of sector 512 (the end)", REF_A, DISK_SECTORS, 1, 0, 0);
    one_bad_read("READ at sector 2^64-1 (wraps)", REF_A, ~0ull, 1, 0, 1);
    one_bad_read("READ at sector 2^55", REF_A, 1ull << 55, 1, 0, 0);

    /* A WRITE that fails on its second segment must not write the first. */
    for (unsigned i = 0; i < 4096; i++)
        pages[PG_C][i] = 0xee;
    e = add_rw(OP_WRITE, RSP_ANY_ERROR, 320, 2);
    set_seg(e, 0, REF_C_RO, 0, 7);
    set_seg(e, 1, REF_DOM5, 0, 7);
    submit("WRITE whose second grant belongs to domain 5");
    e = add_rw(OP_WRITE, RSP_ANY_ERROR, 320, 0);
    submit("WRITE with nr_segments 0");
    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 320, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ sectors 320-327 back");
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, 320 + i);
    check(ok, "the failed WRITEs left sectors 320-327 as they were");

    add(OP_RESERVED_1, RSP_EOPNOTSUPP);
    add(0x7f, RSP_EOPNOTSUPP);
    add(0xff, RSP_EOPNOTSUPP);
    submit("unknown operations 4, 0x7f, 0xff");

    e = add(OP_DISCARD, RSP_ANY_ERROR);
    e->dis.sector = DISK_SECTORS - 2;
    e->dis.nr_sectors = 4;
    e = add(OP_DISCARD, RSP_ANY_ERROR);
    e->dis.sector = 1;
    e->dis.nr_sectors = ~0ull;
    submit("DISCARD past the end, and one whose length wraps");
    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, DISK_SECTORS - 8, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ the last 8 sectors back");
    ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, DISK_SECTORS - 8 + i);
    check(ok, "the refused DISCARD left the disk's end alone");

    /* Indirect requests. */
    struct blk_seg *ind = (struct blk_seg *)(void *)pages[PG_IND];
    for (unsigned i = 0; i < 512; i++)
        ind[i] = (struct blk_seg){ REF_A, 0, 0, 0 };
    fill(PG_A, FILL);
    fill(PG_B, FILL);
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, (uint16_t)(max_indirect + 1), REF_IND);
    submit("INDIRECT READ with one segment more than advertised");
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 257, REF_IND);
    submit("INDIRECT READ with 257 segments");
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 0xffff, REF_IND);
    submit("INDIRECT READ with 65535 segments");
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 0, REF_IND);
    submit("INDIRECT READ with 0 segments");
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 2, REF_FORGED);
    submit("INDIRECT READ whose segment page grant is forged");
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 2, 0xfffffff0u);
    submit("INDIRECT READ whose segment page ref is out of range");
    add_indirect(OP_FLUSH, RSP_ANY_ERROR, 0, 2, REF_IND);
    submit("INDIRECT with indirect_op FLUSH");
    add_indirect(99, RSP_ANY_ERROR, 0, 2, REF_IND);
    submit("INDIRECT with indirect_op 99");
    ind[1] = (struct blk_seg){ REF_A, 0, 9, 0 };
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 2, REF_IND);
    submit("INDIRECT READ whose second segment has last_sect 9");
    ind[1] = (struct blk_seg){ REF_FORGED, 0, 0, 0 };
    add_indirect(OP_READ, RSP_ANY_ERROR, 0, 2, REF_IND);
    submit("INDIRECT READ whose second segment's grant is forged");
    check(data_pages_untouched(), "none of the bad indirect requests moved data");

    /* A full ring of mixed requests in one notification (the indices wrap by now). */
    fill(PG_A, FILL);
    for (unsigned i = 0; i < RING_SIZE; i++) {
        switch (i % 4) {
        case 0:
            e = add_rw(OP_READ, RSP_OKAY, i, 1);
            set_seg(e, 0, REF_B, (uint8_t)(i / 4 % 8), (uint8_t)(i / 4 % 8));
            break;
        case 1:
            e = add_rw(OP_READ, RSP_ANY_ERROR, i, 1);
            set_seg(e, 0, REF_FORGED, 0, 0);
            break;
        case 2:
            add(0x40 + (uint8_t)i, RSP_EOPNOTSUPP);
            break;
        default:
            e = add_rw(OP_READ, RSP_ANY_ERROR, DISK_SECTORS + i, 1);
            set_seg(e, 0, REF_A, 0, 0);
            break;
        }
    }
    fill(PG_B, FILL);
    submit("a full ring of 32 mixed requests in one notification");
    ok = page_is(PG_A, 0, 4096, FILL);
    for (unsigned k = 0; k < 8; k++)
        ok &= holds_sector(PG_B, k, 4 * k);
    check(ok, "only the 8 good READs of the mixed batch moved data");
}

/* ---- a ring that feeds itself --------------------------------------------------------------------------------- */

/* READs whose data segment is the ring page itself: each loads a disk sector over the
 * ring's header and first 4 slots, so the backend's own writes publish more requests
 * (a new req_prod and the next such READ) while it is serving the ring. Images A_p
 * (chain READ in slot 1) and B_p (chain READ in slot 0) alternate, two per pass of 32
 * requests, for CHAIN_PASSES passes: more than Keel's per-kick budget of 4 rings, so
 * this also runs the "budget spent, kick again" path. Every request published must
 * get exactly one response, in its own slot, and the device stays up. */
#define CHAIN_SECTOR    440
#define CHAIN_PASSES    6
#define CHAIN_FILL_OP   0x42            /* unknown op in the slots no image covers */

static void self_feeding_ring(void)
{
    union blk_entry *e;
    const unsigned images = 2 * CHAIN_PASSES;
    /* The chain starts at ring index r0, a multiple of 32 after the image WRITEs. */
    const uint32_t r0 = (req_prod_pvt + (images + 7) / 8 + RING_SIZE - 1) / RING_SIZE * RING_SIZE;

    /* The images, one sector each, written to the disk from PG_C (read-only grant). */
    for (unsigned img = 0; img < images; img++) {
        uint8_t *sec = pages[PG_C] + (img % 8) * 512;
        memset(sec, 0, 512);
        unsigned pass = img / 2;
        uint32_t hdr[4] = { pass == CHAIN_PASSES - 1 ? r0 + RING_SIZE * CHAIN_PASSES
                                                     : r0 + RING_SIZE * (pass + 2), 0, r0, r0 };
        memcpy(sec, hdr, sizeof(hdr));
        bool last = img == images - 1;
        if (!last) {
            unsigned slot = img % 2 == 0 ? 1 : 0;
            struct blk_req q = { .operation = OP_READ, .nr_segments = 1,
                                 .id = 0xc4a1000000000000ull | img,
                                 .sector = CHAIN_SECTOR + img + 1 };
            q.seg[0] = (struct blk_seg){ REF_RING, 0, 0, 0 };
            memcpy(sec + 64 + slot * 112, &q, sizeof(q));
        }
        if (img % 8 == 7 || last) {
            unsigned n = img % 8 + 1;
            e = add_rw(OP_WRITE, RSP_OKAY, CHAIN_SECTOR + img + 1 - n, 1);
            set_seg(e, 0, REF_C_RO, 0, (uint8_t)(n - 1));
            submit("WRITE self-feeding ring images to the disk");
        }
    }

    if (req_prod_pvt != r0) {
        while (req_prod_pvt + B.n != r0)
            add(OP_FLUSH, RSP_OKAY);
        submit("FLUSHes to bring the ring index to a multiple of 32");
    }

    /* Pass 0: slot 0 loads A_0, the rest are unknown ops. */
    volatile struct blk_sring *s = SRING;
    for (unsigned i = 0; i < RING_SIZE; i++) {
        union blk_entry q;
        memset(&q, 0, sizeof(q));
        if (i == 0) {
            q.req = (struct blk_req){ .operation = OP_READ, .nr_segments = 1,
                                      .id = 0xc4a10000000000ffull, .sector = CHAIN_SECTOR };
            q.req.seg[0] = (struct blk_seg){ REF_RING, 0, 0, 0 };
        } else {
            q.req.operation = CHAIN_FILL_OP;
            q.req.id = CHAIN_FILL_OP;
        }
        memcpy((void *)&s->ring[(r0 + i) % RING_SIZE], &q, sizeof(q));
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->req_prod = r0 + RING_SIZE;
    long rc = xen_evtchn_port_op(EVTCHNOP_send, blk_port);
    uint32_t want = r0 + RING_SIZE * CHAIN_PASSES;
    /* A backend may stop at its budget and finish later on its own (it asked for no
     * new notification): give it exits, but no kicks. */
    for (unsigned i = 0; i < 64 && s->rsp_prod != want; i++)
        xen_call("yield", __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t prod = s->rsp_prod, reqp = s->req_prod;
    check(rc == 0 && prod == want && reqp == want,
          "self-feeding ring: %u requests published by the backend's own READs, %u answered "
          "(rsp_prod %u, req_prod %u, want %u)", want - r0, prod - r0, prod, reqp, want);

    /* The last pass's responses: slots 0-1 the chain READs, 2-3 the images' empty
     * slots (READ with 0 segments), 4-31 the unknown ops, whose id field by then holds
     * the previous pass's response bytes 8-15: op 0x42, status -2. */
    const uint64_t fill_id = (uint64_t)(uint16_t)RSP_EOPNOTSUPP << 16 | CHAIN_FILL_OP;
    unsigned good = 0;
    for (unsigned i = 0; i < RING_SIZE; i++) {
        struct blk_rsp p;
        memcpy(&p, (const void *)&s->ring[i].rsp, sizeof(p));
        bool ok = i < 2 ? p.status == RSP_OKAY && p.operation == OP_READ
                : i < 4 ? p.status == RSP_ERROR && p.operation == OP_READ
                        : p.status == RSP_EOPNOTSUPP && p.operation == CHAIN_FILL_OP &&
                          p.id == fill_id;
        if (!ok)
            note("self-feeding ring: slot %u: id 0x%lx op %u status %d", i, (unsigned long)p.id,
                 p.operation, p.status);
        good += ok;
    }
    check(good == RING_SIZE, "self-feeding ring: the last pass's 32 responses are as expected (%u)", good);
    check(be_state() == 4 && ring_grant_pinned() && data_grants_idle(),
          "self-feeding ring: the device is still connected, grants as they should be");
    check(canaries_intact() && ring_tail_intact(), "self-feeding ring: canaries intact");
    req_prod_pvt = rsp_cons = want;
    s->rsp_event = want + 1;
    take_event(blk_port);

    /* Still a working device. */
    fill(PG_A, FILL);
    e = add_rw(OP_READ, RSP_OKAY, 8, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ sectors 8-15 after the self-feeding ring");
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, 8 + i);
    check(ok, "and the data is right");
}

/* ---- a full xenstore ------------------------------------------------------------------------------------------- */

/* Fills the store with 1 KiB nodes under the guest's home until it answers ENOSPC:
 * Keel's backend must still be able to write its own nodes (checked by the broken
 * ring that follows). Returns the nodes written. */
static unsigned fill_store(void)
{
    static char big[2049];
    memset(big, 'x', 2048);
    int t = xs_req(XS_WRITE, 0, "data/junk/huge", big, false);
    check(is_error_e2big(t), "WRITE of a 2048-byte value is refused (%d \"%s\")", t, xs_msg.body);
    big[1024] = 0;
    char path[32] = "data/junk/";
    unsigned n;
    for (n = 0; n < 1000; n++) {
        utoa(n, path + 10);
        t = xs_req(XS_WRITE, 0, path, big, false);
        if (t != XS_WRITE)
            break;
    }
    check(t == XS_ERROR && strcmp(xs_msg.body, "ENOSPC") == 0,
          "after %u nodes of 1 KiB the store answers ENOSPC (%d \"%s\")", n, t, xs_msg.body);
    const char *v = xs_read(VBD "/state");
    check(v != NULL, "a full store still answers READ");
    return n;
}

/* ---- a broken ring, then recovery -------------------------------------------------------------------------------- */

static void broken_ring(void)
{
    volatile struct blk_sring *s = SRING;
    uint32_t rsp_before = s->rsp_prod;
    /* Requests that would be valid, but req_prod claims 33: more than the ring holds. */
    for (unsigned i = 0; i < RING_SIZE; i++) {
        union blk_entry *e = (union blk_entry *)(void *)&s->ring[(req_prod_pvt + i) % RING_SIZE];
        memset(e, 0, sizeof(*e));
        e->req.operation = OP_READ;
        e->req.nr_segments = 1;
        e->req.id = next_id++;
        e->req.seg[0] = (struct blk_seg){ REF_A, 0, 0, 0 };
    }
    fill(PG_A, FILL);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->req_prod = req_prod_pvt + RING_SIZE + 1;
    take_event(blk_port);
    long rc = xen_evtchn_port_op(EVTCHNOP_send, blk_port);
    check(rc == 0, "notify with req_prod a ring + 1 ahead: the guest keeps running (%ld)", rc);
    check(s->rsp_prod == rsp_before && page_is(PG_A, 0, 4096, FILL),
          "no response and no data for the impossible ring (rsp_prod %u, was %u)", s->rsp_prod, rsp_before);
    int st = be_state();
    check(st == 5, "the backend closed the device (state %d, want 5 Closing)", st);
    check(!(gnt[REF_RING].flags & (GTF_reading | GTF_writing)),
          "the ring grant was released (flags 0x%x)", gnt[REF_RING].flags);
    struct evtchn_status es;
    rc = xen_evtchn_status(blk_port, &es);
    check(rc == 0 && es.status == EVTCHNSTAT_unbound, "event channel %u back to unbound (%u)", blk_port,
          es.status);
    s->req_prod = req_prod_pvt + 1;     /* now sane: still nobody may answer */
    rc = xen_evtchn_port_op(EVTCHNOP_send, blk_port);
    check(rc == 0 && s->rsp_prod == rsp_before, "a closed device answers nothing (%ld)", rc);
    check(canaries_intact() && ring_tail_intact(), "canaries intact after the broken ring");
}

static void reconnect_and_close(void)
{
    /* The frontend starts over: the device must come back. */
    restart("after the broken ring");
    char ref[16];
    utoa(REF_RING, ref);
    ring_init();
    publish(ref, blk_port, "x86_64-abi");
    check(be_state() == 4, "reconnected (backend state %d)", be_state());
    fill(PG_A, FILL);
    union blk_entry *e = add_rw(OP_READ, RSP_OKAY, 16, 1);
    set_seg(e, 0, REF_A, 0, 7);
    submit("READ sectors 16-23 after reconnecting");
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= holds_sector(PG_A, i, 16 + i);
    check(ok, "the reconnected device reads correct data");

    /* Orderly close: Closing, then Closed, and the ring is released. */
    fe_write("state", "5");
    check(be_state() == 5, "frontend Closing: backend Closing (%d)", be_state());
    fe_write("state", "6");
    check(be_state() == 6, "frontend Closed: backend Closed (%d)", be_state());
    check(!(gnt[REF_RING].flags & (GTF_reading | GTF_writing)) && data_grants_idle(),
          "after close no grant is in use (ring flags 0x%x)", gnt[REF_RING].flags);
}

/* ---- xenstore abuse ----------------------------------------------------------------------------------------------- */

static bool is_error(int t, const char *name)
{
    return t == XS_ERROR && (!name || strcmp(xs_msg.body, name) == 0);
}

static void xenstore_abuse(void)
{
    char path[160];
    size_t n = strlen(be_path);
    memcpy(path, be_path, n);
    memcpy(path + n, "/sectors", 9);

    int t = xs_req(XS_WRITE, 0, path, "999999", false);
    check(is_error(t, "EACCES"), "WRITE %s (the backend's) answers EACCES (%d \"%s\")", path, t, xs_msg.body);
    const char *v = xs_read(path);
    check(v && strcmp(v, "512") == 0, "and the backend's sectors still read \"%s\"", v ? v : "(error)");
    memcpy(path + n, "/state", 7);
    t = xs_req(XS_WRITE, 0, path, "4", false);
    check(is_error(t, "EACCES"), "WRITE the backend's state answers EACCES (%d \"%s\")", t, xs_msg.body);
    memcpy(path + n, "/evil", 6);
    t = xs_req(XS_WRITE, 0, path, "1", false);
    check(is_error(t, "EACCES"), "creating a node in the backend's directory answers EACCES (%d \"%s\")", t,
          xs_msg.body);
    t = xs_req(XS_RM, 0, be_path, NULL, false);
    check(is_error(t, "EACCES"), "RM of the backend's directory answers EACCES (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_SET_PERMS, 0, be_path, "b1", true);
    check(is_error(t, NULL), "SET_PERMS on the backend's directory is refused (%d \"%s\")", t, xs_msg.body);

    t = xs_req(XS_READ, 0, "/local/domain/0", NULL, false);
    check(is_error(t, "EACCES"), "READ /local/domain/0 (domain 0's home) answers EACCES (%d \"%s\")", t,
          xs_msg.body);
    t = xs_req(XS_DIRECTORY, 0, "/local/domain", NULL, false);
    check(is_error(t, "EACCES"), "DIRECTORY /local/domain answers EACCES (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_READ, 0, "/local/domain/0/backend/vbd/7/51712/state", NULL, false);
    check(is_error(t, NULL), "READ of a node for another domain's disk fails (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_WRITE, 0, "/local/domain/2/name", "pwned", false);
    check(is_error(t, "EACCES"), "WRITE into domain 2's home answers EACCES (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_WRITE, 0, "/tool/keel", "1", false);
    check(is_error(t, "EACCES"), "WRITE /tool/keel answers EACCES (%d \"%s\")", t, xs_msg.body);

    t = xs_req(XS_READ, 0, "device/vbd/../../../0", NULL, false);
    check(is_error(t, NULL), "READ of a path with \"..\" fails (%d \"%s\")", t, xs_msg.body);
    static char longpath[400];
    memset(longpath, 'a', sizeof(longpath) - 1);
    t = xs_req(XS_WRITE, 0, longpath, "x", false);
    check(is_error(t, NULL), "WRITE of a 399-byte path fails (%d \"%s\")", t, xs_msg.body);
    t = xs_raw(XS_WRITE, 0, "nonul", 5);
    check(is_error(t, NULL), "WRITE without the NUL after the path fails (%d \"%s\")", t, xs_msg.body);
    t = xs_raw(XS_READ, 0, "", 0);
    check(is_error(t, NULL), "READ with an empty payload fails (%d \"%s\")", t, xs_msg.body);
    t = xs_req(99, 0, "x", NULL, false);
    check(is_error(t, NULL), "message type 99 answers an error (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_INTRODUCE, 0, "5", "1234", true);
    check(is_error(t, NULL), "INTRODUCE (a toolstack message) is refused (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_TRANSACTION_END, 12345, "T", NULL, true);
    check(is_error(t, NULL), "TRANSACTION_END of an unknown transaction fails (%d \"%s\")", t, xs_msg.body);
    t = xs_req(XS_READ, 777, VBD "/state", NULL, false);
    check(is_error(t, NULL), "READ inside an unknown transaction fails (%d \"%s\")", t, xs_msg.body);
    check(!xs_bad_reply, "every xenstore reply echoed its request's id and transaction");

    v = xs_read(VBD "/backend");
    check(v && strcmp(v, be_path) == 0, "after all that the store still answers normally");

    /* Last: a header claiming 5000 payload bytes. The server must stop the ring. */
    volatile struct xs_ring *r = XS_RING;
    uint32_t rsp_before = r->rsp_prod;
    struct xs_hdr h = { XS_READ, xs_next_id++, 0, 5000 };
    xs_put(&h, sizeof(h));
    xs_put("device/vbd", 11);
    xs_kick();
    check(r->error == XENSTORE_ERROR_PROTO && r->rsp_prod == rsp_before,
          "a 5000-byte message: no reply, ring error field %u (want %u, PROTO)", r->error,
          XENSTORE_ERROR_PROTO);
    t = xs_req(XS_READ, 0, VBD "/state", NULL, false);
    check(t == -1, "the stopped ring answers nothing more (%d)", t);
}

void xen_hostile_blk_main(void)
{
    if (!setup())
        test_finish();
    probe_nodes();
    long p = xen_alloc_unbound(DOMID_SELF, 0);
    if (!check(p >= 1 && (uint32_t)p != store_port, "alloc_unbound(remote 0) gives port %ld", p))
        test_finish();
    blk_port = (uint32_t)p;

    hostile_handshakes();
    connect();
    if (be_state() != 4)
        test_finish();
    good_requests();
    hostile_requests();
    self_feeding_ring();
    unsigned junk = fill_store();
    broken_ring();          /* Keel writes backend state 5 into the full store */
    int t = xs_req(XS_RM, 0, "data/junk", NULL, false);
    check(t == XS_RM, "RM data/junk (%u nodes) frees the store (%d \"%s\")", junk, t, xs_msg.body);
    reconnect_and_close();
    xenstore_abuse();

    long rc = xen_call("xen_version", __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    check(rc > 0 && (rc >> 16) >= 4, "hypercalls still answer after all that (xen_version 0x%lx)",
          (unsigned long)rc);
    test_finish();
}
