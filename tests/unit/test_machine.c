/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for a machine's extension tables (vcpu/machine.c): the
 * CPUID and MSR ranges the VM and its Xen mode register, refused when they
 * overlap, are empty or inverted, lack a handler or do not fit; found at
 * their edges and not a step beyond. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vcpu/machine.h"

static struct cpuid_regs leaf_fn(void *ctx, struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    (void)ctx, (void)v;
    return (struct cpuid_regs){ leaf, subleaf, 0, 0 };
}

static int rd(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val)
{
    (void)ctx, (void)v, (void)msr;
    *val = 0;
    return 0;
}

static int wr(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val)
{
    (void)ctx, (void)v, (void)msr, (void)val;
    return 0;
}

static const struct vcpu_ops no_ops;

static void test_init_leaves_everything_empty(void **state)
{
    (void)state;
    struct machine m;
    struct guest_mem gm = { 0 };
    memset(&m, 0xa5, sizeof(m));
    machine_init(&m, &gm, &no_ops, 3);
    assert_ptr_equal(m.mem, &gm);
    assert_ptr_equal(m.ops, &no_ops);
    assert_int_equal(m.nr_vcpus, 3);
    assert_int_equal(m.nr_cpuid, 0);
    assert_int_equal(m.nr_msr, 0);
    assert_int_equal(m.lock.locked, 0);
    assert_false(m.ending);
    assert_int_equal(m.halted_forever, 0);
    assert_null(m.hypercall);
    assert_null(m.deferred);
    assert_false(m.deferred_pending);
    assert_null(machine_cpuid_ext(&m, 0x40000000));
    assert_null(machine_msr_ext(&m, 0));
}

static void test_cpuid_ranges(void **state)
{
    (void)state;
    struct machine m;
    machine_init(&m, NULL, &no_ops, 1);
    int ctx;
    const struct cpuid_ext xen = { 0x40000000, 0x400000ff, leaf_fn, &ctx };
    assert_int_equal(machine_add_cpuid(&m, &xen), 0);
    /* Found at both edges, with its context; not a step beyond. */
    assert_ptr_equal(machine_cpuid_ext(&m, 0x40000000)->ctx, &ctx);
    assert_non_null(machine_cpuid_ext(&m, 0x400000ff));
    assert_null(machine_cpuid_ext(&m, 0x3fffffff));
    assert_null(machine_cpuid_ext(&m, 0x40000100));

    /* Overlaps: the same range, one inside, one across either edge, one around. */
    const struct cpuid_ext bad[] = {
        { 0x40000000, 0x400000ff, leaf_fn, NULL },
        { 0x40000010, 0x40000010, leaf_fn, NULL },
        { 0x3fffff00, 0x40000000, leaf_fn, NULL },
        { 0x400000ff, 0x40000100, leaf_fn, NULL },
        { 0x30000000, 0x50000000, leaf_fn, NULL },
        { 0x40000200, 0x40000100, leaf_fn, NULL },   /* inverted */
        { 0x40000100, 0x400001ff, NULL, NULL },      /* no handler */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(machine_add_cpuid(&m, &bad[i]), -1);
    assert_int_equal(m.nr_cpuid, 1);

    /* Adjacent is fine, a single leaf is fine; then the table is full. */
    const struct cpuid_ext next = { 0x40000100, 0x40000100, leaf_fn, NULL };
    assert_int_equal(machine_add_cpuid(&m, &next), 0);
    assert_ptr_equal(machine_cpuid_ext(&m, 0x40000100), &m.cpuid[1]);
    assert_ptr_equal(machine_cpuid_ext(&m, 0x400000ff), &m.cpuid[0]);
    _Static_assert(MACHINE_CPUID_EXTS == 2, "the table holds two");
    const struct cpuid_ext more = { 0x80000100, 0x80000100, leaf_fn, NULL };
    assert_int_equal(machine_add_cpuid(&m, &more), -1);
    assert_null(machine_cpuid_ext(&m, 0x80000100));
    assert_int_equal(m.nr_cpuid, 2);
}

/* The extremes of the 32-bit space are ordinary ranges. */
static void test_ranges_at_the_ends_of_the_space(void **state)
{
    (void)state;
    struct machine m;
    machine_init(&m, NULL, &no_ops, 1);
    const struct msr_ext low = { 0, 0, rd, wr, NULL };
    const struct msr_ext high = { 0xffffffff, 0xffffffff, rd, wr, NULL };
    assert_int_equal(machine_add_msr(&m, &low), 0);
    assert_int_equal(machine_add_msr(&m, &high), 0);
    assert_ptr_equal(machine_msr_ext(&m, 0), &m.msr[0]);
    assert_ptr_equal(machine_msr_ext(&m, 0xffffffff), &m.msr[1]);
    assert_null(machine_msr_ext(&m, 1));
    assert_null(machine_msr_ext(&m, 0xfffffffe));
    const struct msr_ext all = { 0, 0xffffffff, rd, wr, NULL };
    assert_int_equal(machine_add_msr(&m, &all), -1);

    struct machine m2;
    machine_init(&m2, NULL, &no_ops, 1);
    assert_int_equal(machine_add_msr(&m2, &all), 0);
    assert_non_null(machine_msr_ext(&m2, 0x80000000));
    assert_int_equal(machine_add_msr(&m2, &low), -1);
    const struct cpuid_ext every = { 0, 0xffffffff, leaf_fn, NULL };
    assert_int_equal(machine_add_cpuid(&m2, &every), 0);
    assert_non_null(machine_cpuid_ext(&m2, 0xffffffff));
}

static void test_msr_ranges(void **state)
{
    (void)state;
    struct machine m;
    machine_init(&m, NULL, &no_ops, 1);
    /* The board's: APIC base, TSC deadline, the x2APIC range; the Xen page MSR. */
    const struct msr_ext board[] = {
        { 0x1b, 0x1b, rd, wr, NULL },
        { 0x6e0, 0x6e0, rd, wr, NULL },
        { 0x800, 0x8ff, rd, wr, NULL },
        { 0x40000000, 0x40000000, rd, wr, NULL },
    };
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(machine_add_msr(&m, &board[i]), 0);
    assert_ptr_equal(machine_msr_ext(&m, 0x800), &m.msr[2]);
    assert_ptr_equal(machine_msr_ext(&m, 0x8ff), &m.msr[2]);
    assert_null(machine_msr_ext(&m, 0x7ff));
    assert_null(machine_msr_ext(&m, 0x900));
    assert_null(machine_msr_ext(&m, 0x1a));
    assert_null(machine_msr_ext(&m, 0x1c));

    const struct msr_ext bad[] = {
        { 0x1b, 0x1b, rd, wr, NULL },          /* again */
        { 0x8ff, 0x900, rd, wr, NULL },        /* across the upper edge */
        { 0x700, 0x800, rd, wr, NULL },        /* across the lower edge */
        { 0x0, 0xffff, rd, wr, NULL },         /* around several */
        { 0x901, 0x900, rd, wr, NULL },        /* inverted */
        { 0x900, 0x900, NULL, wr, NULL },      /* no read handler */
        { 0x900, 0x900, rd, NULL, NULL },      /* no write handler */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(machine_add_msr(&m, &bad[i]), -1);
    assert_int_equal(m.nr_msr, 4);

    /* Fill the table; the next is refused even where nothing overlaps. */
    for (uint32_t i = 4; i < MACHINE_MSR_EXTS; i++) {
        const struct msr_ext e = { 0x1000 + i, 0x1000 + i, rd, wr, NULL };
        assert_int_equal(machine_add_msr(&m, &e), 0);
    }
    const struct msr_ext last = { 0x2000, 0x2000, rd, wr, NULL };
    assert_int_equal(machine_add_msr(&m, &last), -1);
    assert_int_equal(m.nr_msr, MACHINE_MSR_EXTS);
    assert_null(machine_msr_ext(&m, 0x2000));
    assert_non_null(machine_msr_ext(&m, 0x1000 + MACHINE_MSR_EXTS - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_leaves_everything_empty),
        cmocka_unit_test(test_cpuid_ranges),
        cmocka_unit_test(test_ranges_at_the_ends_of_the_space),
        cmocka_unit_test(test_msr_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
