/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for pvio/net/netback.c: a test frontend plays Linux netfront over fake guest RAM, a grant table and a frame queue. */
#define _GNU_SOURCE /* sigaction, mprotect, MAP_ANONYMOUS */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pvio/net/netback.h"

#define PG          0x1000u
#define RAM_PAGES   512u /* two extents of 256 pages */
#define TX_RING_GFN 500u
#define RX_RING_GFN 501u
#define TX_RING_REF 8u
#define RX_RING_REF 9u
#define TX_REF0     100u /* TX data page i: ref 100 + i, gfn i, read-only */
#define TX_PAGES    64u
#define RX_REF0     300u /* RX buffer i: ref 300 + i, gfn 200 + i, writable */
#define RX_GFN0     200u
#define RX_PAGES    256u
#define RING_HDR    64u
#define TX_ENTRY    12u
#define RX_ENTRY    8u
#define RING_SIZE   256u
#define QBUF_SIZE   (512u * 1024u)
#define SENT_MAX    1024u

struct sent {
    uint8_t *data;
    size_t len;
    struct net_offload off;
};

struct fixture {
    struct guest_mem gm;
    uint8_t *ram;
    uint8_t *table[2];
    struct grant_table *gt;
    uint8_t *qbuf;
    struct frame_queue q;
    struct netback *nb;
    struct netback_features fe;

    uint32_t tx_pvt, tx_rsp_cons;
    uint32_t rx_pvt, rx_rsp_cons;
    uint16_t rx_id[RING_SIZE]; /* the id posted at each RX slot */

    unsigned notified;
    struct sent sent[SENT_MAX];
    unsigned nsent;
    void (*on_transmit)(struct fixture *f);
};

/* ---- Guest memory and grants ---- */

static uint8_t *gfn_host(struct fixture *f, uint32_t gfn)
{
    assert_true(gfn < RAM_PAGES);
    return f->ram + (size_t)gfn * PG;
}

static struct grant_entry_v1 *gentry(struct fixture *f, uint32_t ref)
{
    return (struct grant_entry_v1 *)(void *)(f->table[ref / 512] + (ref % 512) * 8);
}

static void grant(struct fixture *f, uint32_t ref, uint32_t gfn, bool readonly)
{
    struct grant_entry_v1 *e = gentry(f, ref);
    e->frame = gfn;
    e->domid = 0;
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

static uint8_t tx_byte(uint32_t gfn, uint32_t off)
{
    return (uint8_t)(gfn * 37 + off * 11 + 5);
}

/* ---- Callbacks ---- */

static void on_transmit(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct fixture *f = ctx;
    assert_true(f->nsent < SENT_MAX);
    assert_int_equal(f->gt->active_pins, 2); /* data grants were held only for the copy */
    struct sent *s = &f->sent[f->nsent++];
    s->data = malloc(len);
    assert_non_null(s->data);
    memcpy(s->data, frame, len);
    s->len = len;
    s->off = *off;
    if (f->on_transmit)
        f->on_transmit(f);
}

static void on_notify(void *ctx)
{
    ((struct fixture *)ctx)->notified++;
}

/* ---- Fixture ---- */

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    /* mmap, not malloc: the copy-once tests mprotect single pages. */
    f->ram = mmap(NULL, (size_t)RAM_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    assert_true(f->ram != MAP_FAILED);
    for (unsigned i = 0; i < 2; i++) {
        f->gm.extent[i].gpa = (uint64_t)i * 256 * PG;
        f->gm.extent[i].hpa = (uint64_t)(uintptr_t)(f->ram + (size_t)i * 256 * PG);
        f->gm.extent[i].len = 256 * PG;
        f->table[i] = aligned_alloc(PG, PG);
        assert_non_null(f->table[i]);
        memset(f->table[i], 0, PG);
    }
    f->gm.nr_extents = 2;
    f->gm.size = (uint64_t)RAM_PAGES * PG;
    memset(f->ram, 0xEE, (size_t)RAM_PAGES * PG);
    for (uint32_t g = 0; g < TX_PAGES; g++)
        for (uint32_t o = 0; o < PG; o++)
            gfn_host(f, g)[o] = tx_byte(g, o);

    f->gt = calloc(1, sizeof *f->gt);
    assert_non_null(f->gt);
    grant_table_init(f->gt, &f->gm, 0);
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[0]), GNT_OK);
    assert_int_equal(grant_table_set_frame(f->gt, 1, f->table[1]), GNT_OK);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 2), GNT_OK);
    grant(f, TX_RING_REF, TX_RING_GFN, false);
    grant(f, RX_RING_REF, RX_RING_GFN, false);
    for (uint32_t i = 0; i < TX_PAGES; i++)
        grant(f, TX_REF0 + i, i, true); /* netfront grants TX pages read-only */
    for (uint32_t i = 0; i < RX_PAGES; i++)
        grant(f, RX_REF0 + i, RX_GFN0 + i, false);

    f->qbuf = malloc(QBUF_SIZE);
    assert_non_null(f->qbuf);
    frame_queue_init(&f->q, f->qbuf, QBUF_SIZE);
    f->nb = calloc(1, sizeof *f->nb);
    assert_non_null(f->nb);
    netback_init(f->nb, &f->q, on_transmit, on_notify, f);
    f->fe = (struct netback_features){ .rx_notify = true,
                                       .sg = true,
                                       .gso_tcpv4 = true,
                                       .gso_tcpv6 = true,
                                       .csum_offload = true,
                                       .ipv6_csum_offload = true };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    netback_disconnect(f->nb);
    assert_false(f->nb->connected);
    assert_int_equal(f->gt->active_pins, 0);
    /* No grant is left marked in use. */
    for (uint32_t ref = 0; ref < 1024; ref++)
        assert_int_equal(gentry(f, ref)->flags & (GTF_reading | GTF_writing), 0);
    for (unsigned i = 0; i < f->nsent; i++)
        free(f->sent[i].data);
    munmap(f->ram, (size_t)RAM_PAGES * PG);
    free(f->table[0]);
    free(f->table[1]);
    free(f->gt);
    free(f->qbuf);
    free(f->nb);
    free(f);
    return 0;
}

/* ---- The test frontend: SHARED_RING_INIT, requests, responses ---- */

static uint32_t *ring_hdr(struct fixture *f, bool tx)
{
    return (uint32_t *)(void *)gfn_host(f, tx ? TX_RING_GFN : RX_RING_GFN);
}

/* Fresh rings at index `start` (0 for netfront): producers at start,
 * req_event = rsp_event = start + 1. */
static void front_init_at(struct fixture *f, uint32_t start)
{
    for (int tx = 0; tx < 2; tx++) {
        memset(ring_hdr(f, tx), 0, PG);
        uint32_t *h = ring_hdr(f, tx);
        h[0] = h[2] = start;
        h[1] = h[3] = start + 1;
    }
    f->tx_pvt = f->tx_rsp_cons = f->rx_pvt = f->rx_rsp_cons = start;
}

static void connect_at(struct fixture *f, uint32_t start)
{
    front_init_at(f, start);
    assert_int_equal(netback_connect(f->nb, f->gt, TX_RING_REF, RX_RING_REF, &f->fe), NETBACK_OK);
    assert_true(f->nb->connected);
    assert_int_equal(f->nb->tx.nr_entries, RING_SIZE);
    assert_int_equal(f->nb->rx.nr_entries, RING_SIZE);
    assert_int_equal(f->gt->active_pins, 2);
}

static void connect_fe(struct fixture *f)
{
    connect_at(f, 0);
}

static uint8_t *tx_slot(struct fixture *f, uint32_t idx)
{
    return gfn_host(f, TX_RING_GFN) + RING_HDR + (idx & (RING_SIZE - 1)) * TX_ENTRY;
}

static uint8_t *rx_slot(struct fixture *f, uint32_t idx)
{
    return gfn_host(f, RX_RING_GFN) + RING_HDR + (idx & (RING_SIZE - 1)) * RX_ENTRY;
}

static void tx_req(struct fixture *f, uint32_t gref, uint16_t offset, uint16_t flags, uint16_t id,
                   uint16_t size)
{
    struct netif_tx_request r = { .gref = gref, .offset = offset, .flags = flags, .id = id, .size = size };
    memcpy(tx_slot(f, f->tx_pvt++), &r, sizeof r);
}

static void tx_extra(struct fixture *f, uint8_t type, uint8_t flags, uint16_t gso_size, uint8_t gso_type)
{
    uint8_t raw[TX_ENTRY];
    memset(raw, 0x5A, sizeof raw); /* the 4 bytes after the extra are junk */
    struct netif_extra_info e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.flags = flags;
    e.u.gso.size = gso_size;
    e.u.gso.type = gso_type;
    memcpy(raw, &e, sizeof e);
    memcpy(tx_slot(f, f->tx_pvt++), raw, sizeof raw);
}

static void tx_publish(struct fixture *f)
{
    ring_hdr(f, true)[0] = f->tx_pvt;
}

/* A single-slot packet of `size` bytes from TX page `page` at `offset`. */
static void tx_simple(struct fixture *f, uint32_t page, uint16_t offset, uint16_t id, uint16_t size)
{
    tx_req(f, TX_REF0 + page, offset, 0, id, size);
}

/* The next response the frontend reads; id < 0: do not check it. */
static void expect_tx(struct fixture *f, int id, int16_t status)
{
    assert_true(ring_hdr(f, true)[2] - f->tx_rsp_cons > 0);
    struct netif_tx_response r;
    memcpy(&r, tx_slot(f, f->tx_rsp_cons++), sizeof r);
    if (id >= 0)
        assert_int_equal(r.id, id);
    assert_int_equal(r.status, status);
}

static void expect_no_more_tx(struct fixture *f)
{
    assert_int_equal(ring_hdr(f, true)[2], f->tx_rsp_cons);
}

/* Post n RX buffers, Linux style (whole writable pages); ids differ from the slot. */
static void rx_post_ref(struct fixture *f, uint32_t ref)
{
    uint32_t idx = f->rx_pvt++;
    struct netif_rx_request r = { .id = (uint16_t)(0x300 + (idx & (RING_SIZE - 1))), .gref = ref };
    f->rx_id[idx & (RING_SIZE - 1)] = r.id;
    memcpy(rx_slot(f, idx), &r, sizeof r);
}

static void rx_post(struct fixture *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        rx_post_ref(f, RX_REF0 + (f->rx_pvt & (RING_SIZE - 1)));
    ring_hdr(f, false)[0] = f->rx_pvt;
}

static uint8_t *rx_page(struct fixture *f, uint32_t idx)
{
    return gfn_host(f, RX_GFN0 + (idx & (RING_SIZE - 1)));
}

static struct netif_rx_response rx_get(struct fixture *f)
{
    assert_true(ring_hdr(f, false)[2] - f->rx_rsp_cons > 0);
    struct netif_rx_response r;
    memcpy(&r, rx_slot(f, f->rx_rsp_cons++), sizeof r);
    return r;
}

/* The next RX response: its request's id, offset 0, exact flags and status. */
static void expect_rx(struct fixture *f, uint16_t flags, int16_t status)
{
    uint32_t idx = f->rx_rsp_cons;
    struct netif_rx_response r = rx_get(f);
    assert_int_equal(r.id, f->rx_id[idx & (RING_SIZE - 1)]);
    assert_int_equal(r.offset, 0);
    assert_int_equal(r.flags, flags);
    assert_int_equal(r.status, status);
}

static void expect_no_more_rx(struct fixture *f)
{
    assert_int_equal(ring_hdr(f, false)[2], f->rx_rsp_cons);
}

static uint8_t frame_byte(uint32_t seed, size_t i)
{
    return (uint8_t)(seed * 17 + i * 7 + (i >> 8) * 3 + 1);
}

static void push_frame(struct fixture *f, size_t len, uint32_t seed, const struct net_offload *off)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b[i] = frame_byte(seed, i);
    assert_true(frame_queue_push(&f->q, b, len, off));
    free(b);
}

static void expect_frame_at(const uint8_t *page, size_t from, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(page[i], frame_byte(seed, from + i));
}

static int kick(struct fixture *f)
{
    int rc = netback_kick(f->nb);
    /* Between kicks only the two rings stay pinned. */
    assert_int_equal(f->gt->active_pins, 2);
    return rc;
}

static void kick_ok(struct fixture *f)
{
    assert_int_equal(kick(f), NETBACK_OK);
}

/* The transmitted frame n is bytes [offset, offset + len) of TX page `page`. */
static void expect_sent_from(struct fixture *f, unsigned n, size_t at, uint32_t page,
                             uint32_t offset, size_t len)
{
    assert_true(n < f->nsent);
    assert_true(at + len <= f->sent[n].len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(f->sent[n].data[at + i], tx_byte(page, offset + (uint32_t)i));
}

static void expect_offload(const struct sent *s, bool csum, bool valid, uint16_t gso_size,
                           uint8_t gso_type)
{
    assert_int_equal(s->off.csum_partial, csum);
    assert_int_equal(s->off.data_validated, valid);
    assert_int_equal(s->off.gso_size, gso_size);
    assert_int_equal(s->off.gso_type, gso_type);
}

/* ---- TX: well-formed packets ---- */

static void test_tx_single_slot(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    tx_simple(f, 3, 100, 7, 60);
    tx_publish(f);
    kick_ok(f);

    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0].len, 60);
    expect_sent_from(f, 0, 0, 3, 100, 60);
    expect_offload(&f->sent[0], false, false, 0, 0);
    expect_tx(f, 7, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    assert_int_equal(f->nb->tx.req_cons, 1);
    assert_int_equal(f->nb->stats.tx_packets, 1);
    assert_int_equal(f->nb->stats.tx_bytes, 60);
    assert_int_equal(f->nb->stats.tx_errors, 0);
    assert_int_equal(f->notified, 1);
    assert_int_equal(f->nb->stats.notifications, 1);
    /* The ring asks for a notification of the next request. */
    assert_int_equal(ring_hdr(f, true)[1], 2);
    /* The data page was only borrowed. */
    assert_int_equal(gentry(f, TX_REF0 + 3)->flags, GTF_permit_access | GTF_readonly);
}

static void test_tx_multi_slot(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* 70 bytes in the first slot, then 2000 and 1000 (the last ending at the page's end). */
    tx_req(f, TX_REF0 + 10, 10, NETTXF_MORE_DATA, 0x21, 3070);
    tx_req(f, TX_REF0 + 11, 96, NETTXF_MORE_DATA, 0x22, 2000);
    tx_req(f, TX_REF0 + 12, 3096, 0, 0x23, 1000);
    tx_publish(f);
    kick_ok(f);

    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0].len, 3070);
    expect_sent_from(f, 0, 0, 10, 10, 70);
    expect_sent_from(f, 0, 70, 11, 96, 2000);
    expect_sent_from(f, 0, 2070, 12, 3096, 1000);
    expect_tx(f, 0x21, NETIF_RSP_OKAY);
    expect_tx(f, 0x22, NETIF_RSP_OKAY);
    expect_tx(f, 0x23, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    assert_int_equal(f->nb->stats.tx_bytes, 3070);
}

static void test_tx_eighteen_frags_and_zero_size_slots(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* 1 + 18 slots: the most a backend must take. Slot 5 is empty and
     * names a bad ref: zero-size slots are never copied. */
    uint16_t total = 100;
    for (unsigned i = 1; i <= 18; i++)
        total = (uint16_t)(total + (i == 5 ? 0 : 50 * i));
    tx_req(f, TX_REF0, 0, NETTXF_MORE_DATA, 1000, total);
    for (unsigned i = 1; i <= 18; i++)
        tx_req(f, i == 5 ? 2 : TX_REF0 + i, (uint16_t)(i * 8), i < 18 ? NETTXF_MORE_DATA : 0,
               (uint16_t)(1000 + i), i == 5 ? 0 : (uint16_t)(50 * i));
    tx_publish(f);
    kick_ok(f);

    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0].len, total);
    expect_sent_from(f, 0, 0, 0, 0, 100);
    size_t at = 100;
    for (unsigned i = 1; i <= 18; i++) {
        if (i == 5)
            continue;
        expect_sent_from(f, 0, at, i, i * 8, 50 * i);
        at += 50 * i;
    }
    for (unsigned i = 0; i <= 18; i++)
        expect_tx(f, (int)(1000 + i), NETIF_RSP_OKAY);
    expect_no_more_tx(f);
}

static void test_tx_checksum_flags(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    tx_req(f, TX_REF0 + 1, 0, NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED, 1, 64); /* CHECKSUM_PARTIAL */
    tx_req(f, TX_REF0 + 1, 0, NETTXF_DATA_VALIDATED, 2, 64); /* CHECKSUM_UNNECESSARY */
    tx_req(f, TX_REF0 + 1, 0, 0, 3, 64);
    tx_req(f, TX_REF0 + 1, 0, NETTXF_CSUM_BLANK, 4, 64);
    tx_publish(f);
    kick_ok(f);
    assert_int_equal(f->nsent, 4);
    expect_offload(&f->sent[0], true, true, 0, 0);
    expect_offload(&f->sent[1], false, true, 0, 0);
    expect_offload(&f->sent[2], false, false, 0, 0);
    expect_offload(&f->sent[3], true, true, 0, 0);
    for (int id = 1; id <= 4; id++)
        expect_tx(f, id, NETIF_RSP_OKAY);
}

static void test_tx_gso_extra(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* What netfront sends for a TSO skb: first, GSO extra, then a frag. */
    tx_req(f, TX_REF0 + 4, 0,
           NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED | NETTXF_EXTRA_INFO | NETTXF_MORE_DATA, 0x41,
           4000);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 1448, NETIF_GSO_TYPE_TCPV4);
    tx_req(f, TX_REF0 + 5, 0, 0, 0x42, 3000);
    /* A TCPv6 one in a single slot. */
    tx_req(f, TX_REF0 + 6, 8, NETTXF_EXTRA_INFO, 0x43, 1200);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 1428, NETIF_GSO_TYPE_TCPV6);
    tx_publish(f);
    kick_ok(f);

    assert_int_equal(f->nsent, 2);
    assert_int_equal(f->sent[0].len, 4000);
    expect_sent_from(f, 0, 0, 4, 0, 1000);
    expect_sent_from(f, 0, 1000, 5, 0, 3000);
    expect_offload(&f->sent[0], true, true, 1448, NET_GSO_TCPV4);
    assert_int_equal(f->sent[1].len, 1200);
    expect_sent_from(f, 1, 0, 6, 8, 1200);
    expect_offload(&f->sent[1], false, false, 1428, NET_GSO_TCPV6);
    expect_tx(f, 0x41, NETIF_RSP_OKAY);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_tx(f, 0x42, NETIF_RSP_OKAY);
    expect_tx(f, 0x43, NETIF_RSP_OKAY);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_no_more_tx(f);
    assert_int_equal(f->nb->stats.tx_packets, 2);
}

static void test_tx_chained_extras(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* HASH then GSO, chained by FLAG_MORE; then a multicast-add dummy packet
     * (no frame, answered OKAY + NULL), then an ordinary packet. */
    tx_req(f, TX_REF0 + 7, 0, NETTXF_EXTRA_INFO, 0x51, 500);
    tx_extra(f, NETIF_EXTRA_TYPE_HASH, NETIF_EXTRA_FLAG_MORE, 0xAAAA, 0xBB);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 536, NETIF_GSO_TYPE_TCPV4);
    tx_req(f, TX_REF0 + 7, 0, NETTXF_EXTRA_INFO, 0x52, 0);
    tx_extra(f, NETIF_EXTRA_TYPE_MCAST_ADD, 0, 0x0001, 0x5E);
    tx_simple(f, 8, 0, 0x53, 14);
    tx_publish(f);
    kick_ok(f);

    assert_int_equal(f->nsent, 2);
    assert_int_equal(f->sent[0].len, 500);
    expect_offload(&f->sent[0], false, false, 536, NET_GSO_TCPV4);
    assert_int_equal(f->sent[1].len, 14);
    expect_sent_from(f, 1, 0, 8, 0, 14);
    expect_tx(f, 0x51, NETIF_RSP_OKAY);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_tx(f, 0x52, NETIF_RSP_OKAY);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_tx(f, 0x53, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
}

static void test_tx_ids_are_echoed(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* Windows uses ids up to 0x3FF; anything is echoed. */
    static const uint16_t ids[] = { 0x3FF, 0x100, 0xFFFF, 0, 0x2A5 };
    for (unsigned i = 0; i < 5; i++)
        tx_simple(f, i, 0, ids[i], 20);
    tx_publish(f);
    kick_ok(f);
    assert_int_equal(f->nsent, 5);
    for (unsigned i = 0; i < 5; i++)
        expect_tx(f, ids[i], NETIF_RSP_OKAY);
    expect_no_more_tx(f);
}

static void test_tx_ring_wraps(void **state)
{
    struct fixture *f = *state;
    /* Indices near 2^32, 600 packets: the free-running indices wrap, and
     * slot numbers wrap around the 256 entries twice. */
    connect_at(f, 0xFFFFFF00u);
    unsigned sent = 0;
    for (unsigned batch = 0; batch < 10; batch++) {
        for (unsigned i = 0; i < 60; i++, sent++)
            tx_simple(f, sent % TX_PAGES, (uint16_t)(sent % 100), (uint16_t)sent,
                      (uint16_t)(14 + sent % 50));
        tx_publish(f);
        kick_ok(f);
        for (unsigned i = sent - 60; i < sent; i++)
            expect_tx(f, (int)i, NETIF_RSP_OKAY);
        expect_no_more_tx(f);
    }
    assert_int_equal(f->nsent, 600);
    for (unsigned i = 0; i < 600; i++) {
        assert_int_equal(f->sent[i].len, 14 + i % 50);
        expect_sent_from(f, i, 0, i % TX_PAGES, i % 100, 14 + i % 50);
    }
}

/* ---- TX: hostile frontends, fatal errors ---- */

/* A good packet first (transmitted, answered), then the bad one: the
 * interface is disabled, the good response stays published. */
static void good_packet(struct fixture *f, uint16_t id)
{
    tx_simple(f, 1, 0, id, 42);
}

static void expect_fatal(struct fixture *f, unsigned sent_before)
{
    unsigned notified = f->notified;
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_true(f->nb->disabled);
    assert_non_null(f->nb->fatal);
    assert_int_equal(f->nsent, sent_before + 1);
    assert_int_equal(f->sent[sent_before].len, 42);
    expect_tx(f, 0x77, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    assert_int_equal(f->notified, notified + 1); /* that response was announced */

    /* Nothing more is done, whatever the frontend publishes. */
    uint32_t tx_rsp = ring_hdr(f, true)[2], rx_rsp = ring_hdr(f, false)[2];
    good_packet(f, 0x78);
    tx_publish(f);
    push_frame(f, 100, 1, NULL);
    rx_post(f, 4);
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_int_equal(f->nsent, sent_before + 1);
    assert_int_equal(ring_hdr(f, true)[2], tx_rsp);
    assert_int_equal(ring_hdr(f, false)[2], rx_rsp);
    assert_int_equal(f->notified, notified + 1);
    assert_int_equal(f->q.stats.frames, 1);

    /* Reconnecting clears it. */
    netback_disconnect(f->nb);
    assert_int_equal(f->gt->active_pins, 0);
    assert_false(f->nb->disabled);
    while (frame_queue_discard(&f->q))
        ;
}

static void test_tx_fatal_producer_jump(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    good_packet(f, 0x77);
    tx_publish(f);
    kick_ok(f);
    assert_int_equal(f->nsent, 1);
    /* 257 requests "published": more than the ring holds. */
    ring_hdr(f, true)[0] = f->tx_pvt + 257;
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_true(f->nb->disabled);
    assert_non_null(f->nb->fatal);
    assert_int_equal(f->nsent, 1);
    expect_tx(f, 0x77, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    /* Going backwards is as impossible. */
    netback_disconnect(f->nb);
    connect_fe(f);
    good_packet(f, 0x77);
    tx_publish(f);
    kick_ok(f);
    ring_hdr(f, true)[0] = 0xFFFFFFF0u;
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_int_equal(f->nsent, 2);
}

static void test_tx_fatal_producer_jump_exactly_a_ring(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* 256 published requests is a full ring, not an error. */
    for (unsigned i = 0; i < 256; i++)
        tx_simple(f, i % TX_PAGES, 0, (uint16_t)i, 20);
    tx_publish(f);
    assert_int_equal(kick(f), NETBACK_MORE);
    assert_int_equal(kick(f), NETBACK_MORE);
    assert_int_equal(kick(f), NETBACK_MORE);
    kick_ok(f);
    assert_int_equal(f->nsent, 256);
    assert_false(f->nb->disabled);
}

static void test_tx_fatal_missing_extra(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_EXTRA_INFO, 0x10, 100);
    tx_publish(f);
    expect_fatal(f, 0);
    /* Also when the extra announces another that is not there. */
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_EXTRA_INFO, 0x10, 100);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, NETIF_EXTRA_FLAG_MORE, 1448, NETIF_GSO_TYPE_TCPV4);
    tx_publish(f);
    expect_fatal(f, 1);
}

static void test_tx_fatal_extra_types(void **state)
{
    struct fixture *f = *state;
    static const uint8_t bad[] = { NETIF_EXTRA_TYPE_NONE, NETIF_EXTRA_TYPE_MAX, 6, 0xFF };
    for (unsigned i = 0; i < sizeof bad; i++) {
        connect_fe(f);
        good_packet(f, 0x77);
        tx_req(f, TX_REF0 + 2, 0, NETTXF_EXTRA_INFO, 0x10, 100);
        tx_extra(f, bad[i], 0, 1448, NETIF_GSO_TYPE_TCPV4);
        tx_publish(f);
        expect_fatal(f, i);
    }
}

static void test_tx_fatal_more_slots_than_published(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_MORE_DATA, 0x10, 300);
    tx_req(f, TX_REF0 + 3, 0, NETTXF_MORE_DATA, 0x11, 100);
    tx_publish(f);
    expect_fatal(f, 0);
}

static void put_packet_with_frags(struct fixture *f, unsigned frags, uint16_t id0)
{
    tx_req(f, TX_REF0, 0, NETTXF_MORE_DATA, id0, (uint16_t)(100 + 10 * frags));
    for (unsigned i = 1; i <= frags; i++)
        tx_req(f, TX_REF0 + i % TX_PAGES, 0, i < frags ? NETTXF_MORE_DATA : 0, (uint16_t)(id0 + i), 10);
}

static void test_tx_fatal_more_than_twenty_slots(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    good_packet(f, 0x77);
    put_packet_with_frags(f, 21, 0x100);
    tx_publish(f);
    expect_fatal(f, 0);
}

static void test_tx_fatal_slot_crosses_page(void **state)
{
    struct fixture *f = *state;
    /* A later slot. */
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_MORE_DATA, 0x10, 300);
    tx_req(f, TX_REF0 + 3, 4000, 0, 0x11, 200);
    tx_publish(f);
    expect_fatal(f, 0);
    /* An empty later slot with an offset past the page. */
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_MORE_DATA, 0x10, 300);
    tx_req(f, TX_REF0 + 3, 4097, 0, 0x11, 0);
    tx_publish(f);
    expect_fatal(f, 1);
    /* The first slot, by its real length (300 - 100). */
    connect_fe(f);
    good_packet(f, 0x77);
    tx_req(f, TX_REF0 + 2, 3900, NETTXF_MORE_DATA, 0x10, 300);
    tx_req(f, TX_REF0 + 3, 0, 0, 0x11, 100);
    tx_publish(f);
    expect_fatal(f, 2);
}

static void test_tx_fatal_bad_gso(void **state)
{
    struct fixture *f = *state;
    static const struct {
        uint16_t size;
        uint8_t type;
    } bad[] = {
        { 0, NETIF_GSO_TYPE_TCPV4 },
        { 1448, 3 },
        { 1448, NETIF_GSO_TYPE_NONE },
        { 0, 0xFF },
    };
    for (unsigned i = 0; i < 4; i++) {
        connect_fe(f);
        good_packet(f, 0x77);
        tx_req(f, TX_REF0 + 2, 0, NETTXF_EXTRA_INFO, 0x10, 1000);
        tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, bad[i].size, bad[i].type);
        tx_publish(f);
        expect_fatal(f, i);
    }
}

/* ---- TX: hostile frontends, dropped packets ---- */

/* After the bad packet, a good one in the same batch still goes through. */
static void expect_dropped_then_good(struct fixture *f, const int16_t *status, unsigned n)
{
    tx_simple(f, 9, 9, 0x99, 99);
    tx_publish(f);
    kick_ok(f);
    assert_false(f->nb->disabled);
    for (unsigned i = 0; i < n; i++)
        expect_tx(f, -1, status[i]);
    expect_tx(f, 0x99, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0].len, 99);
    expect_sent_from(f, 0, 0, 9, 9, 99);
    assert_int_equal(f->nb->stats.tx_errors, 1);
    assert_int_equal(f->nb->stats.tx_packets, 1);
}

static void test_tx_drop_too_many_slots(void **state)
{
    struct fixture *f = *state;
    int16_t st[21];
    for (unsigned i = 0; i < 21; i++)
        st[i] = NETIF_RSP_ERROR;
    /* 1 + 19 */
    connect_fe(f);
    put_packet_with_frags(f, 19, 0x100);
    expect_dropped_then_good(f, st, 20);
    /* Each response carries its request's id. */
    for (unsigned i = 0; i < 20; i++) {
        struct netif_tx_response r;
        memcpy(&r, tx_slot(f, i), sizeof r);
        assert_int_equal(r.id, 0x100 + i);
    }
    netback_disconnect(f->nb);
    f->nb->stats.tx_errors = f->nb->stats.tx_packets = 0;
    for (unsigned i = 0; i < f->nsent; i++)
        free(f->sent[i].data);
    f->nsent = 0;
    /* 1 + 20: still only a drop. */
    connect_fe(f);
    put_packet_with_frags(f, 20, 0x200);
    expect_dropped_then_good(f, st, 21);
}

static void test_tx_drop_slot_larger_than_rest(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* What a frontend sending a frame of 64 KiB or more does: first.size wrapped. */
    tx_req(f, TX_REF0 + 1, 0, NETTXF_MORE_DATA, 1, 100);
    tx_req(f, TX_REF0 + 2, 0, NETTXF_MORE_DATA, 2, 60);
    tx_req(f, TX_REF0 + 3, 0, 0, 3, 41);
    static const int16_t st[] = { NETIF_RSP_ERROR, NETIF_RSP_ERROR, NETIF_RSP_ERROR };
    expect_dropped_then_good(f, st, 3);
}

static void test_tx_drop_runt_first_slot(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    tx_simple(f, 1, 0, 1, 13);
    static const int16_t st[] = { NETIF_RSP_ERROR };
    expect_dropped_then_good(f, st, 1);

    /* The first slot's own length, not the packet's, must hold the header. */
    netback_disconnect(f->nb);
    connect_fe(f);
    f->tx_rsp_cons = f->tx_pvt = 0;
    tx_req(f, TX_REF0 + 1, 0, NETTXF_MORE_DATA, 1, 1010);
    tx_req(f, TX_REF0 + 2, 0, 0, 2, 1000);
    tx_simple(f, 9, 9, 0x99, 99);
    tx_publish(f);
    kick_ok(f);
    expect_tx(f, 1, NETIF_RSP_ERROR);
    expect_tx(f, 2, NETIF_RSP_ERROR);
    expect_tx(f, 0x99, NETIF_RSP_OKAY);
    assert_int_equal(f->nsent, 2);
    assert_int_equal(f->sent[1].len, 99);
    assert_int_equal(f->nb->stats.tx_errors, 2);
}

static void test_tx_drop_bad_grants(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    grant(f, 700, 20, true);
    gentry(f, 700)->domid = 5; /* granted to another domain */
    grant(f, 701, 20, false);
    gentry(f, 701)->flags = GTF_invalid; /* revoked */
    grant(f, 702, 100000, true);         /* not guest RAM */
    grant(f, 3, 20, true);               /* a reserved ref */
    static const uint32_t refs[] = { 700, 701, 702, 3, 2048, 0xFFFFFFFFu, RX_REF0 + 1 };
    unsigned n = sizeof refs / sizeof refs[0];
    for (unsigned i = 0; i < n; i++) {
        /* In the first slot. */
        tx_req(f, refs[i], 0, 0, (uint16_t)(0x10 + i), 60);
        /* In a later slot, with a GSO extra in between. */
        tx_req(f, TX_REF0 + 1, 0, NETTXF_MORE_DATA | NETTXF_EXTRA_INFO, (uint16_t)(0x20 + i), 200);
        tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 1448, NETIF_GSO_TYPE_TCPV4);
        tx_req(f, refs[i], 0, 0, (uint16_t)(0x30 + i), 100);
    }
    tx_simple(f, 9, 9, 0x99, 99);
    tx_publish(f);
    kick_ok(f);
    /* RX_REF0 + 1 is a writable grant of guest RAM: reading it is fine. */
    for (unsigned i = 0; i < n; i++) {
        int16_t st = i == n - 1 ? NETIF_RSP_OKAY : NETIF_RSP_ERROR;
        expect_tx(f, (int)(0x10 + i), st);
        expect_tx(f, (int)(0x20 + i), st);
        expect_tx(f, -1, NETIF_RSP_NULL);
        expect_tx(f, (int)(0x30 + i), st);
    }
    expect_tx(f, 0x99, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    assert_int_equal(f->nsent, 3);
    assert_int_equal(f->sent[0].len, 60);
    assert_int_equal(f->sent[1].len, 200);
    assert_int_equal(f->sent[2].len, 99);
    assert_int_equal(f->nb->stats.tx_errors, 2 * (n - 1));
    /* The refused entries are as the guest left them. */
    assert_int_equal(gentry(f, 700)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(gentry(f, 702)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(gentry(f, 3)->flags, GTF_permit_access | GTF_readonly);
}

static void test_tx_dropped_gso_answers_extras_null(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    /* A runt with a (bad) GSO extra: dropped before the GSO is looked at. */
    tx_req(f, TX_REF0 + 1, 0, NETTXF_EXTRA_INFO, 0x10, 10);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 0, 3);
    static const int16_t st[] = { NETIF_RSP_ERROR, NETIF_RSP_NULL };
    expect_dropped_then_good(f, st, 2);
}

/* ---- TX: copy once ---- */

/* A fault hook: the page at fault_page is made inaccessible; the backend's
 * first touch of it (a grant copy) runs fault_hook, then goes on. */
static struct fixture *fault_f;
static uint8_t *fault_page;
static void (*fault_hook)(struct fixture *f);
static unsigned fault_hits;
static uint32_t fault_pins; /* pins held when the hook ran: the rings' and the one copied from */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    uint8_t *a = si->si_addr;
    if (!fault_page || a < fault_page || a >= fault_page + PG) {
        signal(sig, SIG_DFL);
        return; /* a real crash: happens again, now fatal */
    }
    mprotect(fault_page, PG, PROT_READ | PROT_WRITE);
    fault_page = NULL;
    fault_hits++;
    fault_pins = fault_f->gt->active_pins;
    fault_hook(fault_f);
}

static void arm_fault(struct fixture *f, uint32_t gfn, void (*hook)(struct fixture *f))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGSEGV, &sa, NULL), 0);
    fault_f = f;
    fault_hook = hook;
    fault_hits = 0;
    fault_page = gfn_host(f, gfn);
    assert_int_equal(mprotect(fault_page, PG, PROT_NONE), 0);
}

static void disarm_fault(void)
{
    if (fault_page)
        mprotect(fault_page, PG, PROT_READ | PROT_WRITE);
    fault_page = NULL;
    signal(SIGSEGV, SIG_DFL);
}

/* While the first slot is copied, the guest rewrites every slot of the packet. */
static void rewrite_tx_packet(struct fixture *f)
{
    for (uint32_t i = 0; i < 4; i++) {
        struct netif_tx_request r = { .gref = i == 2 ? 3 : TX_REF0 + 30,
                                      .offset = 4000,
                                      .flags = NETTXF_MORE_DATA | NETTXF_EXTRA_INFO,
                                      .id = 0xDEAD,
                                      .size = 0xFFFF };
        memcpy(tx_slot(f, i), &r, sizeof r);
    }
}

static void test_tx_requests_copied_once(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    tx_req(f, TX_REF0 + 10, 0, NETTXF_MORE_DATA | NETTXF_EXTRA_INFO, 1, 600);
    tx_extra(f, NETIF_EXTRA_TYPE_GSO, 0, 1000, NETIF_GSO_TYPE_TCPV4);
    tx_req(f, TX_REF0 + 11, 100, NETTXF_MORE_DATA, 2, 200);
    tx_req(f, TX_REF0 + 12, 200, 0, 3, 300);
    tx_publish(f);
    arm_fault(f, 10, rewrite_tx_packet);
    int rc = netback_kick(f->nb);
    disarm_fault();
    assert_int_equal(rc, NETBACK_OK);
    assert_int_equal(fault_hits, 1);
    assert_int_equal(fault_pins, 3);
    assert_int_equal(f->gt->active_pins, 2);

    /* What was read before the copy is what was done. */
    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0].len, 600);
    expect_sent_from(f, 0, 0, 10, 0, 100);
    expect_sent_from(f, 0, 100, 11, 100, 200);
    expect_sent_from(f, 0, 300, 12, 200, 300);
    expect_offload(&f->sent[0], false, false, 1000, NET_GSO_TCPV4);
    expect_tx(f, 1, NETIF_RSP_OKAY);
    expect_tx(f, -1, NETIF_RSP_NULL);
    expect_tx(f, 2, NETIF_RSP_OKAY);
    expect_tx(f, 3, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
}

/* ---- RX ---- */

static void test_rx_single_slot(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 100, 1, NULL);
    rx_post(f, 4);
    kick_ok(f);
    expect_rx(f, 0, 100);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 100, 1);
    assert_int_equal(rx_page(f, 0)[100], 0xEE);
    assert_int_equal(rx_page(f, 1)[0], 0xEE);
    assert_int_equal(f->nb->rx.req_cons, 1);
    assert_int_equal(f->nb->stats.rx_packets, 1);
    assert_int_equal(f->nb->stats.rx_bytes, 100);
    assert_int_equal(f->nb->stats.rx_errors, 0);
    assert_int_equal(f->notified, 1);
    assert_int_equal(gentry(f, RX_REF0)->flags, GTF_permit_access);
    assert_int_equal(f->q.stats.frames, 0);
}

static void test_rx_multi_slot_and_flags(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    struct net_offload partial = { .csum_partial = true, .data_validated = true };
    struct net_offload valid = { .data_validated = true };
    push_frame(f, 9000, 2, &partial);
    push_frame(f, 4096, 3, &valid);
    push_frame(f, 4097, 4, NULL);
    rx_post(f, 8);
    kick_ok(f);
    expect_rx(f, NETRXF_MORE_DATA | NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED, 4096);
    expect_rx(f, NETRXF_MORE_DATA, 4096);
    expect_rx(f, 0, 808);
    expect_rx(f, NETRXF_DATA_VALIDATED, 4096);
    expect_rx(f, NETRXF_MORE_DATA, 4096);
    expect_rx(f, 0, 1);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 4096, 2);
    expect_frame_at(rx_page(f, 1), 4096, 4096, 2);
    expect_frame_at(rx_page(f, 2), 8192, 808, 2);
    assert_int_equal(rx_page(f, 2)[808], 0xEE);
    expect_frame_at(rx_page(f, 3), 0, 4096, 3);
    expect_frame_at(rx_page(f, 5), 4096, 1, 4);
    assert_int_equal(f->nb->stats.rx_packets, 3);
    assert_int_equal(f->nb->stats.rx_bytes, 9000 + 4096 + 4097);
    assert_int_equal(f->notified, 1);
}

static void test_rx_gso(void **state)
{
    struct fixture *f = *state;
    f->fe.gso_tcpv6 = false;
    connect_fe(f);
    struct net_offload gso4 = {
        .csum_partial = true, .data_validated = true, .gso_size = 1448, .gso_type = NET_GSO_TCPV4
    };
    struct net_offload gso6 = {
        .csum_partial = true, .data_validated = true, .gso_size = 1428, .gso_type = NET_GSO_TCPV6
    };
    push_frame(f, 6000, 5, &gso4);
    push_frame(f, 3000, 6, &gso6); /* the frontend did not ask for TCPv6 GSO */
    push_frame(f, 200, 7, &gso4);
    push_frame(f, 60, 8, NULL);
    rx_post(f, 16);
    kick_ok(f);

    expect_rx(f, NETRXF_EXTRA_INFO | NETRXF_MORE_DATA | NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED,
              4096);
    struct netif_rx_response raw = rx_get(f);
    struct netif_extra_info ex;
    memcpy(&ex, &raw, sizeof ex);
    assert_int_equal(ex.type, NETIF_EXTRA_TYPE_GSO);
    assert_int_equal(ex.flags, 0);
    assert_int_equal(ex.u.gso.size, 1448);
    assert_int_equal(ex.u.gso.type, NETIF_GSO_TYPE_TCPV4);
    assert_int_equal(ex.u.gso.features, 0);
    expect_rx(f, 0, 6000 - 4096);
    /* The second frame was dropped; the small GSO frame takes two slots. */
    expect_rx(f, NETRXF_EXTRA_INFO | NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED, 200);
    rx_get(f);
    expect_rx(f, 0, 60);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 4096, 5);
    assert_int_equal(rx_page(f, 1)[0], 0xEE); /* the extra's buffer is not written */
    expect_frame_at(rx_page(f, 2), 4096, 6000 - 4096, 5);
    expect_frame_at(rx_page(f, 3), 0, 200, 7);
    expect_frame_at(rx_page(f, 5), 0, 60, 8);
    assert_int_equal(f->nb->stats.rx_errors, 1);
    assert_int_equal(f->nb->stats.rx_packets, 3);
    assert_int_equal(f->q.stats.frames, 0);
}

static void test_rx_gso_to_frontend_without_it(void **state)
{
    struct fixture *f = *state;
    f->fe.gso_tcpv4 = f->fe.gso_tcpv6 = false;
    connect_fe(f);
    struct net_offload gso4 = { .gso_size = 1448, .gso_type = NET_GSO_TCPV4 };
    push_frame(f, 3000, 5, &gso4);
    push_frame(f, 80, 9, NULL);
    rx_post(f, 4);
    kick_ok(f);
    expect_rx(f, 0, 80);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 80, 9);
    assert_int_equal(f->nb->stats.rx_errors, 1);
    assert_int_equal(f->nb->stats.rx_packets, 1);
}

static void test_rx_waits_for_buffers(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 9000, 10, NULL); /* needs 3 */
    push_frame(f, 50, 11, NULL);
    kick_ok(f);
    expect_no_more_rx(f);
    assert_int_equal(ring_hdr(f, false)[1], 1); /* req_prod 0 + 1 */
    rx_post(f, 2);
    unsigned notified = f->notified;
    kick_ok(f);
    expect_no_more_rx(f);
    assert_int_equal(f->notified, notified);
    assert_int_equal(f->q.stats.frames, 2);     /* still queued, in order */
    assert_int_equal(ring_hdr(f, false)[1], 3); /* req_prod 2 + 1 */
    assert_int_equal(f->nb->rx.req_cons, 0);

    rx_post(f, 1);
    kick_ok(f);
    /* 3 used by the first frame; the second waits for a fourth buffer. */
    expect_rx(f, NETRXF_MORE_DATA, 4096);
    expect_rx(f, NETRXF_MORE_DATA, 4096);
    expect_rx(f, 0, 808);
    expect_no_more_rx(f);
    assert_int_equal(ring_hdr(f, false)[1], 4);
    rx_post(f, 1);
    kick_ok(f);
    expect_rx(f, 0, 50);
    expect_frame_at(rx_page(f, 3), 0, 50, 11);
    assert_int_equal(f->q.stats.frames, 0);
    assert_int_equal(f->nb->stats.rx_packets, 2);
}

static void test_rx_bad_grants(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    grant(f, 700, RX_GFN0 + 100, true); /* read-only */
    grant(f, 701, RX_GFN0 + 101, false);
    gentry(f, 701)->domid = 3;
    push_frame(f, 5000, 12, NULL); /* second slot read-only */
    push_frame(f, 70, 13, NULL);   /* unknown ref */
    push_frame(f, 70, 14, NULL);   /* another domain's */
    push_frame(f, 70, 15, NULL);   /* a reserved ref */
    push_frame(f, 70, 16, NULL);   /* good */
    rx_post_ref(f, RX_REF0 + 0);
    rx_post_ref(f, 700);
    rx_post_ref(f, 5000);
    rx_post_ref(f, 701);
    rx_post_ref(f, 1);
    rx_post_ref(f, RX_REF0 + 5);
    ring_hdr(f, false)[0] = f->rx_pvt;
    kick_ok(f);
    expect_rx(f, NETRXF_MORE_DATA, 4096);
    expect_rx(f, 0, NETIF_RSP_ERROR);
    expect_rx(f, 0, NETIF_RSP_ERROR);
    expect_rx(f, 0, NETIF_RSP_ERROR);
    expect_rx(f, 0, NETIF_RSP_ERROR);
    expect_rx(f, 0, 70);
    expect_no_more_rx(f);
    assert_int_equal(gfn_host(f, RX_GFN0 + 100)[0], 0xEE);
    assert_int_equal(gfn_host(f, RX_GFN0 + 101)[0], 0xEE);
    expect_frame_at(rx_page(f, 5), 0, 70, 16);
    assert_int_equal(f->nb->stats.rx_errors, 4);
    assert_int_equal(f->nb->stats.rx_packets, 1);
    assert_int_equal(gentry(f, 700)->flags, GTF_permit_access | GTF_readonly);
}

static void test_rx_large_frame_without_sg(void **state)
{
    struct fixture *f = *state;
    f->fe.sg = false;
    connect_fe(f);
    push_frame(f, 4097, 20, NULL);
    push_frame(f, 4096, 21, NULL);
    rx_post(f, 4);
    kick_ok(f);
    expect_rx(f, 0, 4096);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 4096, 21);
    assert_int_equal(f->nb->stats.rx_errors, 1);
    assert_int_equal(f->nb->stats.rx_packets, 1);
}

/* While the first slot is copied in, the guest rewrites that request. */
static void rewrite_rx_request(struct fixture *f)
{
    struct netif_rx_request r = { .id = 0xBEEF, .gref = RX_REF0 + 50 };
    memcpy(rx_slot(f, 0), &r, sizeof r);
}

static void test_rx_request_copied_once(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 300, 22, NULL);
    rx_post(f, 2);
    arm_fault(f, RX_GFN0 + 0, rewrite_rx_request);
    int rc = netback_kick(f->nb);
    disarm_fault();
    assert_int_equal(rc, NETBACK_OK);
    assert_int_equal(fault_hits, 1);
    assert_int_equal(fault_pins, 3);
    expect_rx(f, 0, 300);
    expect_frame_at(rx_page(f, 0), 0, 300, 22);
    assert_int_equal(rx_page(f, 50)[0], 0xEE);
}

static void test_rx_fatal_producer_jump(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 100, 23, NULL);
    push_frame(f, 100, 24, NULL);
    rx_post(f, 1);
    kick_ok(f);
    expect_rx(f, 0, 100);
    ring_hdr(f, false)[0] = f->rx_pvt + 300;
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_true(f->nb->disabled);
    assert_non_null(f->nb->fatal);
    expect_no_more_rx(f);
}

/* The guest runs mid-kick in the transmit hook: it breaks the RX producer
 * after the TX response was written. */
static void jump_rx_producer(struct fixture *f)
{
    ring_hdr(f, false)[0] = f->rx_pvt + 300;
}

static void test_rx_fatal_after_tx_in_same_kick(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 100, 25, NULL);
    rx_post(f, 1);
    f->on_transmit = jump_rx_producer;
    tx_simple(f, 1, 0, 1, 20);
    tx_publish(f);
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    f->on_transmit = NULL;
    assert_true(f->nb->disabled);
    /* TX's response is published and announced; RX delivered nothing. */
    expect_tx(f, 1, NETIF_RSP_OKAY);
    expect_no_more_tx(f);
    expect_no_more_rx(f);
    assert_int_equal(f->notified, 1);
    assert_int_equal(f->nb->stats.rx_packets, 0);
    assert_int_equal(f->q.stats.frames, 1);
}

/* While frame 1 is copied in, the guest makes RX req_prod impossible. */
static void break_rx_producer(struct fixture *f)
{
    ring_hdr(f, false)[0] = f->rx_pvt + 300;
}

static void test_rx_delivered_then_fatal_is_published(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    push_frame(f, 100, 27, NULL);
    push_frame(f, 100, 28, NULL);
    rx_post(f, 1);
    arm_fault(f, RX_GFN0 + 0, break_rx_producer);
    int rc = netback_kick(f->nb);
    disarm_fault();
    assert_int_equal(rc, NETBACK_EBROKEN);
    assert_int_equal(fault_hits, 1);
    assert_int_equal(f->gt->active_pins, 2);
    assert_true(f->nb->disabled);
    /* Frame 1 was delivered and counted: its response is published and
     * announced, as TX publishes what it answered before a fatal error. */
    assert_int_equal(f->nb->stats.rx_packets, 1);
    expect_rx(f, 0, 100);
    expect_no_more_rx(f);
    expect_frame_at(rx_page(f, 0), 0, 100, 27);
    assert_int_equal(f->notified, 1);
}

/* ---- Notifications and budget ---- */

static void test_one_notification_per_kick(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    for (unsigned i = 0; i < 3; i++)
        tx_simple(f, i, 0, (uint16_t)i, 30);
    tx_publish(f);
    push_frame(f, 100, 30, NULL);
    push_frame(f, 100, 31, NULL);
    rx_post(f, 4);
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    assert_int_equal(f->nsent, 3);
    assert_int_equal(ring_hdr(f, true)[2], 3);
    assert_int_equal(ring_hdr(f, false)[2], 2);
    /* Nothing new: no notification. */
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    assert_int_equal(f->nb->stats.notifications, 1);
}

static void test_no_notification_when_not_asked(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    ring_hdr(f, true)[3] = 1000;
    ring_hdr(f, false)[3] = 1000;
    tx_simple(f, 0, 0, 1, 30);
    tx_publish(f);
    push_frame(f, 100, 32, NULL);
    rx_post(f, 1);
    kick_ok(f);
    assert_int_equal(f->notified, 0);
    /* Published all the same. */
    expect_tx(f, 1, NETIF_RSP_OKAY);
    expect_rx(f, 0, 100);
    /* Only RX asks: one notification. */
    ring_hdr(f, false)[3] = 2;
    push_frame(f, 100, 33, NULL);
    rx_post(f, 1);
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    /* Only TX asks, for its next response. */
    ring_hdr(f, true)[3] = 2;
    ring_hdr(f, false)[3] = 1000;
    tx_simple(f, 0, 0, 2, 30);
    tx_publish(f);
    push_frame(f, 100, 34, NULL);
    rx_post(f, 1);
    kick_ok(f);
    assert_int_equal(f->notified, 2);
    /* rsp_event behind what is published: the frontend already has it. */
    ring_hdr(f, true)[3] = 1;
    tx_simple(f, 0, 0, 3, 30);
    tx_publish(f);
    kick_ok(f);
    assert_int_equal(f->notified, 2);
}

static void test_kick_budget(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    unsigned n = NETBACK_KICK_BUDGET + 6;
    for (unsigned i = 0; i < n; i++)
        tx_simple(f, i % TX_PAGES, 0, (uint16_t)i, 20);
    tx_publish(f);
    for (unsigned i = 0; i < n; i++)
        push_frame(f, 60, 100 + i, NULL);
    rx_post(f, 200);
    assert_int_equal(kick(f), NETBACK_MORE);
    assert_int_equal(f->nsent, NETBACK_KICK_BUDGET);
    assert_int_equal(ring_hdr(f, true)[2], NETBACK_KICK_BUDGET);
    assert_int_equal(ring_hdr(f, false)[2], NETBACK_KICK_BUDGET);
    assert_int_equal(f->notified, 1);
    /* netfront re-arms (RING_FINAL_CHECK_FOR_RESPONSES) once it has read them. */
    ring_hdr(f, true)[3] = NETBACK_KICK_BUDGET + 1;
    ring_hdr(f, false)[3] = NETBACK_KICK_BUDGET + 1;
    kick_ok(f);
    assert_int_equal(f->nsent, n);
    assert_int_equal(ring_hdr(f, true)[2], n);
    assert_int_equal(ring_hdr(f, false)[2], n);
    for (unsigned i = 0; i < n; i++)
        expect_tx(f, (int)i, NETIF_RSP_OKAY);
    for (unsigned i = 0; i < n; i++) {
        expect_rx(f, 0, 60);
        expect_frame_at(rx_page(f, i), 0, 60, 100 + i);
    }
    assert_int_equal(f->notified, 2);

    /* Exactly a budget's worth is not "more". */
    for (unsigned i = 0; i < NETBACK_KICK_BUDGET; i++)
        tx_simple(f, 0, 0, (uint16_t)i, 20);
    tx_publish(f);
    kick_ok(f);
}

static void test_rx_budget_counts_drops(void **state)
{
    struct fixture *f = *state;
    f->fe.sg = false;
    connect_fe(f);
    /* A queue full of frames that cannot be taken: one budget at a time. */
    for (unsigned i = 0; i < NETBACK_KICK_BUDGET + 2; i++)
        push_frame(f, 5000, i, NULL);
    assert_int_equal(kick(f), NETBACK_MORE);
    assert_int_equal(f->nb->stats.rx_errors, NETBACK_KICK_BUDGET);
    kick_ok(f);
    assert_int_equal(f->nb->stats.rx_errors, NETBACK_KICK_BUDGET + 2);
    assert_int_equal(f->notified, 0);
}

/* ---- Connect and disconnect ---- */

static void test_connect_bad_ring_grants(void **state)
{
    struct fixture *f = *state;
    front_init_at(f, 0);
    grant(f, 600, TX_RING_GFN, true); /* read-only */
    static const uint32_t bad[] = { 600, 2000, 3, 0, 650 };
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(netback_connect(f->nb, f->gt, bad[i], RX_RING_REF, &f->fe), NETBACK_EGRANT);
        assert_int_equal(f->gt->active_pins, 0);
        assert_int_equal(netback_connect(f->nb, f->gt, TX_RING_REF, bad[i], &f->fe), NETBACK_EGRANT);
        assert_int_equal(f->gt->active_pins, 0);
        assert_false(f->nb->connected);
    }
    assert_int_equal(gentry(f, TX_RING_REF)->flags, GTF_permit_access);
    assert_int_equal(gentry(f, RX_RING_REF)->flags, GTF_permit_access);
    assert_int_equal(netback_kick(f->nb), NETBACK_ENOTCONN);
    /* Then a good connect, twice. */
    connect_fe(f);
    assert_int_equal(netback_connect(f->nb, f->gt, TX_RING_REF, RX_RING_REF, &f->fe), NETBACK_EINVAL);
    assert_int_equal(f->gt->active_pins, 2);
    assert_int_equal(gentry(f, TX_RING_REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    netback_disconnect(f->nb);
    netback_disconnect(f->nb);
    assert_int_equal(f->gt->active_pins, 0);
    assert_int_equal(gentry(f, TX_RING_REF)->flags, GTF_permit_access);
    assert_int_equal(netback_kick(f->nb), NETBACK_ENOTCONN);
}

static void test_connect_broken_indices(void **state)
{
    struct fixture *f = *state;
    for (int tx = 0; tx < 2; tx++) {
        front_init_at(f, 0);
        ring_hdr(f, tx)[0] = 257;
        assert_int_equal(netback_connect(f->nb, f->gt, TX_RING_REF, RX_RING_REF, &f->fe),
                         NETBACK_EBROKEN);
        assert_int_equal(f->gt->active_pins, 0);
        assert_false(f->nb->connected);
    }
    /* 256 requests already published is fine, and they are served. */
    front_init_at(f, 0);
    for (unsigned i = 0; i < 256; i++)
        tx_simple(f, 0, 0, (uint16_t)i, 20);
    tx_publish(f);
    assert_int_equal(netback_connect(f->nb, f->gt, TX_RING_REF, RX_RING_REF, &f->fe), NETBACK_OK);
    while (kick(f) == NETBACK_MORE)
        ;
    assert_int_equal(f->nsent, 256);
}

static void test_connect_resumes_at_rsp_prod(void **state)
{
    struct fixture *f = *state;
    connect_at(f, 5000);
    assert_int_equal(f->nb->tx.req_cons, 5000);
    assert_int_equal(f->nb->rx.req_cons, 5000);
    tx_simple(f, 2, 0, 9, 30);
    tx_publish(f);
    push_frame(f, 40, 40, NULL);
    rx_post(f, 1);
    kick_ok(f);
    expect_tx(f, 9, NETIF_RSP_OKAY);
    expect_rx(f, 0, 40);
    expect_frame_at(rx_page(f, 5000), 0, 40, 40);
}

static void test_reconnect_after_fatal(void **state)
{
    struct fixture *f = *state;
    connect_fe(f);
    ring_hdr(f, true)[0] = 999;
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    assert_true(f->nb->disabled);
    assert_int_equal(kick(f), NETBACK_EBROKEN);
    netback_disconnect(f->nb);
    assert_int_equal(f->gt->active_pins, 0);
    connect_fe(f);
    assert_false(f->nb->disabled);
    assert_null(f->nb->fatal);
    tx_simple(f, 4, 4, 4, 44);
    tx_publish(f);
    push_frame(f, 44, 44, NULL);
    rx_post(f, 1);
    kick_ok(f);
    assert_int_equal(f->nsent, 1);
    expect_sent_from(f, 0, 0, 4, 4, 44);
    expect_tx(f, 4, NETIF_RSP_OKAY);
    expect_rx(f, 0, 44);
}

/* UBSan findings (e.g. a bool loaded from uninitialised memory) fail the
 * run instead of scrolling by. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tx_single_slot),
        T(test_tx_multi_slot),
        T(test_tx_eighteen_frags_and_zero_size_slots),
        T(test_tx_checksum_flags),
        T(test_tx_gso_extra),
        T(test_tx_chained_extras),
        T(test_tx_ids_are_echoed),
        T(test_tx_ring_wraps),
        T(test_tx_fatal_producer_jump),
        T(test_tx_fatal_producer_jump_exactly_a_ring),
        T(test_tx_fatal_missing_extra),
        T(test_tx_fatal_extra_types),
        T(test_tx_fatal_more_slots_than_published),
        T(test_tx_fatal_more_than_twenty_slots),
        T(test_tx_fatal_slot_crosses_page),
        T(test_tx_fatal_bad_gso),
        T(test_tx_drop_too_many_slots),
        T(test_tx_drop_slot_larger_than_rest),
        T(test_tx_drop_runt_first_slot),
        T(test_tx_drop_bad_grants),
        T(test_tx_dropped_gso_answers_extras_null),
        T(test_tx_requests_copied_once),
        T(test_rx_single_slot),
        T(test_rx_multi_slot_and_flags),
        T(test_rx_gso),
        T(test_rx_gso_to_frontend_without_it),
        T(test_rx_waits_for_buffers),
        T(test_rx_bad_grants),
        T(test_rx_large_frame_without_sg),
        T(test_rx_request_copied_once),
        T(test_rx_fatal_producer_jump),
        T(test_rx_fatal_after_tx_in_same_kick),
        T(test_rx_delivered_then_fatal_is_published),
        T(test_one_notification_per_kick),
        T(test_no_notification_when_not_asked),
        T(test_kick_budget),
        T(test_rx_budget_counts_drops),
        T(test_connect_bad_ring_grants),
        T(test_connect_broken_indices),
        T(test_connect_resumes_at_rsp_prod),
        T(test_reconnect_after_fatal),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
