/* SPDX-License-Identifier: BSD-2-Clause */
/* Host ATA disk driver: legacy IDE channels, PIO with nIEN set, every wait
 * bounded by the clock; any CPU, one command per channel at a time. */
#include <string.h>
#include "hw/ata.h"
#include "drivers/ata.h"
#include "block/disk.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "arch/x86/x86.h"

#define FAULTS_LOGGED_MAX 8     /* per disk: a dying disk must not flood COM1 */

static struct host_ata_channel channels[HOST_ATA_CHANNELS];
static struct host_ata_disk disks[HOST_ATA_DISKS];
static struct spinlock probe_lock;
static volatile bool probed;

/* ---- register access --------------------------------------------------- */

static uint8_t rd(struct host_ata_channel *c, unsigned reg)
{
    return c->io->inb(c->io->ctx, (uint16_t)(c->cmd + reg));
}

static void wr(struct host_ata_channel *c, unsigned reg, uint8_t v)
{
    c->io->outb(c->io->ctx, (uint16_t)(c->cmd + reg), v);
}

/* Alternate Status: the same bits as Status without acknowledging INTRQ. */
static uint8_t alt_status(struct host_ata_channel *c)
{
    return c->io->inb(c->io->ctx, (uint16_t)(c->ctl + ATA_REG_ALT_STATUS));
}

static void set_control(struct host_ata_channel *c, uint8_t v)
{
    c->io->outb(c->io->ctx, (uint16_t)(c->ctl + ATA_REG_DEV_CONTROL), v);
}

static uint64_t now(struct host_ata_channel *c)
{
    return c->io->now_ns(c->io->ctx);
}

/* Status is valid 400 ns after a command or device-register write (ATA/ATAPI-6
 * clause 9); each ISA-speed port read takes at least 100 ns. */
static void delay400(struct host_ata_channel *c)
{
    for (int i = 0; i < 4; i++)
        (void)alt_status(c);
}

static void delay_ns(struct host_ata_channel *c, uint64_t ns)
{
    uint64_t start = now(c);
    while (now(c) - start < ns)
        cpu_relax();
}

/* Poll until BSY clears; *status gets the last value read. */
static int wait_not_busy(struct host_ata_channel *c, uint64_t timeout_ns, uint8_t *status)
{
    uint64_t start = now(c);
    for (;;) {
        uint8_t st = alt_status(c);
        *status = st;
        if (!(st & ATA_SR_BSY))
            return HOST_ATA_OK;
        if (now(c) - start > timeout_ns)
            return HOST_ATA_ETIMEDOUT;
        cpu_relax();
    }
}

/* Software reset of both devices (ATA/ATAPI-6 clause 9, software reset
 * protocol): SRST for at least 5 us, then 2 ms before status means anything.
 * Used to recover a channel after a timeout; nIEN stays set. */
static void channel_reset(struct host_ata_channel *c)
{
    uint8_t st;
    set_control(c, ATA_CTL_NIEN | ATA_CTL_SRST);
    delay_ns(c, 5000);
    set_control(c, ATA_CTL_NIEN);
    delay_ns(c, 2000000);
    (void)wait_not_busy(c, HOST_ATA_RESET_TIMEOUT_NS, &st);
}

/* Device selection protocol (ATA/ATAPI-6 clause 9): the Device register may be
 * written only while BSY and DRQ are clear, and the newly selected device
 * must be idle too. dev_bits carries LBA mode and, for LBA28, LBA 27:24. */
static int select_device(struct host_ata_channel *c, unsigned unit, uint8_t dev_bits,
                         uint64_t timeout_ns, uint8_t *status)
{
    int rc = wait_not_busy(c, timeout_ns, status);
    if (rc)
        return rc;
    if (*status & ATA_SR_DRQ)
        return HOST_ATA_EPROTO;     /* a transfer left half done */
    wr(c, ATA_REG_DEVICE, (uint8_t)(ATA_DEV_OBS | (unit ? ATA_DEV_DEV : 0) | dev_bits));
    delay400(c);
    return wait_not_busy(c, timeout_ns, status);
}

/* ---- commands ------------------------------------------------------------ */

static int fail(struct host_ata_disk *d, int err, uint8_t command, uint8_t status, uint64_t sector)
{
    struct host_ata_channel *c = d->chan;
    d->fault.err = err;
    d->fault.command = command;
    d->fault.status = status;
    d->fault.error = (err == HOST_ATA_EDEVICE) ? rd(c, ATA_REG_ERROR) : 0;
    d->fault.sector = sector;
    /* A device that stopped answering, answered out of turn, or still offers
     * a data block we will not take is reset, so that the next command on
     * this channel starts from a known state. */
    if (err == HOST_ATA_ETIMEDOUT || err == HOST_ATA_EPROTO || (status & ATA_SR_DRQ))
        channel_reset(c);
    else
        (void)rd(c, ATA_REG_STATUS);    /* acknowledge the command's end */
    if (d->faults_logged < FAULTS_LOGGED_MAX) {
        char what[128];
        host_ata_describe_fault(d, what, sizeof(what));
        printk("keel: %s: %s%s\n", d->name, what,
               ++d->faults_logged == FAULTS_LOGGED_MAX ? " (further errors not logged)" : "");
    }
    return err;
}

/* Load the taskfile and issue a command. 48-bit: each register takes the
 * previous (high) byte first, then the current one (ATA/ATAPI-6 clause 7). */
static void issue(struct host_ata_disk *d, uint8_t command, uint64_t sector, uint32_t count)
{
    struct host_ata_channel *c = d->chan;
    if (d->lba48) {
        wr(c, ATA_REG_COUNT, (uint8_t)(count >> 8));    /* 65536 -> 0 */
        wr(c, ATA_REG_LBA_LOW, (uint8_t)(sector >> 24));
        wr(c, ATA_REG_LBA_MID, (uint8_t)(sector >> 32));
        wr(c, ATA_REG_LBA_HIGH, (uint8_t)(sector >> 40));
    }
    wr(c, ATA_REG_COUNT, (uint8_t)count);                /* 256 -> 0 for LBA28 */
    wr(c, ATA_REG_LBA_LOW, (uint8_t)sector);
    wr(c, ATA_REG_LBA_MID, (uint8_t)(sector >> 8));
    wr(c, ATA_REG_LBA_HIGH, (uint8_t)(sector >> 16));
    wr(c, ATA_REG_COMMAND, command);
    delay400(c);
}

static uint8_t lba_dev_bits(const struct host_ata_disk *d, uint64_t sector)
{
    return (uint8_t)(ATA_DEV_LBA | (d->lba48 ? 0 : ((sector >> 24) & 0x0f)));
}

/* One READ/WRITE SECTORS (EXT) command of 1..256 (LBA28) or 1..65536 (LBA48)
 * sectors: the PIO data-in / data-out protocols of ATA/ATAPI-6 clause 9. */
static int pio_transfer(struct host_ata_disk *d, uint64_t sector, uint32_t count, uint8_t *buf,
                        bool write)
{
    struct host_ata_channel *c = d->chan;
    uint8_t cmd = write ? (d->lba48 ? ATA_CMD_WRITE_SECTORS_EXT : ATA_CMD_WRITE_SECTORS)
                        : (d->lba48 ? ATA_CMD_READ_SECTORS_EXT : ATA_CMD_READ_SECTORS);
    uint8_t st;
    int rc = select_device(c, d->unit, lba_dev_bits(d, sector), HOST_ATA_IO_TIMEOUT_NS, &st);
    if (rc)
        return fail(d, rc, cmd, st, sector);
    issue(d, cmd, sector, count);
    for (uint32_t i = 0; i < count; i++) {
        /* Each block: wait for BSY to clear, then DRQ says the block may move. */
        rc = wait_not_busy(c, HOST_ATA_IO_TIMEOUT_NS, &st);
        if (rc)
            return fail(d, rc, cmd, st, sector + i);
        if (st & (ATA_SR_ERR | ATA_SR_DF))
            return fail(d, HOST_ATA_EDEVICE, cmd, st, sector + i);
        if (!(st & ATA_SR_DRQ))
            return fail(d, HOST_ATA_EPROTO, cmd, st, sector + i);
        uint8_t *block = buf + (size_t)i * ATA_SECTOR_SIZE;
        if (write)
            c->io->outsw(c->io->ctx, (uint16_t)(c->cmd + ATA_REG_DATA), block, ATA_SECTOR_WORDS);
        else
            c->io->insw(c->io->ctx, (uint16_t)(c->cmd + ATA_REG_DATA), block, ATA_SECTOR_WORDS);
        delay400(c);
    }
    /* After the last block a write is done only when BSY clears again; then
     * neither DRQ nor ERR may be left (a write error shows here). */
    rc = wait_not_busy(c, HOST_ATA_IO_TIMEOUT_NS, &st);
    if (rc)
        return fail(d, rc, cmd, st, sector + count - 1);
    if (st & (ATA_SR_ERR | ATA_SR_DF))
        return fail(d, HOST_ATA_EDEVICE, cmd, st, sector + count - 1);
    if (st & ATA_SR_DRQ)
        return fail(d, HOST_ATA_EPROTO, cmd, st, sector + count);
    (void)rd(c, ATA_REG_STATUS);    /* acknowledge, though nIEN keeps INTRQ quiet */
    return HOST_ATA_OK;
}

static int rw(struct host_ata_disk *d, uint64_t sector, uint32_t count, uint8_t *buf, bool write)
{
    if (d->kind != HOST_ATA_DISK)
        return HOST_ATA_ENODEV;
    if (sector > d->sectors || count > d->sectors - sector)
        return HOST_ATA_ERANGE;
    uint32_t max = d->lba48 ? ATA_LBA48_MAX_COUNT : ATA_LBA28_MAX_COUNT;
    int rc = HOST_ATA_OK;
    spin_lock(&d->chan->lock);
    while (count && rc == HOST_ATA_OK) {
        uint32_t n = count < max ? count : max;
        rc = pio_transfer(d, sector, n, buf, write);
        sector += n;
        count -= n;
        buf += (size_t)n * ATA_SECTOR_SIZE;
    }
    spin_unlock(&d->chan->lock);
    return rc;
}

int host_ata_read(struct host_ata_disk *d, uint64_t sector, uint32_t count, void *buf)
{
    return rw(d, sector, count, buf, false);
}

int host_ata_write(struct host_ata_disk *d, uint64_t sector, uint32_t count, const void *buf)
{
    /* The write path only reads from buf; rw() shares one signature. */
    return rw(d, sector, count, (uint8_t *)(uintptr_t)buf, true);
}

int host_ata_flush(struct host_ata_disk *d)
{
    if (d->kind != HOST_ATA_DISK)
        return HOST_ATA_ENODEV;
    if (!d->flush && !d->flush_ext)
        return HOST_ATA_OK;     /* no volatile cache: data is on media at completion */
    struct host_ata_channel *c = d->chan;
    uint8_t cmd = d->flush_ext ? ATA_CMD_FLUSH_CACHE_EXT : ATA_CMD_FLUSH_CACHE;
    uint8_t st;
    spin_lock(&c->lock);
    int rc = select_device(c, d->unit, 0, HOST_ATA_IO_TIMEOUT_NS, &st);
    if (rc) {
        rc = fail(d, rc, cmd, st, 0);
    } else {
        wr(c, ATA_REG_COMMAND, cmd);
        delay400(c);
        /* Non-data protocol: done when BSY clears; ERR means the cache lost data. */
        rc = wait_not_busy(c, HOST_ATA_FLUSH_TIMEOUT_NS, &st);
        if (rc)
            rc = fail(d, rc, cmd, st, 0);
        else if (st & (ATA_SR_ERR | ATA_SR_DF))
            rc = fail(d, HOST_ATA_EDEVICE, cmd, st, 0);
        else
            (void)rd(c, ATA_REG_STATUS);
    }
    spin_unlock(&c->lock);
    return rc;
}

/* ---- the block layer's hook ------------------------------------------------ */

_Static_assert(HOST_ATA_DISKS == BLK_DISKS, "block/disk.c names the same four positions");

static int blk_get(void *ctx, unsigned index, struct blk_disk *out, char *why, size_t why_size)
{
    (void)ctx;
    struct host_ata_disk *d = &disks[index];
    switch (d->kind) {
    case HOST_ATA_ABSENT:
        snprintf(why, why_size, "no disk at %s", d->name);
        return -1;
    case HOST_ATA_PACKET:
        snprintf(why, why_size, "%s: not an ATA disk (ATAPI)", d->name);
        return -1;
    case HOST_ATA_FAILED:
        snprintf(why, why_size, "%s did not identify itself: %s", d->name,
                 host_ata_strerror(d->probe_err));
        return -1;
    case HOST_ATA_DISK:
        break;
    }
    *out = (struct blk_disk){ .dev = d, .name = d->name, .sectors = d->sectors };
    return 0;
}

static int blk_read(void *dev, uint64_t sector, uint32_t count, void *buf)
{
    return host_ata_read(dev, sector, count, buf);
}

static int blk_write(void *dev, uint64_t sector, uint32_t count, const void *buf)
{
    return host_ata_write(dev, sector, count, buf);
}

static int blk_flush(void *dev)
{
    return host_ata_flush(dev);
}

static void blk_describe_fault(const void *dev, char *buf, size_t size)
{
    host_ata_describe_fault(dev, buf, size);
}

static const struct blk_disk_driver blk_driver = {
    .get = blk_get, .read = blk_read, .write = blk_write, .flush = blk_flush,
    .describe_fault = blk_describe_fault,
};

/* ---- probing --------------------------------------------------------------- */

/* IDENTIFY strings hold two characters per word, first in the high byte. */
static void id_string(const uint16_t *id, unsigned word, unsigned words, char *out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < words; i++) {
        out[n++] = (char)(id[word + i] >> 8);
        out[n++] = (char)(id[word + i] & 0xff);
    }
    out[n] = 0;
    while (n && (out[n - 1] == ' ' || out[n - 1] == 0))
        out[--n] = 0;
    for (unsigned i = 0; i < n; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            out[i] = '?';
}

static int parse_identify(struct host_ata_disk *d, const uint16_t *id)
{
    if (id[ATA_ID_CONFIG] & ATA_ID_CONFIG_NOT_ATA)
        return HOST_ATA_EATAPI;
    id_string(id, ATA_ID_MODEL, ATA_ID_MODEL_WORDS, d->model);
    id_string(id, ATA_ID_SERIAL, ATA_ID_SERIAL_WORDS, d->serial);
    if (!(id[ATA_ID_CAPABILITIES] & ATA_ID_CAP_LBA))
        return HOST_ATA_ENOLBA;
    /* Words 82-87 mean something only when word 83 says so. */
    bool sets_valid = (id[ATA_ID_CMDSET2] & ATA_ID_VALID_MASK) == ATA_ID_VALID;
    uint16_t set1 = sets_valid ? id[ATA_ID_CMDSET1] : 0;
    uint16_t set2 = sets_valid ? id[ATA_ID_CMDSET2] : 0;
    uint16_t set1_on = sets_valid ? id[ATA_ID_CMDSET1_ENABLED] : 0;
    uint64_t lba28 = (uint32_t)id[ATA_ID_LBA28_SECTORS] | (uint32_t)id[ATA_ID_LBA28_SECTORS + 1] << 16;
    uint64_t lba48 = 0;
    for (int i = 3; i >= 0; i--)
        lba48 = lba48 << 16 | id[ATA_ID_LBA48_SECTORS + i];
    d->lba48 = (set2 & ATA_ID_CMDSET2_LBA48) && lba48;
    d->sectors = d->lba48 ? lba48 : lba28;
    if (d->sectors > (d->lba48 ? ATA_LBA48_LIMIT : ATA_LBA28_LIMIT))
        d->sectors = d->lba48 ? ATA_LBA48_LIMIT : ATA_LBA28_LIMIT;
    d->flush_ext = d->lba48 && (set2 & ATA_ID_CMDSET2_FLUSH_EXT);
    d->flush = (set2 & ATA_ID_CMDSET2_FLUSH) || (set1 & ATA_ID_CMDSET1_WCACHE);
    d->write_cache = set1_on & ATA_ID_CMDSET1_WCACHE;
    return d->sectors ? HOST_ATA_OK : HOST_ATA_ENODEV;
}

static bool packet_signature(struct host_ata_channel *c)
{
    uint8_t mid = rd(c, ATA_REG_LBA_MID), high = rd(c, ATA_REG_LBA_HIGH);
    return (mid == ATA_SIG_ATAPI_MID && high == ATA_SIG_ATAPI_HIGH) ||
           (mid == ATA_SIG_SATAPI_MID && high == ATA_SIG_SATAPI_HIGH);
}

/* Select the unit and IDENTIFY it. A PACKET device aborts IDENTIFY DEVICE and
 * leaves its signature (ATA/ATAPI-6 clause 8, IDENTIFY DEVICE). */
static void probe_unit(struct host_ata_disk *d)
{
    struct host_ata_channel *c = d->chan;
    uint16_t id[ATA_SECTOR_WORDS];
    uint8_t st;

    int rc = HOST_ATA_OK;
    /* The Device register may change only while the selected device is not
     * busy; 0xff is a floating bus (BSY set, but nobody there to wait for). */
    st = alt_status(c);
    if (st != 0xff && (st & ATA_SR_BSY))
        rc = wait_not_busy(c, HOST_ATA_PROBE_TIMEOUT_NS, &st);
    if (rc == HOST_ATA_OK) {
        wr(c, ATA_REG_DEVICE, (uint8_t)(ATA_DEV_OBS | (d->unit ? ATA_DEV_DEV : 0)));
        delay400(c);
        st = alt_status(c);
        /* 0xff: nothing drives the bus. 0x00: no device (or an ATAPI device
         * fresh from reset, which its signature then gives away). */
        if (st == 0xff)
            return;
        if (st == 0x00) {
            if (packet_signature(c))
                d->kind = HOST_ATA_PACKET;
            return;
        }
        rc = wait_not_busy(c, HOST_ATA_PROBE_TIMEOUT_NS, &st);
    }
    if (rc == HOST_ATA_OK) {
        wr(c, ATA_REG_COUNT, 0);
        wr(c, ATA_REG_LBA_LOW, 0);
        wr(c, ATA_REG_LBA_MID, 0);
        wr(c, ATA_REG_LBA_HIGH, 0);
        wr(c, ATA_REG_COMMAND, ATA_CMD_IDENTIFY_DEVICE);
        delay400(c);
        if (alt_status(c) == 0x00)
            return;             /* nobody took the command */
        rc = wait_not_busy(c, HOST_ATA_PROBE_TIMEOUT_NS, &st);
    }
    if (rc == HOST_ATA_OK && (st & ATA_SR_ERR)) {
        if (packet_signature(c)) {
            (void)rd(c, ATA_REG_STATUS);
            d->kind = HOST_ATA_PACKET;
            return;
        }
        rc = HOST_ATA_EDEVICE;
    } else if (rc == HOST_ATA_OK && !(st & ATA_SR_DRQ)) {
        rc = HOST_ATA_EPROTO;
    }
    if (rc == HOST_ATA_OK) {
        c->io->insw(c->io->ctx, (uint16_t)(c->cmd + ATA_REG_DATA), id, ATA_SECTOR_WORDS);
        delay400(c);
        (void)rd(c, ATA_REG_STATUS);
        rc = parse_identify(d, id);
        if (rc == HOST_ATA_EATAPI) {
            d->kind = HOST_ATA_PACKET;
            return;
        }
    }
    if (rc == HOST_ATA_OK) {
        d->kind = HOST_ATA_DISK;
        return;
    }
    d->kind = HOST_ATA_FAILED;
    d->probe_err = rc;
    d->fault.err = rc;
    d->fault.command = ATA_CMD_IDENTIFY_DEVICE;
    d->fault.status = st;
    d->fault.error = rc == HOST_ATA_EDEVICE ? rd(c, ATA_REG_ERROR) : 0;
    if (rc == HOST_ATA_ETIMEDOUT || rc == HOST_ATA_EPROTO)
        channel_reset(c);
}

static void log_disk(const struct host_ata_disk *d)
{
    const struct host_ata_channel *c = d->chan;
    const char *pos = d->unit ? "slave" : "master";
    switch (d->kind) {
    case HOST_ATA_DISK:
        printk("keel: ata%u %s %s: %lu sectors (%lu MiB), %s%s, '%s' serial '%s'\n", c->index,
               pos, d->name, d->sectors, d->sectors >> 11, d->lba48 ? "LBA48" : "LBA28",
               d->write_cache ? ", write cache" : "", d->model, d->serial);
        break;
    case HOST_ATA_PACKET:
        printk("keel: ata%u %s %s: ATAPI device, not used\n", c->index, pos, d->name);
        break;
    case HOST_ATA_FAILED: {
        char what[128];
        host_ata_describe_fault(d, what, sizeof(what));
        printk("keel: ata%u %s %s: %s; not used\n", c->index, pos, d->name, what);
        break;
    }
    case HOST_ATA_ABSENT:
        break;
    }
}

void host_ata_probe_with(const struct host_ata_io *io)
{
    static const uint16_t base[HOST_ATA_CHANNELS][2] = {
        { ATA_PRIMARY_CMD, ATA_PRIMARY_CTL }, { ATA_SECONDARY_CMD, ATA_SECONDARY_CTL },
    };
    unsigned found = 0;
    for (unsigned ch = 0; ch < HOST_ATA_CHANNELS; ch++) {
        struct host_ata_channel *c = &channels[ch];
        memset(c, 0, sizeof(*c));
        c->io = io;
        c->cmd = base[ch][0];
        c->ctl = base[ch][1];
        c->index = (uint8_t)ch;
        for (unsigned u = 0; u < 2; u++) {
            struct host_ata_disk *d = &disks[ch * 2 + u];
            memset(d, 0, sizeof(*d));
            d->chan = c;
            d->unit = (uint8_t)u;
            snprintf(d->name, sizeof(d->name), "/dev/hd%c", 'a' + ch * 2 + u);
        }
        /* A floating bus (no controller, or no device at all) reads 0xff. */
        if (rd(c, ATA_REG_STATUS) == 0xff)
            continue;
        set_control(c, ATA_CTL_NIEN);   /* Keel polls; the device never interrupts */
        for (unsigned u = 0; u < 2; u++) {
            struct host_ata_disk *d = &disks[ch * 2 + u];
            probe_unit(d);
            log_disk(d);
            found += d->kind == HOST_ATA_DISK;
        }
    }
    if (!found)
        printk("keel: no ATA disk found\n");
    probed = true;
    blk_disk_set_driver(&blk_driver);   /* the disks by name (block/disk.c) */
}

static uint8_t x86_inb(void *ctx, uint16_t port)
{
    (void)ctx;
    return inb(port);
}

static void x86_outb(void *ctx, uint16_t port, uint8_t v)
{
    (void)ctx;
    outb(port, v);
}

static void x86_insw(void *ctx, uint16_t port, void *buf, uint32_t words)
{
    (void)ctx;
    __asm__ volatile("rep insw" : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}

static void x86_outsw(void *ctx, uint16_t port, const void *buf, uint32_t words)
{
    (void)ctx;
    __asm__ volatile("rep outsw" : "+S"(buf), "+c"(words) : "d"(port) : "memory");
}

static uint64_t x86_now_ns(void *ctx)
{
    (void)ctx;
    return tsc_to_ns(rdtsc());
}

static const struct host_ata_io x86_io = {
    .inb = x86_inb, .outb = x86_outb, .insw = x86_insw, .outsw = x86_outsw,
    .now_ns = x86_now_ns,
};

void host_ata_probe(void)
{
    spin_lock(&probe_lock);
    if (!probed) {
        if (tsc_hz())
            host_ata_probe_with(&x86_io);
        else
            printk("keel: ATA probe needs a calibrated TSC; no disks\n");
        probed = true;
    }
    spin_unlock(&probe_lock);
}

struct host_ata_disk *host_ata_disk(unsigned index)
{
    return index < HOST_ATA_DISKS ? &disks[index] : NULL;
}

/* ---- messages -------------------------------------------------------------- */

const char *host_ata_strerror(int err)
{
    switch (err) {
    case HOST_ATA_OK: return "no error";
    case HOST_ATA_ENODEV: return "no device";
    case HOST_ATA_EATAPI: return "not an ATA disk (ATAPI)";
    case HOST_ATA_ENOLBA: return "disk without LBA addressing";
    case HOST_ATA_ETIMEDOUT: return "timeout";
    case HOST_ATA_EDEVICE: return "device error";
    case HOST_ATA_EPROTO: return "protocol error";
    case HOST_ATA_ERANGE: return "beyond the end of the disk";
    default: return "unknown error";
    }
}

static const char *command_name(uint8_t cmd)
{
    switch (cmd) {
    case ATA_CMD_READ_SECTORS: return "READ SECTORS";
    case ATA_CMD_READ_SECTORS_EXT: return "READ SECTORS EXT";
    case ATA_CMD_WRITE_SECTORS: return "WRITE SECTORS";
    case ATA_CMD_WRITE_SECTORS_EXT: return "WRITE SECTORS EXT";
    case ATA_CMD_FLUSH_CACHE: return "FLUSH CACHE";
    case ATA_CMD_FLUSH_CACHE_EXT: return "FLUSH CACHE EXT";
    case ATA_CMD_IDENTIFY_DEVICE: return "IDENTIFY DEVICE";
    default: return "command";
    }
}

void host_ata_describe_fault(const struct host_ata_disk *d, char *buf, size_t size)
{
    const struct host_ata_fault *f = &d->fault;
    bool data = f->command != ATA_CMD_IDENTIFY_DEVICE && f->command != ATA_CMD_FLUSH_CACHE &&
                f->command != ATA_CMD_FLUSH_CACHE_EXT;
    char at[32] = "";
    if (data)
        snprintf(at, sizeof(at), " at sector %lu", f->sector);
    if (f->err == HOST_ATA_EDEVICE)
        snprintf(buf, size, "%s%s: device error (status 0x%x, error 0x%x)", command_name(f->command),
                 at, f->status, f->error);
    else
        snprintf(buf, size, "%s%s: %s (status 0x%x)", command_name(f->command), at,
                 host_ata_strerror(f->err), f->status);
}
