/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for net/gso.c: segments checked field by field against the super-frame, hostile frames and offloads refused before any emit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/csum.h"
#include "net/ether.h"
#include "net/gso.h"
#include "tests/unit/net_frames.h"

#define SEGS_MAX 9000u
#define BIG      (NET_FRAME_MAX + 64)

static uint8_t frame[BIG], scratch[BIG], payload[BIG];

struct seglog {
    unsigned n;
    uint8_t *seg[SEGS_MAX];
    size_t len[SEGS_MAX];
    unsigned stop_after; /* emit returns non-zero on this segment (1-based); 0: never */
    const uint8_t *scratch;
    size_t scratch_size;
};

static struct seglog log_;

static int collect(void *ctx, const uint8_t *seg, size_t len)
{
    struct seglog *l = ctx;
    assert_true(l->n < SEGS_MAX);
    assert_ptr_equal(seg, l->scratch);
    assert_true(len <= l->scratch_size);
    l->seg[l->n] = malloc(len);
    assert_non_null(l->seg[l->n]);
    memcpy(l->seg[l->n], seg, len);
    l->len[l->n] = len;
    l->n++;
    return l->stop_after && l->n == l->stop_after;
}

static int must_not_emit(void *ctx, const uint8_t *seg, size_t len)
{
    (void)ctx, (void)seg, (void)len;
    fail_msg("emit called for a refused frame");
    return 1;
}

static void log_reset(void)
{
    for (unsigned i = 0; i < log_.n; i++)
        free(log_.seg[i]);
    memset(&log_, 0, sizeof log_);
    log_.scratch = scratch;
    log_.scratch_size = sizeof scratch;
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 131 + i / 251);
    log_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    log_reset();
    return 0;
}

static uint16_t g16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t g32(const uint8_t *p)
{
    return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static int segment(size_t len, uint16_t mss, uint8_t type)
{
    struct net_offload off = { .csum_partial = true, .gso_size = mss, .gso_type = type };
    assert_true(net_gso_valid(frame, len, &off));
    return net_gso_segment(frame, len, &off, scratch, sizeof scratch, collect, &log_);
}

/* Every segment in log_ against the super-frame sf (as tf_build made it). */
static void verify_segments(const uint8_t *sf, size_t mss)
{
    bool v4 = g16(sf + 12) == NET_ETHERTYPE_IPV4;
    size_t l3h = tf_l3_hlen(sf), l4 = tf_l4_off(sf), thl = (size_t)(sf[l4 + 12] >> 4) * 4;
    size_t hdr = l4 + thl, total = tf_l4_len(sf) - thl;
    size_t want_n = total ? (total + mss - 1) / mss : 1;
    uint8_t flags = sf[l4 + 13];
    uint8_t *joined = malloc(total + 1);
    assert_non_null(joined);

    assert_int_equal(log_.n, want_n);
    size_t done = 0;
    for (unsigned i = 0; i < log_.n; i++) {
        const uint8_t *s = log_.seg[i];
        size_t take = total - done < mss ? total - done : mss;
        bool first = i == 0, last = i + 1 == log_.n;
        assert_int_equal(log_.len[i], hdr + take);
        assert_memory_equal(s, sf, 14);
        if (v4) {
            assert_int_equal(s[14], sf[14]);
            assert_int_equal(s[15], sf[15]);
            assert_int_equal(g16(s + 16), l3h + thl + take);
            assert_int_equal(g16(s + 18), (uint16_t)(g16(sf + 18) + i));
            assert_memory_equal(s + 20, sf + 20, 4);        /* flags, fragment, TTL, protocol */
            assert_memory_equal(s + 26, sf + 26, l3h - 12); /* addresses, options */
            assert_true(tf_ref_ipv4_ok(s));
            assert_true(net_ipv4_header_csum_ok(s + 14));
        } else {
            assert_memory_equal(s + 14, sf + 14, 4);
            assert_int_equal(g16(s + 18), thl + take);
            assert_memory_equal(s + 20, sf + 20, 36);
        }
        assert_memory_equal(s + l4, sf + l4, 4); /* ports */
        assert_int_equal(g32(s + l4 + 4), (uint32_t)(g32(sf + l4 + 4) + done));
        assert_memory_equal(s + l4 + 8, sf + l4 + 8, 5); /* ack, data offset */
        uint8_t want = flags;
        if (!last)
            want &= (uint8_t) ~(NET_TCP_FIN | NET_TCP_PSH);
        if (!first)
            want &= (uint8_t)~NET_TCP_CWR;
        assert_int_equal(s[l4 + 13], want);
        assert_memory_equal(s + l4 + 14, sf + l4 + 14, 2);        /* window */
        assert_memory_equal(s + l4 + 18, sf + l4 + 18, thl - 18); /* urgent pointer, options */
        assert_true(net_l4_csum_ok(s, log_.len[i]));
        assert_true(tf_ref_l4_ok(s));
        assert_true(take <= mss);
        memcpy(joined + done, s + hdr, take);
        done += take;
    }
    assert_int_equal(done, total);
    assert_memory_equal(joined, sf + hdr, total);
    free(joined);
}

static size_t build(int ipv, size_t pl, size_t ip_opt, size_t tcp_opt, uint8_t flags, uint32_t seq,
                    uint16_t id)
{
    struct tf_spec s = { .ipv = ipv,
                         .proto = 6,
                         .payload = payload,
                         .payload_len = pl,
                         .ip_opt_len = ip_opt,
                         .tcp_opt_len = tcp_opt,
                         .tcp_flags = flags,
                         .seq = seq,
                         .ip_id = id };
    size_t len = tf_build(frame, sizeof frame, &s);
    tf_make_partial(frame); /* as a GSO sender leaves it */
    return len;
}

static void test_tcpv4_three_segments(void **state)
{
    (void)state;
    uint8_t flags = NET_TCP_FIN | NET_TCP_PSH | NET_TCP_ACK_FLAG | NET_TCP_CWR | NET_TCP_ECE;
    size_t len = build(4, 4000, 8, 12, flags, 1000000, 0x1c46);
    assert_int_equal(segment(len, 1448, NET_GSO_TCPV4), 3);
    verify_segments(frame, 1448);
    assert_int_equal(log_.len[2], 14 + 28 + 32 + 4000 - 2 * 1448);
}

static void test_tcpv6_exact_multiple(void **state)
{
    (void)state;
    size_t len = build(6, 3000, 0, 0, NET_TCP_PSH | NET_TCP_ACK_FLAG, 77, 0);
    assert_int_equal(segment(len, 1000, NET_GSO_TCPV6), 3);
    verify_segments(frame, 1000);
    assert_int_equal(log_.len[2], 14 + 40 + 20 + 1000);
}

static void test_fits_one_segment(void **state)
{
    (void)state;
    uint8_t flags = NET_TCP_FIN | NET_TCP_PSH | NET_TCP_CWR | NET_TCP_ACK_FLAG;
    size_t len = build(4, 100, 0, 0, flags, 5, 9);
    assert_false(net_l4_csum_ok(frame, len)); /* partial on the way in */
    assert_int_equal(segment(len, 1448, NET_GSO_TCPV4), 1);
    verify_segments(frame, 1448);
    assert_int_equal(log_.seg[0][14 + 20 + 13], flags); /* first and last: all flags stay */

    log_reset();
    len = build(6, 1448, 0, 0, flags, 5, 9); /* exactly one MSS */
    assert_int_equal(segment(len, 1448, NET_GSO_TCPV6), 1);
    verify_segments(frame, 1448);
}

static void test_no_payload(void **state)
{
    (void)state;
    size_t len = build(4, 0, 0, 0, NET_TCP_ACK_FLAG | NET_TCP_FIN, 1, 2);
    assert_int_equal(segment(len, 536, NET_GSO_TCPV4), 1);
    verify_segments(frame, 536);
    assert_int_equal(log_.len[0], 54);
}

static void test_sequence_and_id_wrap(void **state)
{
    (void)state;
    size_t len = build(4, 5 * 100, 0, 0, NET_TCP_ACK_FLAG, 0xFFFFFF00u, 0xFFFE);
    assert_int_equal(segment(len, 100, NET_GSO_TCPV4), 5);
    verify_segments(frame, 100);
    assert_int_equal(g16(log_.seg[2] + 18), 0x0000);
    assert_int_equal(g32(log_.seg[3] + 34 + 4), 0x0000002Cu);
}

static void test_padding_not_copied(void **state)
{
    (void)state;
    size_t len = build(4, 30, 0, 0, NET_TCP_ACK_FLAG, 1, 1);
    memset(frame + len, 0xEE, 40);
    assert_int_equal(segment(len + 40, 16, NET_GSO_TCPV4), 2);
    verify_segments(frame, 16);
    assert_int_equal(log_.len[1], 54 + 14);
}

/* The largest frame a port may send, cut at the smallest MSS taken; and
 * the same frame with an MSS larger than its payload. */
static void test_largest_frame(void **state)
{
    (void)state;
    size_t pl = NET_FRAME_MAX - 14 - 20 - 20;
    size_t len = build(4, pl, 0, 0, NET_TCP_ACK_FLAG | NET_TCP_PSH, 42, 7);
    assert_int_equal(len, NET_FRAME_MAX);
    assert_int_equal(segment(len, NET_GSO_SIZE_MIN, NET_GSO_TCPV4), (int)((pl + 7) / 8));
    verify_segments(frame, NET_GSO_SIZE_MIN);

    log_reset();
    assert_int_equal(segment(len, 65535, NET_GSO_TCPV4), 1);
    verify_segments(frame, 65535);
    assert_int_equal(log_.len[0], NET_FRAME_MAX);
}

static void test_emit_can_stop(void **state)
{
    (void)state;
    size_t len = build(6, 1000, 0, 0, NET_TCP_ACK_FLAG, 1, 0);
    log_.stop_after = 2;
    assert_int_equal(segment(len, 100, NET_GSO_TCPV6), 2);
    assert_int_equal(log_.n, 2);
}

/* Exact-size heap copies so ASan sees any stray access; nothing emitted. */
static void expect_refused(const uint8_t *f, size_t len, const struct net_offload *off,
                           size_t scratch_size)
{
    uint8_t *copy = malloc(len ? len : 1), *scr = malloc(scratch_size ? scratch_size : 1);
    assert_non_null(copy);
    assert_non_null(scr);
    memcpy(copy, f, len);
    assert_int_equal(net_gso_segment(copy, len, off, scr, scratch_size, must_not_emit, NULL), -1);
    if (scratch_size >= NET_FRAME_MAX)
        assert_false(net_gso_valid(copy, len, off));
    free(copy);
    free(scr);
}

static void test_refused_offloads(void **state)
{
    (void)state;
    size_t len = build(4, 3000, 0, 0, NET_TCP_ACK_FLAG, 1, 1);
    struct net_offload off = { .gso_size = 1000, .gso_type = NET_GSO_TCPV4 };
    off.gso_size = 0;
    expect_refused(frame, len, &off, BIG);
    off.gso_size = NET_GSO_SIZE_MIN - 1;
    expect_refused(frame, len, &off, BIG);
    off.gso_size = 1000;
    off.gso_type = NET_GSO_NONE;
    expect_refused(frame, len, &off, BIG);
    off.gso_type = NET_GSO_TCPV6; /* on IPv4 */
    expect_refused(frame, len, &off, BIG);
    off.gso_type = 3;
    expect_refused(frame, len, &off, BIG);
    off.gso_type = NET_GSO_TCPV4;
    expect_refused(frame, len, NULL, BIG);
    assert_int_equal(net_gso_segment(frame, len, &off, scratch, sizeof scratch, NULL, NULL), -1);
    assert_int_equal(net_gso_segment(frame, len, &off, NULL, 0, collect, &log_), -1);

    /* Scratch: the largest segment must fit. */
    expect_refused(frame, len, &off, 54 + 1000 - 1);
    log_.scratch_size = 54 + 1000;
    assert_int_equal(net_gso_segment(frame, len, &off, scratch, 54 + 1000, collect, &log_), 3);

    len = build(6, 3000, 0, 0, NET_TCP_ACK_FLAG, 1, 1);
    expect_refused(frame, len, &off, BIG); /* TCPV4 on IPv6 */

    /* UDP is not segmented (no UFO). */
    struct tf_spec s = { .ipv = 4, .proto = 17, .payload = payload, .payload_len = 3000 };
    len = tf_build(frame, sizeof frame, &s);
    expect_refused(frame, len, &off, BIG);
}

static void test_refused_frames(void **state)
{
    (void)state;
    struct net_offload off = { .gso_size = 100, .gso_type = NET_GSO_TCPV4 };
    size_t len = build(4, 300, 4, 4, NET_TCP_ACK_FLAG, 1, 1);
    for (size_t cut = 0; cut < len; cut++)
        expect_refused(frame, cut, &off, BIG);

    uint8_t good[512];
    memcpy(good, frame, len);
    const size_t ip = 14, tcp = 14 + 24;
    struct {
        size_t at;
        uint16_t v;
        bool wide;
    } bad[] = {
        { ip, 0x44, false },       /* IHL 4 */
        { ip, 0x4F, false },       /* IHL 15 */
        { ip + 2, 0x025C, true },  /* IP length past the frame */
        { ip + 2, 24 + 19, true }, /* IP length cuts the TCP header */
        { ip + 2, 23, true },      /* IP length shorter than IHL */
        { ip + 6, 0x20, false },   /* a fragment (MF) */
        { ip + 9, 17, false },     /* UDP */
        { tcp + 12, 0x40, false }, /* data offset 4 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(frame, good, len);
        if (bad[i].wide)
            frame[bad[i].at] = (uint8_t)(bad[i].v >> 8), frame[bad[i].at + 1] = (uint8_t)bad[i].v;
        else
            frame[bad[i].at] = (uint8_t)bad[i].v;
        expect_refused(frame, len, &off, BIG);
    }
    /* A data offset of 15 is valid here (60 bytes of header, 264 of
     * payload), and segments keep the 60-byte header. */
    memcpy(frame, good, len);
    frame[tcp + 12] = 0xF0;
    off.gso_size = 100;
    assert_int_equal(net_gso_segment(frame, len, &off, scratch, sizeof scratch, collect, &log_), 3);
    assert_int_equal(log_.len[0], 14 + 24 + 60 + 100);
    assert_true(net_l4_csum_ok(log_.seg[0], log_.len[0]));

    /* IPv6 with a next header other than TCP. */
    len = build(6, 300, 0, 0, NET_TCP_ACK_FLAG, 1, 1);
    frame[14 + 6] = 0;
    off.gso_type = NET_GSO_TCPV6;
    expect_refused(frame, len, &off, BIG);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_tcpv4_three_segments), T(test_tcpv6_exact_multiple), T(test_fits_one_segment),
        T(test_no_payload),           T(test_sequence_and_id_wrap), T(test_padding_not_copied),
        T(test_largest_frame),        T(test_emit_can_stop),        T(test_refused_offloads),
        T(test_refused_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
