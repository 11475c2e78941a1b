/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for ept/guest_mem.c: GPA lookups and copies over RAM split into extents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ept/guest_mem.h"

#define PG 0x1000ull

/* Guest RAM [0, 5 pages) as extents of 1, 3 and 1 pages, each its own host
 * buffer, deliberately not in host-address order. */
struct fixture {
    struct guest_mem gm;
    unsigned char *buf[3];
};

static const uint64_t ext_pages[3] = { 1, 3, 1 };

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    uint64_t gpa = 0;
    for (unsigned i = 0; i < 3; i++) {
        f->buf[i] = aligned_alloc(PG, ext_pages[i] * PG);
        assert_non_null(f->buf[i]);
        memset(f->buf[i], 0xA0 + i, ext_pages[i] * PG);
        f->gm.extent[i].gpa = gpa;
        f->gm.extent[i].hpa = (uint64_t)(uintptr_t)f->buf[i];
        f->gm.extent[i].len = ext_pages[i] * PG;
        gpa += ext_pages[i] * PG;
    }
    f->gm.nr_extents = 3;
    f->gm.size = gpa;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 0; i < 3; i++)
        free(f->buf[i]);
    free(f);
    return 0;
}

static void test_ptr_within_extent(void **state)
{
    struct fixture *f = *state;
    assert_ptr_equal(guest_mem_ptr(&f->gm, 0, PG), f->buf[0]);
    assert_ptr_equal(guest_mem_ptr(&f->gm, 0x10, 0x20), f->buf[0] + 0x10);
    assert_ptr_equal(guest_mem_ptr(&f->gm, PG, 3 * PG), f->buf[1]);
    assert_ptr_equal(guest_mem_ptr(&f->gm, 2 * PG + 5, 1), f->buf[1] + PG + 5);
    assert_ptr_equal(guest_mem_ptr(&f->gm, 5 * PG - 1, 1), f->buf[2] + PG - 1);
    /* len 0 still needs gpa inside RAM */
    assert_ptr_equal(guest_mem_ptr(&f->gm, 3 * PG, 0), f->buf[1] + 2 * PG);
    assert_null(guest_mem_ptr(&f->gm, 5 * PG, 0));
}

static void test_ptr_refuses_crossing_and_outside(void **state)
{
    struct fixture *f = *state;
    assert_null(guest_mem_ptr(&f->gm, PG - 1, 2));          /* crosses extents */
    assert_null(guest_mem_ptr(&f->gm, 0, 5 * PG));          /* whole RAM, 3 extents */
    assert_null(guest_mem_ptr(&f->gm, 5 * PG, 1));          /* just past the end */
    assert_null(guest_mem_ptr(&f->gm, 5 * PG - 1, 2));
    assert_null(guest_mem_ptr(&f->gm, UINT64_MAX, 1));
    assert_null(guest_mem_ptr(&f->gm, UINT64_MAX, 2));      /* gpa+len wraps to 1 */
    assert_null(guest_mem_ptr(&f->gm, 0x10, UINT64_MAX));   /* wraps */
    assert_null(guest_mem_ptr(&f->gm, 0, UINT64_MAX));
    assert_null(guest_mem_ptr(NULL, 0, 1));
}

static void test_write_read_across_extents(void **state)
{
    struct fixture *f = *state;
    unsigned char src[3 * PG + 200], dst[sizeof src];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 31 + 7);

    uint64_t gpa = PG - 100;    /* spans all three extents */
    assert_int_equal(guest_mem_write(&f->gm, gpa, src, sizeof src), 0);
    assert_memory_equal(f->buf[0] + PG - 100, src, 100);
    assert_memory_equal(f->buf[1], src + 100, 3 * PG);
    assert_memory_equal(f->buf[2], src + 100 + 3 * PG, 100);
    assert_int_equal(f->buf[0][PG - 101], 0xA0);            /* neighbours untouched */
    assert_int_equal(f->buf[2][100], 0xA2);

    memset(dst, 0, sizeof dst);
    assert_int_equal(guest_mem_read(&f->gm, gpa, dst, sizeof dst), 0);
    assert_memory_equal(dst, src, sizeof src);
}

static void test_zero_across_extents(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(guest_mem_zero(&f->gm, PG - 1, 3 * PG + 2), 0);
    assert_int_equal(f->buf[0][PG - 2], 0xA0);
    assert_int_equal(f->buf[0][PG - 1], 0);
    for (size_t i = 0; i < 3 * PG; i++)
        assert_int_equal(f->buf[1][i], 0);
    assert_int_equal(f->buf[2][0], 0);
    assert_int_equal(f->buf[2][1], 0xA2);
}

static void test_out_of_range_copies_nothing(void **state)
{
    struct fixture *f = *state;
    unsigned char src[64];
    memset(src, 0x55, sizeof src);

    /* First 32 bytes are valid RAM: still nothing may be written. */
    assert_int_equal(guest_mem_write(&f->gm, 5 * PG - 32, src, sizeof src), -1);
    assert_int_equal(f->buf[2][PG - 32], 0xA2);
    assert_int_equal(guest_mem_zero(&f->gm, 5 * PG - 32, 64), -1);
    assert_int_equal(f->buf[2][PG - 1], 0xA2);

    memset(src, 0x77, sizeof src);
    assert_int_equal(guest_mem_read(&f->gm, 5 * PG - 32, src, sizeof src), -1);
    assert_int_equal(src[0], 0x77);

    assert_int_equal(guest_mem_write(&f->gm, UINT64_MAX - 10, src, 20), -1);
    assert_int_equal(guest_mem_zero(&f->gm, 16, UINT64_MAX), -1);
    assert_int_equal(guest_mem_read(&f->gm, UINT64_MAX, src, 1), -1);
    assert_int_equal(guest_mem_write(NULL, 0, src, 1), -1);
    assert_int_equal(guest_mem_write(&f->gm, 0, NULL, 1), -1);
}

static void test_zero_length(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(guest_mem_write(&f->gm, 0, NULL, 0), 0);
    assert_int_equal(guest_mem_zero(&f->gm, 5 * PG, 0), 0);
    assert_int_equal(guest_mem_read(&f->gm, 5 * PG + 1, NULL, 0), -1);   /* gpa itself outside */
}

static void test_hole_between_extents(void **state)
{
    struct fixture *f = *state;
    /* Break contiguity: the middle extent disappears from the list. */
    f->gm.extent[1] = f->gm.extent[2];
    f->gm.nr_extents = 2;
    unsigned char b[2] = { 1, 2 };
    assert_int_equal(guest_mem_write(&f->gm, PG - 1, b, 2), -1);
    assert_int_equal(f->buf[0][PG - 1], 0xA0);
    assert_null(guest_mem_ptr(&f->gm, 2 * PG, 1));
    assert_ptr_equal(guest_mem_ptr(&f->gm, 4 * PG, 1), f->buf[2]);
    assert_int_equal(guest_mem_write(&f->gm, 5 * PG - 1, b, 1), 0);
    assert_int_equal(f->buf[2][PG - 1], 1);
}

static void test_empty_and_corrupt_count(void **state)
{
    (void)state;
    struct guest_mem *gm = calloc(1, sizeof *gm);
    assert_non_null(gm);
    assert_null(guest_mem_ptr(gm, 0, 0));
    assert_int_equal(guest_mem_zero(gm, 0, 1), -1);
    gm->size = PG;
    gm->nr_extents = 1000;          /* must not index past extent[] */
    assert_null(guest_mem_ptr(gm, 0, 1));
    assert_int_equal(guest_mem_zero(gm, 0, 1), -1);
    free(gm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ptr_within_extent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ptr_refuses_crossing_and_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_read_across_extents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_across_extents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range_copies_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_between_extents, setup, teardown),
        cmocka_unit_test(test_empty_and_corrupt_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
