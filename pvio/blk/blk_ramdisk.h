/* SPDX-License-Identifier: BSD-2-Clause */
/* A blk_store over a host memory buffer (a boot module used as a RAM disk); pure, under the VM's lock. */
#ifndef KEEL_PVIO_BLK_RAMDISK_H
#define KEEL_PVIO_BLK_RAMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "block/blk_store.h"

struct blk_ramdisk {
    struct blk_store store;     /* what blkback is given: &rd->store */
    uint8_t *base;
    uint64_t bytes;
};

/* bytes must be a non-zero multiple of 512. Flush is a no-op (RAM is as
 * stable as it gets), discard zeroes the sectors, writes and discards fail
 * on a read-only disk. 0, or -1 on bad arguments. */
int blk_ramdisk_init(struct blk_ramdisk *rd, void *base, uint64_t bytes, bool read_only);

#endif
