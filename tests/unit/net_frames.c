/* SPDX-License-Identifier: BSD-2-Clause */
/* Test frame builder and reference checksums for the net/ unit tests (see net_frames.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tests/unit/net_frames.h"

static uint16_t g16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void p16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void p32(uint8_t *p, uint32_t v)
{
    p16(p, v >> 16);
    p16(p + 2, v & 0xFFFF);
}

uint32_t tf_ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 2) {
        sum += (uint32_t)p[i] << 8;
        if (i + 1 < len)
            sum += p[i + 1];
        if (sum >= 0x80000000u)
            sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return sum;
}

uint16_t tf_ref_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

static bool is_v4(const uint8_t *frame)
{
    return g16(frame + 12) == 0x0800;
}

size_t tf_l3_hlen(const uint8_t *frame)
{
    return is_v4(frame) ? (size_t)(frame[14] & 0xF) * 4 : 40;
}

size_t tf_l4_off(const uint8_t *frame)
{
    return 14 + tf_l3_hlen(frame);
}

size_t tf_l4_len(const uint8_t *frame)
{
    return is_v4(frame) ? g16(frame + 16) - tf_l3_hlen(frame) : g16(frame + 18);
}

uint8_t tf_proto(const uint8_t *frame)
{
    return is_v4(frame) ? frame[14 + 9] : frame[14 + 6];
}

size_t tf_csum_off(const uint8_t *frame)
{
    return tf_l4_off(frame) + (tf_proto(frame) == 6 ? 16 : 6);
}

uint16_t tf_ref_pseudo(const uint8_t *frame)
{
    uint8_t ph[40];
    size_t n;
    uint32_t l4len = (uint32_t)tf_l4_len(frame);
    if (is_v4(frame)) {
        memcpy(ph, frame + 14 + 12, 8);
        ph[8] = 0;
        ph[9] = tf_proto(frame);
        p16(ph + 10, l4len);
        n = 12;
    } else {
        memcpy(ph, frame + 14 + 8, 32);
        p32(ph + 32, l4len);
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = tf_proto(frame);
        n = 40;
    }
    return tf_ref_fold(tf_ref_sum(0, ph, n));
}

static uint16_t l4_csum(const uint8_t *frame)
{
    /* The field must be zero when this is called. */
    uint32_t s = tf_ref_sum(tf_ref_pseudo(frame), frame + tf_l4_off(frame), tf_l4_len(frame));
    uint16_t c = (uint16_t)~tf_ref_fold(s);
    return c == 0 && tf_proto(frame) == 17 ? 0xFFFF : c;
}

bool tf_ref_l4_ok(const uint8_t *frame)
{
    if (tf_proto(frame) == 17 && g16(frame + tf_csum_off(frame)) == 0)
        return false;
    uint32_t s = tf_ref_sum(tf_ref_pseudo(frame), frame + tf_l4_off(frame), tf_l4_len(frame));
    return tf_ref_fold(s) == 0xFFFF;
}

bool tf_ref_ipv4_ok(const uint8_t *frame)
{
    return tf_ref_fold(tf_ref_sum(0, frame + 14, tf_l3_hlen(frame))) == 0xFFFF;
}

void tf_make_partial(uint8_t *frame)
{
    p16(frame + tf_csum_off(frame), tf_ref_pseudo(frame));
}

size_t tf_build(uint8_t *buf, size_t size, const struct tf_spec *s)
{
    static const uint8_t def_dst[6] = { 2, 0, 0, 0, 0, 2 }, def_src[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t zero[6];
    bool v4 = s->ipv == 4, tcp = s->proto == 6;
    size_t l3 = v4 ? 20 + s->ip_opt_len : 40;
    size_t l4h = tcp ? 20 + s->tcp_opt_len : 8;
    size_t len = 14 + l3 + l4h + s->payload_len;
    assert_true(len <= size);
    assert_true(s->ip_opt_len % 4 == 0 && s->ip_opt_len <= 40 && s->tcp_opt_len % 4 == 0 &&
                s->tcp_opt_len <= 40);
    memset(buf, 0, len);

    memcpy(buf, memcmp(s->dst, zero, 6) ? s->dst : def_dst, 6);
    memcpy(buf + 6, memcmp(s->src, zero, 6) ? s->src : def_src, 6);
    p16(buf + 12, v4 ? 0x0800 : 0x86DD);
    uint8_t *ip = buf + 14;
    if (v4) {
        ip[0] = (uint8_t)(0x40 | l3 / 4);
        p16(ip + 2, (unsigned)(l3 + l4h + s->payload_len));
        p16(ip + 4, s->ip_id);
        p16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = s->proto;
        memcpy(ip + 12, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
        memset(ip + 20, 1, s->ip_opt_len); /* NOP options */
        p16(ip + 10, (uint16_t)~tf_ref_fold(tf_ref_sum(0, ip, l3)));
    } else {
        ip[0] = 0x60;
        p16(ip + 4, (unsigned)(l4h + s->payload_len));
        ip[6] = s->proto;
        ip[7] = 64;
        static const uint8_t a6[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1,
                                        0x20, 0x01, 0x0d, 0xb8, [31] = 2 };
        memcpy(ip + 8, a6, 32);
    }
    uint8_t *l4 = ip + l3;
    if (tcp) {
        p16(l4, 0xC001);
        p16(l4 + 2, 80);
        p32(l4 + 4, s->seq);
        p32(l4 + 8, 0xA0B0C0D0u);
        l4[12] = (uint8_t)((l4h / 4) << 4);
        l4[13] = s->tcp_flags;
        p16(l4 + 14, 0xFAF0);
        memset(l4 + 20, 1, s->tcp_opt_len);
    } else {
        p16(l4, 0x1234);
        p16(l4 + 2, 53);
        p16(l4 + 4, (unsigned)(8 + s->payload_len));
    }
    if (s->payload_len)
        memcpy(l4 + l4h, s->payload, s->payload_len);
    p16(buf + tf_csum_off(buf), l4_csum(buf));
    return len;
}
