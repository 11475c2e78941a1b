/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual network interface's control path (Linux's xen-netback xenbus.c
 * has the same role): its xenstore nodes, the XenbusState handshake that
 * connects netback's rings and event channel, and its port on a bridge of
 * the virtual switch. The VM attaches one per `vif` entry after creating
 * its domain; the domain destroys it. Boot CPU (create/destroy); watch
 * callbacks and kicks on a vCPU's CPU under the VM's lock; the switch's
 * deliveries from any CPU. */
#ifndef KEEL_PVIO_VIF_H
#define KEEL_PVIO_VIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/ether.h"
#include "net/frame_queue.h"
#include "net/vswitch.h"
#include "pvio/net/netback.h"
#include "pvio/xen/xenbus_device.h"

struct xen_domain;

/* Frames waiting for the guest's RX buffers: 128 pages, as Linux's
 * XENVIF_RX_QUEUE_BYTES; past that the switch drops and counts. */
#define VIF_RX_QUEUE_BYTES  (128u * 4096u)

/* What the VM's config says (xl's VIFSPEC, parsed by vm/; the VM copies it). */
struct vif_config {
    unsigned devid;                 /* the vif's index in the config: device/vif/<devid> */
    uint8_t mac[NET_MAC_LEN];       /* the guest's */
    char name[16];                  /* the port's: vifname, or vif<domid>.<devid> */
};

struct xen_vif {
    struct xen_domain *d;
    unsigned index;                 /* the domain's backend index */
    struct vif_config cfg;
    struct xenbus_device dev;
    uint32_t port;                  /* the frontend's event channel while connected */
    volatile bool connected;        /* read by the switch's deliveries */
    struct net_port sw;             /* its port on the bridge */
    struct frame_queue rxq;
    struct netback nb;
    uint8_t rxq_buf[VIF_RX_QUEUE_BYTES];
};

/* Attach vif `cfg` to domain d and to bridge br: 0, or -1 with why[] set
 * (another port on the bridge has its MAC; no memory) and nothing attached.
 * The domain destroys it (port detached first, then rings unpinned). */
int vif_create(struct xen_domain *d, const struct vif_config *cfg, struct vswitch_bridge *br,
               char *why, size_t why_size);

#endif
