/* SPDX-License-Identifier: BSD-2-Clause */
/* A block device's backing store as blkback sees it: 512-byte sectors read,
 * written and flushed synchronously. Implemented by a RAM disk (a boot module)
 * and by the machine's disks by name (block/disk.h, over the ATA driver); any
 * context that holds the VM's lock. */
#ifndef KEEL_BLOCK_BLK_STORE_H
#define KEEL_BLOCK_BLK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define BLK_SECTOR_SIZE 512u

struct blk_store {
    uint64_t sectors;           /* size in 512-byte sectors */
    bool read_only;             /* the medium itself refuses writes */
    /* Each returns 0, or -1 on a device error. The caller has checked that
     * [sector, sector + count) lies within `sectors`; count >= 1. */
    int (*read)(struct blk_store *s, uint64_t sector, uint32_t count, void *buf);
    int (*write)(struct blk_store *s, uint64_t sector, uint32_t count, const void *buf);
    /* Returns only once everything written before it is on stable media. */
    int (*flush)(struct blk_store *s);
    /* May be NULL: the store cannot discard (blkback then does not offer it). */
    int (*discard)(struct blk_store *s, uint64_t sector, uint64_t count);
};

#endif
