/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's disks by name (/dev/hdX[N]) as block stores, whole or an MBR
 * primary partition, over the disk driver's hook; pure, any CPU once the
 * driver is there. */
#include <string.h>
#include "block/disk.h"
#include "block/mbr.h"
#include "lib/print.h"

static const struct blk_disk_driver *driver;

void blk_disk_set_driver(const struct blk_disk_driver *drv)
{
    driver = drv;
}

/* ---- block stores ---------------------------------------------------------- */

static struct blk_disk_store *as_disk(struct blk_store *s)
{
    return (struct blk_disk_store *)s;  /* store is the first member */
}

static int store_read(struct blk_store *s, uint64_t sector, uint32_t count, void *buf)
{
    struct blk_disk_store *a = as_disk(s);
    return a->driver->read(a->dev, a->first_sector + sector, count, buf) ? -1 : 0;
}

static int store_write(struct blk_store *s, uint64_t sector, uint32_t count, const void *buf)
{
    struct blk_disk_store *a = as_disk(s);
    if (a->driver->write(a->dev, a->first_sector + sector, count, buf))
        return -1;
    return a->write_through && a->driver->flush(a->dev) ? -1 : 0;
}

static int store_flush(struct blk_store *s)
{
    struct blk_disk_store *a = as_disk(s);
    return a->driver->flush(a->dev) ? -1 : 0;
}

/* Fill *out for [first_sector, first_sector + sectors) of disk d. Returns 0,
 * or -1 if the range is empty or leaves the disk. */
static int make_store(const struct blk_disk *d, uint64_t first_sector, uint64_t sectors,
                      struct blk_disk_store *out)
{
    if (!sectors || first_sector > d->sectors || sectors > d->sectors - first_sector)
        return -1;
    memset(out, 0, sizeof(*out));
    out->store.sectors = sectors;
    out->store.read = store_read;
    out->store.write = store_write;
    out->store.flush = store_flush;
    out->driver = driver;
    out->dev = d->dev;
    out->first_sector = first_sector;
    snprintf(out->name, sizeof(out->name), "%s", d->name);
    return 0;
}

/* ---- names ----------------------------------------------------------------- */

/* "/dev/hd" + a..d + optional 1..4, nothing after. Returns the disk index, or
 * -1; *part gets 0 (whole disk) or the partition number. */
static int parse_name(const char *name, unsigned *part, bool *bad_part)
{
    static const char prefix[] = "/dev/hd";
    *part = 0;
    *bad_part = false;
    if (strncmp(name, prefix, sizeof(prefix) - 1))
        return -1;
    const char *p = name + sizeof(prefix) - 1;
    if (*p < 'a' || *p > 'a' + BLK_DISKS - 1)
        return -1;
    int index = *p++ - 'a';
    if (!*p)
        return index;
    if (*p >= '1' && *p <= '9' && !p[1]) {
        *part = (unsigned)(*p - '0');
        *bad_part = *part > MBR_PRIMARY;
        return index;
    }
    if (*p >= '1' && *p <= '9' && p[1] >= '0' && p[1] <= '9') {
        *bad_part = true;       /* hdb10 and up: logical partitions */
        return index;
    }
    return -1;
}

int blk_disk_open(const char *name, struct blk_disk_store *out, char *why, size_t why_size)
{
    unsigned part;
    bool bad_part;
    int index = parse_name(name, &part, &bad_part);
    if (index < 0) {
        snprintf(why, why_size, "'%s' is not a disk name (/dev/hda to /dev/hdd, optionally "
                 "with a partition number 1-4)", name);
        return -1;
    }
    if (bad_part) {
        snprintf(why, why_size, "%s: only MBR primary partitions 1-4 are supported", name);
        return -1;
    }
    if (!driver) {
        snprintf(why, why_size, "%s: no disk driver has probed the machine's disks", name);
        return -1;
    }
    struct blk_disk disk, *d = &disk;
    if (driver->get(driver->ctx, (unsigned)index, d, why, why_size))
        return -1;
    if (!part) {
        (void)make_store(d, 0, d->sectors, out);
        return 0;
    }

    uint8_t sector0[MBR_SECTOR_SIZE];
    struct mbr_table table;
    if (driver->read(d->dev, 0, 1, sector0)) {
        char what[128];
        driver->describe_fault(d->dev, what, sizeof(what));
        snprintf(why, why_size, "%s: cannot read its partition table: %s", d->name, what);
        return -1;
    }
    if (mbr_parse(sector0, d->sectors, &table) != MBR_OK) {
        snprintf(why, why_size, "%s has no partition table, so no partition %u", d->name, part);
        return -1;
    }
    if (table.gpt) {
        snprintf(why, why_size, "%s has a GPT partition table, which Keel does not read; "
                 "name the whole disk", d->name);
        return -1;
    }
    const struct mbr_entry *e = &table.entry[part - 1];
    if (e->state == MBR_ENTRY_EMPTY) {
        snprintf(why, why_size, "%s has no partition %u", d->name, part);
        return -1;
    }
    if (mbr_type_is_extended(e->type)) {
        snprintf(why, why_size, "%s is an extended partition; logical partitions are not "
                 "supported", name);
        return -1;
    }
    if (e->state == MBR_ENTRY_OUT_OF_RANGE) {
        snprintf(why, why_size, "%s lies outside the disk (sectors %lu+%lu of %lu)", name,
                 e->first_sector, e->sectors, d->sectors);
        return -1;
    }
    (void)make_store(d, e->first_sector, e->sectors, out);
    snprintf(out->name, sizeof(out->name), "%s%u", d->name, part);
    return 0;
}
