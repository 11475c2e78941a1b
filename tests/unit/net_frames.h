/* SPDX-License-Identifier: BSD-2-Clause */
/* Test frames for the net/ unit tests: TCP/UDP over IPv4/IPv6 built with checksums from a naive reference sum, independent of net/csum.c. */
#ifndef KEEL_TESTS_UNIT_NET_FRAMES_H
#define KEEL_TESTS_UNIT_NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tf_spec {
    int ipv;       /* 4 or 6 */
    uint8_t proto; /* 6 (TCP) or 17 (UDP) */
    const uint8_t *payload;
    size_t payload_len;
    size_t ip_opt_len;  /* IPv4 options (NOPs), a multiple of 4 up to 40 */
    size_t tcp_opt_len; /* TCP options (NOPs), a multiple of 4 up to 40 */
    uint8_t tcp_flags;
    uint32_t seq;
    uint16_t ip_id;
    uint8_t dst[6], src[6]; /* all zero: 02:00:00:00:00:02 and ...:01 */
};

/* Builds the frame into buf (its length returned; the test fails if it
 * does not fit), with IPv4 header and L4 checksums computed by the
 * reference sum below. */
size_t tf_build(uint8_t *buf, size_t size, const struct tf_spec *s);

/* Offsets of a frame tf_build made (the builder's own knowledge). */
size_t tf_l3_hlen(const uint8_t *frame);
size_t tf_l4_off(const uint8_t *frame);
size_t tf_l4_len(const uint8_t *frame); /* from the IP length field */
size_t tf_csum_off(const uint8_t *frame);
uint8_t tf_proto(const uint8_t *frame);

/* RFC 1071 the slow way: 16-bit big-endian words, odd byte padded, carries
 * folded at the end; not complemented. */
uint32_t tf_ref_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t tf_ref_fold(uint32_t sum);

/* The pseudo-header sum (folded, not complemented) of a tf frame. */
uint16_t tf_ref_pseudo(const uint8_t *frame);

/* Replaces the L4 checksum with the pseudo-header sum, as a CHECKSUM_PARTIAL
 * sender leaves it. */
void tf_make_partial(uint8_t *frame);

/* Whether the L4 checksum of a tf-shaped frame verifies (reference sum). */
bool tf_ref_l4_ok(const uint8_t *frame);

/* Whether the IPv4 header checksum verifies (reference sum). */
bool tf_ref_ipv4_ok(const uint8_t *frame);

#endif
