/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's own ATA disks on the two legacy IDE channels: polled PIO, callable from any CPU. */
#ifndef KEEL_CORE_HOST_ATA_H
#define KEEL_CORE_HOST_ATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86/spinlock.h"

/* How the driver reaches the channels: port I/O and a clock. Keel's own uses
 * in/out instructions and the TSC; a host unit test attaches a simulated
 * device. Ports are absolute (0x1f0...). */
struct host_ata_io {
    uint8_t (*inb)(void *ctx, uint16_t port);
    void (*outb)(void *ctx, uint16_t port, uint8_t v);
    void (*insw)(void *ctx, uint16_t port, void *buf, uint32_t words);        /* rep insw */
    void (*outsw)(void *ctx, uint16_t port, const void *buf, uint32_t words);  /* rep outsw */
    uint64_t (*now_ns)(void *ctx);  /* monotonic nanoseconds: bounds every wait */
    void *ctx;
};

/* Every wait on the device is bounded; after a timeout or a protocol breach
 * the channel is soft-reset so that the next command has a chance. */
#define HOST_ATA_PROBE_TIMEOUT_NS   2000000000ull   /* BSY at probe, IDENTIFY */
#define HOST_ATA_IO_TIMEOUT_NS      10000000000ull  /* each data block of a read/write */
#define HOST_ATA_FLUSH_TIMEOUT_NS   30000000000ull  /* FLUSH CACHE (EXT) */
#define HOST_ATA_RESET_TIMEOUT_NS   10000000000ull  /* BSY after SRST */

#define HOST_ATA_CHANNELS   2
#define HOST_ATA_DISKS      4       /* index = channel * 2 + unit: hda hdb hdc hdd */

enum host_ata_err {
    HOST_ATA_OK = 0,
    HOST_ATA_ENODEV = -1,       /* nothing answers at that position */
    HOST_ATA_EATAPI = -2,       /* a PACKET (ATAPI) device, e.g. the boot CD-ROM */
    HOST_ATA_ENOLBA = -3,       /* a CHS-only disk: not supported */
    HOST_ATA_ETIMEDOUT = -4,    /* BSY/DRQ did not settle in time */
    HOST_ATA_EDEVICE = -5,      /* the device set ERR or DF: see the fault record */
    HOST_ATA_EPROTO = -6,       /* no DRQ where data was due, or DRQ left over */
    HOST_ATA_ERANGE = -7,       /* sectors beyond the disk */
};

enum host_ata_kind {
    HOST_ATA_ABSENT,
    HOST_ATA_DISK,              /* usable */
    HOST_ATA_PACKET,            /* ATAPI: skipped */
    HOST_ATA_FAILED,            /* something answered but could not be identified */
};

/* The last failed command on a disk, for messages. */
struct host_ata_fault {
    int err;                    /* enum host_ata_err */
    uint8_t command;
    uint8_t status, error;      /* registers as read when it failed */
    uint64_t sector;            /* first sector not transferred */
};

struct host_ata_channel {
    const struct host_ata_io *io;
    uint16_t cmd, ctl;          /* command and control block bases */
    uint8_t index;              /* 0 primary, 1 secondary */
    struct spinlock lock;       /* one command at a time on the cable */
};

struct host_ata_disk {
    struct host_ata_channel *chan;
    uint8_t unit;               /* 0 master, 1 slave */
    enum host_ata_kind kind;
    int probe_err;              /* why kind is FAILED */
    bool lba48;                 /* 48-bit commands, else 28-bit */
    bool flush;                 /* FLUSH CACHE is supported, or a write cache exists */
    bool flush_ext;             /* FLUSH CACHE EXT is supported (with lba48) */
    bool write_cache;           /* a volatile write cache is enabled */
    uint64_t sectors;           /* 512-byte sectors */
    char name[10];              /* "/dev/hdb" */
    char model[41], serial[21]; /* IDENTIFY strings, trailing blanks removed */
    struct host_ata_fault fault;    /* under chan->lock */
    unsigned faults_logged;
};

/* Probe both legacy channels through port I/O and log one line per device
 * ("keel: ata0 slave /dev/hdb: 32768 sectors (16 MiB), LBA48, ..."), then give
 * the disks to the block layer, which opens them by name (block/disk.h). Boot
 * CPU, after tsc_calibrate(); later calls return at once. */
void host_ata_probe(void);
/* The same through other I/O (a test's simulated channels); probes afresh. */
void host_ata_probe_with(const struct host_ata_io *io);

/* Disk by index (0 = /dev/hda ... 3 = /dev/hdd), probed or not; NULL if out of range. */
struct host_ata_disk *host_ata_disk(unsigned index);

/* Synchronous polled transfers of count >= 0 sectors at sector. Split into
 * commands of at most 256 (LBA28) or 65536 (LBA48) sectors. Any CPU; the
 * channel's lock serialises commands, so callers need no lock of their own,
 * but they spin while the other disk on the channel works. Return 0 or a
 * negative enum host_ata_err; a failure is logged (the first few per disk)
 * and kept in d->fault. */
int host_ata_read(struct host_ata_disk *d, uint64_t sector, uint32_t count, void *buf);
int host_ata_write(struct host_ata_disk *d, uint64_t sector, uint32_t count, const void *buf);
/* Returns once the disk's write cache holds nothing written before: FLUSH
 * CACHE EXT or FLUSH CACHE; a no-op for a disk without a volatile cache. */
int host_ata_flush(struct host_ata_disk *d);

const char *host_ata_strerror(int err);
/* "READ SECTORS EXT at sector 1234: device error (status 0x51, error 0x40)". */
void host_ata_describe_fault(const struct host_ata_disk *d, char *buf, size_t size);

#endif
