/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for pvio/xen/grant_table.c: pin checks, status bits, pin counts and bounded copies against a hostile guest's table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pvio/xen/grant_table.h"

#define PG 0x1000u

/* Guest RAM [0, 32 pages) as two extents of 16 pages in separate buffers;
 * a two-frame grant table in host pages outside guest RAM. */
struct fixture {
    struct guest_mem gm;
    uint8_t *ram[2];
    uint8_t *table[2];
    struct grant_table *gt;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (unsigned i = 0; i < 2; i++) {
        f->ram[i] = aligned_alloc(PG, 16 * PG);
        assert_non_null(f->ram[i]);
        memset(f->ram[i], 0x5A, 16 * PG);
        f->gm.extent[i].gpa = (uint64_t)i * 16 * PG;
        f->gm.extent[i].hpa = (uint64_t)(uintptr_t)f->ram[i];
        f->gm.extent[i].len = 16 * PG;
        f->table[i] = aligned_alloc(PG, PG);
        assert_non_null(f->table[i]);
        memset(f->table[i], 0, PG);
    }
    f->gm.nr_extents = 2;
    f->gm.size = 32 * PG;

    f->gt = malloc(sizeof *f->gt);
    assert_non_null(f->gt);
    memset(f->gt, 0xCC, sizeof *f->gt);     /* init must not rely on zeroed memory */
    grant_table_init(f->gt, &f->gm, 0);
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[0]), GNT_OK);
    assert_int_equal(grant_table_set_frame(f->gt, 1, f->table[1]), GNT_OK);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 1), GNT_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 0; i < 2; i++) {
        free(f->ram[i]);
        free(f->table[i]);
    }
    free(f->gt);
    free(f);
    return 0;
}

static struct grant_entry_v1 *entry(struct fixture *f, uint32_t ref)
{
    return (struct grant_entry_v1 *)(void *)(f->table[ref / 512] + (ref % 512) * 8);
}

/* As Linux does it: frame and domid, then flags. */
static void grant(struct fixture *f, uint32_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
    struct grant_entry_v1 *e = entry(f, ref);
    e->frame = frame;
    e->domid = domid;
    e->flags = flags;
}

static uint8_t *gfn_host(struct fixture *f, uint32_t gfn)
{
    return f->ram[gfn / 16] + (gfn % 16) * PG;
}

static void test_pin_read_sets_reading_and_returns_frame(void **state)
{
    struct fixture *f = *state;
    grant(f, 8, GTF_permit_access, 0, 3);
    grant(f, 9, GTF_permit_access | GTF_readonly, 0, 20);
    void *p = NULL;

    assert_int_equal(grant_pin(f->gt, 8, false, &p), GNT_OK);
    assert_ptr_equal(p, gfn_host(f, 3));
    assert_int_equal(entry(f, 8)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(grant_pin_count(f->gt, 8), 1);

    /* Read-only grants may be read; the second extent maps too. */
    assert_int_equal(grant_pin(f->gt, 9, false, &p), GNT_OK);
    assert_ptr_equal(p, gfn_host(f, 20));
    assert_int_equal(entry(f, 9)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(f->gt->active_pins, 2);

    assert_int_equal(grant_unpin(f->gt, 8, false), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 9, false), GNT_OK);
    assert_int_equal(entry(f, 8)->flags, GTF_permit_access);
    assert_int_equal(entry(f, 9)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(entry(f, 8)->frame, 3);
    assert_int_equal(entry(f, 8)->domid, 0);
    assert_int_equal(f->gt->active_pins, 0);
}

static void test_pin_write_and_mixed_counts(void **state)
{
    struct fixture *f = *state;
    grant(f, 100, GTF_permit_access, 0, 7);
    void *p = NULL;

    assert_int_equal(grant_pin(f->gt, 100, true, &p), GNT_OK);
    assert_ptr_equal(p, gfn_host(f, 7));
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(grant_pin(f->gt, 100, false, &p), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 100, true, &p), GNT_OK);
    assert_int_equal(grant_pin_count(f->gt, 100), 3);

    /* One write pin left: both bits stay. */
    assert_int_equal(grant_unpin(f->gt, 100, true), GNT_OK);
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    /* Only a read pin left: writing goes, reading stays. */
    assert_int_equal(grant_unpin(f->gt, 100, true), GNT_OK);
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(grant_unpin(f->gt, 100, false), GNT_OK);
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access);
    assert_int_equal(grant_pin_count(f->gt, 100), 0);

    /* Read pin first, then a write pin adds writing; read unpin keeps it. */
    assert_int_equal(grant_pin(f->gt, 100, false, &p), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 100, true, &p), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 100, false), GNT_OK);
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(grant_unpin(f->gt, 100, true), GNT_OK);
    assert_int_equal(entry(f, 100)->flags, GTF_permit_access);
    assert_int_equal(f->gt->active_pins, 0);
}

static void test_bad_refs(void **state)
{
    struct fixture *f = *state;
    void *p = (void *)0x1;
    for (uint32_t ref = 0; ref < 8; ref++) {
        grant(f, ref, GTF_permit_access, 0, 1);
        assert_int_equal(grant_pin(f->gt, ref, false, &p), GNT_EBADREF);
        assert_int_equal(entry(f, ref)->flags, GTF_permit_access);
    }
    /* One frame mapped: 512 refs. */
    grant(f, 511, GTF_permit_access, 0, 1);
    assert_int_equal(grant_pin(f->gt, 511, false, &p), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 511, false), GNT_OK);
    p = (void *)0x1;
    grant(f, 512, GTF_permit_access, 0, 1);
    assert_int_equal(grant_pin(f->gt, 512, false, &p), GNT_EBADREF);
    assert_int_equal(entry(f, 512)->flags, GTF_permit_access);
    assert_int_equal(grant_pin(f->gt, GRANT_REFS_MAX, false, &p), GNT_EBADREF);
    assert_int_equal(grant_pin(f->gt, UINT32_MAX, true, &p), GNT_EBADREF);
    assert_ptr_equal(p, (void *)0x1);

    /* The guest maps the second frame: 512.. become valid. */
    assert_int_equal(grant_table_set_nr_frames(f->gt, 2), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 512, false, &p), GNT_OK);
    assert_ptr_equal(p, gfn_host(f, 1));
    assert_int_equal(grant_unpin(f->gt, 512, false), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 1024, false, &p), GNT_EBADREF);
}

static void test_foreign_and_wrong_type_refused(void **state)
{
    struct fixture *f = *state;
    void *p = NULL;
    grant(f, 10, GTF_permit_access, 1, 2);              /* granted to domain 1 */
    grant(f, 11, GTF_invalid, 0, 2);
    grant(f, 12, 2 /* GTF_accept_transfer */, 0, 2);
    grant(f, 13, 3 /* GTF_transitive */, 0, 2);
    grant(f, 14, GTF_readonly | GTF_reading, 0, 2);     /* bits, but no type */
    for (uint32_t ref = 10; ref <= 14; ref++) {
        uint16_t before = entry(f, ref)->flags;
        assert_int_equal(grant_pin(f->gt, ref, false, &p), GNT_EPERM);
        assert_int_equal(grant_pin(f->gt, ref, true, &p), GNT_EPERM);
        assert_int_equal(entry(f, ref)->flags, before);
        assert_int_equal(grant_pin_count(f->gt, ref), 0);
    }

    /* A table whose backend is not domain 0 checks its own id. */
    grant_table_init(f->gt, &f->gm, 1);
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[0]), GNT_OK);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 1), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 10, false, &p), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 10, false), GNT_OK);
}

static void test_readonly_grant_refuses_write(void **state)
{
    struct fixture *f = *state;
    void *p = NULL;
    grant(f, 20, GTF_permit_access | GTF_readonly, 0, 4);
    assert_int_equal(grant_pin(f->gt, 20, true, &p), GNT_EROFS);
    assert_int_equal(entry(f, 20)->flags, GTF_permit_access | GTF_readonly);

    /* Also while pinned for reading: the write attempt changes nothing. */
    assert_int_equal(grant_pin(f->gt, 20, false, &p), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 20, true, &p), GNT_EROFS);
    assert_int_equal(entry(f, 20)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(grant_pin_count(f->gt, 20), 1);
    assert_int_equal(grant_unpin(f->gt, 20, false), GNT_OK);
    assert_int_equal(entry(f, 20)->flags, GTF_permit_access | GTF_readonly);
}

static void test_frame_must_be_guest_ram(void **state)
{
    struct fixture *f = *state;
    void *p = (void *)0x1;
    const uint32_t bad_frames[] = { 32, 33, 0xFEC00, 0xFFFFF, UINT32_MAX };
    for (unsigned i = 0; i < sizeof bad_frames / sizeof bad_frames[0]; i++) {
        grant(f, 30, GTF_permit_access, 0, bad_frames[i]);
        assert_int_equal(grant_pin(f->gt, 30, false, &p), GNT_ENOTRAM);
        assert_int_equal(grant_pin(f->gt, 30, true, &p), GNT_ENOTRAM);
        /* The bits we set for the attempt are gone again. */
        assert_int_equal(entry(f, 30)->flags, GTF_permit_access);
    }
    assert_ptr_equal(p, (void *)0x1);
    assert_int_equal(f->gt->active_pins, 0);

    /* Last page of RAM is fine. */
    grant(f, 30, GTF_permit_access, 0, 31);
    assert_int_equal(grant_pin(f->gt, 30, true, &p), GNT_OK);
    assert_ptr_equal(p, gfn_host(f, 31));

    /* The guest retargets the pinned entry at a hole: a new pin fails, the
     * existing pin and its bits stay. */
    entry(f, 30)->frame = 40;
    assert_int_equal(grant_pin(f->gt, 30, false, &p), GNT_ENOTRAM);
    assert_int_equal(entry(f, 30)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(grant_pin_count(f->gt, 30), 1);
    assert_int_equal(grant_unpin(f->gt, 30, true), GNT_OK);
    assert_int_equal(entry(f, 30)->flags, GTF_permit_access);
}

static void test_unpin_without_pin(void **state)
{
    struct fixture *f = *state;
    void *p = NULL;
    assert_int_equal(grant_unpin(f->gt, 50, false), GNT_ENOTPINNED);
    assert_int_equal(grant_unpin(f->gt, UINT32_MAX, true), GNT_ENOTPINNED);
    grant(f, 50, GTF_permit_access, 0, 1);
    assert_int_equal(grant_pin(f->gt, 50, false, &p), GNT_OK);
    /* Wrong kind: the read pin must survive. */
    assert_int_equal(grant_unpin(f->gt, 50, true), GNT_ENOTPINNED);
    assert_int_equal(entry(f, 50)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(grant_unpin(f->gt, 50, false), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 50, false), GNT_ENOTPINNED);
    assert_int_equal(f->gt->active_pins, 0);
}

static void test_pin_count_saturates(void **state)
{
    struct fixture *f = *state;
    void *p = NULL;
    grant(f, 60, GTF_permit_access, 0, 1);
    for (unsigned i = 0; i < UINT16_MAX; i++)
        assert_int_equal(grant_pin(f->gt, 60, false, &p), GNT_OK);
    assert_int_equal(grant_pin(f->gt, 60, false, &p), GNT_EBUSY);
    assert_int_equal(grant_pin(f->gt, 60, true, &p), GNT_OK);  /* separate counter */
    assert_int_equal(grant_pin_count(f->gt, 60), UINT16_MAX + 1u);
    assert_int_equal(grant_unpin(f->gt, 60, true), GNT_OK);
    for (unsigned i = 0; i < UINT16_MAX; i++)
        assert_int_equal(grant_unpin(f->gt, 60, false), GNT_OK);
    assert_int_equal(entry(f, 60)->flags, GTF_permit_access);
    assert_int_equal(f->gt->active_pins, 0);
}

static void test_guest_set_status_bits_are_kept_or_cleared_by_count(void **state)
{
    struct fixture *f = *state;
    void *p = NULL;
    /* A guest that pre-sets GTF_reading: the pin works, and the final unpin
     * clears it (the bits belong to the backend). */
    grant(f, 70, GTF_permit_access | GTF_reading, 0, 2);
    assert_int_equal(grant_pin(f->gt, 70, false, &p), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 70, false), GNT_OK);
    assert_int_equal(entry(f, 70)->flags, GTF_permit_access);
    /* Other flag bits (e.g. cache attributes above bit 4) are preserved. */
    grant(f, 71, GTF_permit_access | (1u << 5) | (1u << 7), 0, 2);
    assert_int_equal(grant_pin(f->gt, 71, true, &p), GNT_OK);
    assert_int_equal(grant_unpin(f->gt, 71, true), GNT_OK);
    assert_int_equal(entry(f, 71)->flags, GTF_permit_access | (1u << 5) | (1u << 7));
}

static void test_copy_bounds_and_data(void **state)
{
    struct fixture *f = *state;
    grant(f, 80, GTF_permit_access, 0, 5);
    grant(f, 81, GTF_permit_access | GTF_readonly, 0, 6);
    uint8_t buf[PG];
    for (unsigned i = 0; i < PG; i++)
        buf[i] = (uint8_t)(i * 3);

    assert_int_equal(grant_copy_to(f->gt, 80, 100, buf, 200), GNT_OK);
    assert_memory_equal(gfn_host(f, 5) + 100, buf, 200);
    assert_int_equal(gfn_host(f, 5)[99], 0x5A);
    assert_int_equal(gfn_host(f, 5)[300], 0x5A);

    uint8_t out[PG];
    memset(out, 0, sizeof out);
    assert_int_equal(grant_copy_from(f->gt, 80, 100, out, 200), GNT_OK);
    assert_memory_equal(out, buf, 200);

    assert_int_equal(grant_copy_to(f->gt, 80, 0, buf, PG), GNT_OK);
    assert_memory_equal(gfn_host(f, 5), buf, PG);
    assert_int_equal(grant_copy_from(f->gt, 80, PG, out, 0), GNT_OK);

    assert_int_equal(grant_copy_to(f->gt, 80, PG - 1, buf, 2), GNT_ERANGE);
    assert_int_equal(grant_copy_from(f->gt, 80, PG + 1, out, 0), GNT_ERANGE);
    assert_int_equal(grant_copy_from(f->gt, 80, 1, out, PG), GNT_ERANGE);
    assert_int_equal(grant_copy_from(f->gt, 80, UINT32_MAX, out, 2), GNT_ERANGE);
    assert_int_equal(grant_copy_to(f->gt, 80, 2, buf, UINT32_MAX), GNT_ERANGE);

    /* Read-only grant: copy out works, copy in is refused and writes nothing. */
    memset(gfn_host(f, 6), 0x11, PG);
    assert_int_equal(grant_copy_from(f->gt, 81, 0, out, 16), GNT_OK);
    assert_int_equal(out[15], 0x11);
    assert_int_equal(grant_copy_to(f->gt, 81, 0, buf, 16), GNT_EROFS);
    assert_int_equal(gfn_host(f, 6)[1], 0x11);
    assert_int_equal(grant_copy_from(f->gt, 5, 0, out, 16), GNT_EBADREF);

    assert_int_equal(f->gt->active_pins, 0);
    assert_int_equal(entry(f, 80)->flags, GTF_permit_access);
    assert_int_equal(entry(f, 81)->flags, GTF_permit_access | GTF_readonly);
}

static void test_table_setup_validation(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(grant_table_set_frame(f->gt, GRANT_FRAMES_MAX, f->table[0]), GNT_EINVAL);
    assert_int_equal(grant_table_set_frame(f->gt, 2, NULL), GNT_EINVAL);
    assert_int_equal(grant_table_set_frame(f->gt, 2, f->table[0] + 8), GNT_EINVAL);
    /* A recorded frame cannot be swapped; re-recording the same page is fine. */
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[1]), GNT_EINVAL);
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[0]), GNT_OK);
    /* Frame 2 has no page yet. */
    assert_int_equal(grant_table_set_nr_frames(f->gt, 3), GNT_EINVAL);
    assert_int_equal(grant_table_set_nr_frames(f->gt, GRANT_FRAMES_MAX + 1), GNT_EINVAL);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 2), GNT_OK);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 1), GNT_EINVAL);   /* never shrinks */
    assert_int_equal(f->gt->nr_frames, 2);
}

/* UBSan findings (e.g. an index past a private array) fail the run
 * instead of scrolling by. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pin_read_sets_reading_and_returns_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_write_and_mixed_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_wrong_type_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_grant_refuses_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_must_be_guest_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpin_without_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_count_saturates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_set_status_bits_are_kept_or_cleared_by_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_bounds_and_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_setup_validation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
