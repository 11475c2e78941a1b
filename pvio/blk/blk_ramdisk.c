/* SPDX-License-Identifier: BSD-2-Clause */
/* RAM-disk blk_store: sector copies to and from a host buffer; pure, under the VM's lock. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pvio/blk/blk_ramdisk.h"

static struct blk_ramdisk *ramdisk_of(struct blk_store *s)
{
    return (struct blk_ramdisk *)(void *)((uint8_t *)s - offsetof(struct blk_ramdisk, store));
}

/* The caller promises the range; re-checking costs nothing and keeps a
 * caller's bug from becoming a host memory overrun. */
static uint8_t *sectors_at(struct blk_store *s, uint64_t sector, uint64_t count)
{
    if (count > s->sectors || sector > s->sectors - count)
        return NULL;
    return ramdisk_of(s)->base + sector * BLK_SECTOR_SIZE;
}

static int ramdisk_read(struct blk_store *s, uint64_t sector, uint32_t count, void *buf)
{
    uint8_t *p = sectors_at(s, sector, count);
    if (!p)
        return -1;
    memcpy(buf, p, (size_t)count * BLK_SECTOR_SIZE);
    return 0;
}

static int ramdisk_write(struct blk_store *s, uint64_t sector, uint32_t count, const void *buf)
{
    uint8_t *p = sectors_at(s, sector, count);
    if (!p || s->read_only)
        return -1;
    memcpy(p, buf, (size_t)count * BLK_SECTOR_SIZE);
    return 0;
}

static int ramdisk_flush(struct blk_store *s)
{
    (void)s;
    return 0;
}

static int ramdisk_discard(struct blk_store *s, uint64_t sector, uint64_t count)
{
    uint8_t *p = sectors_at(s, sector, count);
    if (!p || s->read_only)
        return -1;
    memset(p, 0, (size_t)(count * BLK_SECTOR_SIZE));
    return 0;
}

int blk_ramdisk_init(struct blk_ramdisk *rd, void *base, uint64_t bytes, bool read_only)
{
    if (!base || bytes == 0 || bytes % BLK_SECTOR_SIZE)
        return -1;
    memset(rd, 0, sizeof *rd);
    rd->base = base;
    rd->bytes = bytes;
    rd->store.sectors = bytes / BLK_SECTOR_SIZE;
    rd->store.read_only = read_only;
    rd->store.read = ramdisk_read;
    rd->store.write = ramdisk_write;
    rd->store.flush = ramdisk_flush;
    rd->store.discard = ramdisk_discard;
    return 0;
}
