/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for host/palloc.c: the page allocator every VM's memory, EPT
 * tables and VMCS come from, over 16 MiB of RAM mapped at its physical
 * address (the allocator zeroes what it hands out through that address). */
#define _GNU_SOURCE     /* MAP_ANONYMOUS, MAP_FIXED_NOREPLACE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "host/bootinfo.h"
#include "host/palloc.h"

#define RAM_BASE  0x40000000ull
#define RAM_PAGES 4096ull           /* 16 MiB */

char _kernel_start[1], _kernel_end[1];   /* Keel's image: somewhere below the RAM */

static struct boot_info bi;

static int setup(void **state)
{
    (void)state;
    void *p = mmap((void *)(uintptr_t)RAM_BASE, RAM_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)RAM_BASE)
        return -1;
    memset(&bi, 0, sizeof bi);
    bi.nr_mmap = 2;
    bi.mmap[0] = (struct boot_mmap_entry){ RAM_BASE, RAM_PAGES * PAGE_SIZE, 1 };
    bi.mmap[1] = (struct boot_mmap_entry){ RAM_BASE + 16 * PAGE_SIZE, 16 * PAGE_SIZE, 2 };   /* a hole */
    palloc_init(&bi);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    munmap((void *)(uintptr_t)RAM_BASE, RAM_PAGES * PAGE_SIZE);
    return 0;
}

static uint64_t pages[RAM_PAGES];

/* Every page once, never the hole, each zeroed; all of them back after. */
static void test_single_pages(void **state)
{
    (void)state;
    uint64_t total = palloc_free_pages();
    assert_int_equal(total, RAM_PAGES - 16);
    for (uint64_t i = 0; i < total; i++) {
        pages[i] = palloc_page();
        assert_true(pages[i] >= RAM_BASE && pages[i] < RAM_BASE + RAM_PAGES * PAGE_SIZE);
        assert_false(pages[i] >= RAM_BASE + 16 * PAGE_SIZE && pages[i] < RAM_BASE + 32 * PAGE_SIZE);
        for (uint64_t j = 0; j < PAGE_SIZE; j += 512)
            assert_int_equal(((uint8_t *)(uintptr_t)pages[i])[j], 0);
        memset((void *)(uintptr_t)pages[i], 0xa5, PAGE_SIZE);    /* the next user must see zeros */
        if (i)
            assert_int_not_equal(pages[i], pages[i - 1]);
    }
    assert_int_equal(palloc_free_pages(), 0);
    assert_int_equal(palloc_page(), 0);
    for (uint64_t i = 0; i < total; i++)
        palloc_free(pages[i], 1);
    assert_int_equal(palloc_free_pages(), total);
    uint64_t again = palloc_page();
    assert_int_equal(((uint8_t *)(uintptr_t)again)[100], 0);
    palloc_free(again, 1);
}

/* Runs are contiguous, aligned and never overlap; a freed run low in
 * memory is found again (the search hint moves back on a free). */
static void test_runs_alignment_and_reuse(void **state)
{
    (void)state;
    uint64_t a = palloc_alloc(3, PAGE_SIZE);
    uint64_t big = palloc_alloc(512, LARGE_PAGE_SIZE);
    uint64_t b = palloc_alloc(5, PAGE_SIZE);
    uint64_t c = palloc_alloc(3, PAGE_SIZE);
    assert_true(a && big && b && c);
    assert_int_equal(big % LARGE_PAGE_SIZE, 0);
    uint64_t r[4][2] = { { a, 3 }, { big, 512 }, { b, 5 }, { c, 3 } };
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_true(r[i][0] + r[i][1] * PAGE_SIZE <= r[j][0] || r[j][0] + r[j][1] * PAGE_SIZE <= r[i][0]);
    palloc_free(a, 3);
    assert_int_equal(palloc_alloc(3, PAGE_SIZE), a);    /* first fit finds the hole again */
    palloc_free(b, 5);
    uint64_t d = palloc_alloc(6, PAGE_SIZE);            /* does not fit where b was */
    assert_true(d && d != b);
    assert_true(d + 6 * PAGE_SIZE <= b || d >= b + 5 * PAGE_SIZE);
    assert_int_equal(palloc_alloc(5, PAGE_SIZE), b);
    assert_int_equal(palloc_alloc(0, PAGE_SIZE), 0);
    assert_int_equal(palloc_alloc(1, 3 * PAGE_SIZE), 0);       /* alignment not a power of two */
    assert_int_equal(palloc_alloc(RAM_PAGES, PAGE_SIZE), 0);    /* more than there is */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_alignment_and_reuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
