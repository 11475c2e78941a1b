/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual block device's control path (Linux's xen-blkback xenbus.c has
 * the same role): its backing store, its frontend and backend xenstore nodes,
 * and the XenbusState handshake that connects blkback's ring and event
 * channel. The VM attaches one per disk to its domain after creating it;
 * the domain destroys it. Boot CPU (create/destroy); watch callbacks and
 * kicks run on a vCPU's CPU under the VM's lock. */
#ifndef KEEL_PVIO_VBD_H
#define KEEL_PVIO_VBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "host/bootinfo.h"
#include "block/disk.h"
#include "pvio/blk/blk_ramdisk.h"
#include "pvio/blk/blkback.h"
#include "pvio/xen/xenbus_device.h"

struct xen_domain;

#define VBD_TARGET_MAX 128      /* bytes, NUL included */

/* What a virtual disk is, as the VM's config says (xl's DISKSPEC, parsed
 * by vm/; the VM copies it here). */
struct vbd_config {
    char target[VBD_TARGET_MAX];    /* a boot module's path (RAM disk) or /dev/hdX[N] */
    char vdev_name[8];              /* "xvda".."xvdp" */
    uint16_t vdev;                  /* Xen virtual-device number: 202 << 8 | index << 4 */
    bool read_only;
};

struct xen_vbd {
    struct xen_domain *d;
    unsigned index;             /* the domain's backend index */
    struct vbd_config cfg;
    struct xenbus_device dev;   /* device/vbd/<vdev>, backend/vbd/<D>/<vdev> */
    union {
        struct blk_ramdisk ram;
        struct blk_disk_store disk;
    } backing;
    struct blk_store *store;
    uint32_t port;              /* the frontend's event channel while connected */
    struct blkback blk;
};

/* Attach disk `cfg` to domain d (its backing store opened, its xenstore
 * nodes written, waiting for the frontend): 0, or -1 with why[] set and
 * nothing attached. The domain destroys it (disconnect, flush if written). */
int vbd_create(struct xen_domain *d, const struct vbd_config *cfg, const struct boot_info *bi,
               char *why, size_t why_size);

#endif
