/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual block device's control path (Linux's xen-blkback xenbus.c has
 * the same role): its backing store, its frontend and backend xenstore nodes,
 * and the XenbusState handshake that connects blkback's ring and event
 * channel. Boot CPU (create/destroy); watch callbacks and kicks run on a
 * vCPU's CPU under the VM's lock. */
#ifndef KEEL_PVIO_VBD_H
#define KEEL_PVIO_VBD_H

#include <stddef.h>
#include <stdint.h>
#include "host/bootinfo.h"
#include "block/disk.h"
#include "pvio/blk_ramdisk.h"
#include "pvio/blkback.h"
#include "vm/config.h"

struct xen_domain;

struct xen_vbd {
    struct xen_domain *d;
    unsigned index;             /* in d->vbd[] */
    struct vm_disk cfg;
    char fe_path[64];           /* /local/domain/<D>/device/vbd/<vdev> */
    char be_path[64];           /* /local/domain/0/backend/vbd/<D>/<vdev> */
    union {
        struct blk_ramdisk ram;
        struct blk_disk_store disk;
    } backing;
    struct blk_store *store;
    uint32_t port;              /* the frontend's event channel while connected */
    unsigned state;             /* the backend's XenbusState */
    unsigned messages;          /* console lines printed about it */
    struct blkback blk;
};

/* Set up disk `cfg` of domain d as d->vbd[index]: 0, or -1 with why[] set. */
int vbd_create(struct xen_vbd *vbd, unsigned index, struct xen_domain *d, const struct vm_disk *cfg,
               const struct boot_info *bi, char *why, size_t why_size);
/* Serve the ring (deferred work; also what a frontend notification does). */
void vbd_kick(struct xen_vbd *vbd);
/* Disconnect; flush the store if it was written. */
void vbd_destroy(struct xen_vbd *vbd);

#endif
