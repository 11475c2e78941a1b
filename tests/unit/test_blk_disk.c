/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the disks by name (block/disk.c) over a fake disk
 * driver in memory: names, whole disks, MBR partitions and their errors, the
 * stores' sector offsets, write-through and errors, and no driver at all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/disk.h"

/* ---- the fake driver ---------------------------------------------------------- */

#define FAKE_SECTORS 8192u

struct fake_disk {
    const char *name;
    bool usable;
    uint8_t *media;
    uint64_t bad_sector;        /* UINT64_MAX: none */
    unsigned flushes;
};

static struct fake_disk fake[BLK_DISKS];
static unsigned gets;           /* calls of the get hook */

static int fake_get(void *ctx, unsigned index, struct blk_disk *out, char *why, size_t why_size)
{
    assert_ptr_equal(ctx, fake);
    assert_true(index < BLK_DISKS);
    gets++;
    struct fake_disk *f = &fake[index];
    if (!f->usable) {
        snprintf(why, why_size, "no disk at %s", f->name);
        return -1;
    }
    *out = (struct blk_disk){ .dev = f, .name = f->name, .sectors = FAKE_SECTORS };
    return 0;
}

static int fake_read(void *dev, uint64_t sector, uint32_t count, void *buf)
{
    struct fake_disk *f = dev;
    assert_true(sector + count <= FAKE_SECTORS);
    if (f->bad_sector >= sector && f->bad_sector < sector + count)
        return -5;
    memcpy(buf, f->media + sector * BLK_SECTOR_SIZE, count * BLK_SECTOR_SIZE);
    return 0;
}

static int fake_write(void *dev, uint64_t sector, uint32_t count, const void *buf)
{
    struct fake_disk *f = dev;
    assert_true(sector + count <= FAKE_SECTORS);
    if (f->bad_sector >= sector && f->bad_sector < sector + count)
        return -5;
    memcpy(f->media + sector * BLK_SECTOR_SIZE, buf, count * BLK_SECTOR_SIZE);
    return 0;
}

static int fake_flush(void *dev)
{
    ((struct fake_disk *)dev)->flushes++;
    return 0;
}

static void fake_describe_fault(const void *dev, char *buf, size_t size)
{
    snprintf(buf, size, "fake fault on %s", ((const struct fake_disk *)dev)->name);
}

static const struct blk_disk_driver fake_driver = {
    .get = fake_get, .read = fake_read, .write = fake_write, .flush = fake_flush,
    .describe_fault = fake_describe_fault, .ctx = fake,
};

static int setup(void **state)
{
    (void)state;
    static const char *const names[BLK_DISKS] = { "/dev/hda", "/dev/hdb", "/dev/hdc", "/dev/hdd" };
    for (unsigned i = 0; i < BLK_DISKS; i++) {
        fake[i] = (struct fake_disk){ .name = names[i], .bad_sector = UINT64_MAX };
        fake[i].media = calloc(FAKE_SECTORS, BLK_SECTOR_SIZE);
        assert_non_null(fake[i].media);
    }
    fake[0].usable = true;      /* hda and hdd: disks; hdb and hdc: nothing */
    fake[3].usable = true;
    gets = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < BLK_DISKS; i++)
        free(fake[i].media);
    return 0;
}

static void put_entry(uint8_t *mbr, unsigned i, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = mbr + 446 + 16 * i;
    e[4] = type;
    memcpy(e + 8, &first, 4);
    memcpy(e + 12, &count, 4);
}

static void write_mbr(struct fake_disk *f, const uint8_t *mbr)
{
    memcpy(f->media, mbr, 512);
    f->media[510] = 0x55;
    f->media[511] = 0xaa;
}

static void fill(uint8_t *buf, size_t sectors, uint8_t seed)
{
    for (size_t i = 0; i < sectors * 512; i++)
        buf[i] = (uint8_t)(seed + i * 31 + i / 512);
}

/* ---- tests ---------------------------------------------------------------------- */

/* First: nothing has registered a driver yet. */
static void test_no_driver(void **state)
{
    (void)state;
    struct blk_disk_store st;
    char why[160];
    assert_int_equal(blk_disk_open("/dev/hda", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda: no disk driver has probed the machine's disks");
    /* A bad name is still a bad name. */
    assert_int_equal(blk_disk_open("/dev/sda", &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "is not a disk name"));
    assert_int_equal(gets, 0);
}

static void test_names(void **state)
{
    (void)state;
    blk_disk_set_driver(&fake_driver);
    struct blk_disk_store st;
    char why[160];
    static const char *const not_names[] = { "/dev/hde", "/dev/sda", "/dev/hd", "/dev/hda0",
                                             "/dev/hda1x", "hda", "" };
    for (unsigned i = 0; i < sizeof(not_names) / sizeof(not_names[0]); i++) {
        assert_int_equal(blk_disk_open(not_names[i], &st, why, sizeof(why)), -1);
        assert_non_null(strstr(why, "is not a disk name"));
    }
    assert_int_equal(blk_disk_open("/dev/hda5", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda5: only MBR primary partitions 1-4 are supported");
    assert_int_equal(blk_disk_open("/dev/hda12", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda12: only MBR primary partitions 1-4 are supported");
    assert_int_equal(gets, 0);      /* refused before asking the driver */
    /* What the driver says of a position is the message. */
    assert_int_equal(blk_disk_open("/dev/hdc", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "no disk at /dev/hdc");
    assert_int_equal(blk_disk_open("/dev/hdb2", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "no disk at /dev/hdb");
}

static void test_whole_disk(void **state)
{
    (void)state;
    blk_disk_set_driver(&fake_driver);
    struct blk_disk_store st;
    char why[160];
    assert_int_equal(blk_disk_open("/dev/hdd", &st, why, sizeof(why)), 0);
    assert_string_equal(st.name, "/dev/hdd");
    assert_int_equal(st.first_sector, 0);
    assert_int_equal(st.store.sectors, FAKE_SECTORS);
    assert_false(st.store.read_only);
    assert_null(st.store.discard);
    assert_ptr_equal(st.dev, &fake[3]);
    struct blk_store *b = &st.store;
    uint8_t buf[2 * 512], back[2 * 512];
    fill(buf, 2, 5);
    assert_int_equal(b->write(b, FAKE_SECTORS - 2, 2, buf), 0);
    assert_memory_equal(fake[3].media + (FAKE_SECTORS - 2) * 512ull, buf, sizeof(buf));
    assert_int_equal(b->read(b, FAKE_SECTORS - 2, 2, back), 0);
    assert_memory_equal(back, buf, sizeof(buf));
    assert_int_equal(fake[3].flushes, 0);     /* no write-through by default */
    assert_int_equal(b->flush(b), 0);
    assert_int_equal(fake[3].flushes, 1);
}

static void test_partition_store(void **state)
{
    (void)state;
    blk_disk_set_driver(&fake_driver);
    uint8_t mbr[512] = { 0 };
    put_entry(mbr, 1, 0x83, 1024, 2048);
    write_mbr(&fake[0], mbr);
    struct blk_disk_store st;
    char why[160];
    assert_int_equal(blk_disk_open("/dev/hda2", &st, why, sizeof(why)), 0);
    assert_string_equal(st.name, "/dev/hda2");
    assert_int_equal(st.first_sector, 1024);
    assert_int_equal(st.store.sectors, 2048);
    struct blk_store *b = &st.store;
    uint8_t buf[4 * 512], back[4 * 512];
    fill(buf, 4, 77);
    /* Store sectors are partition-relative. */
    assert_int_equal(b->write(b, 2044, 4, buf), 0);
    assert_memory_equal(fake[0].media + (1024 + 2044) * 512ull, buf, sizeof(buf));
    assert_int_equal(b->read(b, 2044, 4, back), 0);
    assert_memory_equal(back, buf, sizeof(buf));
    /* Write-through: every write is flushed. */
    st.write_through = true;
    assert_int_equal(b->write(b, 0, 1, buf), 0);
    assert_int_equal(fake[0].flushes, 1);
    /* A driver error becomes -1, and a write that fails is not flushed. */
    fake[0].bad_sector = 1024 + 10;
    assert_int_equal(b->read(b, 8, 4, back), -1);
    assert_int_equal(b->write(b, 10, 1, buf), -1);
    assert_int_equal(fake[0].flushes, 1);
}

static void test_partition_errors(void **state)
{
    (void)state;
    blk_disk_set_driver(&fake_driver);
    struct blk_disk_store st;
    char why[200];
    assert_int_equal(blk_disk_open("/dev/hda1", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda has no partition table, so no partition 1");

    uint8_t mbr[512] = { 0 };
    put_entry(mbr, 0, 0x83, 2048, 4096);
    put_entry(mbr, 1, 0x0f, 6144, 1024);
    put_entry(mbr, 3, 0x83, 4096, FAKE_SECTORS);
    write_mbr(&fake[0], mbr);
    assert_int_equal(blk_disk_open("/dev/hda1", &st, why, sizeof(why)), 0);
    assert_int_equal(blk_disk_open("/dev/hda3", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda has no partition 3");
    assert_int_equal(blk_disk_open("/dev/hda2", &st, why, sizeof(why)), -1);
    assert_string_equal(why,
                        "/dev/hda2 is an extended partition; logical partitions are not supported");
    assert_int_equal(blk_disk_open("/dev/hda4", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda4 lies outside the disk (sectors 4096+8192 of 8192)");

    put_entry(mbr, 0, 0xee, 1, FAKE_SECTORS - 1);
    write_mbr(&fake[0], mbr);
    assert_int_equal(blk_disk_open("/dev/hda1", &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "GPT"));

    /* The partition table cannot be read: the driver describes why. */
    fake[0].bad_sector = 0;
    assert_int_equal(blk_disk_open("/dev/hda1", &st, why, sizeof(why)), -1);
    assert_string_equal(why, "/dev/hda: cannot read its partition table: fake fault on /dev/hda");
    /* The whole disk needs no table. */
    assert_int_equal(blk_disk_open("/dev/hda", &st, why, sizeof(why)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
