/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksums over Ethernet frames: locate the TCP/UDP segment, sum, complete, verify; pure, any CPU. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/csum.h"
#include "net/ether.h"

/* The sum is summed in the CPU's byte order, 64 bits at a time, and swapped
 * to network order once at the end: the one's-complement sum does not care
 * about byte order or word width as long as carries wrap around (RFC 1071
 * §2 (B), (C)). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "net_csum_add assumes little-endian words");

/* Unaligned load; __builtin_ so that -fno-builtin still makes it one move. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static uint16_t fold64(uint64_t s)
{
    s = (s & 0xFFFFFFFFu) + (s >> 32); /* < 2^33 */
    s = (s & 0xFFFFFFFFu) + (s >> 32); /* <= 2^32 */
    s = (s & 0xFFFFu) + (s >> 16);     /* <= 0x1FFFF */
    s = (s & 0xFFFFu) + (s >> 16);     /* <= 0x10000 */
    s = (s & 0xFFFFu) + (s >> 16);
    return (uint16_t)s;
}

static uint16_t swap16(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}

uint16_t net_csum_fold(uint32_t sum)
{
    return fold64(sum);
}

uint32_t net_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    uint64_t acc = swap16(fold64(sum)), v;
    size_t i = 0;

    for (; len - i >= 8; i += 8) {
        v = load64(data + i);
        acc += v;
        acc += acc < v; /* end-around carry */
    }
    if (i < len) {
        /* Zero-padded tail; a lone last byte lands in the low half of its
         * little-endian word, i.e. the high byte on the wire. */
        uint8_t tail[8] = { 0 };
        for (size_t k = 0; i + k < len; k++)
            tail[k] = data[i + k];
        v = load64(tail);
        acc += v;
        acc += acc < v;
    }
    return swap16(fold64(acc));
}

int net_l4_locate(const uint8_t *frame, size_t len, struct net_l4 *out)
{
    struct net_l4 l = { .l3_off = NET_ETH_HLEN };
    const uint8_t *ip = frame + NET_ETH_HLEN;
    size_t ip_len; /* IP header + payload, per the IP header */

    if (len < NET_ETH_HLEN)
        return -1;
    l.ethertype = net_get16(frame + NET_ETH_TYPE);
    if (l.ethertype == NET_ETHERTYPE_IPV4) {
        if (len - NET_ETH_HLEN < NET_IPV4_HLEN_MIN || ip[NET_IPV4_VER_IHL] >> 4 != 4)
            return -1;
        l.l3_hlen = (size_t)(ip[NET_IPV4_VER_IHL] & 0xFu) * 4;
        ip_len = net_get16(ip + NET_IPV4_TOT_LEN);
        /* A fragment's transport header or payload is elsewhere. */
        if (net_get16(ip + NET_IPV4_FRAG) & (NET_IPV4_FRAG_MF | NET_IPV4_FRAG_OFFSET))
            return -1;
        l.proto = ip[NET_IPV4_PROTO];
    } else if (l.ethertype == NET_ETHERTYPE_IPV6) {
        if (len - NET_ETH_HLEN < NET_IPV6_HLEN || ip[0] >> 4 != 6)
            return -1;
        l.l3_hlen = NET_IPV6_HLEN;
        /* Payload length 0 is a jumbogram, whose length sits in a hop-by-hop
         * option: refused below, as that is an extension header. */
        ip_len = NET_IPV6_HLEN + (size_t)net_get16(ip + NET_IPV6_PAYLOAD_LEN);
        l.proto = ip[NET_IPV6_NEXT_HDR];
    } else {
        return -1;
    }
    if (l.l3_hlen < NET_IPV4_HLEN_MIN || ip_len < l.l3_hlen || ip_len > len - NET_ETH_HLEN)
        return -1;
    if (l.proto != NET_IPPROTO_TCP && l.proto != NET_IPPROTO_UDP)
        return -1;

    l.l4_off = NET_ETH_HLEN + l.l3_hlen;
    l.l4_len = ip_len - l.l3_hlen;
    const uint8_t *l4 = frame + l.l4_off;
    if (l.proto == NET_IPPROTO_TCP) {
        if (l.l4_len < NET_TCP_HLEN_MIN)
            return -1;
        l.l4_hlen = (size_t)(l4[NET_TCP_DOFF] >> 4) * 4;
        if (l.l4_hlen < NET_TCP_HLEN_MIN || l.l4_hlen > l.l4_len)
            return -1;
        l.csum_off = l.l4_off + NET_TCP_CSUM;
    } else {
        if (l.l4_len < NET_UDP_HLEN || net_get16(l4 + NET_UDP_LEN) != l.l4_len)
            return -1;
        l.l4_hlen = NET_UDP_HLEN;
        l.csum_off = l.l4_off + NET_UDP_CSUM;
    }
    *out = l;
    return 0;
}

uint32_t net_csum_pseudo(const uint8_t *frame, const struct net_l4 *l4)
{
    const uint8_t *ip = frame + l4->l3_off;
    uint32_t sum;

    /* Source and destination are adjacent in both versions. */
    if (l4->ethertype == NET_ETHERTYPE_IPV4)
        sum = net_csum_add(0, ip + NET_IPV4_SRC, 2 * NET_IPV4_ADDR_LEN);
    else
        sum = net_csum_add(0, ip + NET_IPV6_SRC, 2 * NET_IPV6_ADDR_LEN);
    /* IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, three zero
     * bytes, next header. Both come to these words (l4_len < 2^16). */
    return net_csum_fold(sum + l4->proto + (uint32_t)l4->l4_len);
}

int net_csum_complete(uint8_t *frame, size_t len)
{
    struct net_l4 l4;
    if (net_l4_locate(frame, len, &l4) != 0)
        return -1;
    uint16_t c = (uint16_t)~net_csum_add(0, frame + l4.l4_off, l4.l4_len);
    if (c == 0 && l4.proto == NET_IPPROTO_UDP)
        c = 0xFFFF;
    net_put16(frame + l4.csum_off, c);
    return 0;
}

void net_ipv4_header_csum(uint8_t *ip_header)
{
    size_t hlen = (size_t)(ip_header[NET_IPV4_VER_IHL] & 0xFu) * 4;
    net_put16(ip_header + NET_IPV4_CSUM, 0);
    net_put16(ip_header + NET_IPV4_CSUM, (uint16_t)~net_csum_add(0, ip_header, hlen));
}

bool net_ipv4_header_csum_ok(const uint8_t *ip_header)
{
    size_t hlen = (size_t)(ip_header[NET_IPV4_VER_IHL] & 0xFu) * 4;
    return net_csum_add(0, ip_header, hlen) == 0xFFFF;
}

bool net_l4_csum_ok(const uint8_t *frame, size_t len)
{
    struct net_l4 l4;
    if (net_l4_locate(frame, len, &l4) != 0)
        return false;
    if (l4.proto == NET_IPPROTO_UDP && net_get16(frame + l4.csum_off) == 0)
        return false;
    uint32_t sum = net_csum_add(net_csum_pseudo(frame, &l4), frame + l4.l4_off, l4.l4_len);
    return sum == 0xFFFF;
}
