/* SPDX-License-Identifier: BSD-2-Clause */
/* Wire facts of Ethernet II, IPv4, IPv6, TCP and UDP headers (offsets, constants, byte-order helpers); no state, any CPU. */
#ifndef KEEL_NET_ETHER_H
#define KEEL_NET_ETHER_H

/*
 * Offsets are from the start of each header; every multi-byte field on the
 * wire is big-endian (network order), and frames sit at any alignment, so
 * fields are read and written a byte at a time through net_get16 & co.
 */

#include <stdbool.h>
#include <stdint.h>

/* ---- Ethernet II (IEEE 802.3-2018 §3.2: destination, source, type) ----- */
#define NET_MAC_LEN  6
#define NET_ETH_HLEN 14
#define NET_ETH_DST  0
#define NET_ETH_SRC  6
#define NET_ETH_TYPE 12
/* The largest frame a port may hand the switch (Xen netif's XEN_NETIF_MAX_TX_SIZE). */
#define NET_FRAME_MAX 65535u
#define NET_MTU_FRAME 1514u /* largest non-GSO frame at MTU 1500 */

/* EtherTypes (IEEE EtherType registry; ARP: RFC 826; C-VLAN TPID: IEEE 802.1Q §9.5). */
#define NET_ETHERTYPE_IPV4 0x0800u
#define NET_ETHERTYPE_ARP  0x0806u
#define NET_ETHERTYPE_VLAN 0x8100u
#define NET_ETHERTYPE_IPV6 0x86DDu

/* ---- IPv4 (RFC 791 §3.1) ----------------------------------------------- */
#define NET_IPV4_HLEN_MIN    20u /* IHL 5 */
#define NET_IPV4_HLEN_MAX    60u /* IHL 15 */
#define NET_IPV4_VER_IHL     0   /* version (high nibble) = 4, IHL in 32-bit words (low) */
#define NET_IPV4_TOS         1
#define NET_IPV4_TOT_LEN     2 /* header + payload, bytes */
#define NET_IPV4_ID          4
#define NET_IPV4_FRAG        6 /* flags (3 bits) and fragment offset (13 bits, 8-byte units) */
#define NET_IPV4_TTL         8
#define NET_IPV4_PROTO       9
#define NET_IPV4_CSUM        10 /* one's complement of the header's one's-complement sum */
#define NET_IPV4_SRC         12
#define NET_IPV4_DST         16
#define NET_IPV4_ADDR_LEN    4
#define NET_IPV4_FRAG_DF     0x4000u
#define NET_IPV4_FRAG_MF     0x2000u
#define NET_IPV4_FRAG_OFFSET 0x1FFFu

/* ---- IPv6 (RFC 8200 §3) ------------------------------------------------ */
#define NET_IPV6_HLEN        40u
#define NET_IPV6_PAYLOAD_LEN 4 /* bytes after the fixed header, extension headers included */
#define NET_IPV6_NEXT_HDR    6
#define NET_IPV6_HOP_LIMIT   7
#define NET_IPV6_SRC         8
#define NET_IPV6_DST         24
#define NET_IPV6_ADDR_LEN    16

/* IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers"). */
#define NET_IPPROTO_TCP 6u
#define NET_IPPROTO_UDP 17u

/* ---- TCP (RFC 793 §3.1; ECE and CWR: RFC 3168 §6.1) ------------------- */
#define NET_TCP_HLEN_MIN 20u /* data offset 5 */
#define NET_TCP_HLEN_MAX 60u /* data offset 15 */
#define NET_TCP_SPORT    0
#define NET_TCP_DPORT    2
#define NET_TCP_SEQ      4
#define NET_TCP_ACK      8
#define NET_TCP_DOFF     12 /* header length in 32-bit words, high nibble */
#define NET_TCP_FLAGS    13
#define NET_TCP_WINDOW   14
#define NET_TCP_CSUM     16 /* over the pseudo-header, header and data */
#define NET_TCP_URG_PTR  18
#define NET_TCP_FIN      0x01u
#define NET_TCP_SYN      0x02u
#define NET_TCP_RST      0x04u
#define NET_TCP_PSH      0x08u
#define NET_TCP_ACK_FLAG 0x10u
#define NET_TCP_URG      0x20u
#define NET_TCP_ECE      0x40u
#define NET_TCP_CWR      0x80u

/* ---- UDP (RFC 768) ----------------------------------------------------- */
#define NET_UDP_HLEN  8u
#define NET_UDP_SPORT 0
#define NET_UDP_DPORT 2
#define NET_UDP_LEN   4 /* header + data, bytes */
#define NET_UDP_CSUM  6 /* 0 over IPv4 = "no checksum", so a computed 0 is sent as 0xFFFF */

/* ---- Byte order -------------------------------------------------------- */
static inline uint16_t net_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- MAC addresses (IEEE 802.3-2018 §3.2.3) --------------------------- */

/* Group address: the I/G bit, the first bit on the wire = bit 0 of octet 0.
 * Broadcast is the all-ones group address. */
static inline bool net_mac_is_multicast(const uint8_t *mac)
{
    return mac[0] & 1u;
}

static inline bool net_mac_is_broadcast(const uint8_t *mac)
{
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xFF;
}

static inline bool net_mac_is_zero(const uint8_t *mac)
{
    return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

/* What may be a frame's source: neither a group address nor all zeros
 * (Linux is_valid_ether_addr). */
static inline bool net_mac_is_valid_source(const uint8_t *mac)
{
    return !net_mac_is_multicast(mac) && !net_mac_is_zero(mac);
}

static inline bool net_mac_equal(const uint8_t *a, const uint8_t *b)
{
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
            (a[5] ^ b[5])) == 0;
}

/* 01:80:C2:00:00:00..0F, the addresses IEEE 802.1Q-2018 §8.6.3 (Table 8-1)
 * reserves for link-local protocols (STP, pause, LACP, 802.1X, LLDP): a
 * bridge never forwards them. */
static inline bool net_mac_is_link_local(const uint8_t *mac)
{
    return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xC2 && mac[3] == 0 && mac[4] == 0 &&
           (mac[5] & 0xF0) == 0;
}

#endif
