/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the PV network backend's data path (pvio/net/netback.c, grant_table.c, frame_queue.c) as a hostile netfront drives it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvio/net/netback.h"
#include "tests/fuzz/fuzz_common.h"

/*
 * The frontend owns 64 pages of guest RAM in two extents: TX data pages
 * (granted read-only), RX buffer pages (granted writable) and the two ring
 * pages, and a one- or two-frame grant table. The input is a script (see
 * LLVMFuzzerTestOneInput): TX packets built from fields (extras, frags,
 * sizes, offsets, refs, mostly plausible, often not), raw TX slots, producer
 * moves (also past a ring or backwards), RX requests with good or hostile
 * refs, frames of any size and offload pushed into the queue, grant entries
 * rewritten, rsp_event moves, reconnects with other refs, indices and
 * features, and hooks that let the guest act in the middle of a kick (from
 * the switch's transmit callback): rewrite ring bytes, grants, data, or push
 * frames.
 *
 * Every netback_kick is predicted first by a model written from netback.h's
 * rules over a snapshot of guest RAM, the grant table and the queue. When
 * no hook ran and no ring page is used as a data page, the kick must match
 * it exactly: return code, every frame handed to the switch (bytes from the
 * granted pages, offload), every byte of guest RAM (responses, req_event,
 * rsp_prod, RX buffers), the indices, counters and the notification. In
 * any case, after every kick:
 *  - frames handed to the switch are 14..65535 bytes; none once fatal;
 *  - TX: rsp_prod never passes req_cons; RX: one response per request;
 *  - pins: only the two ring refs stay pinned while connected, none after
 *    disconnect; no other entry is left with GTF_reading/GTF_writing unless
 *    the guest set them, and no other bit, domid or frame changed;
 *  - memory: only ring pages and pages granted writable changed.
 */

#define PG           4096u
#define RAM_PAGES    64u
#define TX_PAGES     32u /* gfn 0..31, ref 16 + gfn, read-only */
#define TX_REF0      16u
#define RX_GFN0      32u
#define RX_PAGES     30u /* gfn 32..61, ref 64 + i, writable */
#define RX_REF0      64u
#define TX_RING_GFN  62u
#define RX_RING_GFN  63u
#define TX_RING_REF  8u
#define RX_RING_REF  9u
#define TABLE_FRAMES 2u
#define NREFS        (TABLE_FRAMES * GRANT_ENTRIES_PER_FRAME)
#define RING         256u
#define QUEUE_BYTES  (160u * 1024u)
#define FIFO_MAX     4096u
#define STEPS_MAX    96u
#define HOOKS_MAX    8u
#define CALLS_MAX    8u /* netback_kick calls per kick step while NETBACK_MORE */

/* The harness's own scans of guest RAM, the grant table and frames are not
 * what the fuzzer should explore, and tracing their comparisons cost most
 * of each run. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

struct qframe {
    uint32_t len, seed;
    struct net_offload off;
};

struct hook {
    unsigned at; /* transmit number (1-based) in a call that runs it */
    uint8_t what;
    uint16_t where;
    uint32_t value;
};

struct seg {
    uint32_t gfn, off, len;
};

struct pred_frame {
    uint32_t len;
    struct net_offload off;
    unsigned nseg;
    struct seg seg[1 + NETIF_FATAL_SLOTS];
};

/* What one netback_kick must do. */
struct pred {
    bool exact; /* false: a ring page is used as data; compare nothing exactly */
    int rc;
    bool fatal;
    uint32_t tx_cons, tx_rsp, rx_cons;
    unsigned popped; /* frames leaving the queue */
    uint64_t tx_packets, tx_bytes, tx_errors, rx_packets, rx_bytes, rx_errors;
    bool notify;
    unsigned nframes;
    struct pred_frame frame[NETBACK_KICK_BUDGET]; /* last: predict() clears what is before */
};

static struct {
    struct fuzz_ram ram;
    uint8_t snap[RAM_PAGES * PG];   /* guest RAM before the call */
    uint8_t expect[RAM_PAGES * PG]; /* guest RAM the model expects after it */
    uint8_t *table[TABLE_FRAMES];
    struct grant_entry_v1 tsnap[NREFS]; /* the table before the call */
    struct grant_entry_v1 model[NREFS]; /* what the guest last wrote (busy bits as left) */
    struct grant_table *gt;
    struct netback *nb;
    uint8_t qbuf[QUEUE_BYTES];
    struct frame_queue q;
    struct qframe fifo[FIFO_MAX]; /* frames in the queue, oldest first */
    unsigned fifo_head, fifo_len;
    uint8_t fbuf[NET_FRAME_MAX];
    uint8_t ram_template[RAM_PAGES * PG]; /* guest RAM as every input starts */

    /* Frontend. */
    unsigned nr_frames;
    struct netback_features fe;
    uint32_t tx_ref, rx_ref;
    uint32_t tx_gfn, rx_gfn; /* the pages the rings live in */
    uint32_t tx_pvt, rx_pvt;
    uint16_t next_id;
    bool fatal_seen; /* a kick returned EBROKEN since the connect */

    /* The call in progress. */
    struct pred p;
    unsigned transmits;
    bool hook_ran;
    bool writable_page[RAM_PAGES]; /* granted writable before or during the call */
    bool touched_page[RAM_PAGES];  /* written by a hook during the call */
    struct hook hooks[HOOKS_MAX];
    unsigned nr_hooks;
    unsigned notified;
} f;

/* ---- Guest memory and grants ------------------------------------------------------- */

static uint8_t *gfn_ptr(uint32_t gfn)
{
    return f.ram.base + (size_t)gfn * PG;
}

static struct grant_entry_v1 *entry(uint32_t ref)
{
    return (struct grant_entry_v1 *)(void *)(f.table[ref / GRANT_ENTRIES_PER_FRAME] +
                                             (ref % GRANT_ENTRIES_PER_FRAME) * 8);
}

NO_COVERAGE static void note_writable(const struct grant_entry_v1 *e)
{
    if ((e->flags & GTF_type_mask) == GTF_permit_access && e->domid == 0 &&
        !(e->flags & GTF_readonly) && e->frame < RAM_PAGES)
        f.writable_page[e->frame] = true;
}

static void set_grant(uint32_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
    ref %= NREFS;
    struct grant_entry_v1 *e = entry(ref);
    e->flags = flags;
    e->domid = domid;
    e->frame = frame;
    f.model[ref] = *e;
    note_writable(e);
}

static uint8_t tx_pattern(uint32_t gfn, uint32_t off)
{
    return (uint8_t)(gfn * 29 + off * 3 + (off >> 8));
}

static uint8_t frame_byte(uint32_t seed, uint32_t i)
{
    return (uint8_t)(seed + i * 13 + (i >> 8) * 5);
}

NO_COVERAGE static void make_frame(const struct qframe *q)
{
    for (uint32_t i = 0; i < q->len; i++)
        f.fbuf[i] = frame_byte(q->seed, i);
}

/* A grant ref: mostly the plausible one, sometimes anything. */
static uint32_t pick_ref(uint8_t b, uint32_t good, struct fuzz_input *in)
{
    if (b < 0xD0)
        return good;
    switch (b & 15) {
    case 0:
        return 0;
    case 1:
        return 7; /* reserved */
    case 2:
        return TX_RING_REF;
    case 3:
        return RX_RING_REF;
    case 4:
        return TX_REF0 + (b >> 4) % TX_PAGES; /* read-only data */
    case 5:
        return RX_REF0 + (b >> 4) % RX_PAGES; /* writable buffer */
    case 6:
        return GRANT_ENTRIES_PER_FRAME + (b >> 4); /* the second frame: mapped or not */
    case 7:
        return NREFS + b; /* beyond the table */
    case 8:
        return 100 + (b >> 4); /* never granted (unless rewritten) */
    case 9:
        return 0xFFFFFFFFu;
    default:
        return fin_u32(in);
    }
}

/* ---- Rings, as the frontend writes them --------------------------------------------- */

static struct xen_sring_header *hdr_in(uint8_t *ram, uint32_t gfn)
{
    return (struct xen_sring_header *)(void *)(ram + (size_t)gfn * PG);
}

static uint32_t tx_off(uint32_t idx)
{
    return XEN_RING_HEADER_SIZE + (idx & (RING - 1)) * NETIF_TX_ENTRY_SIZE;
}

static uint32_t rx_off(uint32_t idx)
{
    return XEN_RING_HEADER_SIZE + (idx & (RING - 1)) * NETIF_RX_ENTRY_SIZE;
}

static void put_tx(const void *slot)
{
    memcpy(gfn_ptr(f.tx_gfn) + tx_off(f.tx_pvt++), slot, NETIF_TX_ENTRY_SIZE);
}

static void put_tx_req(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t size)
{
    struct netif_tx_request r = { gref, offset, flags, f.next_id++, size };
    put_tx(&r);
}

static void put_tx_extra(uint8_t type, uint8_t flags, uint16_t size, uint8_t gso_type)
{
    uint8_t raw[NETIF_TX_ENTRY_SIZE] = {
        type, flags, (uint8_t)size, (uint8_t)(size >> 8), gso_type, 0, 0, 0, 0xA5, 0xA5, 0xA5, 0xA5
    };
    put_tx(raw);
}

static void publish_tx(struct fuzz_input *in, uint8_t how)
{
    uint32_t prod = f.tx_pvt;
    if (how == 0xFF)
        prod = fin_u32(in);
    else if (how == 0xFE)
        prod -= fin_u8(in);
    else if (how >= 0xF0)
        prod += fin_u8(in);
    hdr_in(f.ram.base, f.tx_gfn)->req_prod = prod;
}

/* One slot's offset and size from 16 bits: below 0x8000 offsets in 64-byte
 * steps and sizes up to 511; then near-whole pages (some crossing); then
 * slots that end 1 byte before the page's end, at it, or 1-2 bytes past. */
static void slot_geometry(uint16_t s, uint16_t *offset, uint16_t *size)
{
    if (s < 0x8000) {
        *offset = (uint16_t)((s & 0x3F) * 64);
        *size = (uint16_t)(s >> 6);
    } else if (s < 0xC000) {
        *offset = (uint16_t)((s & 0xF) * 8);
        *size = (uint16_t)(2048 + ((s >> 4) & 0x3FF) * 2);
    } else {
        *size = (s >> 2) & 0xFFF;
        *offset = (uint16_t)(PG - *size - 1 + (s & 3));
    }
}

/* A packet, netfront style unless the input says otherwise. */
static void op_tx_packet(struct fuzz_input *in)
{
    uint8_t b = fin_u8(in), x = fin_u8(in);
    uint16_t flags = b & (NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED);
    bool gso = b & 4, other = b & 8;
    unsigned nfrags = b >> 4;
    if (nfrags == 15)
        nfrags = 15 + fin_u8(in) % 9; /* up to 23: drops and fatal */
    uint16_t foff, flen;
    uint32_t fref = pick_ref(fin_u8(in), TX_REF0 + x % TX_PAGES, in);
    slot_geometry(fin_u16(in), &foff, &flen);
    if (!(x & 0x80) && flen < 14)
        flen = (uint16_t)(flen + 14);

    uint32_t refs[24];
    uint16_t offs[24], sizes[24];
    uint32_t total = flen;
    for (unsigned i = 0; i < nfrags; i++) {
        refs[i] = pick_ref(fin_u8(in), TX_REF0 + (x + i + 1) % TX_PAGES, in);
        slot_geometry(fin_u16(in), &offs[i], &sizes[i]);
        total += sizes[i];
    }
    uint16_t first_size = (uint16_t)total;
    if (x & 0x40)
        first_size = fin_u16(in); /* sizes that do not add up */
    if (gso || other)
        flags |= NETTXF_EXTRA_INFO;
    if (nfrags)
        flags |= NETTXF_MORE_DATA;
    put_tx_req(fref, foff, flags, first_size);
    if (other) {
        uint8_t t = fin_u8(in);
        uint8_t type = t < 0xC0 ? (uint8_t)(NETIF_EXTRA_TYPE_MCAST_ADD + t % 3) : (uint8_t)(t & 7);
        put_tx_extra(type, gso ? NETIF_EXTRA_FLAG_MORE : 0, fin_u16(in), fin_u8(in));
    }
    if (gso) {
        uint8_t t = fin_u8(in);
        uint16_t mss = t & 0x80 ? fin_u16(in) : 1448;
        uint8_t type = t < 0xF0 ? (uint8_t)(NETIF_GSO_TYPE_TCPV4 + (t & 1)) : (uint8_t)(t & 3);
        put_tx_extra(NETIF_EXTRA_TYPE_GSO, (x & 0x20) ? NETIF_EXTRA_FLAG_MORE : 0, mss, type);
    }
    for (unsigned i = 0; i < nfrags; i++) {
        bool more = i + 1 < nfrags || (x & 0x10); /* the last may claim one more */
        put_tx_req(refs[i], offs[i], more ? NETTXF_MORE_DATA : 0, sizes[i]);
    }
}

static void op_tx_raw(struct fuzz_input *in)
{
    uint8_t raw[NETIF_TX_ENTRY_SIZE];
    fin_bytes(in, raw, sizeof raw);
    put_tx(raw);
}

/* n simple packets (the budget's worth and more). */
static void op_tx_burst(unsigned n, uint16_t size)
{
    for (unsigned i = 0; i < n; i++)
        put_tx_req(TX_REF0 + i % TX_PAGES, (uint16_t)(i * 8 % 1024), 0,
                   (uint16_t)(14 + (size + i) % 1500));
    hdr_in(f.ram.base, f.tx_gfn)->req_prod = f.tx_pvt;
}

static void op_rx_post(struct fuzz_input *in)
{
    uint8_t n = fin_u8(in);
    unsigned count = n < 0xF0 ? n % 40 : 256u;
    for (unsigned i = 0; i < count; i++) {
        uint32_t idx = f.rx_pvt++;
        uint8_t b = i < 8 || n >= 0xF0 ? fin_u8(in) : 0;
        struct netif_rx_request r = { (uint16_t)(idx & (RING - 1)), 0,
                                      pick_ref(b, RX_REF0 + idx % RX_PAGES, in) };
        if (b == 0xCF)
            r.id = fin_u16(in);
        memcpy(gfn_ptr(f.rx_gfn) + rx_off(idx), &r, sizeof r);
    }
    uint8_t how = fin_u8(in);
    uint32_t prod = f.rx_pvt;
    if (how == 0xFF)
        prod = fin_u32(in);
    else if (how >= 0xF8)
        prod += fin_u16(in);
    else if (how >= 0xF0)
        prod -= fin_u8(in);
    hdr_in(f.ram.base, f.rx_gfn)->req_prod = prod;
}

static bool push_frame(uint32_t len, uint32_t seed, const struct net_offload *off)
{
    if (f.fifo_len == FIFO_MAX)
        return false;
    struct qframe q = { len, seed, *off };
    make_frame(&q);
    if (!frame_queue_push(&f.q, f.fbuf, len, off))
        return false;
    f.fifo[(f.fifo_head + f.fifo_len++) % FIFO_MAX] = q;
    return true;
}

static uint32_t frame_len(uint16_t code)
{
    switch (code >> 14) {
    case 0:
        return 1 + code % 1514;
    case 1:
        return 4090 + code % 12; /* around one page */
    case 2:
        return 1 + (code & 0x3FFF) * 4; /* up to 64 KiB */
    default:
        return code == 0xFFFF ? 65535 : 60 + (code & 0xFF);
    }
}

static void op_push(struct fuzz_input *in)
{
    uint16_t code = fin_u16(in);
    uint8_t o = fin_u8(in);
    struct net_offload off = { (o & 1) != 0, (o & 2) != 0, 0, 0 };
    if (o & 4) {
        off.gso_size = o & 0x80 ? fin_u16(in) : 1448;
        off.gso_type = (o >> 3) & 3;
    }
    push_frame(frame_len(code), fin_u8(in), &off);
}

/* ---- The model ------------------------------------------------------------------------ */

/* The page a ref names if the backend may use it now (as grant_pin checks). */
static bool model_ref(struct pred *p, uint32_t ref, bool write, uint32_t *gfn)
{
    if (ref < GRANT_REF_FIRST_USABLE || ref >= f.nr_frames * GRANT_ENTRIES_PER_FRAME)
        return false;
    const struct grant_entry_v1 *e = &f.tsnap[ref];
    if ((e->flags & GTF_type_mask) != GTF_permit_access || e->domid != 0)
        return false;
    if (write && (e->flags & GTF_readonly))
        return false;
    if (e->frame >= RAM_PAGES)
        return false;
    *gfn = e->frame;
    if (e->frame == f.tx_gfn || e->frame == f.rx_gfn)
        p->exact = false; /* the ring page changes under the copy */
    return true;
}

static void snap_read(uint32_t gfn, uint32_t off, void *dst, uint32_t len)
{
    memcpy(dst, f.snap + (size_t)gfn * PG + off, len);
}

static void expect_write(uint32_t gfn, uint32_t off, const void *src, uint32_t len)
{
    memcpy(f.expect + (size_t)gfn * PG + off, src, len);
}

/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY over the snapshot's rsp_event. */
static bool model_push(uint32_t gfn, uint32_t old, uint32_t now)
{
    if (old == now)
        return false;
    expect_write(gfn, 8, &now, 4);
    uint32_t event = hdr_in(f.snap, gfn)->rsp_event;
    return now - event < now - old;
}

static void model_tx_rsp(uint32_t *rsp, uint16_t id, int16_t status)
{
    struct netif_tx_response r = { id, status };
    expect_write(f.tx_gfn, tx_off((*rsp)++), &r, sizeof r);
}

/* TX as netback.h states it; false: fatal. */
static bool model_tx(struct pred *p)
{
    struct netback *nb = f.nb;
    uint32_t prod = hdr_in(f.snap, f.tx_gfn)->req_prod;
    uint32_t cons = nb->tx.req_cons, rsp = nb->tx.rsp_prod_pvt;
    bool ok = true;
    for (unsigned done = 0;; done++) {
        if (prod - rsp > RING) {
            ok = false;
            break;
        }
        uint32_t avail = prod - cons;
        if (avail == 0) {
            uint32_t ev = cons + 1;
            expect_write(f.tx_gfn, 4, &ev, 4);
            break;
        }
        if (done == NETBACK_KICK_BUDGET) {
            p->rc = NETBACK_MORE;
            break;
        }
        struct netif_tx_request first, frag[NETIF_FATAL_SLOTS];
        snap_read(f.tx_gfn, tx_off(cons), &first, sizeof first);
        uint32_t used = 1;
        unsigned extras = 0, nfrags = 0;
        struct netif_extra_info gso = { 0 };
        bool has_gso = false, mcast = false, drop = false;
        for (bool more = first.flags & NETTXF_EXTRA_INFO; more && ok;) {
            if (used == avail) {
                ok = false;
                break;
            }
            struct netif_extra_info ex;
            snap_read(f.tx_gfn, tx_off(cons + used++), &ex, sizeof ex);
            extras++;
            if (ex.type == NETIF_EXTRA_TYPE_NONE || ex.type >= NETIF_EXTRA_TYPE_MAX)
                ok = false;
            if (ex.type == NETIF_EXTRA_TYPE_GSO)
                gso = ex, has_gso = true;
            mcast |= ex.type == NETIF_EXTRA_TYPE_MCAST_ADD || ex.type == NETIF_EXTRA_TYPE_MCAST_DEL;
            more = ex.flags & NETIF_EXTRA_FLAG_MORE;
        }
        uint32_t rest = first.size;
        for (bool more = first.flags & NETTXF_MORE_DATA; more && ok;) {
            if (used == avail || nfrags == NETIF_FATAL_SLOTS) {
                ok = false;
                break;
            }
            struct netif_tx_request *t = &frag[nfrags++];
            snap_read(f.tx_gfn, tx_off(cons + used++), t, sizeof *t);
            more = t->flags & NETTXF_MORE_DATA;
            if (t->offset + t->size > NETIF_PAGE_SIZE)
                ok = false;
            drop |= nfrags > NETIF_NR_SLOTS_MIN || t->size > rest;
            if (t->size <= rest)
                rest -= t->size;
        }
        if (!ok)
            break;
        cons += used;
        bool control = mcast && !has_gso;
        struct pred_frame *pf = p->nframes < NETBACK_KICK_BUDGET ? &p->frame[p->nframes] : NULL;
        if (!drop && !control) {
            if (rest < NET_ETH_HLEN) {
                drop = true;
            } else if (first.offset + rest > NETIF_PAGE_SIZE ||
                       (has_gso && (gso.u.gso.size == 0 || (gso.u.gso.type != NETIF_GSO_TYPE_TCPV4 &&
                                                            gso.u.gso.type != NETIF_GSO_TYPE_TCPV6)))) {
                ok = false;
                break;
            } else {
                pf->nseg = 0;
                pf->len = 0;
                uint32_t gfn;
                if (!model_ref(p, first.gref, false, &gfn))
                    drop = true;
                else
                    pf->seg[pf->nseg++] = (struct seg){ gfn, first.offset, rest };
                pf->len = rest;
                for (unsigned i = 0; i < nfrags && !drop; i++) {
                    if (frag[i].size == 0)
                        continue;
                    if (!model_ref(p, frag[i].gref, false, &gfn))
                        drop = true;
                    else
                        pf->seg[pf->nseg++] = (struct seg){ gfn, frag[i].offset, frag[i].size };
                    pf->len += frag[i].size;
                }
            }
        }
        int16_t st = drop ? NETIF_RSP_ERROR : NETIF_RSP_OKAY;
        model_tx_rsp(&rsp, first.id, st);
        for (unsigned i = 0; i < extras; i++)
            model_tx_rsp(&rsp, 0, NETIF_RSP_NULL);
        for (unsigned i = 0; i < nfrags; i++)
            model_tx_rsp(&rsp, frag[i].id, st);
        if (drop) {
            p->tx_errors++;
        } else if (!control) {
            pf->off = (struct net_offload){
                .csum_partial = first.flags & NETTXF_CSUM_BLANK,
                .data_validated = (first.flags & (NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED)) != 0,
            };
            if (has_gso) {
                pf->off.gso_size = gso.u.gso.size;
                pf->off.gso_type = gso.u.gso.type == NETIF_GSO_TYPE_TCPV4 ? NET_GSO_TCPV4
                                                                          : NET_GSO_TCPV6;
            }
            p->nframes++;
            p->tx_packets++;
            p->tx_bytes += pf->len;
        }
    }
    p->tx_cons = cons;
    p->tx_rsp = rsp;
    p->notify |= model_push(f.tx_gfn, nb->tx.rsp_prod_pushed, rsp);
    return ok;
}

static bool takes_gso(const struct net_offload *off)
{
    return (off->gso_type == NET_GSO_TCPV4 && f.fe.gso_tcpv4) ||
           (off->gso_type == NET_GSO_TCPV6 && f.fe.gso_tcpv6);
}

static bool model_rx(struct pred *p)
{
    struct netback *nb = f.nb;
    uint32_t prod = hdr_in(f.snap, f.rx_gfn)->req_prod;
    uint32_t cons = nb->rx.req_cons;
    bool ok = true;
    for (unsigned done = 0; p->popped < f.fifo_len; done++) {
        if (done == NETBACK_KICK_BUDGET) {
            p->rc = NETBACK_MORE;
            break;
        }
        const struct qframe *q = &f.fifo[(f.fifo_head + p->popped) % FIFO_MAX];
        bool gso = q->off.gso_size != 0;
        if ((gso && !takes_gso(&q->off)) || (q->len > NETIF_PAGE_SIZE && !f.fe.sg)) {
            p->popped++;
            p->rx_errors++;
            continue;
        }
        uint32_t needed = (q->len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE + gso;
        if (prod - cons > RING) {
            ok = false;
            break;
        }
        if (prod - cons < needed) {
            uint32_t ev = prod + 1;
            expect_write(f.rx_gfn, 4, &ev, 4);
            break;
        }
        p->popped++;
        make_frame(q);
        bool failed = false;
        for (uint32_t at = 0, slot = 0; at < q->len; slot++) {
            struct netif_rx_request req;
            snap_read(f.rx_gfn, rx_off(cons), &req, sizeof req);
            uint32_t chunk = q->len - at < NETIF_PAGE_SIZE ? q->len - at : NETIF_PAGE_SIZE;
            struct netif_rx_response r = { req.id, 0, 0, (int16_t)chunk };
            uint32_t gfn;
            if (model_ref(p, req.gref, true, &gfn))
                expect_write(gfn, 0, f.fbuf + at, chunk);
            else
                r.status = NETIF_RSP_ERROR, failed = true;
            at += chunk;
            if (at < q->len)
                r.flags |= NETRXF_MORE_DATA;
            if (slot == 0) {
                if (q->off.csum_partial)
                    r.flags |= NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED;
                else if (q->off.data_validated)
                    r.flags |= NETRXF_DATA_VALIDATED;
                if (gso)
                    r.flags |= NETRXF_EXTRA_INFO;
            }
            expect_write(f.rx_gfn, rx_off(cons++), &r, sizeof r);
            if (slot == 0 && gso) {
                struct netif_extra_info ex = { .type = NETIF_EXTRA_TYPE_GSO };
                ex.u.gso.size = q->off.gso_size;
                ex.u.gso.type = q->off.gso_type == NET_GSO_TCPV4 ? NETIF_GSO_TYPE_TCPV4
                                                                 : NETIF_GSO_TYPE_TCPV6;
                expect_write(f.rx_gfn, rx_off(cons++), &ex, sizeof ex);
            }
        }
        if (failed) {
            p->rx_errors++;
        } else {
            p->rx_packets++;
            p->rx_bytes += q->len;
        }
    }
    p->rx_cons = cons;
    p->notify |= model_push(f.rx_gfn, nb->rx.rsp_prod_pushed, cons);
    return ok;
}

static void predict(struct pred *p)
{
    memset(p, 0, offsetof(struct pred, frame));
    p->exact = f.tx_gfn != f.rx_gfn;
    p->rc = NETBACK_OK;
    p->tx_cons = f.nb->tx.req_cons;
    p->tx_rsp = f.nb->tx.rsp_prod_pvt;
    p->rx_cons = f.nb->rx.req_cons;
    if (f.nb->disabled) {
        p->rc = NETBACK_EBROKEN;
        return;
    }
    if (!model_tx(p) || !model_rx(p)) {
        p->rc = NETBACK_EBROKEN;
        p->fatal = true;
    }
}

/* ---- The switch and the event channel -------------------------------------------------- */

static void run_hook(const struct hook *h)
{
    f.hook_ran = true;
    switch (h->what % 6) {
    case 0: /* 4 bytes anywhere in the TX ring page: header or slots */
        memcpy(gfn_ptr(f.tx_gfn) + h->where % (PG - 3), &h->value, 4);
        break;
    case 1:
        memcpy(gfn_ptr(f.rx_gfn) + h->where % (PG - 3), &h->value, 4);
        break;
    case 2: /* a grant entry */
        set_grant(h->where, (uint16_t)(h->value & 0x1F), (uint16_t)((h->value >> 8) & 1),
                  (h->value >> 20) % (RAM_PAGES + 4));
        break;
    case 3: { /* the switch queues a frame meanwhile */
        struct net_offload off = { h->value & 1, (h->value >> 1) & 1, 0, 0 };
        if (h->value & 4)
            off.gso_size = 1448, off.gso_type = (h->value >> 3) & 3;
        push_frame(frame_len((uint16_t)(h->value >> 16)), h->where, &off);
        break;
    }
    case 4: /* a data page byte */
        gfn_ptr(h->where % RAM_PAGES)[h->value % PG] = (uint8_t)(h->value >> 24);
        f.touched_page[h->where % RAM_PAGES] = true;
        break;
    default: /* the producer indices */
        hdr_in(f.ram.base, f.tx_gfn)->req_prod += h->value & 0x1FF;
        break;
    }
}

static void transmit(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    FUZZ_CHECK(ctx == &f, "transmit context");
    FUZZ_CHECK(len >= NET_ETH_HLEN && len <= NETIF_MAX_TX_SIZE,
               "frame of %zu bytes handed to the switch", len);
    FUZZ_CHECK(!f.fatal_seen && !f.nb->disabled, "a frame transmitted after a fatal error");
    FUZZ_CHECK(frame == f.nb->frame, "frame not in the private buffer");
    FUZZ_CHECK(f.gt->active_pins == 2, "%u pins held while the switch has the frame",
               f.gt->active_pins);
    unsigned k = f.transmits++;
    if (f.p.exact && !f.hook_ran) {
        FUZZ_CHECK(k < f.p.nframes, "frame %u transmitted, %u expected", k + 1, f.p.nframes);
        const struct pred_frame *pf = &f.p.frame[k];
        FUZZ_CHECK(len == pf->len, "frame %u: %zu bytes, expected %u", k, len, pf->len);
        size_t at = 0;
        for (unsigned i = 0; i < pf->nseg; i++) {
            const struct seg *s = &pf->seg[i];
            FUZZ_CHECK(memcmp(frame + at, f.snap + (size_t)s->gfn * PG + s->off, s->len) == 0,
                       "frame %u: bytes %zu.. are not gfn %u at %u", k, at, s->gfn, s->off);
            at += s->len;
        }
        FUZZ_CHECK(off->csum_partial == pf->off.csum_partial &&
                       off->data_validated == pf->off.data_validated &&
                       off->gso_size == pf->off.gso_size && off->gso_type == pf->off.gso_type,
                   "frame %u: offload %d %d %u %u, expected %d %d %u %u", k, off->csum_partial,
                   off->data_validated, off->gso_size, off->gso_type, pf->off.csum_partial,
                   pf->off.data_validated, pf->off.gso_size, pf->off.gso_type);
    }
    for (unsigned i = 0; i < f.nr_hooks; i++) {
        if (f.hooks[i].at == k + 1)
            run_hook(&f.hooks[i]);
    }
}

static void notify(void *ctx)
{
    FUZZ_CHECK(ctx == &f, "notify context");
    f.notified++;
}

/* ---- Checks ------------------------------------------------------------------------------ */

static bool is_ring_ref(uint32_t ref)
{
    return f.nb->connected && (ref == f.tx_ref || ref == f.rx_ref);
}

NO_COVERAGE static void check_pins(void)
{
    unsigned want = f.nb->connected ? 2 : 0;
    FUZZ_CHECK(f.gt->active_pins == want, "%u pins held, expected %u", f.gt->active_pins, want);
    for (uint32_t ref = 0; ref < NREFS; ref++) {
        unsigned pins = (unsigned)f.gt->pins[ref].readers + f.gt->pins[ref].writers;
        unsigned expect = f.nb->connected ? (ref == f.tx_ref) + (ref == f.rx_ref) : 0;
        FUZZ_CHECK(pins == expect, "ref %u: %u pins, expected %u", ref, pins, expect);
        const struct grant_entry_v1 *e = entry(ref), *m = &f.model[ref];
        uint16_t busy = GTF_reading | GTF_writing;
        FUZZ_CHECK(e->domid == m->domid && e->frame == m->frame &&
                       (e->flags & ~busy) == (m->flags & ~busy),
                   "ref %u: the backend changed the entry (flags %#x, guest wrote %#x)", ref,
                   e->flags, m->flags);
        if (!is_ring_ref(ref))
            FUZZ_CHECK((e->flags & busy & ~m->flags) == 0, "ref %u: left busy (flags %#x)", ref,
                       e->flags);
        f.model[ref].flags = e->flags;
    }
}

/* Walk this call's RX responses as netfront reads them. */
static void check_rx_responses(uint32_t from, uint32_t to)
{
    for (uint32_t idx = from; idx != to; idx++) {
        struct netif_rx_response r;
        memcpy(&r, gfn_ptr(f.rx_gfn) + rx_off(idx), sizeof r);
        FUZZ_CHECK(r.status == NETIF_RSP_ERROR || (r.status > 0 && r.status <= (int)NETIF_PAGE_SIZE),
                   "RX response %u: status %d", idx, r.status);
        FUZZ_CHECK(r.status < 0 || r.offset + r.status <= (int)NETIF_PAGE_SIZE,
                   "RX response %u: offset %u + %d", idx, r.offset, r.status);
        if (r.flags & NETRXF_EXTRA_INFO) {
            FUZZ_CHECK(++idx != to, "RX response %u: the extra is missing", idx - 1);
            struct netif_extra_info ex;
            memcpy(&ex, gfn_ptr(f.rx_gfn) + rx_off(idx), sizeof ex);
            FUZZ_CHECK(
                ex.type == NETIF_EXTRA_TYPE_GSO && ex.u.gso.size != 0 &&
                    (ex.u.gso.type == NETIF_GSO_TYPE_TCPV4 || ex.u.gso.type == NETIF_GSO_TYPE_TCPV6),
                "RX extra %u: type %u size %u gso type %u", idx, ex.type, ex.u.gso.size,
                ex.u.gso.type);
        }
    }
}

NO_COVERAGE static void snapshot(void)
{
    memcpy(f.snap, f.ram.base, sizeof f.snap);
    memcpy(f.expect, f.ram.base, sizeof f.expect);
    for (uint32_t ref = 0; ref < NREFS; ref++)
        f.tsnap[ref] = *entry(ref);
    memset(f.writable_page, 0, sizeof f.writable_page);
    memset(f.touched_page, 0, sizeof f.touched_page);
    for (uint32_t ref = 0; ref < NREFS; ref++)
        note_writable(&f.tsnap[ref]);
}

/* Guest RAM is what the model expects, byte for byte. */
NO_COVERAGE static void check_memory_exact(void)
{
    for (uint32_t gfn = 0; gfn < RAM_PAGES; gfn++) {
        const uint8_t *now = gfn_ptr(gfn), *want = f.expect + (size_t)gfn * PG;
        if (memcmp(now, want, PG) == 0)
            continue;
        uint32_t at = 0;
        while (now[at] == want[at])
            at++;
        fuzz_fail("gfn %u byte %u is %#x, expected %#x (TX ring %u, RX ring %u)", gfn, at, now[at],
                  want[at], f.tx_gfn, f.rx_gfn);
    }
}

/* Only ring pages, pages granted writable and pages a hook wrote changed. */
NO_COVERAGE static void check_memory_changed(void)
{
    for (uint32_t gfn = 0; gfn < RAM_PAGES; gfn++) {
        if (gfn == f.tx_gfn || gfn == f.rx_gfn || f.writable_page[gfn] || f.touched_page[gfn])
            continue;
        FUZZ_CHECK(memcmp(gfn_ptr(gfn), f.snap + (size_t)gfn * PG, PG) == 0,
                   "gfn %u changed, but was never granted writable", gfn);
    }
}

/* One netback_kick, predicted and checked. */
static int kick_once(void)
{
    struct netback *nb = f.nb;
    snapshot();
    predict(&f.p);

    struct netback_stats s0 = nb->stats;
    uint32_t tx0 = nb->tx.req_cons, txr0 = nb->tx.rsp_prod_pvt, rx0 = nb->rx.req_cons;
    unsigned notified = f.notified, fifo_before = f.fifo_len;
    f.transmits = 0;
    f.hook_ran = false;
    int rc = netback_kick(nb);
    FUZZ_CHECK(rc == NETBACK_OK || rc == NETBACK_MORE || rc == NETBACK_EBROKEN, "kick returned %d", rc);
    FUZZ_CHECK(!f.fatal_seen || rc == NETBACK_EBROKEN, "kick returned %d after a fatal error", rc);
    FUZZ_CHECK((rc == NETBACK_EBROKEN) == nb->disabled && (!nb->disabled || nb->fatal),
               "rc %d, disabled %d, fatal %s", rc, nb->disabled, nb->fatal ? nb->fatal : "(none)");
    FUZZ_CHECK(f.notified - notified <= 1, "%u notifications in one kick", f.notified - notified);
    FUZZ_CHECK(nb->stats.notifications - s0.notifications == f.notified - notified,
               "notification count");
    FUZZ_CHECK(nb->stats.tx_packets - s0.tx_packets == f.transmits, "%u frames, tx_packets +%llu",
               f.transmits, (unsigned long long)(nb->stats.tx_packets - s0.tx_packets));
    /* TX: a response only for a consumed request; RX: one per request. */
    FUZZ_CHECK(nb->tx.req_cons - nb->tx.rsp_prod_pvt <= RING &&
                   nb->tx.rsp_prod_pvt - txr0 <= nb->tx.req_cons - tx0 &&
                   nb->tx.req_cons - tx0 <= NETBACK_KICK_BUDGET * RING,
               "TX: req_cons %u, rsp_prod %u (from %u, %u)", nb->tx.req_cons, nb->tx.rsp_prod_pvt,
               tx0, txr0);
    FUZZ_CHECK(rc == NETBACK_EBROKEN || nb->tx.rsp_prod_pvt == nb->tx.req_cons,
               "TX: %u consumed, %u answered", nb->tx.req_cons - tx0, nb->tx.rsp_prod_pvt - tx0);
    FUZZ_CHECK(nb->rx.rsp_prod_pvt == nb->rx.req_cons && nb->rx.req_cons - rx0 <= RING,
               "RX: req_cons %u, rsp_prod %u", nb->rx.req_cons, nb->rx.rsp_prod_pvt);
    FUZZ_CHECK(nb->tx.rsp_prod_pushed == nb->tx.rsp_prod_pvt &&
                   nb->rx.rsp_prod_pushed == nb->rx.rsp_prod_pvt,
               "responses written but not published");
    if (rc == NETBACK_EBROKEN)
        f.fatal_seen = true;

    /* Frames left the queue from its head: keep the model's tail. */
    struct frame_queue_stats qs;
    frame_queue_stats(&f.q, &qs);
    FUZZ_CHECK(qs.frames <= f.fifo_len, "the queue holds %zu frames, %u were pushed", qs.frames,
               f.fifo_len);
    unsigned popped = f.fifo_len - (unsigned)qs.frames;
    FUZZ_CHECK(nb->stats.rx_packets - s0.rx_packets + nb->stats.rx_errors - s0.rx_errors == popped,
               "%u frames left the queue, rx_packets +%llu rx_errors +%llu", popped,
               (unsigned long long)(nb->stats.rx_packets - s0.rx_packets),
               (unsigned long long)(nb->stats.rx_errors - s0.rx_errors));

    if (f.p.exact && !f.hook_ran) {
        const struct pred *p = &f.p;
        FUZZ_CHECK(rc == p->rc, "kick returned %d, expected %d (%s)", rc, p->rc,
                   nb->fatal ? nb->fatal : "-");
        FUZZ_CHECK(f.transmits == p->nframes, "%u frames transmitted, expected %u", f.transmits,
                   p->nframes);
        FUZZ_CHECK(p->rc == NETBACK_EBROKEN ||
                       (nb->tx.req_cons == p->tx_cons && nb->rx.req_cons == p->rx_cons),
                   "req_cons TX %u RX %u, expected %u %u", nb->tx.req_cons, nb->rx.req_cons,
                   p->tx_cons, p->rx_cons);
        FUZZ_CHECK(nb->tx.rsp_prod_pvt == p->tx_rsp, "TX rsp_prod %u, expected %u",
                   nb->tx.rsp_prod_pvt, p->tx_rsp);
        FUZZ_CHECK(popped == p->popped && fifo_before == f.fifo_len, "%u frames taken, expected %u",
                   popped, p->popped);
        FUZZ_CHECK(nb->stats.tx_packets - s0.tx_packets == p->tx_packets &&
                       nb->stats.tx_bytes - s0.tx_bytes == p->tx_bytes &&
                       nb->stats.tx_errors - s0.tx_errors == p->tx_errors &&
                       nb->stats.rx_packets - s0.rx_packets == p->rx_packets &&
                       nb->stats.rx_bytes - s0.rx_bytes == p->rx_bytes &&
                       nb->stats.rx_errors - s0.rx_errors == p->rx_errors,
                   "counters: tx %llu/%llu/%llu rx %llu/%llu/%llu, expected tx %llu/%llu/%llu rx %llu/%llu/%llu",
                   (unsigned long long)(nb->stats.tx_packets - s0.tx_packets),
                   (unsigned long long)(nb->stats.tx_bytes - s0.tx_bytes),
                   (unsigned long long)(nb->stats.tx_errors - s0.tx_errors),
                   (unsigned long long)(nb->stats.rx_packets - s0.rx_packets),
                   (unsigned long long)(nb->stats.rx_bytes - s0.rx_bytes),
                   (unsigned long long)(nb->stats.rx_errors - s0.rx_errors),
                   (unsigned long long)p->tx_packets, (unsigned long long)p->tx_bytes,
                   (unsigned long long)p->tx_errors, (unsigned long long)p->rx_packets,
                   (unsigned long long)p->rx_bytes, (unsigned long long)p->rx_errors);
        FUZZ_CHECK((f.notified - notified == 1) == p->notify, "notified %u, expected %d",
                   f.notified - notified, p->notify);
        check_memory_exact();
        check_rx_responses(rx0, nb->rx.rsp_prod_pvt);
    } else {
        check_memory_changed();
    }
    f.fifo_head = (f.fifo_head + popped) % FIFO_MAX;
    f.fifo_len -= popped;
    check_pins();
    f.nr_hooks = 0;
    return rc;
}

static void kick(void)
{
    if (!f.nb->connected) {
        FUZZ_CHECK(netback_kick(f.nb) == NETBACK_ENOTCONN, "kick while disconnected");
        return;
    }
    for (unsigned calls = 0; calls < CALLS_MAX && kick_once() == NETBACK_MORE; calls++)
        ;
}

/* ---- Connect ----------------------------------------------------------------------------- */

static void disconnect(void)
{
    netback_disconnect(f.nb);
    FUZZ_CHECK(!f.nb->connected && !f.nb->disabled, "still connected or disabled after disconnect");
    FUZZ_CHECK(f.gt->active_pins == 0, "%u pins left after disconnect", f.gt->active_pins);
    check_pins();
}

/* (Re)connects: cfg bit 0 takes the ring refs from the input, bit 1 a start
 * index, bit 2 requests already published (or a broken ring), bits 3-7 the
 * frontend's features. */
static void connect(struct fuzz_input *in, uint8_t cfg)
{
    disconnect();
    f.tx_ref = TX_RING_REF;
    f.rx_ref = RX_RING_REF;
    if (cfg & 1) {
        f.tx_ref = pick_ref(fin_u8(in), TX_RING_REF, in);
        f.rx_ref = pick_ref(fin_u8(in), RX_RING_REF, in);
    }
    f.fe = (struct netback_features){ .rx_notify = true,
                                      .sg = !(cfg & 0x08),
                                      .gso_tcpv4 = !(cfg & 0x10),
                                      .gso_tcpv6 = !(cfg & 0x20),
                                      .csum_offload = !(cfg & 0x40),
                                      .ipv6_csum_offload = !(cfg & 0x80) };
    /* The frontend initialises the pages its refs name (SHARED_RING_INIT). */
    uint32_t gfn[2];
    const uint32_t refs[2] = { f.tx_ref, f.rx_ref }, fallback[2] = { TX_RING_GFN, RX_RING_GFN };
    for (unsigned i = 0; i < 2; i++) {
        const struct grant_entry_v1 *m = refs[i] < NREFS ? &f.model[refs[i]] : NULL;
        gfn[i] = m && m->frame < RAM_PAGES ? m->frame : fallback[i];
    }
    uint32_t start = cfg & 2 ? fin_u32(in) : 0;
    for (unsigned i = 0; i < 2; i++)
        memset(gfn_ptr(gfn[i]), 0, PG);
    for (unsigned i = 0; i < 2; i++) {
        struct xen_sring_header *h = hdr_in(f.ram.base, gfn[i]);
        h->req_prod = h->rsp_prod = start;
        h->req_event = h->rsp_event = start + 1;
    }
    uint16_t ahead = cfg & 4 ? fin_u16(in) : 0;
    hdr_in(f.ram.base, gfn[0])->req_prod += ahead;
    f.tx_gfn = gfn[0];
    f.rx_gfn = gfn[1];
    f.tx_pvt = f.rx_pvt = start;
    f.fatal_seen = false;

    int rc = netback_connect(f.nb, f.gt, f.tx_ref, f.rx_ref, &f.fe);
    FUZZ_CHECK(rc == NETBACK_OK || rc == NETBACK_EGRANT || rc == NETBACK_EBROKEN,
               "connect returned %d", rc);
    FUZZ_CHECK((rc == NETBACK_OK) == f.nb->connected, "connect returned %d, connected %d", rc,
               f.nb->connected);
    if (rc == NETBACK_OK) {
        FUZZ_CHECK(f.nb->tx.req_cons == start && f.nb->rx.req_cons == start && !f.nb->disabled,
                   "connect did not resume at rsp_prod %u", start);
        FUZZ_CHECK(netback_connect(f.nb, f.gt, f.tx_ref, f.rx_ref, &f.fe) == NETBACK_EINVAL,
                   "connect while connected");
    }
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
        f.nb = malloc(sizeof *f.nb);
        if (!f.table[0] || !f.table[1] || !f.gt || !f.nb)
            abort();
        for (uint32_t g = 0; g < RAM_PAGES; g++)
            for (uint32_t o = 0; o < PG; o++)
                f.ram_template[(size_t)g * PG + o] = g < TX_PAGES ? tx_pattern(g, o) : 0xEE;
    }
    uint8_t cfg = fin_u8(in);
    f.nr_frames = cfg & 1 ? 2 : 1;
    fuzz_ram_layout(&f.ram, RAM_PAGES * PG, 2);
    memcpy(f.ram.base, f.ram_template, sizeof f.ram_template);
    for (unsigned i = 0; i < TABLE_FRAMES; i++)
        memset(f.table[i], 0, PG);
    memset(f.model, 0, sizeof f.model);
    grant_table_init(f.gt, &f.ram.gm, 0);
    for (unsigned i = 0; i < TABLE_FRAMES; i++)
        grant_table_set_frame(f.gt, i, f.table[i]);
    FUZZ_CHECK(grant_table_set_nr_frames(f.gt, f.nr_frames) == GNT_OK, "grant table frames");
    set_grant(TX_RING_REF, GTF_permit_access, 0, TX_RING_GFN);
    set_grant(RX_RING_REF, GTF_permit_access, 0, RX_RING_GFN);
    for (uint32_t g = 0; g < TX_PAGES; g++)
        set_grant(TX_REF0 + g, GTF_permit_access | GTF_readonly, 0, g);
    for (uint32_t i = 0; i < RX_PAGES; i++)
        set_grant(RX_REF0 + i, GTF_permit_access, 0, RX_GFN0 + i);

    frame_queue_init(&f.q, f.qbuf, sizeof f.qbuf);
    f.fifo_head = f.fifo_len = 0;
    f.nr_hooks = f.notified = 0;
    f.next_id = (uint16_t)(cfg << 4);
    netback_init(f.nb, &f.q, transmit, notify, &f);
    connect(in, (uint8_t)(cfg & ~7u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    setup(&in);
    for (unsigned step = 0; in.left && step < STEPS_MAX; step++) {
        uint8_t op = fin_u8(&in);
        switch (op % 16) {
        case 0:
        case 1:
        case 2:
            op_tx_packet(&in);
            break;
        case 3:
            op_tx_raw(&in);
            break;
        case 4:
            publish_tx(&in, fin_u8(&in));
            break;
        case 5:
            op_rx_post(&in);
            break;
        case 6:
            op_push(&in);
            break;
        case 7:
            kick();
            break;
        case 8:
            publish_tx(&in, fin_u8(&in));
            kick();
            break;
        case 9: { /* the guest rewrites a grant entry */
            uint32_t ref = pick_ref(fin_u8(&in), TX_REF0, &in);
            uint32_t v = fin_u32(&in);
            set_grant(ref, (uint16_t)(v & 0x1F), (uint16_t)((v >> 8) & 1), (v >> 20) % (RAM_PAGES + 4));
            break;
        }
        case 10: { /* rsp_event: when the guest wants its next notification */
            uint8_t b = fin_u8(&in);
            uint32_t gfn = b & 1 ? f.rx_gfn : f.tx_gfn;
            uint32_t base = b & 1 ? f.nb->rx.rsp_prod_pvt : f.nb->tx.rsp_prod_pvt;
            uint32_t ev = b & 0x80 ? fin_u32(&in) : base + (b >> 1) % 8;
            hdr_in(f.ram.base, gfn)->rsp_event = ev;
            break;
        }
        case 11: /* a hook for the next kick */
            if (f.nr_hooks < HOOKS_MAX) {
                struct hook *h = &f.hooks[f.nr_hooks++];
                h->at = 1 + fin_u8(&in) % 8;
                h->what = fin_u8(&in);
                h->where = fin_u16(&in);
                h->value = fin_u32(&in);
            }
            break;
        case 12:
            connect(&in, fin_u8(&in));
            break;
        case 13:
            disconnect();
            kick();
            break;
        case 14: { /* the guest changes a data page between kicks */
            uint8_t page = fin_u8(&in);
            gfn_ptr(page % RAM_PAGES)[fin_u16(&in) % PG] = op;
            break;
        }
        default: { /* bursts past the budget */
            uint8_t b = fin_u8(&in);
            if (b & 1) {
                op_tx_burst(1 + (b >> 1) % 100, fin_u8(&in));
            } else {
                unsigned n = 1 + (b >> 1) % 100;
                struct net_offload off = { 0 };
                for (unsigned i = 0; i < n; i++)
                    push_frame(60 + i, i, &off);
            }
            break;
        }
        }
    }
    publish_tx(&in, 0);
    kick();
    disconnect();
    return 0;
}
