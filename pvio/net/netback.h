/* SPDX-License-Identifier: BSD-2-Clause */
/* Data path of one Xen PV network interface (netback): TX ring requests
 * gathered from granted pages into frames for the switch, queued frames
 * copied into the guest's posted RX buffers; pure, under the VM's lock. */
#ifndef KEEL_PVIO_NETBACK_H
#define KEEL_PVIO_NETBACK_H

/*
 * The control path (pvio/net/vif.c) connects it once the frontend has
 * published its ring refs, and calls netback_kick when the frontend
 * notifies the (single) event channel or the switch queued frames for it.
 *
 * TX, per packet, as Linux's xen-netback treats it (netback.c
 * xenvif_tx_build_gops, xenvif_count_requests, xenvif_get_extras): every
 * request is copied out of the ring before it is looked at, then
 *   - fatal (the interface is disabled until the frontend reconnects):
 *     req_prod more than a ring ahead; an extra-info slot missing or of type
 *     0 or >= NETIF_EXTRA_TYPE_MAX; a packet claiming more slots than are
 *     published or more than NETIF_FATAL_SLOTS after the first; a slot
 *     crossing its page; a GSO extra with size 0 or an unknown type;
 *   - dropped, every slot answered NETIF_RSP_ERROR: more than
 *     NETIF_NR_SLOTS_MIN slots after the first, a slot larger than what is
 *     left of the packet's size, a first slot shorter than an Ethernet
 *     header, a grant that cannot be read;
 *   - otherwise the data is copied out of the granted pages (grants held only
 *     for the copy) and every slot answered OKAY (extras NETIF_RSP_NULL),
 *     one response per request in its own slot, before the frame goes on.
 * RX, per frame: it waits in the queue until the frontend has posted enough
 * requests (one per 4 KiB, one more for a GSO extra), asking to be notified
 * (req_event) when it has not; each slot's response goes at its request's
 * index with the request's id, and a grant that cannot be written fails
 * that slot with NETIF_RSP_ERROR (netfront drops the packet).
 * Notifications follow the rings' req_event/rsp_event hold-off: at most one
 * per kick, only when the frontend asked for one of the new responses.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ether.h"
#include "net/frame_queue.h"
#include "net/net_frame.h"
#include "pvio/net/netif.h"
#include "pvio/xen/grant_table.h"
#include "pvio/xen/xen_ring.h"

/* One kick handles at most this many packets each way; the rest waits for
 * the next VM entry, so a guest that keeps sending cannot hold its lock. */
#define NETBACK_KICK_BUDGET     64u

#define NETBACK_OK          0
#define NETBACK_MORE        1       /* budget spent with work left: kick again */
#define NETBACK_EINVAL      (-1)
#define NETBACK_EGRANT      (-2)    /* a ring ref could not be pinned writable */
#define NETBACK_EBROKEN     (-3)    /* the frontend broke the protocol: see `fatal` */
#define NETBACK_ENOTCONN    (-4)

/* What the frontend wrote in xenstore (Linux netfront writes them all). */
struct netback_features {
    bool rx_notify;             /* feature-rx-notify: it kicks when posting RX requests */
    bool sg;                    /* feature-sg: takes multi-slot RX packets */
    bool gso_tcpv4, gso_tcpv6;  /* feature-gso-tcpv4/6: takes GSO extras on RX */
    bool csum_offload;          /* not feature-no-csum-offload=1: takes csum_blank IPv4 */
    bool ipv6_csum_offload;     /* feature-ipv6-csum-offload */
};

struct netback_stats {
    uint64_t tx_packets, tx_bytes;      /* guest -> switch */
    uint64_t tx_errors;                 /* packets answered NETIF_RSP_ERROR */
    uint64_t rx_packets, rx_bytes;      /* switch -> guest */
    uint64_t rx_errors;                 /* frames lost on the way in (grant, no GSO) */
    uint64_t notifications;
};

struct netback {
    struct frame_queue *rxq;    /* frames the switch queued for the guest */
    /* Where TX frames go (the switch), under the VM's lock. */
    void (*transmit)(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off);
    void (*notify)(void *ctx);  /* raise the frontend's event channel */
    void *ctx;

    bool connected;
    bool disabled;              /* a fatal error: nothing more until reconnect */
    const char *fatal;          /* why, for the console */
    struct grant_table *gt;
    uint32_t tx_ref, rx_ref;
    struct xen_back_ring tx, rx;
    struct netback_features fe;
    struct netback_stats stats;

    uint8_t frame[NET_FRAME_MAX];   /* one packet, private: TX gather, RX staging */
};

/* A disconnected interface: frames for the guest come from rxq, frames from
 * it go to transmit(ctx, ...), notify(ctx) raises its event channel. */
void netback_init(struct netback *nb, struct frame_queue *rxq,
                  void (*transmit)(void *ctx, const uint8_t *frame, size_t len,
                                   const struct net_offload *off),
                  void (*notify)(void *ctx), void *ctx);

/* Attach to the frontend's two one-page rings, each pinned writable in gt
 * until disconnect. NETBACK_OK, _EINVAL (already connected), _EGRANT, or
 * _EBROKEN (indices impossible); nothing stays pinned on failure. */
int netback_connect(struct netback *nb, struct grant_table *gt, uint32_t tx_ref, uint32_t rx_ref,
                    const struct netback_features *fe);

/* Unpin the rings; clears `disabled`. A no-op when not connected. */
void netback_disconnect(struct netback *nb);

/* Serve both rings, one budget each way: NETBACK_OK, _MORE, _ENOTCONN, or
 * _EBROKEN (nothing more is done until netback_disconnect). */
int netback_kick(struct netback *nb);

#endif
