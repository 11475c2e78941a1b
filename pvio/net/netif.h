/* SPDX-License-Identifier: BSD-2-Clause */
/* The Xen PV network wire format (netif): ring entries, flags and limits, as
 * xen/include/public/io/netif.h defines them and Linux 6.1's xen-netfront
 * and xen-netback use them. Facts only; little-endian x86 layout. */
#ifndef KEEL_PVIO_NETIF_H
#define KEEL_PVIO_NETIF_H

#include <stdint.h>

/* Both rings are one page: TX entries are 12 bytes, RX 8; the entry count
 * is the largest power of two that fits after the 64-byte header (256). */
#define NETIF_TX_ENTRY_SIZE     12u
#define NETIF_RX_ENTRY_SIZE     8u

/* XEN_NETIF_NR_SLOTS_MIN: every backend takes packets of up to this many
 * TX slots. Linux netback drops packets with more slots after the first,
 * and treats more than fatal_skb_slots (20) as a fatal frontend error
 * (drivers/net/xen-netback/netback.c xenvif_count_requests). */
#define NETIF_NR_SLOTS_MIN      18u
#define NETIF_FATAL_SLOTS       20u
/* XEN_NETIF_MAX_TX_SIZE: a TX packet's total length fits in 16 bits. */
#define NETIF_MAX_TX_SIZE       0xFFFFu
#define NETIF_PAGE_SIZE         4096u

/* TX request flags (NETTXF_*). */
#define NETTXF_CSUM_BLANK       (1u << 0)   /* checksum field holds the pseudo-header sum */
#define NETTXF_DATA_VALIDATED   (1u << 1)
#define NETTXF_MORE_DATA        (1u << 2)   /* another data slot follows */
#define NETTXF_EXTRA_INFO       (1u << 3)   /* extra-info slots follow this one */

/* RX response flags (NETRXF_*): bits 0 and 1 are swapped against TX. */
#define NETRXF_DATA_VALIDATED   (1u << 0)
#define NETRXF_CSUM_BLANK       (1u << 1)
#define NETRXF_MORE_DATA        (1u << 2)
#define NETRXF_EXTRA_INFO       (1u << 3)

/* Response status. */
#define NETIF_RSP_DROPPED       (-2)
#define NETIF_RSP_ERROR         (-1)
#define NETIF_RSP_OKAY          0
#define NETIF_RSP_NULL          1           /* the response to an extra-info slot */

/* Extra-info types (XEN_NETIF_EXTRA_TYPE_*) and flags. */
#define NETIF_EXTRA_TYPE_NONE       0u
#define NETIF_EXTRA_TYPE_GSO        1u
#define NETIF_EXTRA_TYPE_MCAST_ADD  2u
#define NETIF_EXTRA_TYPE_MCAST_DEL  3u
#define NETIF_EXTRA_TYPE_HASH       4u
#define NETIF_EXTRA_TYPE_MAX        5u      /* Xen's header (Linux adds XDP = 5) */
#define NETIF_EXTRA_FLAG_MORE       (1u << 0)

/* GSO types (XEN_NETIF_GSO_TYPE_*). */
#define NETIF_GSO_TYPE_NONE     0u
#define NETIF_GSO_TYPE_TCPV4    1u
#define NETIF_GSO_TYPE_TCPV6    2u

struct netif_tx_request {
    uint32_t gref;
    uint16_t offset;            /* in the granted page */
    uint16_t flags;             /* NETTXF_* */
    uint16_t id;                /* echoed in the response */
    uint16_t size;              /* first slot: the whole packet; others: this slot */
};
_Static_assert(sizeof(struct netif_tx_request) == NETIF_TX_ENTRY_SIZE, "netif_tx_request");

struct netif_tx_response {
    uint16_t id;
    int16_t status;             /* NETIF_RSP_* */
};

struct netif_rx_request {
    uint16_t id;
    uint16_t pad;
    uint32_t gref;              /* a whole page the frontend grants writable */
};
_Static_assert(sizeof(struct netif_rx_request) == NETIF_RX_ENTRY_SIZE, "netif_rx_request");

struct netif_rx_response {
    uint16_t id;
    uint16_t offset;
    uint16_t flags;             /* NETRXF_* */
    int16_t status;             /* bytes in this slot, or NETIF_RSP_* < 0 */
};
_Static_assert(sizeof(struct netif_rx_response) == NETIF_RX_ENTRY_SIZE, "netif_rx_response");

/* An extra-info slot, in either ring (it takes a whole entry: 8 of TX's 12). */
struct netif_extra_info {
    uint8_t type;               /* NETIF_EXTRA_TYPE_* */
    uint8_t flags;              /* NETIF_EXTRA_FLAG_* */
    union {
        struct {
            uint16_t size;      /* the MSS */
            uint8_t type;       /* NETIF_GSO_TYPE_* */
            uint8_t pad;
            uint16_t features;  /* 0 */
        } gso;
        struct {
            uint8_t addr[6];
        } mcast;
        uint16_t pad[3];
    } u;
};
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif_extra_info");

#endif
