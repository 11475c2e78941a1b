/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the host ATA driver (drivers/ata.c) against simulated
 * IDE channels: IDENTIFY, LBA28/LBA48 PIO, write cache and flush, errors,
 * a device stuck BSY, ATAPI and absent devices, and /dev/hdXN names through
 * the block layer's hook (block/disk.c; tests/unit/test_blk_disk.c tests that
 * file on its own). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ata.h"
#include "block/disk.h"
#include "drivers/ata.h"

/* ---- stand-ins for Keel services the driver uses --------------------------- */

static char log_buf[8192];

void printk(const char *fmt, ...)
{
    size_t n = strlen(log_buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log_buf + n, sizeof(log_buf) - n, fmt, ap);
    va_end(ap);
}

uint64_t tsc_hz(void)
{
    return 1000000000ull;   /* never reached: the test always brings its own clock */
}

/* ---- the simulated device -------------------------------------------------- */

enum sim_kind { SIM_NONE, SIM_DISK, SIM_ATAPI, SIM_HUNG };

struct sim_dev {
    enum sim_kind kind;
    bool lba48, has_flush, write_cache;
    uint64_t sectors;
    /* Media: sectors [window, window + window_len) are stored; the rest read a
     * pattern derived from the LBA and refuse writes. */
    uint64_t window, window_len;
    uint8_t *media;
    uint8_t *cache;             /* written data not yet flushed */
    bool *dirty;
    uint64_t bad_sector;        /* UINT64_MAX: none */
    bool extra_block;           /* wants one more block than commanded */
    bool error_keeps_drq;       /* a failing block still offers its data */
    /* command state */
    uint8_t status, error;
    uint8_t cmd;
    uint64_t lba;
    uint32_t left;              /* sectors left in the command */
    uint8_t buf[512];
    unsigned pos;
    bool identify;
    unsigned flushes, commands;
};

struct sim_chan {
    struct sim_dev dev[2];
    bool floating;              /* nothing on the bus: every read is 0xff */
    unsigned sel;
    uint8_t count[2], lba_low[2], lba_mid[2], lba_high[2];  /* [0] current, [1] previous */
    uint8_t device, control;
    bool nien_seen;
};

static struct sim_chan sim[2];
static uint64_t sim_clock_ns;
static uint64_t sim_reads;

static void pattern(uint64_t lba, uint8_t *out)
{
    for (unsigned i = 0; i < 512; i++)
        out[i] = (uint8_t)(lba * 7 + i + (lba >> 32) * 13);
}

static void sim_disk(struct sim_dev *d, uint64_t sectors, bool lba48, uint64_t window,
                     uint64_t window_len)
{
    memset(d, 0, sizeof(*d));
    d->kind = SIM_DISK;
    d->lba48 = lba48;
    d->has_flush = true;
    d->write_cache = true;
    d->sectors = sectors;
    d->window = window;
    d->window_len = window_len;
    d->media = calloc(window_len, 512);
    d->cache = calloc(window_len, 512);
    d->dirty = calloc(window_len, sizeof(bool));
    for (uint64_t s = 0; s < window_len; s++)
        pattern(window + s, d->media + s * 512);
    d->bad_sector = UINT64_MAX;
    d->status = ATA_SR_DRDY;
}

static void sim_free(void)
{
    for (int c = 0; c < 2; c++)
        for (int u = 0; u < 2; u++) {
            free(sim[c].dev[u].media);
            free(sim[c].dev[u].cache);
            free(sim[c].dev[u].dirty);
        }
    memset(sim, 0, sizeof(sim));
}

static bool in_window(struct sim_dev *d, uint64_t lba)
{
    return lba >= d->window && lba < d->window + d->window_len;
}

static void load_sector(struct sim_dev *d)
{
    if (!in_window(d, d->lba)) {
        pattern(d->lba, d->buf);
        return;
    }
    uint64_t i = d->lba - d->window;
    memcpy(d->buf, (d->dirty[i] ? d->cache : d->media) + i * 512, 512);
}

static void abort_cmd(struct sim_dev *d)
{
    d->status = ATA_SR_DRDY | ATA_SR_ERR;
    d->error = ATA_ER_ABRT;
    d->left = 0;
}

/* Start the next sector of a read or write, or finish. */
static void next_sector(struct sim_dev *d, bool write)
{
    if (!d->left) {
        d->status = ATA_SR_DRDY | (d->extra_block ? ATA_SR_DRQ : 0);
        return;
    }
    if (d->lba == d->bad_sector || (write && !in_window(d, d->lba))) {
        d->status = ATA_SR_DRDY | ATA_SR_ERR | (d->error_keeps_drq ? ATA_SR_DRQ : 0);
        d->error = ATA_ER_UNC;
        d->left = 0;
        return;
    }
    if (!write)
        load_sector(d);
    d->pos = 0;
    d->status = ATA_SR_DRDY | ATA_SR_DRQ;
}

static void sim_command(struct sim_chan *c, uint8_t cmd)
{
    struct sim_dev *d = &c->dev[c->sel];
    if (d->kind == SIM_NONE)
        return;                 /* as Bochs: commands to an absent device vanish */
    d->commands++;
    d->cmd = cmd;
    d->error = 0;
    if (d->kind == SIM_HUNG) {
        d->status = ATA_SR_BSY;
        return;
    }
    bool ext = cmd == ATA_CMD_READ_SECTORS_EXT || cmd == ATA_CMD_WRITE_SECTORS_EXT;
    if (ext) {
        d->lba = (uint64_t)c->lba_high[1] << 40 | (uint64_t)c->lba_mid[1] << 32 |
                 (uint64_t)c->lba_low[1] << 24 | (uint64_t)c->lba_high[0] << 16 |
                 (uint64_t)c->lba_mid[0] << 8 | c->lba_low[0];
        d->left = (uint32_t)c->count[1] << 8 | c->count[0];
        if (!d->left)
            d->left = 65536;
    } else {
        d->lba = (uint64_t)(c->device & 0x0f) << 24 | (uint64_t)c->lba_high[0] << 16 |
                 (uint64_t)c->lba_mid[0] << 8 | c->lba_low[0];
        d->left = c->count[0] ? c->count[0] : 256;
    }
    switch (cmd) {
    case ATA_CMD_IDENTIFY_DEVICE:
        if (d->kind == SIM_ATAPI) {
            abort_cmd(d);
            c->lba_mid[0] = ATA_SIG_ATAPI_MID;
            c->lba_high[0] = ATA_SIG_ATAPI_HIGH;
            return;
        }
        {
            uint16_t id[256] = { 0 };
            const char *model = "SIMDISK 1                               ";
            for (int i = 0; i < 20; i++)
                id[27 + i] = (uint16_t)(model[2 * i] << 8 | model[2 * i + 1]);
            const char *serial = "SIM0001             ";
            for (int i = 0; i < 10; i++)
                id[10 + i] = (uint16_t)(serial[2 * i] << 8 | serial[2 * i + 1]);
            id[49] = 1 << 9;
            uint32_t lba28 = d->sectors > 0x0fffffff ? 0x0fffffff : (uint32_t)d->sectors;
            id[60] = (uint16_t)lba28;
            id[61] = (uint16_t)(lba28 >> 16);
            id[82] = (uint16_t)(0x4000 | (d->write_cache ? 1 << 5 : 0));
            id[83] = (uint16_t)(0x4000 | (d->lba48 ? 1 << 10 : 0) |
                                (d->has_flush ? 1 << 12 : 0) |
                                (d->has_flush && d->lba48 ? 1 << 13 : 0));
            id[85] = (uint16_t)(0x4000 | (d->write_cache ? 1 << 5 : 0));
            if (d->lba48)
                for (int i = 0; i < 4; i++)
                    id[100 + i] = (uint16_t)(d->sectors >> (16 * i));
            memcpy(d->buf, id, 512);
            d->identify = true;
            d->pos = 0;
            d->left = 1;
            d->status = ATA_SR_DRDY | ATA_SR_DRQ;
        }
        return;
    case ATA_CMD_READ_SECTORS_EXT:
    case ATA_CMD_WRITE_SECTORS_EXT:
        if (!d->lba48) {
            abort_cmd(d);
            return;
        }
        /* fallthrough */
    case ATA_CMD_READ_SECTORS:
    case ATA_CMD_WRITE_SECTORS:
        if (d->kind != SIM_DISK || !(c->device & ATA_DEV_LBA) || d->lba + d->left > d->sectors) {
            abort_cmd(d);
            if (d->kind == SIM_DISK && d->lba + d->left > d->sectors)
                d->error = ATA_ER_IDNF | ATA_ER_ABRT;
            return;
        }
        d->identify = false;
        next_sector(d, cmd == ATA_CMD_WRITE_SECTORS || cmd == ATA_CMD_WRITE_SECTORS_EXT);
        return;
    case ATA_CMD_FLUSH_CACHE_EXT:
        if (!d->lba48) {
            abort_cmd(d);
            return;
        }
        /* fallthrough */
    case ATA_CMD_FLUSH_CACHE:
        if (d->kind != SIM_DISK || !d->has_flush) {
            abort_cmd(d);
            return;
        }
        for (uint64_t s = 0; s < d->window_len; s++)
            if (d->dirty[s]) {
                memcpy(d->media + s * 512, d->cache + s * 512, 512);
                d->dirty[s] = false;
            }
        d->flushes++;
        d->status = ATA_SR_DRDY;
        return;
    default:
        abort_cmd(d);
    }
}

static struct sim_chan *chan_of(uint16_t port, unsigned *reg, bool *ctl)
{
    *ctl = false;
    if (port >= 0x1f0 && port <= 0x1f7) {
        *reg = port - 0x1f0;
        return &sim[0];
    }
    if (port >= 0x170 && port <= 0x177) {
        *reg = port - 0x170;
        return &sim[1];
    }
    *ctl = true;
    *reg = 0;
    if (port == 0x3f6)
        return &sim[0];
    if (port == 0x376)
        return &sim[1];
    fail_msg("port 0x%x is not an ATA register", port);
    return NULL;
}

static bool chan_empty(struct sim_chan *c)
{
    return c->dev[0].kind == SIM_NONE && c->dev[1].kind == SIM_NONE;
}

static uint8_t sim_inb(void *ctx, uint16_t port)
{
    (void)ctx;
    unsigned reg;
    bool ctl;
    struct sim_chan *c = chan_of(port, &reg, &ctl);
    struct sim_dev *d = &c->dev[c->sel];
    sim_reads++;
    if (c->floating)
        return 0xff;
    if (ctl || reg == ATA_REG_STATUS)
        return d->kind == SIM_NONE ? 0 : d->status;
    if (chan_empty(c))
        return 0;
    switch (reg) {
    case ATA_REG_ERROR: return d->error;
    case ATA_REG_COUNT: return c->count[0];
    case ATA_REG_LBA_LOW: return c->lba_low[0];
    case ATA_REG_LBA_MID: return c->lba_mid[0];
    case ATA_REG_LBA_HIGH: return c->lba_high[0];
    case ATA_REG_DEVICE: return c->device;
    }
    fail_msg("byte read of the data port");
    return 0;
}

static void sim_outb(void *ctx, uint16_t port, uint8_t v)
{
    (void)ctx;
    unsigned reg;
    bool ctl;
    struct sim_chan *c = chan_of(port, &reg, &ctl);
    if (c->floating)
        return;
    if (ctl) {
        if ((c->control & ATA_CTL_SRST) && !(v & ATA_CTL_SRST)) {
            for (int u = 0; u < 2; u++) {   /* reset done: signatures, idle */
                struct sim_dev *d = &c->dev[u];
                if (d->kind == SIM_DISK || d->kind == SIM_ATAPI) {
                    d->status = d->kind == SIM_DISK ? ATA_SR_DRDY : 0;
                    d->left = 0;
                }
            }
            c->sel = 0;
        }
        c->control = v;
        c->nien_seen |= (v & ATA_CTL_NIEN) != 0;
        return;
    }
    switch (reg) {
    case ATA_REG_FEATURES: return;
    case ATA_REG_COUNT: c->count[1] = c->count[0]; c->count[0] = v; return;
    case ATA_REG_LBA_LOW: c->lba_low[1] = c->lba_low[0]; c->lba_low[0] = v; return;
    case ATA_REG_LBA_MID: c->lba_mid[1] = c->lba_mid[0]; c->lba_mid[0] = v; return;
    case ATA_REG_LBA_HIGH: c->lba_high[1] = c->lba_high[0]; c->lba_high[0] = v; return;
    case ATA_REG_DEVICE:
        /* Selecting is allowed only while the current device is idle. */
        if (c->dev[c->sel].status & (ATA_SR_BSY | ATA_SR_DRQ))
            fail_msg("device register written while BSY/DRQ (status 0x%x)", c->dev[c->sel].status);
        c->device = v;
        c->sel = (v >> 4) & 1;
        return;
    case ATA_REG_COMMAND: sim_command(c, v); return;
    }
    fail_msg("byte write of the data port");
}

static void sim_insw(void *ctx, uint16_t port, void *buf, uint32_t words)
{
    (void)ctx;
    unsigned reg;
    bool ctl;
    struct sim_chan *c = chan_of(port, &reg, &ctl);
    struct sim_dev *d = &c->dev[c->sel];
    assert_int_equal(reg, ATA_REG_DATA);
    assert_int_equal(words, 256);
    assert_true(d->status & ATA_SR_DRQ);
    assert_true(d->cmd == ATA_CMD_IDENTIFY_DEVICE || d->cmd == ATA_CMD_READ_SECTORS ||
                d->cmd == ATA_CMD_READ_SECTORS_EXT);
    memcpy(buf, d->buf, 512);
    d->left--;
    if (d->identify) {
        d->status = ATA_SR_DRDY;
        return;
    }
    d->lba++;
    next_sector(d, false);
}

static void sim_outsw(void *ctx, uint16_t port, const void *buf, uint32_t words)
{
    (void)ctx;
    unsigned reg;
    bool ctl;
    struct sim_chan *c = chan_of(port, &reg, &ctl);
    struct sim_dev *d = &c->dev[c->sel];
    assert_int_equal(reg, ATA_REG_DATA);
    assert_int_equal(words, 256);
    assert_true(d->status & ATA_SR_DRQ);
    assert_true(d->cmd == ATA_CMD_WRITE_SECTORS || d->cmd == ATA_CMD_WRITE_SECTORS_EXT);
    uint64_t i = d->lba - d->window;
    memcpy(d->cache + i * 512, buf, 512);
    d->dirty[i] = true;
    d->left--;
    d->lba++;
    next_sector(d, true);
}

/* Every look at the clock moves it 1 ms: a stuck device times out in
 * (timeout / 1 ms) polls, and waits cannot outlast the test. */
static uint64_t sim_now_ns(void *ctx)
{
    (void)ctx;
    sim_clock_ns += 1000000;
    return sim_clock_ns;
}

static const struct host_ata_io sim_io = {
    .inb = sim_inb, .outb = sim_outb, .insw = sim_insw, .outsw = sim_outsw,
    .now_ns = sim_now_ns,
};

/* ---- fixtures ---------------------------------------------------------------- */

/* Bochs's layout: the boot CD-ROM as ata0 master, a disk as ata0 slave,
 * nothing on the secondary channel. */
static void bochs_like(uint64_t sectors, bool lba48)
{
    sim_free();
    sim[0].dev[0].kind = SIM_ATAPI;
    sim[0].dev[0].status = ATA_SR_DRDY;
    sim_disk(&sim[0].dev[1], sectors, lba48, 0, sectors < 70000 ? sectors : 70000);
    log_buf[0] = 0;
    host_ata_probe_with(&sim_io);
}

static int teardown(void **state)
{
    (void)state;
    sim_free();
    return 0;
}

static void fill(uint8_t *buf, size_t sectors, uint8_t seed)
{
    for (size_t i = 0; i < sectors * 512; i++)
        buf[i] = (uint8_t)(seed + i * 31 + i / 512);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_probe_bochs_layout(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *cd = host_ata_disk(0), *hd = host_ata_disk(1);
    assert_int_equal(cd->kind, HOST_ATA_PACKET);
    assert_int_equal(hd->kind, HOST_ATA_DISK);
    assert_int_equal(host_ata_disk(2)->kind, HOST_ATA_ABSENT);
    assert_int_equal(host_ata_disk(3)->kind, HOST_ATA_ABSENT);
    assert_null(host_ata_disk(4));
    assert_int_equal(hd->sectors, 32768);
    assert_true(hd->lba48);
    assert_true(hd->flush_ext);
    assert_true(hd->write_cache);
    assert_string_equal(hd->model, "SIMDISK 1");
    assert_string_equal(hd->serial, "SIM0001");
    assert_string_equal(hd->name, "/dev/hdb");
    assert_true(sim[0].nien_seen);
    assert_non_null(strstr(log_buf, "keel: ata0 master /dev/hda: ATAPI device, not used\n"));
    assert_non_null(strstr(log_buf, "keel: ata0 slave /dev/hdb: 32768 sectors (16 MiB), LBA48, "
                                    "write cache, 'SIMDISK 1' serial 'SIM0001'\n"));
    assert_null(strstr(log_buf, "/dev/hdc"));
    assert_int_equal(sim[0].dev[0].commands, 1);    /* the aborted IDENTIFY only */
}

static void test_probe_floating_and_empty(void **state)
{
    (void)state;
    sim_free();
    sim[0].floating = true;     /* no controller: reads 0xff */
    log_buf[0] = 0;             /* secondary: a controller with no device reads 0 */
    uint64_t before = sim_reads;
    host_ata_probe_with(&sim_io);
    for (unsigned i = 0; i < HOST_ATA_DISKS; i++)
        assert_int_equal(host_ata_disk(i)->kind, HOST_ATA_ABSENT);
    assert_true(sim_reads - before < 100);  /* no waiting on nothing */
    assert_string_equal(log_buf, "keel: no ATA disk found\n");
}

static void test_lba48_read_write_flush(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *d = host_ata_disk(1);
    struct sim_dev *s = &sim[0].dev[1];
    uint8_t *buf = malloc(300 * 512), *back = malloc(300 * 512), *want = malloc(512);

    /* Reads see the media; 300 sectors fit one 48-bit command. */
    unsigned cmds = s->commands;
    assert_int_equal(host_ata_read(d, 100, 300, buf), HOST_ATA_OK);
    assert_int_equal(s->commands - cmds, 1);
    for (int i = 0; i < 300; i++) {
        pattern(100 + i, want);
        assert_memory_equal(buf + i * 512, want, 512);
    }
    /* Writes land in the cache, visible to reads, on media only after flush. */
    fill(buf, 300, 5);
    assert_int_equal(host_ata_write(d, 32768 - 300, 300, buf), HOST_ATA_OK);
    assert_int_equal(host_ata_read(d, 32768 - 300, 300, back), HOST_ATA_OK);
    assert_memory_equal(back, buf, 300 * 512);
    assert_memory_not_equal(s->media + (32768 - 300) * 512ull, buf, 300 * 512);
    assert_int_equal(host_ata_flush(d), HOST_ATA_OK);
    assert_int_equal(s->flushes, 1);
    assert_int_equal(s->cmd, ATA_CMD_FLUSH_CACHE_EXT);
    assert_memory_equal(s->media + (32768 - 300) * 512ull, buf, 300 * 512);
    /* Zero sectors: nothing happens. Past the end: refused before the device. */
    cmds = s->commands;
    assert_int_equal(host_ata_read(d, 32768, 0, buf), HOST_ATA_OK);
    assert_int_equal(host_ata_read(d, 32767, 2, buf), HOST_ATA_ERANGE);
    assert_int_equal(host_ata_write(d, 40000, 1, buf), HOST_ATA_ERANGE);
    assert_int_equal(s->commands, cmds);
    free(buf);
    free(back);
    free(want);
}

static void test_lba48_high_addresses(void **state)
{
    (void)state;
    /* A 2 TiB+ disk: LBA bits 32-47 travel in the previous-byte registers. */
    sim_free();
    sim_disk(&sim[1].dev[0], (1ull << 32) + 100, true, (1ull << 32) - 8, 64);
    log_buf[0] = 0;
    host_ata_probe_with(&sim_io);
    struct host_ata_disk *d = host_ata_disk(2);
    assert_int_equal(d->kind, HOST_ATA_DISK);
    assert_int_equal(d->sectors, (1ull << 32) + 100);
    assert_non_null(strstr(log_buf, "keel: ata1 master /dev/hdc: 4294967396 sectors (2097152 MiB)"));
    uint8_t buf[16 * 512], back[16 * 512], want[512];
    fill(buf, 16, 9);
    assert_int_equal(host_ata_write(d, (1ull << 32) - 4, 16, buf), HOST_ATA_OK);
    assert_int_equal(host_ata_read(d, (1ull << 32) - 4, 16, back), HOST_ATA_OK);
    assert_memory_equal(back, buf, sizeof(buf));
    assert_int_equal(host_ata_read(d, (1ull << 32) + 99, 1, back), HOST_ATA_OK);
    pattern((1ull << 32) + 99, want);
    assert_memory_equal(back, want, 512);
}

static void test_lba48_splits_at_65536(void **state)
{
    (void)state;
    bochs_like(70000, true);
    struct host_ata_disk *d = host_ata_disk(1);
    struct sim_dev *s = &sim[0].dev[1];
    uint32_t n = 65537 + 100;
    uint8_t *buf = malloc((size_t)n * 512), *back = malloc((size_t)n * 512);
    fill(buf, n, 3);
    unsigned cmds = s->commands;
    assert_int_equal(host_ata_write(d, 1000, n, buf), HOST_ATA_OK);
    assert_int_equal(s->commands - cmds, 2);
    assert_int_equal(host_ata_read(d, 1000, n, back), HOST_ATA_OK);
    assert_int_equal(s->commands - cmds, 4);
    assert_memory_equal(back, buf, (size_t)n * 512);
    free(buf);
    free(back);
}

static void test_lba28_disk(void **state)
{
    (void)state;
    /* No 48-bit feature set: 28-bit commands of at most 256 sectors, LBA 27:24
     * in the Device register, FLUSH CACHE rather than its EXT form. */
    sim_free();
    sim_disk(&sim[0].dev[0], 0x0fffffff, false, 0x0fffffff - 1000, 1000);
    log_buf[0] = 0;
    host_ata_probe_with(&sim_io);
    struct host_ata_disk *d = host_ata_disk(0);
    struct sim_dev *s = &sim[0].dev[0];
    assert_int_equal(d->kind, HOST_ATA_DISK);
    assert_false(d->lba48);
    assert_false(d->flush_ext);
    assert_int_equal(d->sectors, 0x0fffffff);
    assert_non_null(strstr(log_buf, "268435455 sectors (131071 MiB), LBA28, write cache"));
    uint8_t *buf = malloc(600 * 512), *back = malloc(600 * 512);
    fill(buf, 600, 1);
    unsigned cmds = s->commands;
    assert_int_equal(host_ata_write(d, 0x0fffffff - 600, 600, buf), HOST_ATA_OK);
    assert_int_equal(s->commands - cmds, 3);    /* 256 + 256 + 88 */
    assert_int_equal(s->cmd, ATA_CMD_WRITE_SECTORS);
    assert_int_equal(host_ata_read(d, 0x0fffffff - 600, 600, back), HOST_ATA_OK);
    assert_int_equal(s->cmd, ATA_CMD_READ_SECTORS);
    assert_memory_equal(back, buf, 600 * 512);
    assert_int_equal(host_ata_flush(d), HOST_ATA_OK);
    assert_int_equal(s->cmd, ATA_CMD_FLUSH_CACHE);
    assert_memory_equal(s->media + 400 * 512, buf, 600 * 512);
    assert_int_equal(host_ata_read(d, 0x0fffffff - 1, 2, back), HOST_ATA_ERANGE);
    free(buf);
    free(back);
}

static void test_no_cache_no_flush(void **state)
{
    (void)state;
    sim_free();
    sim_disk(&sim[0].dev[0], 2048, false, 0, 2048);
    sim[0].dev[0].has_flush = false;
    sim[0].dev[0].write_cache = false;
    host_ata_probe_with(&sim_io);
    struct host_ata_disk *d = host_ata_disk(0);
    assert_false(d->flush);
    unsigned cmds = sim[0].dev[0].commands;
    assert_int_equal(host_ata_flush(d), HOST_ATA_OK);   /* nothing to flush */
    assert_int_equal(sim[0].dev[0].commands, cmds);
}

static void test_device_error(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *d = host_ata_disk(1);
    sim[0].dev[1].bad_sector = 205;
    uint8_t buf[16 * 512];
    assert_int_equal(host_ata_read(d, 200, 16, buf), HOST_ATA_EDEVICE);
    assert_int_equal(d->fault.err, HOST_ATA_EDEVICE);
    assert_int_equal(d->fault.command, ATA_CMD_READ_SECTORS_EXT);
    assert_int_equal(d->fault.status, ATA_SR_DRDY | ATA_SR_ERR);
    assert_int_equal(d->fault.error, ATA_ER_UNC);
    assert_int_equal(d->fault.sector, 205);
    assert_non_null(strstr(log_buf, "keel: /dev/hdb: READ SECTORS EXT at sector 205: device error "
                                    "(status 0x41, error 0x40)\n"));
    /* The channel still works for the next command. */
    assert_int_equal(host_ata_read(d, 206, 16, buf), HOST_ATA_OK);
    /* Errors are logged a few times per disk, then no more. */
    log_buf[0] = 0;
    for (int i = 0; i < 20; i++)
        assert_int_equal(host_ata_read(d, 205, 1, buf), HOST_ATA_EDEVICE);
    int lines = 0;
    for (char *p = log_buf; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 7);
    assert_non_null(strstr(log_buf, "(further errors not logged)"));
    /* A failing block that still asks for a transfer: the channel is reset
     * rather than left mid-command, so the next command runs. */
    sim[0].dev[1].error_keeps_drq = true;
    assert_int_equal(host_ata_read(d, 204, 4, buf), HOST_ATA_EDEVICE);
    assert_int_equal(d->fault.status, ATA_SR_DRDY | ATA_SR_DRQ | ATA_SR_ERR);
    assert_int_equal(host_ata_read(d, 206, 4, buf), HOST_ATA_OK);
}

static void test_hung_device_times_out(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *d = host_ata_disk(1);
    sim[0].dev[1].kind = SIM_HUNG;  /* takes the next command, stays BSY forever */
    uint8_t buf[512];
    uint64_t t0 = sim_clock_ns;
    assert_int_equal(host_ata_read(d, 0, 1, buf), HOST_ATA_ETIMEDOUT);
    uint64_t spent = sim_clock_ns - t0;
    assert_true(spent >= HOST_ATA_IO_TIMEOUT_NS);
    assert_true(spent <= HOST_ATA_IO_TIMEOUT_NS + HOST_ATA_RESET_TIMEOUT_NS + 100000000ull);
    assert_int_equal(d->fault.status, ATA_SR_BSY);
    assert_non_null(strstr(log_buf, "READ SECTORS EXT at sector 0: timeout (status 0x80)"));
    /* Still stuck after the reset: the next command fails the same bounded way. */
    assert_int_equal(host_ata_flush(d), HOST_ATA_ETIMEDOUT);
}

static void test_protocol_error(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *d = host_ata_disk(1);
    sim[0].dev[1].extra_block = true;   /* DRQ still set after the last block */
    uint8_t buf[2 * 512];
    assert_int_equal(host_ata_read(d, 10, 2, buf), HOST_ATA_EPROTO);
    assert_int_equal(d->fault.sector, 12);
    assert_non_null(strstr(log_buf, "READ SECTORS EXT at sector 12: protocol error (status 0x48)"));
    /* The channel reset cleared it: the next command runs. */
    sim[0].dev[1].extra_block = false;
    assert_int_equal(host_ata_read(d, 10, 2, buf), HOST_ATA_OK);
}

static void test_hung_at_probe(void **state)
{
    (void)state;
    sim_free();
    sim[1].dev[0].kind = SIM_HUNG;
    sim[1].dev[0].status = ATA_SR_BSY;
    log_buf[0] = 0;
    uint64_t t0 = sim_clock_ns;
    host_ata_probe_with(&sim_io);
    assert_true(sim_clock_ns - t0 <= 2 * (HOST_ATA_PROBE_TIMEOUT_NS + HOST_ATA_RESET_TIMEOUT_NS) +
                                    1000000000ull);
    assert_int_not_equal(host_ata_disk(3)->kind, HOST_ATA_DISK);
    assert_int_equal(host_ata_disk(2)->kind, HOST_ATA_FAILED);
    assert_non_null(strstr(log_buf, "keel: ata1 master /dev/hdc: IDENTIFY DEVICE: timeout "
                                    "(status 0x80); not used\n"));
    struct blk_disk_store st;
    char why[128];
    assert_int_equal(blk_disk_open("/dev/hdc", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdc did not identify itself: timeout");
}

static void put_entry(uint8_t *mbr, unsigned i, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = mbr + 446 + 16 * i;
    e[4] = type;
    memcpy(e + 8, &first, 4);
    memcpy(e + 12, &count, 4);
}

static void test_open_names(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct blk_disk_store st;
    char why[160];
    /* Whole disk. */
    assert_int_equal(blk_disk_open("/dev/hdb", &st, why, sizeof(why)), 0);
    assert_int_equal(st.store.sectors, 32768);
    assert_false(st.store.read_only);
    assert_null(st.store.discard);
    assert_string_equal(st.name, "/dev/hdb");
    /* Errors the config layer prints. */
    assert_int_equal(blk_disk_open("/dev/hdc", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "no disk at /dev/hdc");
    assert_int_equal(blk_disk_open("/dev/hda", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda: not an ATA disk (ATAPI)");
    assert_int_equal(blk_disk_open("/dev/hde", &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "is not a disk name"));
    assert_int_equal(blk_disk_open("/dev/sda", &st, why, sizeof(why)), -1);
    assert_int_equal(blk_disk_open("/dev/hdb1x", &st, why, sizeof(why)), -1);
    assert_int_equal(blk_disk_open("/dev/hdb0", &st, why, sizeof(why)), -1);
    assert_int_equal(blk_disk_open("/dev/hdb5", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdb5: only MBR primary partitions 1-4 are supported");
    assert_int_equal(blk_disk_open("/dev/hdb12", &st, why, sizeof(why)), -1);
    assert_int_equal(blk_disk_open("/dev/hdb1", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdb has no partition table, so no partition 1");

    /* An MBR: partition 1 at 2048, 4096 sectors; 2 extended; 4 too long. */
    struct host_ata_disk *d = host_ata_disk(1);
    uint8_t mbr[512] = { 0 };
    put_entry(mbr, 0, 0x83, 2048, 4096);
    put_entry(mbr, 1, 0x05, 8192, 1024);
    put_entry(mbr, 3, 0x83, 16384, 16385);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    assert_int_equal(host_ata_write(d, 0, 1, mbr), HOST_ATA_OK);
    assert_int_equal(blk_disk_open("/dev/hdb1", &st, why, sizeof(why)), 0);
    assert_string_equal(st.name, "/dev/hdb1");
    assert_int_equal(st.first_sector, 2048);
    assert_int_equal(st.store.sectors, 4096);
    assert_int_equal(blk_disk_open("/dev/hdb3", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdb has no partition 3");
    assert_int_equal(blk_disk_open("/dev/hdb2", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdb2 is an extended partition; logical partitions are not supported");
    assert_int_equal(blk_disk_open("/dev/hdb4", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hdb4 lies outside the disk (sectors 16384+16385 of 32768)");
    put_entry(mbr, 0, 0xee, 1, 32767);
    assert_int_equal(host_ata_write(d, 0, 1, mbr), HOST_ATA_OK);
    assert_int_equal(blk_disk_open("/dev/hdb1", &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "GPT"));
}

static void test_partition_store(void **state)
{
    (void)state;
    bochs_like(32768, true);
    struct host_ata_disk *d = host_ata_disk(1);
    struct sim_dev *s = &sim[0].dev[1];
    uint8_t mbr[512] = { 0 };
    put_entry(mbr, 1, 0x83, 4096, 8192);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    assert_int_equal(host_ata_write(d, 0, 1, mbr), HOST_ATA_OK);
    struct blk_disk_store st;
    char why[128];
    assert_int_equal(blk_disk_open("/dev/hdb2", &st, why, sizeof(why)), 0);
    struct blk_store *b = &st.store;
    uint8_t buf[4 * 512], back[4 * 512];
    fill(buf, 4, 77);
    /* Store sectors are partition-relative. */
    assert_int_equal(b->write(b, 8188, 4, buf), 0);
    assert_int_equal(b->read(b, 8188, 4, back), 0);
    assert_memory_equal(back, buf, sizeof(buf));
    assert_int_equal(b->flush(b), 0);
    assert_memory_equal(s->media + (4096 + 8188) * 512ull, buf, sizeof(buf));
    /* Write-through: every write is flushed. */
    unsigned flushes = s->flushes;
    st.write_through = true;
    assert_int_equal(b->write(b, 0, 1, buf), 0);
    assert_int_equal(s->flushes, flushes + 1);
    assert_memory_equal(s->media + 4096 * 512ull, buf, 512);
    /* A device error becomes -1. */
    s->bad_sector = 4096 + 10;
    assert_int_equal(b->read(b, 8, 4, back), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_probe_bochs_layout, teardown),
        cmocka_unit_test_teardown(test_probe_floating_and_empty, teardown),
        cmocka_unit_test_teardown(test_lba48_read_write_flush, teardown),
        cmocka_unit_test_teardown(test_lba48_high_addresses, teardown),
        cmocka_unit_test_teardown(test_lba48_splits_at_65536, teardown),
        cmocka_unit_test_teardown(test_lba28_disk, teardown),
        cmocka_unit_test_teardown(test_no_cache_no_flush, teardown),
        cmocka_unit_test_teardown(test_device_error, teardown),
        cmocka_unit_test_teardown(test_hung_device_times_out, teardown),
        cmocka_unit_test_teardown(test_protocol_error, teardown),
        cmocka_unit_test_teardown(test_hung_at_probe, teardown),
        cmocka_unit_test_teardown(test_open_names, teardown),
        cmocka_unit_test_teardown(test_partition_store, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
