/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for net/vswitch.c: bridges by name, flooding, learning, ageing, moves, the FDB bound, drops, detach, and per-port offload adaptation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/csum.h"
#include "net/ether.h"
#include "net/gso.h"
#include "net/vswitch.h"
#include "tests/unit/net_frames.h"

#define LOG_MAX 64u

/* A port whose deliver logs copies of what it gets. */
struct tport {
    struct net_port port;
    unsigned n;     /* frames taken */
    unsigned calls; /* deliver calls, refused ones included */
    uint8_t *frame[LOG_MAX];
    size_t len[LOG_MAX];
    struct net_offload off[LOG_MAX];
    int refuse_after; /* refuse once n reaches this; -1: never */
    unsigned bad;     /* frames of impossible length delivered */
};

static uint64_t now;
static struct tport A, B, C, U, U2; /* A, B, C: locked vifs; U, U2: unlocked uplinks */
static struct vswitch_bridge *br;
static uint8_t frame[NET_FRAME_MAX + 2], sent[NET_FRAME_MAX + 2];

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 0xA }, MAC_B[6] = { 2, 0, 0, 0, 0, 0xB },
                     MAC_C[6] = { 2, 0, 0, 0, 0, 0xC }, MAC_X[6] = { 2, 0, 0, 0, 0, 0x77 },
                     MAC_Y[6] = { 2, 0, 0, 0, 0, 0x78 }, MAC_UNKNOWN[6] = { 2, 0, 0, 0, 0, 0x99 },
                     BCAST[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF },
                     MCAST[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 };

static uint64_t fake_clock(void *ctx)
{
    if (ctx != &now)
        abort(); /* (under the bridge lock: no cmocka assert) */
    return now;
}

static bool tdeliver(void *ctx, const uint8_t *f, size_t len, const struct net_offload *off)
{
    struct tport *t = ctx;
    t->calls++;
    if (t->refuse_after >= 0 && t->n >= (unsigned)t->refuse_after)
        return false;
    /* No cmocka assert here: failing one would jump out with the bridge's
     * lock held. Frames past LOG_MAX are counted, not kept. */
    if (len < NET_ETH_HLEN || len > NET_FRAME_MAX)
        t->bad++;
    if (t->n >= LOG_MAX || t->bad) {
        t->n++;
        return true;
    }
    t->frame[t->n] = malloc(len);
    if (!t->frame[t->n])
        abort();
    memcpy(t->frame[t->n], f, len);
    t->len[t->n] = len;
    t->off[t->n] = *off;
    t->n++;
    return true;
}

static const struct net_port_ops tops = { .deliver = tdeliver };

static void tport_init(struct tport *t, const char *name, const uint8_t *mac, bool locked)
{
    memset(t, 0, sizeof *t);
    snprintf(t->port.name, sizeof t->port.name, "%s", name);
    if (mac)
        memcpy(t->port.mac, mac, 6);
    t->port.mac_locked = locked;
    t->port.ops = &tops;
    t->port.ctx = t;
    t->refuse_after = -1;
}

static void tport_clear(struct tport *t)
{
    for (unsigned i = 0; i < t->n && i < LOG_MAX; i++)
        free(t->frame[i]);
    memset(t->frame, 0, sizeof t->frame);
    t->n = t->calls = 0;
}

static void clear_all(void)
{
    assert_int_equal(A.bad + B.bad + C.bad + U.bad + U2.bad, 0);
    tport_clear(&A), tport_clear(&B), tport_clear(&C), tport_clear(&U), tport_clear(&U2);
}

static int setup(void **state)
{
    (void)state;
    now = 1000;
    vswitch_init(fake_clock, &now);
    br = vswitch_bridge_create("xenbr0");
    assert_non_null(br);
    tport_init(&A, "vif1.0", MAC_A, true);
    tport_init(&B, "vif2.0", MAC_B, true);
    tport_init(&C, "vif3.0", MAC_C, true);
    tport_init(&U, "uplink", NULL, false);
    tport_init(&U2, "uplink2", NULL, false);
    assert_int_equal(vswitch_attach(br, &A.port), 0);
    assert_int_equal(vswitch_attach(br, &B.port), 0);
    assert_int_equal(vswitch_attach(br, &C.port), 0);
    assert_int_equal(vswitch_attach(br, &U.port), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vswitch_detach(&A.port), vswitch_detach(&B.port), vswitch_detach(&C.port);
    vswitch_detach(&U.port), vswitch_detach(&U2.port);
    clear_all();
    return 0;
}

/* A 64-byte frame dst <- src with a recognisable payload. */
static size_t eth(const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    frame[12] = 0x88, frame[13] = 0xB5; /* local experimental EtherType */
    memset(frame + 14, tag, 50);
    return 64;
}

static void send(struct tport *from, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
    size_t len = eth(dst, src, tag);
    vswitch_send(&from->port, frame, len, NULL);
}

static struct net_port_stats stats(const struct tport *t)
{
    struct net_port_stats s;
    vswitch_port_stats(&t->port, &s);
    return s;
}

/* Who got the last send: counts per port, cleared after. */
static void expect(unsigned a, unsigned b, unsigned c, unsigned u)
{
    assert_int_equal(A.n, a);
    assert_int_equal(B.n, b);
    assert_int_equal(C.n, c);
    assert_int_equal(U.n, u);
    clear_all();
}

static void test_bridge_names(void **state)
{
    (void)state;
    assert_ptr_equal(vswitch_bridge_create("xenbr0"), br);
    assert_ptr_equal(vswitch_bridge_find("xenbr0"), br);
    assert_string_equal(vswitch_bridge_name(br), "xenbr0");
    assert_null(vswitch_bridge_find("xenbr1"));
    assert_null(vswitch_bridge_find(NULL));
    assert_null(vswitch_bridge_create(NULL));
    assert_null(vswitch_bridge_create(""));
    assert_null(vswitch_bridge_create("a/b"));
    assert_null(vswitch_bridge_create("with space"));
    assert_null(vswitch_bridge_create("br\n"));
    assert_null(vswitch_bridge_create("0123456789abcdef")); /* 16 */
    struct vswitch_bridge *long15 = vswitch_bridge_create("A-z_0.9-abcdefg");
    assert_non_null(long15);
    assert_string_equal(vswitch_bridge_name(long15), "A-z_0.9-abcdefg");
    char name[8];
    for (unsigned i = 2; i < VSWITCH_BRIDGES_MAX; i++) {
        snprintf(name, sizeof name, "br%u", i);
        assert_non_null(vswitch_bridge_create(name));
    }
    assert_null(vswitch_bridge_create("one-too-many"));
    assert_ptr_equal(vswitch_bridge_create("xenbr0"), br); /* full, but it exists */
    assert_ptr_equal(vswitch_bridge_find("br5"), vswitch_bridge_create("br5"));
    assert_ptr_not_equal(vswitch_bridge_find("br5"), br);
}

static void test_flood(void **state)
{
    (void)state;
    send(&A, MAC_UNKNOWN, MAC_A, 1);
    assert_memory_equal(B.frame[0], frame, 64);
    expect(0, 1, 1, 1);
    send(&B, BCAST, MAC_B, 2);
    expect(1, 0, 1, 1);
    send(&C, MCAST, MAC_C, 3);
    expect(1, 1, 0, 1);
    send(&U, BCAST, MAC_X, 4);
    expect(1, 1, 1, 0);

    struct net_port_stats s = stats(&A);
    assert_int_equal(s.rx_frames, 1);
    assert_int_equal(s.rx_bytes, 64);
    assert_int_equal(s.tx_frames, 3);
    assert_int_equal(s.tx_bytes, 3 * 64);
    assert_int_equal(s.spoofed + s.invalid + s.tx_dropped, 0);
}

static void test_learn_and_unicast(void **state)
{
    (void)state;
    send(&A, MAC_B, MAC_A, 1); /* a vif's MAC is known from attach */
    expect(0, 1, 0, 0);
    send(&A, MAC_X, MAC_A, 2); /* X unknown: flood */
    expect(0, 1, 1, 1);
    send(&U, MAC_A, MAC_X, 3); /* X learnt on the uplink */
    expect(1, 0, 0, 0);
    send(&B, MAC_X, MAC_B, 4);
    expect(0, 0, 0, 1);
    /* Never back out of the ingress port. */
    send(&U, MAC_X, MAC_Y, 5);
    expect(0, 0, 0, 0);
    send(&A, MAC_A, MAC_A, 6);
    expect(0, 0, 0, 0);
    assert_int_equal(stats(&U).rx_frames, 2);
}

static void test_move(void **state)
{
    (void)state;
    assert_int_equal(vswitch_attach(br, &U2.port), 0);
    send(&U, BCAST, MAC_X, 1);
    clear_all();
    send(&A, MAC_X, MAC_A, 2);
    assert_int_equal(U2.n, 0);
    expect(0, 0, 0, 1);
    send(&U2, BCAST, MAC_X, 3); /* X moved */
    clear_all();
    send(&A, MAC_X, MAC_A, 4);
    assert_int_equal(U2.n, 1);
    expect(0, 0, 0, 0);

    /* A vif's own MAC does not move: a frame from the uplink with A's
     * source is forwarded but teaches nothing. */
    send(&U, MAC_B, MAC_A, 5);
    expect(0, 1, 0, 0);
    send(&B, MAC_A, MAC_B, 6);
    expect(1, 0, 0, 0);
}

static void test_ageing(void **state)
{
    (void)state;
    size_t base = vswitch_fdb_count(br);
    assert_int_equal(base, 3); /* A, B, C static */
    send(&U, BCAST, MAC_X, 1);
    clear_all();
    assert_int_equal(vswitch_fdb_count(br), 4);
    now += VSWITCH_AGEING_MS; /* exactly 300 s: still there */
    send(&A, MAC_X, MAC_A, 2);
    expect(0, 0, 0, 1);
    now += 1;
    assert_int_equal(vswitch_fdb_count(br), 3);
    send(&A, MAC_X, MAC_A, 3); /* aged out: flood */
    expect(0, 1, 1, 1);

    /* Every frame refreshes the entry. */
    send(&U, BCAST, MAC_X, 4);
    clear_all();
    now += 200000;
    send(&U, BCAST, MAC_X, 5);
    clear_all();
    now += 200000;
    send(&A, MAC_X, MAC_A, 6);
    expect(0, 0, 0, 1);

    /* Static entries never age. */
    now += 1000000000;
    send(&C, MAC_B, MAC_C, 7);
    expect(0, 1, 0, 0);
    assert_int_equal(vswitch_fdb_count(br), 3);
}

static void test_fdb_bound(void **state)
{
    (void)state;
    uint8_t mac[6] = { 2, 0x10, 0, 0, 0, 0 };
    for (unsigned i = 0; i < 300; i++) {
        mac[4] = (uint8_t)(i >> 8), mac[5] = (uint8_t)i;
        now++;
        send(&U, BCAST, mac, 1);
    }
    clear_all();
    assert_int_equal(vswitch_fdb_count(br), VSWITCH_FDB_MAX);
    /* 3 static entries leave 253 for learning: the last 253 sources stay. */
    unsigned first_kept = 300 - (VSWITCH_FDB_MAX - 3);
    mac[4] = (uint8_t)(first_kept >> 8), mac[5] = (uint8_t)first_kept;
    send(&A, mac, MAC_A, 2);
    expect(0, 0, 0, 1);
    mac[4] = (uint8_t)((first_kept - 1) >> 8), mac[5] = (uint8_t)(first_kept - 1);
    send(&A, mac, MAC_A, 3);
    expect(0, 1, 1, 1);
    send(&A, MAC_C, MAC_A, 4); /* statics survive */
    expect(0, 0, 1, 0);

    /* A new vif still finds room: it evicts the oldest learnt entry. */
    static struct tport D;
    const uint8_t MAC_D[6] = { 2, 0, 0, 0, 0, 0xD };
    tport_init(&D, "vif4.0", MAC_D, true);
    assert_int_equal(vswitch_attach(br, &D.port), 0);
    assert_int_equal(vswitch_fdb_count(br), VSWITCH_FDB_MAX);
    send(&A, MAC_D, MAC_A, 5);
    assert_int_equal(D.n, 1);
    expect(0, 0, 0, 0);
    vswitch_detach(&D.port);
    tport_clear(&D);
}

static void test_bad_frames(void **state)
{
    (void)state;
    eth(MAC_B, MAC_B, 1); /* A claims to be B */
    vswitch_send(&A.port, frame, 64, NULL);
    eth(BCAST, MAC_A, 2);
    vswitch_send(&A.port, frame, 13, NULL); /* too short */
    vswitch_send(&A.port, frame, 0, NULL);
    vswitch_send(&A.port, NULL, 64, NULL);
    vswitch_send(&A.port, frame, NET_FRAME_MAX + 1, NULL);
    eth(BCAST, MCAST, 3); /* group source */
    vswitch_send(&U.port, frame, 64, NULL);
    eth(BCAST, BCAST, 3);
    vswitch_send(&U.port, frame, 64, NULL);
    static const uint8_t zero[6];
    eth(BCAST, zero, 4); /* zero source */
    vswitch_send(&U.port, frame, 64, NULL);
    eth(BCAST, MAC_X, 5); /* GSO size with no known type */
    vswitch_send(&U.port, frame, 64, &(struct net_offload){ .gso_size = 100, .gso_type = 3 });
    expect(0, 0, 0, 0);

    struct net_port_stats a = stats(&A), u = stats(&U);
    assert_int_equal(a.spoofed, 1);
    assert_int_equal(a.invalid, 4);
    assert_int_equal(a.rx_frames, 0);
    assert_int_equal(u.invalid, 4);
    assert_int_equal(u.spoofed, 0);
    assert_int_equal(u.rx_frames, 0);
    assert_int_equal(vswitch_fdb_count(br), 3); /* nothing learnt from them */

    /* The largest frame passes. */
    eth(BCAST, MAC_A, 6);
    vswitch_send(&A.port, frame, NET_FRAME_MAX, NULL);
    expect(0, 1, 1, 1);
}

static void test_link_local_not_forwarded(void **state)
{
    (void)state;
    uint8_t ll[6] = { 0x01, 0x80, 0xC2, 0, 0, 0 };
    for (unsigned last = 0; last <= 0x0F; last++) {
        ll[5] = (uint8_t)last;
        send(&A, ll, MAC_A, 1);
        send(&U, ll, MAC_X, 2);
    }
    expect(0, 0, 0, 0);
    ll[5] = 0x10; /* past the reserved block: a multicast */
    send(&A, ll, MAC_A, 3);
    expect(0, 1, 1, 1);
    ll[5] = 0x0E, ll[3] = 1;
    send(&A, ll, MAC_A, 4);
    expect(0, 1, 1, 1);
}

static void test_attach_rules(void **state)
{
    (void)state;
    struct tport D;
    tport_init(&D, "vif9.0", MAC_A, true);
    assert_int_equal(vswitch_attach(br, &D.port), -1); /* duplicate of A */
    D.port.mac_locked = false;
    assert_int_equal(vswitch_attach(br, &D.port), -1); /* A is locked: still a duplicate */
    assert_null(D.port.bridge);
    tport_init(&D, "vif9.0", MAC_X, false); /* two unlocked ports may share one */
    tport_init(&U2, "uplink2", MAC_X, false);
    assert_int_equal(vswitch_attach(br, &D.port), 0);
    assert_int_equal(vswitch_attach(br, &U2.port), 0);
    assert_int_equal(vswitch_attach(br, &D.port), -1); /* already attached */
    vswitch_detach(&D.port);
    vswitch_detach(&D.port); /* twice is harmless */
    vswitch_detach(&U2.port);

    tport_init(&D, "vif9.0", MCAST, true);
    assert_int_equal(vswitch_attach(br, &D.port), -1); /* not a source MAC */
    static const uint8_t zero[6];
    tport_init(&D, "vif9.0", zero, true);
    assert_int_equal(vswitch_attach(br, &D.port), -1);
    tport_init(&D, "vif9.0", MAC_Y, true);
    D.port.ops = NULL;
    assert_int_equal(vswitch_attach(br, &D.port), -1);
    static const struct net_port_ops no_deliver;
    D.port.ops = &no_deliver;
    assert_int_equal(vswitch_attach(br, &D.port), -1);
    assert_int_equal(vswitch_attach(NULL, &A.port), -1);

    /* Once A is gone, its MAC is free again. */
    vswitch_detach(&A.port);
    tport_init(&D, "vif9.0", MAC_A, true);
    assert_int_equal(vswitch_attach(br, &D.port), 0);
    send(&B, MAC_A, MAC_B, 1);
    assert_int_equal(D.n, 1);
    expect(0, 0, 0, 0);
    vswitch_detach(&D.port);
    tport_clear(&D);

    /* A port on another bridge sees nothing of this one. */
    struct vswitch_bridge *br2 = vswitch_bridge_create("xenbr1");
    tport_init(&D, "vif9.1", MAC_A, true);
    assert_int_equal(vswitch_attach(br2, &D.port), 0);
    send(&B, BCAST, MAC_B, 2);
    assert_int_equal(D.n, 0);
    expect(0, 0, 1, 1);
    vswitch_detach(&D.port);
}

static void test_detach(void **state)
{
    (void)state;
    send(&U, BCAST, MAC_X, 1);
    clear_all();
    assert_int_equal(vswitch_fdb_count(br), 4);
    vswitch_detach(&B.port);
    assert_null(B.port.bridge);
    assert_int_equal(vswitch_fdb_count(br), 3);
    send(&A, MAC_B, MAC_A, 2); /* B's entry went with it: flood, not to B */
    expect(0, 0, 1, 1);
    send(&A, BCAST, MAC_A, 3);
    expect(0, 0, 1, 1);
    vswitch_detach(&U.port); /* and its learnt entries with it */
    assert_int_equal(vswitch_fdb_count(br), 2);
    send(&A, MAC_X, MAC_A, 4);
    expect(0, 0, 1, 0);
    struct net_port_stats s = stats(&B); /* stats stay readable */
    assert_int_equal(s.tx_frames, 1);
    /* Back again. */
    assert_int_equal(vswitch_attach(br, &B.port), 0);
    assert_int_equal(stats(&B).tx_frames, 0);
    send(&A, MAC_B, MAC_A, 5);
    expect(0, 1, 0, 0);
}

static void test_full_receiver(void **state)
{
    (void)state;
    B.refuse_after = 0;
    send(&A, BCAST, MAC_A, 1);
    assert_int_equal(B.calls, 1);
    expect(0, 0, 1, 1);
    send(&A, MAC_B, MAC_A, 2);
    expect(0, 0, 0, 0);
    struct net_port_stats b = stats(&B);
    assert_int_equal(b.tx_dropped, 2);
    assert_int_equal(b.tx_frames, 0);
    assert_int_equal(stats(&C).tx_frames, 1);
    assert_int_equal(stats(&A).rx_frames, 2);
}

/* ---- offloads ------------------------------------------------------------- */

static uint8_t payload[8192];

static size_t tcp_frame(int ipv, size_t pl, const uint8_t *dst)
{
    for (size_t i = 0; i < pl; i++)
        payload[i] = (uint8_t)(i * 13 + 5);
    struct tf_spec s = { .ipv = ipv,
                         .proto = 6,
                         .payload = payload,
                         .payload_len = pl,
                         .tcp_flags = NET_TCP_ACK_FLAG | NET_TCP_PSH,
                         .seq = 1000 };
    memcpy(s.src, MAC_A, 6);
    memcpy(s.dst, dst, 6);
    size_t len = tf_build(frame, sizeof frame, &s);
    tf_make_partial(frame);
    memcpy(sent, frame, len);
    return len;
}

/* B takes everything as is, C takes partial checksums but not GSO, U
 * neither (an uplink NIC without offloads). */
static void offload_ports(void)
{
    B.port.accepts_csum_partial = B.port.accepts_gso = true;
    C.port.accepts_csum_partial = true;
}

static void test_csum_completed_per_port(void **state)
{
    (void)state;
    offload_ports();
    size_t len = tcp_frame(4, 300, MAC_UNKNOWN);
    struct net_offload off = { .csum_partial = true, .data_validated = true };
    vswitch_send(&A.port, frame, len, &off);
    assert_memory_equal(frame, sent, len); /* the sender's buffer is untouched */
    assert_int_equal(B.n, 1);
    assert_int_equal(C.n, 1);
    assert_int_equal(U.n, 1);
    assert_memory_equal(B.frame[0], sent, len); /* as is, still partial */
    assert_true(B.off[0].csum_partial);
    assert_false(net_l4_csum_ok(B.frame[0], len));
    assert_memory_equal(C.frame[0], sent, len);
    assert_true(C.off[0].csum_partial);
    /* U: completed, nothing else changed. */
    size_t co = tf_csum_off(sent);
    assert_false(U.off[0].csum_partial);
    assert_true(U.off[0].data_validated);
    assert_int_equal(U.len[0], len);
    assert_true(net_l4_csum_ok(U.frame[0], len));
    assert_true(tf_ref_l4_ok(U.frame[0]));
    assert_memory_equal(U.frame[0], sent, co);
    assert_memory_equal(U.frame[0] + co + 2, sent + co + 2, len - co - 2);
    clear_all();

    /* IPv6 likewise. */
    len = tcp_frame(6, 77, MAC_UNKNOWN);
    vswitch_send(&A.port, frame, len, &off);
    assert_true(net_l4_csum_ok(U.frame[0], len));
    assert_int_equal(stats(&A).invalid, 0);
}

static void test_gso_segmented_per_port(void **state)
{
    (void)state;
    offload_ports();
    size_t len = tcp_frame(4, 3000, MAC_UNKNOWN);
    struct net_offload off = { .csum_partial = true, .gso_size = 1000, .gso_type = NET_GSO_TCPV4 };
    vswitch_send(&A.port, frame, len, &off);
    assert_memory_equal(frame, sent, len);
    assert_int_equal(B.n, 1); /* GSO as is */
    assert_int_equal(B.len[0], len);
    assert_int_equal(B.off[0].gso_size, 1000);
    assert_int_equal(B.off[0].gso_type, NET_GSO_TCPV4);
    assert_true(B.off[0].csum_partial);
    struct tport *seg_ports[] = { &C, &U };
    for (unsigned k = 0; k < 2; k++) {
        struct tport *t = seg_ports[k];
        assert_int_equal(t->n, 3);
        uint32_t seq = 1000;
        for (unsigned i = 0; i < 3; i++) {
            assert_int_equal(t->len[i], 54 + 1000);
            assert_int_equal(t->off[i].gso_size, 0);
            assert_false(t->off[i].csum_partial);
            assert_true(net_l4_csum_ok(t->frame[i], t->len[i]));
            assert_true(tf_ref_ipv4_ok(t->frame[i]));
            const uint8_t *sq = t->frame[i] + 34 + 4;
            assert_int_equal((uint32_t)sq[0] << 24 | sq[1] << 16 | sq[2] << 8 | sq[3], seq);
            assert_memory_equal(t->frame[i] + 54, sent + 54 + 1000 * i, 1000);
            seq += 1000;
        }
    }
    struct net_port_stats c = stats(&C);
    assert_int_equal(c.tx_frames, 3);
    assert_int_equal(c.tx_bytes, 3 * 1054);
    assert_int_equal(stats(&A).rx_frames, 1);
    clear_all();

    /* Known unicast to a GSO port: one frame, no segmenting for others. */
    len = tcp_frame(6, 3000, MAC_B);
    off.gso_type = NET_GSO_TCPV6;
    vswitch_send(&A.port, frame, len, &off);
    expect(0, 1, 0, 0);
    /* ...and to a port without: segments only there. */
    len = tcp_frame(6, 2500, MAC_C);
    vswitch_send(&A.port, frame, len, &off);
    assert_int_equal(C.n, 3);
    assert_int_equal(C.len[2], 14 + 40 + 20 + 500);
    for (unsigned i = 0; i < 3; i++)
        assert_true(net_l4_csum_ok(C.frame[i], C.len[i]));
    expect(0, 0, 3, 0);

    /* A port that accepts GSO but not partial checksums gets segments. */
    B.port.accepts_csum_partial = false;
    len = tcp_frame(4, 1500, MAC_B);
    off.gso_type = NET_GSO_TCPV4;
    vswitch_send(&A.port, frame, len, &off);
    expect(0, 2, 0, 0);
}

static void test_offload_that_cannot_be_done(void **state)
{
    (void)state;
    offload_ports();
    /* A partial checksum on a frame that is not TCP/UDP: U could not have
     * it completed, so nobody gets it, not even B and C, which take partial
     * checksums as they are. Counted once. */
    size_t len = eth(BCAST, MAC_A, 1);
    struct net_offload partial = { .csum_partial = true };
    vswitch_send(&A.port, frame, len, &partial);
    expect(0, 0, 0, 0);
    assert_int_equal(stats(&A).invalid, 1);

    /* Likewise GSO frames that cannot be cut: TCPV4 type on an IPv6 frame,
     * an MSS under NET_GSO_SIZE_MIN, an IP length past the frame, UDP. */
    len = tcp_frame(6, 3000, MAC_UNKNOWN);
    struct net_offload gso = { .csum_partial = true, .gso_size = 1000, .gso_type = NET_GSO_TCPV4 };
    vswitch_send(&A.port, frame, len, &gso);
    expect(0, 0, 0, 0);
    gso.gso_size = NET_GSO_SIZE_MIN - 1;
    gso.gso_type = NET_GSO_TCPV6;
    vswitch_send(&A.port, frame, len, &gso);
    expect(0, 0, 0, 0);
    gso.gso_size = 1000;
    frame[14 + 4] = 0x10; /* IPv6 payload length past the frame */
    vswitch_send(&A.port, frame, len, &gso);
    expect(0, 0, 0, 0);
    struct tf_spec s = { .ipv = 6, .proto = 17, .payload = payload, .payload_len = 3000 };
    memcpy(s.src, MAC_A, 6);
    len = tf_build(frame, sizeof frame, &s);
    vswitch_send(&A.port, frame, len, &gso);
    expect(0, 0, 0, 0);
    struct net_port_stats a = stats(&A);
    assert_int_equal(a.invalid, 5);
    assert_int_equal(a.rx_frames, 0);
    assert_int_equal(vswitch_fdb_count(br), 3); /* nothing learnt */

    /* The same frame is fine without the offload. */
    vswitch_send(&A.port, frame, len, NULL);
    expect(0, 1, 1, 1);
}

static void test_segment_refusal(void **state)
{
    (void)state;
    offload_ports();
    C.refuse_after = 1; /* room for one segment */
    size_t len = tcp_frame(4, 3000, MAC_UNKNOWN);
    struct net_offload off = { .csum_partial = true, .gso_size = 1000, .gso_type = NET_GSO_TCPV4 };
    vswitch_send(&A.port, frame, len, &off);
    assert_int_equal(C.calls, 2); /* no more tries after the refusal */
    struct net_port_stats c = stats(&C);
    assert_int_equal(c.tx_frames, 1);
    assert_int_equal(c.tx_dropped, 1);
    expect(0, 1, 1, 3);

    /* Once every port has refused, none is asked again. */
    B.port.accepts_gso = false;
    B.refuse_after = C.refuse_after = U.refuse_after = 0;
    vswitch_send(&A.port, frame, len, &off);
    assert_int_equal(B.calls + C.calls + U.calls, 3);
    expect(0, 0, 0, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_bridge_names),
        T(test_flood),
        T(test_learn_and_unicast),
        T(test_move),
        T(test_ageing),
        T(test_fdb_bound),
        T(test_bad_frames),
        T(test_link_local_not_forwarded),
        T(test_attach_rules),
        T(test_detach),
        T(test_full_receiver),
        T(test_csum_completed_per_port),
        T(test_gso_segmented_per_port),
        T(test_offload_that_cannot_be_done),
        T(test_segment_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
