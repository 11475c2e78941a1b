/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's disks by name, for a backend: /dev/hda to /dev/hdd, whole or
 * one MBR primary partition, each as a blk_store over an LBA range. The disks
 * come through a hook that the disk driver on a higher floor fills in (Keel:
 * drivers/ata.c, when it probes); pure, any CPU once the driver is there. */
#ifndef KEEL_BLOCK_DISK_H
#define KEEL_BLOCK_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "block/blk_store.h"

#define BLK_DISKS 4             /* index 0 = /dev/hda ... 3 = /dev/hdd */

/* A usable disk, as its driver hands it out. */
struct blk_disk {
    void *dev;                  /* the driver's own, passed back to its hooks */
    const char *name;           /* "/dev/hdb" */
    uint64_t sectors;           /* 512-byte sectors */
};

/* What the disk driver provides. Transfers are synchronous, within the disk,
 * callable from any CPU, and return 0 or a negative error of the driver's. */
struct blk_disk_driver {
    /* Disk `index` (< BLK_DISKS): 0 with *out filled, or -1 with a message for
     * the user in why ("no disk at /dev/hdc") when it is not a usable disk. */
    int (*get)(void *ctx, unsigned index, struct blk_disk *out, char *why, size_t why_size);
    int (*read)(void *dev, uint64_t sector, uint32_t count, void *buf);
    int (*write)(void *dev, uint64_t sector, uint32_t count, const void *buf);
    /* Returns once the disk's write cache holds nothing written before. */
    int (*flush)(void *dev);
    /* The disk's last failure, for messages ("READ SECTORS EXT at sector 12: ..."). */
    void (*describe_fault)(const void *dev, char *buf, size_t size);
    void *ctx;
};

/* The driver calls this once it has probed its disks (the last call counts);
 * before that, no name resolves. */
void blk_disk_set_driver(const struct blk_disk_driver *driver);

/* A disk, or an LBA range of it, as blkback's backing store. The blk_store is
 * the first member so that blkback's pointer leads back here. */
struct blk_disk_store {
    struct blk_store store;
    const struct blk_disk_driver *driver;
    void *dev;
    uint64_t first_sector;      /* store sector 0 is this disk sector */
    bool write_through;         /* FLUSH after every write (off by default) */
    char name[12];              /* "/dev/hdb1", for messages */
};

/* Resolve a Linux-IDE-style name to a store: /dev/hda = primary master,
 * /dev/hdb = primary slave, /dev/hdc, /dev/hdd = secondary; /dev/hdbN = MBR
 * primary partition N (1-4) of that disk. Returns 0, or -1 with a message for
 * the user in why, e.g. "no disk at /dev/hdc", "/dev/hdb has no partition 3",
 * "/dev/hda: not an ATA disk (ATAPI)". Nothing records who uses a disk:
 * keeping two VMs from writing one range is the caller's business. */
int blk_disk_open(const char *name, struct blk_disk_store *out, char *why, size_t why_size);

#endif
