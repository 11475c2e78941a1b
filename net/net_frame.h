/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload state that travels with a frame between a port's owner, the switch and queues; layout only, no code. */
#ifndef KEEL_NET_NET_FRAME_H
#define KEEL_NET_NET_FRAME_H

/*
 * The fields mirror Xen netif's TX/RX flags and GSO extra (xen-netif.md
 * §2.5) and Linux's skb state, so a backend maps them one to one:
 * csum_blank = csum_partial, data_validated = data_validated, the GSO
 * extra's size and type = gso_size and gso_type.
 */

#include <stdbool.h>
#include <stdint.h>

enum net_gso_type { NET_GSO_NONE = 0, NET_GSO_TCPV4 = 1, NET_GSO_TCPV6 = 2 };

struct net_offload {
    /* The TCP/UDP checksum field holds only the folded pseudo-header sum
     * (Linux CHECKSUM_PARTIAL / Xen csum_blank): complete it before it meets
     * a port that did not ask for that. */
    bool csum_partial;
    bool data_validated; /* the sender vouches for the checksum (Xen data_validated) */
    uint16_t gso_size;   /* TCP segmentation offload: the MSS; 0 = an ordinary frame */
    uint8_t gso_type;    /* enum net_gso_type when gso_size != 0 */
};

#endif
