/* SPDX-License-Identifier: BSD-2-Clause */
/* The Internet checksum (RFC 1071) over frames: finding a frame's TCP/UDP segment, completing, recomputing and verifying checksums; pure, any CPU. */
#ifndef KEEL_NET_CSUM_H
#define KEEL_NET_CSUM_H

/*
 * Frames are Ethernet II with no VLAN tag, carrying IPv4 (options allowed,
 * no fragments) or IPv6 (no extension headers) and then TCP or UDP: the
 * cases Linux netback accepts for checksum offload (xen-netif.md §2.5).
 * Every length in a frame is hostile: nothing here reads or writes outside
 * [frame, frame + len), and lengths that do not add up refuse the frame.
 *
 * Sums are the 16-bit one's-complement sum of big-endian words (RFC 1071
 * §1); the value stored in a header is its complement. The TCP and UDP sums
 * cover a pseudo-header of the addresses, protocol and L4 length first
 * (RFC 793 §3.1, RFC 768, RFC 8200 §8.1).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the TCP or UDP segment of a frame lies (offsets from the frame's
 * first byte), as net_l4_locate found and checked it. */
struct net_l4 {
    uint16_t ethertype; /* NET_ETHERTYPE_IPV4 or NET_ETHERTYPE_IPV6 */
    uint8_t proto;      /* NET_IPPROTO_TCP or NET_IPPROTO_UDP */
    size_t l3_off;      /* the IP header (NET_ETH_HLEN) */
    size_t l3_hlen;     /* IPv4: IHL * 4; IPv6: 40 */
    size_t l4_off;      /* the TCP/UDP header */
    size_t l4_hlen;     /* TCP: data offset * 4; UDP: 8 */
    size_t l4_len;      /* header and payload, from the IP length field; l4_off + l4_len <= len */
    size_t csum_off;    /* the TCP/UDP checksum field */
};

/* Finds and checks the TCP or UDP segment of frame[0, len): returns 0 with
 * *out filled, or -1 if the frame is not TCP/UDP over IPv4/IPv6 as above,
 * is truncated, or its lengths disagree (IHL < 5, IP length beyond the
 * frame or shorter than the headers, TCP data offset < 5 or past the
 * segment, UDP length other than the IP payload). Bytes after the IP
 * length (Ethernet padding) are not part of the segment. */
int net_l4_locate(const uint8_t *frame, size_t len, struct net_l4 *out);

/* The one's-complement sum of data[0, len) added to sum; returns it folded
 * to 16 bits (0..0xFFFF, not complemented). When a span is summed in
 * pieces, every piece but the last must have an even length; an odd last
 * byte is padded with a zero byte to a word (RFC 793 §3.1). */
uint32_t net_csum_add(uint32_t sum, const uint8_t *data, size_t len);

/* sum folded to 16 bits, not complemented. */
uint16_t net_csum_fold(uint32_t sum);

/* The pseudo-header sum (folded, not complemented) for the segment l4 of
 * frame: source and destination addresses, protocol, and l4->l4_len. This
 * is what a CHECKSUM_PARTIAL sender leaves in the checksum field. */
uint32_t net_csum_pseudo(const uint8_t *frame, const struct net_l4 *l4);

/* Completes the checksum of a csum_partial frame in place (Linux
 * skb_checksum_help): sums the segment from its L4 header to the end of its
 * payload, the checksum field as it is (it holds the pseudo-header sum),
 * and stores the complement. A UDP result of 0 is stored as 0xFFFF (0 means
 * "no checksum"; Linux CSUM_MANGLED_0). Only the two checksum bytes change.
 * Returns 0, or -1 with the frame untouched if net_l4_locate refuses it. */
int net_csum_complete(uint8_t *frame, size_t len);

/* Recomputes the IPv4 header checksum of ip_header in place. The caller has
 * checked that IHL >= 5 and that IHL * 4 bytes are there. */
void net_ipv4_header_csum(uint8_t *ip_header);

/* Whether the IPv4 header checksum of ip_header verifies (same
 * precondition as net_ipv4_header_csum). */
bool net_ipv4_header_csum_ok(const uint8_t *ip_header);

/* Whether frame[0, len) is a TCP/UDP segment that net_l4_locate takes and
 * whose checksum verifies over the pseudo-header, header and payload. A UDP
 * checksum of 0 ("none sent", and invalid over IPv6) does not count as
 * verified. */
bool net_l4_csum_ok(const uint8_t *frame, size_t len);

#endif
