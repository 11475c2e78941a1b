/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for net/csum.c: known checksums, completion of partial sums, hostile lengths and headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/csum.h"
#include "net/ether.h"
#include "tests/unit/net_frames.h"

static const uint8_t http_get[] = "GET / HTTP/1.0\r\n\r\n";
static const uint8_t hello[] = "hello, keel";

/* The TCPv4 and UDPv6 frames whose checksums were worked out by hand
 * (a separate Python one-liner over the same bytes). */
static size_t tcpv4_frame(uint8_t *buf, size_t size)
{
    struct tf_spec s = { .ipv = 4,
                         .proto = 6,
                         .payload = http_get,
                         .payload_len = sizeof http_get - 1,
                         .tcp_flags = 0x18,
                         .seq = 0x01020304,
                         .ip_id = 0x1c46 };
    return tf_build(buf, size, &s);
}

static size_t udpv6_frame(uint8_t *buf, size_t size)
{
    struct tf_spec s = { .ipv = 6, .proto = 17, .payload = hello, .payload_len = sizeof hello - 1 };
    return tf_build(buf, size, &s);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_ipv4_header_known(void **state)
{
    (void)state;
    /* The worked example of the IPv4 header checksum (Wikipedia, "Internet checksum"). */
    uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                      0xAB, 0xCD, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
    assert_false(net_ipv4_header_csum_ok(h));
    net_ipv4_header_csum(h);
    assert_int_equal(get16(h + 10), 0xB861);
    assert_true(net_ipv4_header_csum_ok(h));
    h[15] ^= 0x40;
    assert_false(net_ipv4_header_csum_ok(h));

    /* With options: IHL 6 covers them. */
    uint8_t o[24] = { 0x46, 0, 0, 24, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0 };
    net_ipv4_header_csum(o);
    assert_int_equal(tf_ref_fold(tf_ref_sum(0, o, 24)), 0xFFFF);
    assert_true(net_ipv4_header_csum_ok(o));
    o[22] = 7;
    assert_false(net_ipv4_header_csum_ok(o));
}

static void test_tcpv4_known(void **state)
{
    (void)state;
    uint8_t f[128], orig[128];
    size_t len = tcpv4_frame(f, sizeof f);
    assert_int_equal(len, 14 + 58);
    assert_int_equal(get16(f + 14 + 10), 0x0A76); /* the builder agrees with the hand-worked sums */
    assert_int_equal(get16(f + 34 + 16), 0x9C4E);
    assert_true(net_l4_csum_ok(f, len));

    struct net_l4 l4;
    assert_int_equal(net_l4_locate(f, len, &l4), 0);
    assert_int_equal(l4.ethertype, NET_ETHERTYPE_IPV4);
    assert_int_equal(l4.proto, NET_IPPROTO_TCP);
    assert_int_equal(l4.l3_off, 14);
    assert_int_equal(l4.l3_hlen, 20);
    assert_int_equal(l4.l4_off, 34);
    assert_int_equal(l4.l4_hlen, 20);
    assert_int_equal(l4.l4_len, 38);
    assert_int_equal(l4.csum_off, 50);
    assert_int_equal(net_csum_pseudo(f, &l4), 0x142F);

    tf_make_partial(f);
    assert_int_equal(get16(f + 50), 0x142F);
    assert_false(net_l4_csum_ok(f, len));
    memcpy(orig, f, len);
    assert_int_equal(net_csum_complete(f, len), 0);
    assert_int_equal(get16(f + 50), 0x9C4E);
    assert_memory_equal(f, orig, 50);
    assert_memory_equal(f + 52, orig + 52, len - 52);
    assert_true(net_l4_csum_ok(f, len));
}

static void test_udpv6_known(void **state)
{
    (void)state;
    uint8_t f[128];
    size_t len = udpv6_frame(f, sizeof f);
    assert_int_equal(len, 14 + 40 + 19);
    assert_int_equal(get16(f + 54 + 6), 0x5C1B);
    assert_true(net_l4_csum_ok(f, len));

    struct net_l4 l4;
    assert_int_equal(net_l4_locate(f, len, &l4), 0);
    assert_int_equal(l4.ethertype, NET_ETHERTYPE_IPV6);
    assert_int_equal(l4.proto, NET_IPPROTO_UDP);
    assert_int_equal(l4.l4_off, 54);
    assert_int_equal(l4.l4_len, 19);
    assert_int_equal(l4.csum_off, 60);
    assert_int_equal(net_csum_pseudo(f, &l4), 0x5B99);

    tf_make_partial(f);
    assert_false(net_l4_csum_ok(f, len));
    assert_int_equal(net_csum_complete(f, len), 0);
    assert_int_equal(get16(f + 60), 0x5C1B);
    assert_true(net_l4_csum_ok(f, len));

    /* A flipped bit anywhere in the segment or the addresses is caught. */
    for (size_t i = 14 + 8; i < len; i++) {
        if (i == 14 + NET_IPV6_PAYLOAD_LEN || i == 14 + NET_IPV6_PAYLOAD_LEN + 1)
            continue;
        f[i] ^= 0x10;
        assert_false(net_l4_csum_ok(f, len));
        f[i] ^= 0x10;
    }
    assert_true(net_l4_csum_ok(f, len));
}

/* A UDP payload word chosen so that the true checksum is 0: sent as 0xFFFF. */
static void check_udp_zero(int ipv)
{
    uint8_t f[128], payload[6] = { 'a', 'b', 'c', 'd', 0, 0 };
    struct tf_spec s = { .ipv = ipv, .proto = 17, .payload = payload, .payload_len = sizeof payload };
    size_t len = tf_build(f, sizeof f, &s);
    size_t co = tf_csum_off(f), word = tf_l4_off(f) + 8 + 4;
    /* With the word 0, the complement c0 is ~S; a word of c0 makes the sum 0xFFFF. */
    uint16_t c0 = get16(f + co);
    assert_int_not_equal(c0, 0xFFFF);
    f[word] = (uint8_t)(c0 >> 8);
    f[word + 1] = (uint8_t)c0;
    tf_make_partial(f);
    assert_int_equal(net_csum_complete(f, len), 0);
    assert_int_equal(get16(f + co), 0xFFFF);
    assert_true(net_l4_csum_ok(f, len));
    assert_true(tf_ref_l4_ok(f));
    f[co] = f[co + 1] = 0; /* 0 = "no checksum": not a verified one */
    assert_false(net_l4_csum_ok(f, len));
}

static void test_udp_zero_is_sent_as_ffff(void **state)
{
    (void)state;
    check_udp_zero(4);
    check_udp_zero(6);

    /* TCP has no such rule: a sum of 0 is stored as 0, and verifies. */
    uint8_t f[128], payload[6] = { 'a', 'b', 'c', 'd', 0, 0 };
    struct tf_spec s = { .ipv = 4, .proto = 6, .payload = payload, .payload_len = sizeof payload };
    size_t len = tf_build(f, sizeof f, &s);
    size_t co = tf_csum_off(f), word = tf_l4_off(f) + 20 + 4;
    uint16_t c0 = get16(f + co);
    f[word] = (uint8_t)(c0 >> 8);
    f[word + 1] = (uint8_t)c0;
    tf_make_partial(f);
    assert_int_equal(net_csum_complete(f, len), 0);
    assert_int_equal(get16(f + co), 0);
    assert_true(net_l4_csum_ok(f, len));
}

static void test_ethernet_padding_ignored(void **state)
{
    (void)state;
    uint8_t f[64], ref[64];
    struct tf_spec s = { .ipv = 4, .proto = 17, .payload = (const uint8_t *)"hi", .payload_len = 2 };
    size_t len = tf_build(f, sizeof f, &s);
    assert_int_equal(len, 44);
    memcpy(ref, f, len);
    memset(f + len, 0xEE, 60 - len); /* padded to the 60-byte minimum */
    tf_make_partial(f);
    assert_int_equal(net_csum_complete(f, 60), 0);
    assert_memory_equal(f, ref, len);
    for (size_t i = len; i < 60; i++)
        assert_int_equal(f[i], 0xEE);
    assert_true(net_l4_csum_ok(f, 60));
}

/* net_csum_add against the slow reference, at every alignment, odd lengths
 * and chained even pieces. */
static void test_sum_matches_reference(void **state)
{
    (void)state;
    uint8_t buf[1100];
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    memset(buf + 600, 0xFF, 500); /* long runs of ones exercise the carries */
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len < 1090; len += (len < 40 ? 1 : 37)) {
            uint32_t ref = tf_ref_fold(tf_ref_sum(0x1234, buf + off, len));
            assert_int_equal(net_csum_add(0x1234, buf + off, len), ref);
            size_t cut = (len / 3) & ~(size_t)1;
            uint32_t two = net_csum_add(net_csum_add(0x1234, buf + off, cut), buf + off + cut,
                                        len - cut);
            assert_int_equal(two, ref);
        }
    }
    assert_int_equal(net_csum_add(0xFFFFFFFFu, NULL, 0), 0xFFFF);
    assert_int_equal(net_csum_fold(0x2FFFEu), 0x0001); /* 0xFFFE + 2 + carry */
    assert_int_equal(net_csum_fold(0x1FFFFu), 0x0001);
}

/* Every protocol, version, option length and payload length: partial then
 * completed equals what the reference computed. */
static void test_complete_matches_reference(void **state)
{
    (void)state;
    uint8_t payload[300], f[512], want[512];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    for (int ipv = 4; ipv <= 6; ipv += 2) {
        for (int tcp = 0; tcp < 2; tcp++) {
            for (size_t pl = 0; pl < sizeof payload; pl += (pl < 20 ? 1 : 13)) {
                struct tf_spec s = { .ipv = ipv,
                                     .proto = tcp ? 6 : 17,
                                     .payload = payload,
                                     .payload_len = pl,
                                     .ip_opt_len = ipv == 4 ? (pl % 3) * 4 : 0,
                                     .tcp_opt_len = tcp ? (pl % 4) * 4 : 0,
                                     .seq = (uint32_t)pl };
                size_t len = tf_build(want, sizeof want, &s);
                assert_true(net_l4_csum_ok(want, len));
                memcpy(f, want, len);
                tf_make_partial(f);
                assert_int_equal(net_csum_complete(f, len), 0);
                assert_memory_equal(f, want, len);
            }
        }
    }
}

/* Runs complete and verify on an exact-size heap copy (ASan catches any
 * byte read or written outside it); expects a refusal and no change. */
static void expect_refused(const uint8_t *frame, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, frame, len);
    struct net_l4 l4;
    assert_int_equal(net_l4_locate(copy, len, &l4), -1);
    assert_int_equal(net_csum_complete(copy, len), -1);
    assert_false(net_l4_csum_ok(copy, len));
    assert_memory_equal(copy, frame, len);
    free(copy);
}

static void test_truncated_frames(void **state)
{
    (void)state;
    uint8_t f[128];
    size_t len = tcpv4_frame(f, sizeof f);
    tf_make_partial(f);
    for (size_t cut = 0; cut < len; cut++)
        expect_refused(f, cut);
    len = udpv6_frame(f, sizeof f);
    tf_make_partial(f);
    for (size_t cut = 0; cut < len; cut++)
        expect_refused(f, cut);
}

/* One header change to a good frame, then expect a refusal. */
static void mutate(int ipv, int proto, size_t at, uint8_t value)
{
    uint8_t f[128];
    struct tf_spec s = { .ipv = ipv, .proto = (uint8_t)proto, .payload = http_get, .payload_len = 18 };
    size_t len = tf_build(f, sizeof f, &s);
    tf_make_partial(f);
    assert_true(at < len);
    f[at] = value;
    expect_refused(f, len);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    const size_t ip = 14, tcp4 = 34, tcp6 = 54;
    mutate(4, 6, 13, 0x06);              /* 0x0806 ARP */
    mutate(4, 6, 12, 0x81);              /* 0x8100 VLAN tag */
    mutate(4, 6, 12, 0x86);              /* 0x8600 */
    mutate(4, 6, ip, 0x65);              /* version 6 behind 0x0800 */
    mutate(4, 6, ip, 0x44);              /* IHL 4 */
    mutate(4, 6, ip, 0x40);              /* IHL 0 */
    mutate(4, 6, ip, 0x4F);              /* IHL 15: 60 bytes, past the IP length */
    mutate(4, 6, ip + 2, 0x01);          /* total length 256 + 58: beyond the frame */
    mutate(4, 6, ip + 3, 19);            /* total length < IHL * 4 */
    mutate(4, 6, ip + 3, 20 + 19);       /* cuts the TCP header */
    mutate(4, 6, ip + 6, 0x60);          /* DF|MF: a first fragment */
    mutate(4, 6, ip + 7, 0x01);          /* fragment offset 8 */
    mutate(4, 6, ip + 9, 1);             /* ICMP */
    mutate(4, 6, tcp4 + 12, 0x40);       /* data offset 4 */
    mutate(4, 6, tcp4 + 12, 0xF0);       /* data offset 15: 60 > 38 bytes of segment */
    mutate(4, 6, tcp4 + 12, 0xA0);       /* data offset 10: 40 > 38 */
    mutate(4, 17, tcp4 + 5, 8 + 18 - 1); /* UDP length short of the IP payload */
    mutate(4, 17, tcp4 + 5, 8 + 18 + 1); /* ... and past it */
    mutate(4, 17, tcp4 + 4, 0x01);
    mutate(6, 6, ip, 0x40);        /* version 4 behind 0x86DD */
    mutate(6, 6, ip + 6, 0);       /* hop-by-hop options header */
    mutate(6, 6, ip + 6, 44);      /* fragment header */
    mutate(6, 6, ip + 6, 58);      /* ICMPv6 */
    mutate(6, 6, ip + 4, 0x01);    /* payload length beyond the frame */
    mutate(6, 6, ip + 5, 0);       /* payload length 0 (a jumbogram) */
    mutate(6, 6, ip + 5, 19);      /* cuts the TCP header */
    mutate(6, 6, tcp6 + 12, 0x30); /* data offset 3 */
    mutate(6, 17, tcp6 + 5, 0);    /* UDP length 0 */

    /* Trailing bytes are fine; a frame of nothing but headers is fine. */
    uint8_t f[128];
    struct tf_spec s = { .ipv = 4, .proto = 6 };
    size_t len = tf_build(f, sizeof f, &s);
    assert_int_equal(len, 54);
    tf_make_partial(f);
    assert_int_equal(net_csum_complete(f, len), 0);
    assert_true(net_l4_csum_ok(f, len));
    assert_true(tf_ref_l4_ok(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_header_known),
        cmocka_unit_test(test_tcpv4_known),
        cmocka_unit_test(test_udpv6_known),
        cmocka_unit_test(test_udp_zero_is_sent_as_ffff),
        cmocka_unit_test(test_ethernet_padding_ignored),
        cmocka_unit_test(test_sum_matches_reference),
        cmocka_unit_test(test_complete_matches_reference),
        cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_hostile_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
