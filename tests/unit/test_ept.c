/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for ept/ept.c: EPT table building, raw entry formats, translation, EPTP and allocator accounting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ept/ept.h"

#define SZ_4K   0x1000ull
#define SZ_2M   0x200000ull
#define SZ_1G   0x40000000ull
#define SZ_512G 0x8000000000ull

/* HPAs of leaves are only stored, never dereferenced, so tests use made-up
 * host addresses for them; only table pages must be real memory. */
#define FAKE_HPA 0x100000000ull     /* 4 GiB: 2 MiB- and 1 GiB-aligned */

/* ---- Tracking page allocator --------------------------------------------- */

#define MAX_PAGES 256

static struct {
    void *live[MAX_PAGES];
    unsigned nr_live;
    unsigned allocs, frees;
    unsigned bad_frees;     /* double frees or pages this allocator never gave out */
    int fail_after;         /* < 0: never fail; else succeed this many times, then fail */
} pa;

static void pa_reset(int fail_after)
{
    memset(&pa, 0, sizeof pa);
    pa.fail_after = fail_after;
}

static uint64_t pa_alloc(void)
{
    if (pa.fail_after >= 0 && pa.allocs >= (unsigned)pa.fail_after)
        return 0;
    if (pa.nr_live == MAX_PAGES)
        return 0;
    void *p = aligned_alloc(4096, 4096);
    if (!p)
        return 0;
    memset(p, 0, 4096);
    pa.live[pa.nr_live++] = p;
    pa.allocs++;
    return (uint64_t)(uintptr_t)p;
}

static void pa_free(uint64_t page)
{
    void *p = (void *)(uintptr_t)page;
    for (unsigned i = 0; i < pa.nr_live; i++) {
        if (pa.live[i] == p) {
            pa.live[i] = pa.live[--pa.nr_live];
            pa.frees++;
            free(p);
            return;
        }
    }
    pa.bad_frees++;     /* not freed: it is not ours, or it is already gone */
}

/* Tear down and check every page came back exactly once. */
static void destroy_and_check(struct ept *e)
{
    ept_destroy(e);
    assert_int_equal(e->pml4, 0);
    assert_int_equal(pa.bad_frees, 0);
    assert_int_equal(pa.nr_live, 0);
    assert_int_equal(pa.frees, pa.allocs);
}

static void ept_setup(struct ept *e, int fail_after)
{
    pa_reset(fail_after);
    memset(e, 0, sizeof *e);
    e->alloc_page = pa_alloc;
    e->free_page = pa_free;
    assert_int_equal(ept_init(e), 0);
    assert_int_not_equal(e->pml4, 0);
    assert_int_equal(e->pml4 & 0xfff, 0);
    assert_int_equal(pa.allocs, 1);
}

/* ---- Raw table inspection ------------------------------------------------ */

static unsigned idx(uint64_t gpa, unsigned level)
{
    return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

/* Pointer to the raw entry for gpa at `level` (3 = PML4 .. 0 = PT), or NULL
 * when a higher level is not present or is itself a leaf. */
static uint64_t *raw_entry(const struct ept *e, uint64_t gpa, unsigned level)
{
    uint64_t *t = (uint64_t *)(uintptr_t)e->pml4;
    for (unsigned l = 3; l > level; l--) {
        uint64_t ent = t[idx(gpa, l)];
        if (!(ent & EPT_RWX) || (ent & EPT_LARGE))
            return NULL;
        t = (uint64_t *)(uintptr_t)(ent & EPT_ADDR_MASK);
    }
    return &t[idx(gpa, level)];
}

static void assert_translates(const struct ept *e, uint64_t gpa, uint64_t want_hpa,
                              uint64_t want_perms)
{
    uint64_t hpa = 0xdead, perms = 0xdead;
    assert_int_equal(ept_translate(e, gpa, &hpa, &perms), 0);
    assert_int_equal(hpa, want_hpa);
    assert_int_equal(perms, want_perms);
}

static void assert_unmapped(const struct ept *e, uint64_t gpa)
{
    uint64_t hpa = 0, perms = 0;
    assert_int_equal(ept_translate(e, gpa, &hpa, &perms), -1);
}

/* Count 2 MiB leaves in the PD covering gpa. */
static unsigned count_large_in_pd(const struct ept *e, uint64_t gpa)
{
    uint64_t *pde = raw_entry(e, gpa, 1);
    assert_non_null(pde);
    uint64_t *pd = pde - idx(gpa, 1);
    unsigned n = 0;
    for (unsigned i = 0; i < 512; i++)
        if ((pd[i] & EPT_RWX) && (pd[i] & EPT_LARGE))
            n++;
    return n;
}

/* ---- Tests --------------------------------------------------------------- */

static void test_init_and_destroy_empty(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)e.pml4;
    for (unsigned i = 0; i < 512; i++)
        assert_int_equal(pml4[i], 0);
    assert_unmapped(&e, 0);
    destroy_and_check(&e);
    assert_int_equal(pa.allocs, 1);
    /* A second destroy is a no-op (pml4 is 0), not a double free. */
    ept_destroy(&e);
    assert_int_equal(pa.bad_frees, 0);
}

static void test_init_alloc_failure(void **state)
{
    (void)state;
    struct ept e = { 0 };
    pa_reset(0);
    e.alloc_page = pa_alloc;
    e.free_page = pa_free;
    assert_int_equal(ept_init(&e), -1);
    assert_int_equal(e.pml4, 0);
    ept_destroy(&e);    /* must not touch the (absent) root */
    assert_int_equal(pa.frees, 0);
    assert_int_equal(pa.bad_frees, 0);
}

static void test_map_4k_translate_offsets(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    const uint64_t gpa = 0x123000, hpa = FAKE_HPA + 0x456000;
    assert_int_equal(ept_map(&e, gpa, hpa, 3 * SZ_4K, EPT_RWX, EPT_MT_WB, true), 0);
    /* PDPT, PD, PT on top of the root */
    assert_int_equal(pa.allocs, 4);

    for (unsigned p = 0; p < 3; p++) {
        assert_translates(&e, gpa + p * SZ_4K, hpa + p * SZ_4K, EPT_RWX);
        assert_translates(&e, gpa + p * SZ_4K + 0x1, hpa + p * SZ_4K + 0x1, EPT_RWX);
        assert_translates(&e, gpa + p * SZ_4K + 0xabc, hpa + p * SZ_4K + 0xabc, EPT_RWX);
        assert_translates(&e, gpa + p * SZ_4K + 0xfff, hpa + p * SZ_4K + 0xfff, EPT_RWX);
    }
    assert_unmapped(&e, gpa - 1);
    assert_unmapped(&e, gpa + 3 * SZ_4K);

    /* Raw PT entries: address, WB memory type, RWX, no large bit. */
    for (unsigned p = 0; p < 3; p++) {
        uint64_t *pte = raw_entry(&e, gpa + p * SZ_4K, 0);
        assert_non_null(pte);
        assert_int_equal(*pte & EPT_ADDR_MASK, hpa + p * SZ_4K);
        assert_int_equal((*pte >> 3) & 7, EPT_MT_WB);
        assert_int_equal(*pte & EPT_RWX, EPT_RWX);
        assert_int_equal(*pte & EPT_LARGE, 0);
        assert_int_equal(*pte & ~(EPT_ADDR_MASK | EPT_RWX | EPT_MEMTYPE(7)), 0);
    }
    /* Non-leaf entries: RWX, no memory type, no large bit. */
    for (unsigned l = 3; l >= 1; l--) {
        uint64_t *ent = raw_entry(&e, gpa, l);
        assert_non_null(ent);
        assert_int_equal(*ent & ~EPT_ADDR_MASK, EPT_RWX);
    }
    destroy_and_check(&e);
}

static void test_map_4k_perms_and_memtype(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, 0x0000, FAKE_HPA + 0x0000, SZ_4K, EPT_READ, EPT_MT_WB, false), 0);
    assert_int_equal(ept_map(&e, 0x1000, FAKE_HPA + 0x1000, SZ_4K, EPT_READ | EPT_EXEC, EPT_MT_WB, false), 0);
    assert_int_equal(ept_map(&e, 0x2000, FAKE_HPA + 0x2000, SZ_4K, EPT_READ | EPT_WRITE, EPT_MT_UC, false), 0);
    assert_int_equal(ept_map(&e, 0x3000, FAKE_HPA + 0x3000, SZ_4K, EPT_EXEC, EPT_MT_UC, false), 0);

    assert_translates(&e, 0x0010, FAKE_HPA + 0x0010, EPT_READ);
    assert_translates(&e, 0x1020, FAKE_HPA + 0x1020, EPT_READ | EPT_EXEC);
    assert_translates(&e, 0x2030, FAKE_HPA + 0x2030, EPT_READ | EPT_WRITE);
    assert_translates(&e, 0x3040, FAKE_HPA + 0x3040, EPT_EXEC);

    assert_int_equal((*raw_entry(&e, 0x0000, 0) >> 3) & 7, EPT_MT_WB);
    assert_int_equal((*raw_entry(&e, 0x2000, 0) >> 3) & 7, EPT_MT_UC);
    assert_int_equal(*raw_entry(&e, 0x2000, 0), FAKE_HPA + 0x2000 + (EPT_READ | EPT_WRITE));
    assert_int_equal(*raw_entry(&e, 0x3000, 0), FAKE_HPA + 0x3000 + EPT_EXEC);
    /* all four in one PT */
    assert_int_equal(pa.allocs, 4);
    destroy_and_check(&e);
}

static void test_map_2m_leaf(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    const uint64_t gpa = 3 * SZ_2M, hpa = FAKE_HPA + 7 * SZ_2M;
    assert_int_equal(ept_map(&e, gpa, hpa, 2 * SZ_2M, EPT_READ | EPT_WRITE, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 3);     /* root, PDPT, PD: no PT */

    for (unsigned p = 0; p < 2; p++) {
        uint64_t *pde = raw_entry(&e, gpa + p * SZ_2M, 1);
        assert_non_null(pde);
        assert_true(*pde & EPT_LARGE);                        /* bit 7 */
        assert_int_equal((*pde >> 3) & 7, 6);                 /* bits 5:3 = WB */
        assert_int_equal(*pde & EPT_RWX, EPT_READ | EPT_WRITE);
        assert_int_equal(*pde & EPT_ADDR_MASK, hpa + p * SZ_2M);
        assert_int_equal(*pde, hpa + p * SZ_2M + EPT_LARGE + EPT_MEMTYPE(6) + EPT_READ + EPT_WRITE);
        /* nothing below a large leaf */
        assert_null(raw_entry(&e, gpa + p * SZ_2M, 0));
    }
    assert_int_equal(count_large_in_pd(&e, gpa), 2);

    assert_translates(&e, gpa, hpa, EPT_READ | EPT_WRITE);
    assert_translates(&e, gpa + 0x12345, hpa + 0x12345, EPT_READ | EPT_WRITE);
    assert_translates(&e, gpa + SZ_2M - 1, hpa + SZ_2M - 1, EPT_READ | EPT_WRITE);
    assert_translates(&e, gpa + SZ_2M + 0x1fffff, hpa + SZ_2M + 0x1fffff, EPT_READ | EPT_WRITE);
    assert_unmapped(&e, gpa - 1);
    assert_unmapped(&e, gpa + 2 * SZ_2M);
    destroy_and_check(&e);
}

/* 2 MiB leaves only when gpa, hpa, len all allow it and large_ok is set. */
static void check_all_4k(uint64_t gpa, uint64_t hpa, uint64_t len, bool large_ok)
{
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, gpa, hpa, len, EPT_RWX, EPT_MT_WB, large_ok), 0);
    for (uint64_t off = 0; off < len; off += SZ_4K) {
        uint64_t *pde = raw_entry(&e, gpa + off, 1);
        assert_non_null(pde);
        assert_int_equal(*pde & EPT_LARGE, 0);
        uint64_t *pte = raw_entry(&e, gpa + off, 0);
        assert_non_null(pte);
        assert_int_equal(*pte & EPT_ADDR_MASK, hpa + off);
        assert_translates(&e, gpa + off + 0x10, hpa + off + 0x10, EPT_RWX);
    }
    destroy_and_check(&e);
}

static void test_large_requires_all_conditions(void **state)
{
    (void)state;
    /* everything aligned but large_ok false */
    check_all_4k(SZ_2M, FAKE_HPA, SZ_2M, false);
    /* hpa only 4 KiB-aligned */
    check_all_4k(SZ_2M, FAKE_HPA + SZ_4K, SZ_2M, true);
    /* gpa only 4 KiB-aligned (a 2 MiB range spanning two PTs) */
    check_all_4k(SZ_2M + SZ_4K, FAKE_HPA, SZ_2M, true);
    /* gpa, hpa aligned but len below 2 MiB */
    check_all_4k(SZ_2M, FAKE_HPA, SZ_2M - SZ_4K, true);
    /* gpa and hpa congruent mod 2 MiB but both unaligned: never large */
    check_all_4k(SZ_2M + 0x10000, FAKE_HPA + 0x10000, SZ_2M, true);
}

static void test_mixed_head_large_tail(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    /* gpa and hpa congruent mod 2 MiB: 2 head pages, 2 large pages, 3 tail pages */
    const uint64_t gpa = 4 * SZ_2M - 2 * SZ_4K;
    const uint64_t hpa = FAKE_HPA + 10 * SZ_2M - 2 * SZ_4K;
    const uint64_t len = 2 * SZ_4K + 2 * SZ_2M + 3 * SZ_4K;
    assert_int_equal(ept_map(&e, gpa, hpa, len, EPT_RWX, EPT_MT_WB, true), 0);
    /* root, PDPT, PD, PT for the head, PT for the tail */
    assert_int_equal(pa.allocs, 5);

    /* head: 4 KiB leaves in the PT of PD slot 3 */
    for (unsigned p = 0; p < 2; p++) {
        uint64_t g = gpa + p * SZ_4K;
        assert_int_equal(*raw_entry(&e, g, 1) & EPT_LARGE, 0);
        uint64_t *pte = raw_entry(&e, g, 0);
        assert_non_null(pte);
        assert_int_equal(*pte, (hpa + p * SZ_4K) | EPT_RWX | EPT_MEMTYPE(EPT_MT_WB));
    }
    /* middle: two large leaves at PD slots 4, 5 */
    for (unsigned p = 0; p < 2; p++) {
        uint64_t g = 4 * SZ_2M + p * SZ_2M;
        uint64_t *pde = raw_entry(&e, g, 1);
        assert_non_null(pde);
        assert_int_equal(*pde, (FAKE_HPA + 10 * SZ_2M + p * SZ_2M) | EPT_LARGE | EPT_RWX |
                               EPT_MEMTYPE(EPT_MT_WB));
    }
    /* tail: 4 KiB leaves at PD slot 6 */
    for (unsigned p = 0; p < 3; p++) {
        uint64_t g = 6 * SZ_2M + p * SZ_4K;
        assert_int_equal(*raw_entry(&e, g, 1) & EPT_LARGE, 0);
        uint64_t *pte = raw_entry(&e, g, 0);
        assert_non_null(pte);
        assert_int_equal(*pte & EPT_ADDR_MASK, FAKE_HPA + 12 * SZ_2M + p * SZ_4K);
    }
    assert_int_equal(count_large_in_pd(&e, gpa), 2);

    /* translation everywhere in the range, and just outside it */
    for (uint64_t off = 0; off < len; off += SZ_4K)
        assert_translates(&e, gpa + off + 0x321, hpa + off + 0x321, EPT_RWX);
    assert_unmapped(&e, gpa - SZ_4K);
    assert_unmapped(&e, gpa + len);
    assert_unmapped(&e, gpa + len + 0xfff);
    destroy_and_check(&e);
}

static void test_cross_1g_boundary(void **state)
{
    (void)state;
    struct ept e;

    /* large leaves: PD slot 511 of PDPT slot 0, PD slot 0 of PDPT slot 1 */
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, SZ_1G - SZ_2M, FAKE_HPA + SZ_1G - SZ_2M, 2 * SZ_2M,
                             EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 4);     /* root, PDPT, two PDs */
    uint64_t *pdpte0 = raw_entry(&e, SZ_1G - 1, 2);
    uint64_t *pdpte1 = raw_entry(&e, SZ_1G, 2);
    assert_non_null(pdpte0);
    assert_non_null(pdpte1);
    assert_ptr_equal(pdpte1, pdpte0 + 1);
    assert_int_not_equal(*pdpte0 & EPT_ADDR_MASK, *pdpte1 & EPT_ADDR_MASK);
    assert_true(*raw_entry(&e, SZ_1G - SZ_2M, 1) & EPT_LARGE);
    assert_true(*raw_entry(&e, SZ_1G, 1) & EPT_LARGE);
    assert_translates(&e, SZ_1G - 1, FAKE_HPA + SZ_1G - 1, EPT_RWX);
    assert_translates(&e, SZ_1G, FAKE_HPA + SZ_1G, EPT_RWX);
    assert_translates(&e, SZ_1G + SZ_2M - 1, FAKE_HPA + SZ_1G + SZ_2M - 1, EPT_RWX);
    assert_unmapped(&e, SZ_1G + SZ_2M);
    destroy_and_check(&e);

    /* 4 KiB leaves straddling 1 GiB: a PD and a PT on each side */
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, SZ_1G - SZ_4K, FAKE_HPA + 0x5000, 2 * SZ_4K,
                             EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 6);     /* root, PDPT, PD+PT below, PD+PT above */
    assert_translates(&e, SZ_1G - SZ_4K + 0x80, FAKE_HPA + 0x5080, EPT_RWX);
    assert_translates(&e, SZ_1G + 0x80, FAKE_HPA + 0x6080, EPT_RWX);
    assert_unmapped(&e, SZ_1G - 2 * SZ_4K);
    assert_unmapped(&e, SZ_1G + SZ_4K);
    destroy_and_check(&e);
}

static void test_cross_512g_boundary(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, SZ_512G - SZ_4K, FAKE_HPA + 0x9000, 2 * SZ_4K,
                             EPT_READ, EPT_MT_WB, false), 0);
    /* root + (PDPT, PD, PT) under PML4 slot 0 and again under slot 1 */
    assert_int_equal(pa.allocs, 7);
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)e.pml4;
    assert_int_equal(pml4[0] & ~EPT_ADDR_MASK, EPT_RWX);
    assert_int_equal(pml4[1] & ~EPT_ADDR_MASK, EPT_RWX);
    assert_int_not_equal(pml4[0] & EPT_ADDR_MASK, pml4[1] & EPT_ADDR_MASK);
    for (unsigned i = 2; i < 512; i++)
        assert_int_equal(pml4[i], 0);
    assert_ptr_equal(raw_entry(&e, SZ_512G - 1, 0),
                     (uint64_t *)(uintptr_t)(*raw_entry(&e, SZ_512G - 1, 1) & EPT_ADDR_MASK) + 511);
    assert_ptr_equal(raw_entry(&e, SZ_512G, 0),
                     (uint64_t *)(uintptr_t)(*raw_entry(&e, SZ_512G, 1) & EPT_ADDR_MASK));

    assert_translates(&e, SZ_512G - 1, FAKE_HPA + 0x9fff, EPT_READ);
    assert_translates(&e, SZ_512G, FAKE_HPA + 0xa000, EPT_READ);
    assert_unmapped(&e, SZ_512G - SZ_4K - 1);
    assert_unmapped(&e, SZ_512G + SZ_4K);
    assert_unmapped(&e, 2 * SZ_512G);
    destroy_and_check(&e);

    /* large pages straddling 512 GiB */
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, SZ_512G - SZ_2M, FAKE_HPA, 2 * SZ_2M,
                             EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 5);     /* root + (PDPT, PD) twice */
    assert_true(*raw_entry(&e, SZ_512G - SZ_2M, 1) & EPT_LARGE);
    assert_true(*raw_entry(&e, SZ_512G, 1) & EPT_LARGE);
    assert_translates(&e, SZ_512G - 1, FAKE_HPA + SZ_2M - 1, EPT_RWX);
    assert_translates(&e, SZ_512G + 0x1234, FAKE_HPA + SZ_2M + 0x1234, EPT_RWX);
    destroy_and_check(&e);
}

static void test_unmapped_at_every_level(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, 0x5000, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, true), 0);
    assert_translates(&e, 0x5000, FAKE_HPA, EPT_RWX);
    assert_unmapped(&e, 0x4fff);                 /* PT slot empty */
    assert_unmapped(&e, 0x6000);                 /* PT slot empty */
    assert_unmapped(&e, SZ_2M + 0x5000);         /* PD slot empty */
    assert_unmapped(&e, SZ_1G + 0x5000);         /* PDPT slot empty */
    assert_unmapped(&e, SZ_512G + 0x5000);       /* PML4 slot empty */
    assert_unmapped(&e, 511 * SZ_512G);          /* last PML4 slot */
    destroy_and_check(&e);
}

static void test_misaligned_and_overflow_refused(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, 0x800, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, 0, FAKE_HPA + 0x10, SZ_4K, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, 0, FAKE_HPA, 0x800, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, 0, FAKE_HPA, SZ_4K + 1, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, 1, 1, 1, EPT_RWX, EPT_MT_WB, true), -1);
    /* gpa + len wraps past 2^64 */
    assert_int_equal(ept_map(&e, 0xfffffffffffff000ull, FAKE_HPA, 2 * SZ_4K,
                             EPT_RWX, EPT_MT_WB, true), -1);
    /* nothing was allocated or mapped by the refused calls */
    assert_int_equal(pa.allocs, 1);
    assert_unmapped(&e, 0);
    /* len 0: nothing to do, succeeds, nothing allocated */
    assert_int_equal(ept_map(&e, 0, FAKE_HPA, 0, EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 1);
    assert_unmapped(&e, 0);
    destroy_and_check(&e);
}

static void test_bad_perms_refused(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    static const uint64_t bad[] = {
        1ull << 3, EPT_RWX | (1ull << 3), EPT_RWX | EPT_LARGE, EPT_READ | (1ull << 8),
        1ull << 12, 1ull << 63, ~0ull, EPT_READ | EPT_MEMTYPE(EPT_MT_WB),
        0, EPT_WRITE, EPT_WRITE | EPT_EXEC,     /* empty; write without read (SDM 29.3.3.1) */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ept_map(&e, 0, FAKE_HPA, SZ_4K, bad[i], EPT_MT_WB, false), -1);
        assert_int_equal(ept_map(&e, 0, FAKE_HPA, SZ_2M, bad[i], EPT_MT_WB, true), -1);
    }
    assert_int_equal(pa.allocs, 1);
    assert_unmapped(&e, 0);
    /* and every RWX subset that is not empty and has R whenever W is accepted */
    for (uint64_t p = 1; p <= EPT_RWX; p++) {
        if ((p & EPT_WRITE) && !(p & EPT_READ))
            continue;
        assert_int_equal(ept_map(&e, p * SZ_4K, FAKE_HPA + p * SZ_4K, SZ_4K, p, EPT_MT_WB, false), 0);
        assert_translates(&e, p * SZ_4K + 4, FAKE_HPA + p * SZ_4K + 4, p);
    }
    for (unsigned t = 0; t < 16; t++) {     /* memory types: only UC, WC, WT, WP, WB */
        int valid = t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
        assert_int_equal(ept_map(&e, 0x100000, FAKE_HPA, SZ_4K, EPT_READ, t, false), valid ? 0 : -1);
        if (valid) {
            *raw_entry(&e, 0x100000, 0) = 0;    /* unmap for the next type */
        }
    }
    destroy_and_check(&e);
}

static void test_overlap_refused(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);

    /* same 4 KiB page twice */
    assert_int_equal(ept_map(&e, 0x3000, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(ept_map(&e, 0x3000, FAKE_HPA + SZ_2M, SZ_4K, EPT_READ, EPT_MT_WB, true), -1);
    assert_translates(&e, 0x3000, FAKE_HPA, EPT_RWX);      /* untouched */

    /* a 2 MiB leaf over a PD slot that already holds a PT */
    assert_int_equal(ept_map(&e, 0, FAKE_HPA + SZ_2M, SZ_2M, EPT_RWX, EPT_MT_WB, true), -1);
    uint64_t *pde = raw_entry(&e, 0, 1);
    assert_non_null(pde);
    assert_int_equal(*pde & EPT_LARGE, 0);
    assert_translates(&e, 0x3000, FAKE_HPA, EPT_RWX);

    /* a 4 KiB page inside an existing 2 MiB leaf */
    assert_int_equal(ept_map(&e, 4 * SZ_2M, FAKE_HPA + 4 * SZ_2M, SZ_2M, EPT_RWX, EPT_MT_WB, true), 0);
    unsigned allocs = pa.allocs;
    assert_int_equal(ept_map(&e, 4 * SZ_2M + 0x7000, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(pa.allocs, allocs);                   /* no PT built under the leaf */
    assert_true(*raw_entry(&e, 4 * SZ_2M, 1) & EPT_LARGE);
    assert_translates(&e, 4 * SZ_2M + 0x7000, FAKE_HPA + 4 * SZ_2M + 0x7000, EPT_RWX);
    /* the same 2 MiB leaf again, and with 4 KiB pages */
    assert_int_equal(ept_map(&e, 4 * SZ_2M, FAKE_HPA, SZ_2M, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, 4 * SZ_2M, FAKE_HPA, SZ_2M, EPT_RWX, EPT_MT_WB, false), -1);

    /* a range whose tail overlaps: refused (note: ept_map does not roll back, so
     * the head pages mapped before the clash stay mapped; only -1 is asserted) */
    assert_int_equal(ept_map(&e, 0x1000, FAKE_HPA + 0x40000, 3 * SZ_4K, EPT_RWX, EPT_MT_WB, true), -1);
    assert_translates(&e, 0x3000, FAKE_HPA, EPT_RWX);
    destroy_and_check(&e);
}

static void test_unmap(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, 0xf1000000ull, FAKE_HPA, 32 * SZ_4K, EPT_READ | EPT_WRITE, EPT_MT_WB,
                             false), 0);
    assert_int_equal(ept_map(&e, 0, FAKE_HPA + SZ_1G, SZ_2M, EPT_RWX, EPT_MT_WB, true), 0);
    unsigned allocs = pa.allocs;

    /* Misaligned or wrapping ranges, or one reaching into a 2 MiB leaf: refused, nothing changed. */
    assert_int_equal(ept_unmap(&e, 0xf1000800ull, SZ_4K), -1);
    assert_int_equal(ept_unmap(&e, 0xf1000000ull, 0x800), -1);
    assert_int_equal(ept_unmap(&e, ~0xfffull, 2 * SZ_4K), -1);
    assert_int_equal(ept_unmap(&e, 1ull << 48, SZ_4K), -1);
    assert_int_equal(ept_unmap(&e, SZ_2M - SZ_4K, 2 * SZ_4K), -1);
    assert_translates(&e, SZ_2M - SZ_4K, FAKE_HPA + SZ_1G + SZ_2M - SZ_4K, EPT_RWX);

    /* The middle of the 4 KiB run goes; the rest stays. */
    assert_int_equal(ept_unmap(&e, 0xf1001000ull, 2 * SZ_4K), 0);
    assert_translates(&e, 0xf1000000ull, FAKE_HPA, EPT_READ | EPT_WRITE);
    assert_unmapped(&e, 0xf1001000ull);
    assert_unmapped(&e, 0xf1002000ull);
    assert_translates(&e, 0xf1003000ull, FAKE_HPA + 3 * SZ_4K, EPT_READ | EPT_WRITE);
    /* Unmapped pages, and ranges with no tables at all, are skipped. */
    assert_int_equal(ept_unmap(&e, 0xf1000000ull, 32 * SZ_4K), 0);
    assert_int_equal(ept_unmap(&e, 0x3f000000ull, SZ_2M), 0);
    assert_int_equal(ept_unmap(&e, 0xf1000000ull, 0), 0);
    for (unsigned i = 0; i < 32; i++)
        assert_unmapped(&e, 0xf1000000ull + i * SZ_4K);
    assert_int_equal(pa.allocs, allocs);                   /* nothing built */
    /* Mapped again, elsewhere and in place. */
    assert_int_equal(ept_map(&e, 0xf1000000ull, FAKE_HPA, 32 * SZ_4K, EPT_READ, EPT_MT_WB, false), 0);
    assert_translates(&e, 0xf101f000ull, FAKE_HPA + 31 * SZ_4K, EPT_READ);
    destroy_and_check(&e);
}

static void test_eptp_format(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    uint64_t eptp = ept_pointer(&e);
    assert_int_equal(eptp & 7, 6);                  /* bits 2:0: WB */
    assert_int_equal((eptp >> 3) & 7, 3);           /* bits 5:3: walk length - 1 */
    assert_int_equal((eptp >> 6) & 0x3f, 0);        /* A/D, SSS and reserved bits clear */
    assert_int_equal(eptp & EPT_ADDR_MASK, e.pml4); /* root table address */
    assert_int_equal(eptp, e.pml4 | 0x1e);
    assert_int_equal(eptp, e.pml4 | EPTP_WALK_4 | EPTP_MEMTYPE_WB);
    /* mapping does not move the root */
    assert_int_equal(ept_map(&e, 0, FAKE_HPA, SZ_2M, EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(ept_pointer(&e), eptp);
    destroy_and_check(&e);
}

/* Map a range that needs root + 6 more tables, with the allocator failing
 * after every possible count: -1, no crash, everything freed by destroy. */
static void test_alloc_failure_midway(void **state)
{
    (void)state;
    const uint64_t gpa = SZ_512G - SZ_4K;
    const uint64_t len = 2 * SZ_4K;     /* needs PDPT, PD, PT on both sides: 6 tables */
    for (int n = 1; n <= 7; n++) {
        struct ept e;
        ept_setup(&e, n);               /* root took one of the n */
        int rc = ept_map(&e, gpa, FAKE_HPA, len, EPT_RWX, EPT_MT_WB, false);
        if (n < 7) {
            assert_int_equal(rc, -1);
            assert_int_equal(pa.allocs, (unsigned)n);
            assert_unmapped(&e, gpa + SZ_4K);           /* the second half never made it */
        } else {
            assert_int_equal(rc, 0);
            assert_translates(&e, gpa, FAKE_HPA, EPT_RWX);
            assert_translates(&e, gpa + SZ_4K, FAKE_HPA + SZ_4K, EPT_RWX);
        }
        if (n >= 4)                     /* first half's PDPT, PD, PT all made it */
            assert_translates(&e, gpa, FAKE_HPA, EPT_RWX);
        destroy_and_check(&e);
    }

    /* Failure while mapping a big mixed range: later mappings still refused
     * cleanly and the tree stays consistent. */
    struct ept e;
    ept_setup(&e, 3);                   /* root, PDPT, PD; no PT possible */
    assert_int_equal(ept_map(&e, 0, FAKE_HPA, 2 * SZ_2M, EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(ept_map(&e, 2 * SZ_2M, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, true), -1);
    assert_int_equal(ept_map(&e, SZ_1G, FAKE_HPA, SZ_2M, EPT_RWX, EPT_MT_WB, true), -1);
    assert_translates(&e, SZ_2M + 5, FAKE_HPA + SZ_2M + 5, EPT_RWX);
    assert_unmapped(&e, 2 * SZ_2M);
    destroy_and_check(&e);
}

static void test_realistic_16m_guest(void **state)
{
    (void)state;
    const uint64_t size = 16ull << 20;
    void *ram = aligned_alloc(SZ_2M, size);
    assert_non_null(ram);
    const uint64_t hpa = (uint64_t)(uintptr_t)ram;
    assert_int_equal(hpa & (SZ_2M - 1), 0);

    struct ept e;
    ept_setup(&e, -1);
    assert_int_equal(ept_map(&e, 0, hpa, size, EPT_RWX, EPT_MT_WB, true), 0);
    assert_int_equal(pa.allocs, 3);     /* PML4, PDPT, PD: no PTs */

    assert_int_equal(count_large_in_pd(&e, 0), 8);
    const uint64_t *pd = raw_entry(&e, 0, 1);
    for (unsigned i = 0; i < 512; i++) {
        if (i < 8)
            assert_int_equal(pd[i], (hpa + i * SZ_2M) | EPT_LARGE | EPT_MEMTYPE(EPT_MT_WB) | EPT_RWX);
        else
            assert_int_equal(pd[i], 0);
    }
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)e.pml4;
    const uint64_t *pdpt = (const uint64_t *)(uintptr_t)(pml4[0] & EPT_ADDR_MASK);
    for (unsigned i = 1; i < 512; i++) {
        assert_int_equal(pml4[i], 0);
        assert_int_equal(pdpt[i], 0);
    }

    /* translations hit the real buffer: write through the translated address */
    for (uint64_t g = 0; g < size; g += 0x3f000 + 0x123) {
        uint64_t h, p;
        assert_int_equal(ept_translate(&e, g, &h, &p), 0);
        assert_int_equal(h, hpa + g);
        assert_int_equal(p, EPT_RWX);
        *(volatile unsigned char *)(uintptr_t)h = (unsigned char)g;
        assert_int_equal(((unsigned char *)ram)[g], (unsigned char)g);
    }
    assert_unmapped(&e, size);
    destroy_and_check(&e);
    free(ram);
}

/* A 4-level EPT covers 48 bits of guest-physical address: GPAs at or above
 * 2^48 must be refused, not aliased onto low GPAs. */
static void test_gpa_above_48_bits_refused(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    int rc = ept_map(&e, 1ull << 48, FAKE_HPA, SZ_4K, EPT_RWX, EPT_MT_WB, false);
    uint64_t h = 0, p = 0;
    int aliased = ept_translate(&e, 0, &h, &p) == 0;
    destroy_and_check(&e);
    assert_false(aliased);
    assert_int_equal(rc, -1);
}

/* HPAs at or above 2^52 must be refused: their high bits would land in entry
 * bits 63:52 (bit 63 is "suppress #VE") and the leaf would point elsewhere. */
static void test_hpa_above_52_bits_refused(void **state)
{
    (void)state;
    struct ept e;
    ept_setup(&e, -1);
    const uint64_t hpa = (1ull << 52) | 0x5000;
    int rc = ept_map(&e, 0, hpa, SZ_4K, EPT_RWX, EPT_MT_WB, false);
    uint64_t h = 0, p = 0;
    int mapped = ept_translate(&e, 0, &h, &p) == 0;
    destroy_and_check(&e);
    if (mapped)
        assert_int_equal(h, hpa);
    assert_int_equal(rc, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_destroy_empty),
        cmocka_unit_test(test_init_alloc_failure),
        cmocka_unit_test(test_map_4k_translate_offsets),
        cmocka_unit_test(test_map_4k_perms_and_memtype),
        cmocka_unit_test(test_map_2m_leaf),
        cmocka_unit_test(test_large_requires_all_conditions),
        cmocka_unit_test(test_mixed_head_large_tail),
        cmocka_unit_test(test_cross_1g_boundary),
        cmocka_unit_test(test_cross_512g_boundary),
        cmocka_unit_test(test_unmapped_at_every_level),
        cmocka_unit_test(test_misaligned_and_overflow_refused),
        cmocka_unit_test(test_bad_perms_refused),
        cmocka_unit_test(test_overlap_refused),
        cmocka_unit_test(test_unmap),
        cmocka_unit_test(test_eptp_format),
        cmocka_unit_test(test_alloc_failure_midway),
        cmocka_unit_test(test_realistic_16m_guest),
        cmocka_unit_test(test_gpa_above_48_bits_refused),
        cmocka_unit_test(test_hpa_above_52_bits_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
