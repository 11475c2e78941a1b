/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for MBR partition table parsing (block/mbr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "block/mbr.h"

static uint8_t sector[MBR_SECTOR_SIZE];

static void blank(void)
{
    memset(sector, 0, sizeof(sector));
    sector[510] = 0x55;
    sector[511] = 0xaa;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void entry(unsigned i, uint8_t status, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = sector + 446 + 16 * i;
    e[0] = status;
    e[1] = 0xfe;        /* CHS fields that must be ignored */
    e[2] = 0xff;
    e[3] = 0xff;
    e[4] = type;
    e[5] = 0xfe;
    e[6] = 0xff;
    e[7] = 0xff;
    put32(e + 8, first);
    put32(e + 12, count);
}

static void test_no_signature(void **state)
{
    (void)state;
    struct mbr_table t;
    memset(sector, 0, sizeof(sector));
    entry(0, 0x80, 0x83, 2048, 100);
    assert_int_equal(mbr_parse(sector, 1 << 20, &t), MBR_NO_SIGNATURE);
    assert_int_equal(t.entry[0].state, MBR_ENTRY_EMPTY);
    sector[510] = 0xaa;         /* byte order matters */
    sector[511] = 0x55;
    assert_int_equal(mbr_parse(sector, 1 << 20, &t), MBR_NO_SIGNATURE);
}

static void test_four_entries(void **state)
{
    (void)state;
    struct mbr_table t;
    blank();
    entry(0, 0x80, 0x83, 2048, 4096);
    entry(1, 0x00, 0x82, 6144, 2048);
    entry(3, 0x00, 0x0c, 8192, 24576);  /* ends exactly at the disk's end */
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_OK);
    assert_false(t.gpt);
    assert_int_equal(t.entry[0].state, MBR_ENTRY_OK);
    assert_true(t.entry[0].bootable);
    assert_int_equal(t.entry[0].type, 0x83);
    assert_int_equal(t.entry[0].first_sector, 2048);
    assert_int_equal(t.entry[0].sectors, 4096);
    assert_int_equal(t.entry[1].state, MBR_ENTRY_OK);
    assert_false(t.entry[1].bootable);
    assert_int_equal(t.entry[2].state, MBR_ENTRY_EMPTY);
    assert_int_equal(t.entry[3].state, MBR_ENTRY_OK);
    assert_int_equal(t.entry[3].first_sector + t.entry[3].sectors, 32768);
}

static void test_bounds(void **state)
{
    (void)state;
    struct mbr_table t;
    blank();
    entry(0, 0, 0x83, 8192, 24577);             /* one past the end */
    entry(1, 0, 0x83, 0, 100);                  /* would cover the MBR itself */
    entry(2, 0, 0x83, 40000, 1);                /* starts beyond the end */
    entry(3, 0, 0x83, 0xffffffffu, 0xffffffffu); /* 32-bit sums must not wrap */
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(t.entry[i].state, MBR_ENTRY_OUT_OF_RANGE);
}

static void test_empty_entries(void **state)
{
    (void)state;
    struct mbr_table t;
    blank();
    entry(0, 0, 0x00, 2048, 100);       /* type 0: empty whatever the numbers */
    entry(1, 0, 0x83, 2048, 0);         /* no sectors: empty */
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(t.entry[i].state, MBR_ENTRY_EMPTY);
}

static void test_not_mbr(void **state)
{
    (void)state;
    struct mbr_table t;
    blank();
    entry(0, 0x80, 0x83, 2048, 100);
    sector[446 + 16 * 2] = 0x4e;        /* boot code where a status byte would be */
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_NOT_MBR);
    assert_int_equal(t.entry[0].state, MBR_ENTRY_EMPTY);
}

static void test_gpt_and_extended(void **state)
{
    (void)state;
    struct mbr_table t;
    blank();
    entry(0, 0, MBR_TYPE_GPT_PROTECTIVE, 1, 0xffffffffu);
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_OK);
    assert_true(t.gpt);
    assert_int_equal(t.entry[0].state, MBR_ENTRY_OUT_OF_RANGE);
    blank();
    entry(1, 0, MBR_TYPE_EXTENDED_LBA, 4096, 1024);
    assert_int_equal(mbr_parse(sector, 32768, &t), MBR_OK);
    assert_false(t.gpt);
    assert_int_equal(t.entry[1].state, MBR_ENTRY_OK);
    assert_true(mbr_type_is_extended(t.entry[1].type));
    assert_false(mbr_type_is_extended(0x83));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_signature),
        cmocka_unit_test(test_four_entries),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_empty_entries),
        cmocka_unit_test(test_not_mbr),
        cmocka_unit_test(test_gpt_and_extended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
