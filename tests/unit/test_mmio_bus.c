/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the MMIO bus (dev/mmio_bus.c): registration and
 * overlap refusal, lookups at the edges of ranges, moving and removing
 * ranges, per-CPU ranges, and sizes and offsets a guest chooses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "dev/mmio_bus.h"

/* A recording device: reads return its id, the CPU, offset and size packed;
 * writes remember the last access. */
struct rec {
    unsigned id;
    unsigned cpu;
    uint64_t offset;
    unsigned size;
    uint64_t val;
    unsigned reads, writes;
};

static uint64_t rec_read(void *ctx, unsigned cpu, uint64_t offset, unsigned size)
{
    struct rec *r = ctx;
    r->reads++;
    return (uint64_t)r->id << 56 | (uint64_t)cpu << 48 | offset << 8 | size;
}

static void rec_write(void *ctx, unsigned cpu, uint64_t offset, unsigned size, uint64_t val)
{
    struct rec *r = ctx;
    r->cpu = cpu;
    r->offset = offset;
    r->size = size;
    r->val = val;
    r->writes++;
}

static const struct mmio_ops rec_mmio = { rec_read, rec_write, .kicks = false };
static const struct mmio_ops rec_kick_mmio = { rec_read, rec_write, .kicks = true };
static const struct mmio_ops read_only_mmio = { rec_read, NULL, .kicks = true };
static const struct mmio_ops write_only_mmio = { NULL, rec_write, .kicks = false };

#define ID(v)     ((unsigned)((v) >> 56))
#define CPU(v)    ((unsigned)((v) >> 48) & 0xff)
#define OFFSET(v) (((v) >> 8) & 0xffffffffffull)

/* A table's invariant: sorted, disjoint, non-empty ranges. */
static void assert_sorted(const struct mmio_region *r, unsigned count, unsigned cap)
{
    assert_true(count <= cap);
    for (unsigned i = 0; i < count; i++) {
        assert_true(r[i].first <= r[i].last);
        if (i)
            assert_true(r[i - 1].last < r[i].first);
    }
}

static void assert_well_formed(const struct mmio_bus *b)
{
    assert_sorted(b->region, b->count, MMIO_BUS_REGIONS);
    for (unsigned c = 0; c < MMIO_BUS_CPUS; c++)
        assert_sorted(b->cpu[c].region, b->cpu[c].count, MMIO_BUS_CPU_REGIONS);
}

static uint64_t rd(struct mmio_bus *b, unsigned cpu, uint64_t gpa, unsigned size)
{
    uint64_t val = 0x5a5a;
    assert_true(mmio_bus_read(b, cpu, gpa, size, &val));
    return val;
}

static void test_unclaimed(void **state)
{
    (void)state;
    struct mmio_bus b;
    mmio_bus_init(&b);
    uint64_t val = 0x1234;
    assert_false(mmio_bus_read(&b, 0, 0xfec00000, 4, &val));
    assert_int_equal(val, 0x1234);          /* untouched */
    bool kick = false;
    assert_false(mmio_bus_write(&b, 0, 0xfec00000, 4, 1, &kick));
    assert_false(kick);
    assert_null(mmio_bus_find(&b, 0, 0));
    assert_null(mmio_bus_find(&b, MMIO_BUS_ALL_CPUS, UINT64_MAX));
}

static void test_dispatch_and_edges(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec io = { .id = 1 }, hpet = { .id = 2 }, top = { .id = 3 }, low = { .id = 4 };
    mmio_bus_init(&b);
    /* Registered out of order: the bus sorts. */
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0xfed00000, 0x400, &rec_mmio, &hpet), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0xfec00000, 0x1000, &rec_kick_mmio, &io), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, UINT64_MAX - 0xfff, 0x1000, &rec_mmio, &top), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0, 8, &rec_mmio, &low), 0);
    assert_well_formed(&b);
    assert_int_equal(b.count, 4);

    uint64_t v = rd(&b, 3, 0xfec00010, 4);
    assert_int_equal(ID(v), 1);
    assert_int_equal(CPU(v), 3);
    assert_int_equal(OFFSET(v), 0x10);
    assert_int_equal(v & 0xff, 4);
    /* First and last byte of each range. */
    assert_int_equal(OFFSET(rd(&b, 0, 0xfec00000, 1)), 0);
    assert_int_equal(OFFSET(rd(&b, 0, 0xfec00fff, 1)), 0xfff);
    assert_int_equal(ID(rd(&b, 0, 0xfed003ff, 1)), 2);
    assert_int_equal(ID(rd(&b, 0, UINT64_MAX, 1)), 3);
    assert_int_equal(OFFSET(rd(&b, 0, UINT64_MAX, 1)), 0xfff);
    assert_int_equal(ID(rd(&b, 0, 0, 8)), 4);
    assert_int_equal(ID(rd(&b, 0, 7, 1)), 4);
    /* Just outside each. */
    assert_null(mmio_bus_find(&b, 0, 0xfebfffff));
    assert_null(mmio_bus_find(&b, 0, 0xfec01000));
    assert_null(mmio_bus_find(&b, 0, 0xfecfffff));
    assert_null(mmio_bus_find(&b, 0, 0xfed00400));
    assert_null(mmio_bus_find(&b, 0, UINT64_MAX - 0x1000));
    assert_null(mmio_bus_find(&b, 0, 8));

    bool kick = false;
    assert_true(mmio_bus_write(&b, 5, 0xfed000f0, 8, 0x1122334455667788ull, &kick));
    assert_false(kick);
    assert_int_equal(hpet.writes, 1);
    assert_int_equal(hpet.cpu, 5);
    assert_int_equal(hpet.offset, 0xf0);
    assert_int_equal(hpet.size, 8);
    assert_int_equal(hpet.val, 0x1122334455667788ull);
    assert_true(mmio_bus_write(&b, 0, 0xfec00040, 4, 7, &kick));
    assert_true(kick);
    assert_int_equal(io.writes, 1);
    assert_int_equal(io.offset, 0x40);
}

static void test_overlaps_and_bad_ranges_refused(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec r = { 0 };
    const unsigned all = MMIO_BUS_ALL_CPUS;
    mmio_bus_init(&b);
    assert_int_equal(mmio_bus_register(&b, all, 0x1000, 0x1000, &rec_mmio, &r), 0);
    assert_int_equal(mmio_bus_register(&b, all, 0x1fff, 2, &rec_mmio, &r), -1);       /* overlaps the end */
    assert_int_equal(mmio_bus_register(&b, all, 0xfff, 2, &rec_mmio, &r), -1);        /* overlaps the start */
    assert_int_equal(mmio_bus_register(&b, all, 0x1800, 0x10, &rec_mmio, &r), -1);    /* inside */
    assert_int_equal(mmio_bus_register(&b, all, 0, UINT64_MAX, &rec_mmio, &r), -1);   /* around */
    assert_int_equal(mmio_bus_register(&b, all, 0x5000, 0, &rec_mmio, &r), -1);       /* empty */
    assert_int_equal(mmio_bus_register(&b, all, UINT64_MAX, 2, &rec_mmio, &r), -1);   /* wraps */
    assert_int_equal(mmio_bus_register(&b, all, 1, UINT64_MAX, &rec_mmio, &r), -1);   /* wraps */
    assert_int_equal(mmio_bus_register(&b, all, 0x5000, 0x1000, NULL, &r), -1);       /* no handlers */
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_CPUS, 0x5000, 0x1000, &rec_mmio, &r), -1); /* no such CPU */
    assert_int_equal(mmio_bus_register(&b, 0x7fffffff, 0x5000, 0x1000, &rec_mmio, &r), -1);
    assert_int_equal(mmio_bus_register(&b, all, 0xfff, 1, &rec_mmio, &r), 0);         /* adjacent is fine */
    assert_int_equal(mmio_bus_register(&b, all, 0x2000, 1, &rec_mmio, &r), 0);
    assert_int_equal(mmio_bus_register(&b, all, UINT64_MAX, 1, &rec_mmio, &r), 0);    /* the very last byte */
    assert_int_equal(b.count, 4);
    assert_well_formed(&b);
    for (unsigned c = 0; c < MMIO_BUS_CPUS; c++)
        assert_int_equal(b.cpu[c].count, 0);
}

static void test_full_tables(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec r = { .id = 7 };
    mmio_bus_init(&b);
    for (unsigned i = 0; i < MMIO_BUS_REGIONS; i++)
        assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0x100000 + 0x2000ull * i, 0x1000,
                                           &rec_mmio, &r), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0x10, 1, &rec_mmio, &r), -1);
    for (unsigned i = 0; i < MMIO_BUS_CPU_REGIONS; i++)
        assert_int_equal(mmio_bus_register(&b, 2, 0x1000ull * i, 0x1000, &rec_mmio, &r), 0);
    assert_int_equal(mmio_bus_register(&b, 2, 0x80000000, 0x1000, &rec_mmio, &r), -1);
    assert_int_equal(mmio_bus_register(&b, 3, 0x80000000, 0x1000, &rec_mmio, &r), 0);   /* another CPU's table */
    assert_well_formed(&b);
    /* A full table still moves its ranges. */
    assert_int_equal(mmio_bus_move(&b, MMIO_BUS_ALL_CPUS, 0x100000, 0xc0000000), 0);
    assert_int_equal(mmio_bus_move(&b, 2, 0, 0xfee00000), 0);
    assert_well_formed(&b);
    assert_null(mmio_bus_find(&b, 2, 0x10));
    assert_int_equal(ID(rd(&b, 2, 0xfee00ffc, 4)), 7);
    assert_int_equal(ID(rd(&b, 0, 0xc0000000, 4)), 7);
}

static void test_move_and_unregister(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec bar = { .id = 1 }, other = { .id = 2 };
    const unsigned all = MMIO_BUS_ALL_CPUS;
    mmio_bus_init(&b);
    assert_int_equal(mmio_bus_register(&b, all, 0xe0000000, 0x4000, &rec_mmio, &bar), 0);
    assert_int_equal(mmio_bus_register(&b, all, 0xe0010000, 0x1000, &rec_mmio, &other), 0);
    assert_int_equal(ID(rd(&b, 0, 0xe0003fff, 1)), 1);      /* sets the hint on bar */

    /* A BAR write: the range moves with its length, handlers and context;
     * the old place floats, the hint left there does not find it. */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0000000, 0xe0020000), 0);
    assert_well_formed(&b);
    assert_null(mmio_bus_find(&b, 0, 0xe0000000));
    assert_null(mmio_bus_find(&b, 0, 0xe0003fff));
    assert_int_equal(OFFSET(rd(&b, 0, 0xe0023fff, 1)), 0x3fff);
    assert_int_equal(ID(rd(&b, 0, 0xe0020000, 1)), 1);
    assert_null(mmio_bus_find(&b, 0, 0xe0024000));

    /* Refused moves leave the range where it was. */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0020000, 0xe000e000), -1);     /* onto other */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0020000, UINT64_MAX - 0x2000), -1); /* wraps */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0020001, 0xf0000000), -1);     /* not a range's start */
    assert_int_equal(mmio_bus_move(&b, 0, 0xe0020000, 0xf0000000), -1);       /* not in CPU 0's table */
    assert_int_equal(mmio_bus_move(&b, MMIO_BUS_CPUS, 0xe0020000, 0xf0000000), -1);
    assert_well_formed(&b);
    assert_int_equal(b.count, 2);
    assert_int_equal(ID(rd(&b, 0, 0xe0021000, 4)), 1);
    assert_int_equal(ID(rd(&b, 0, 0xe0010000, 4)), 2);
    /* Onto itself, and overlapping its own old place, are fine. */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0020000, 0xe0020000), 0);
    assert_int_equal(mmio_bus_move(&b, all, 0xe0020000, 0xe0022000), 0);
    assert_int_equal(OFFSET(rd(&b, 0, 0xe0022000, 1)), 0);
    /* To the very top. */
    assert_int_equal(mmio_bus_move(&b, all, 0xe0022000, UINT64_MAX - 0x3fff), 0);
    assert_int_equal(OFFSET(rd(&b, 0, UINT64_MAX, 1)), 0x3fff);

    assert_int_equal(mmio_bus_unregister(&b, all, 0xe0010000), 0);
    assert_int_equal(mmio_bus_unregister(&b, all, 0xe0010000), -1);
    assert_int_equal(mmio_bus_unregister(&b, all, UINT64_MAX - 0x3ffe), -1);  /* not a range's start */
    assert_int_equal(mmio_bus_unregister(&b, 0, UINT64_MAX - 0x3fff), -1);    /* not in CPU 0's table */
    assert_int_equal(mmio_bus_unregister(&b, MMIO_BUS_CPUS, UINT64_MAX - 0x3fff), -1);
    assert_null(mmio_bus_find(&b, 0, 0xe0010000));
    assert_int_equal(b.count, 1);
    assert_int_equal(mmio_bus_unregister(&b, all, UINT64_MAX - 0x3fff), 0);
    assert_int_equal(b.count, 0);
    assert_null(mmio_bus_find(&b, 0, UINT64_MAX));
}

/* Every CPU's LAPIC at the same address, one of them relocated, one
 * disabled; the IOAPIC for all. */
static void test_per_cpu_ranges(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec lapic[4] = { { .id = 10 }, { .id = 11 }, { .id = 12 }, { .id = 13 } };
    struct rec ioapic = { .id = 1 }, behind = { .id = 2 };
    mmio_bus_init(&b);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0xfec00000, 0x1000, &rec_mmio, &ioapic), 0);
    for (unsigned c = 0; c < 4; c++)
        assert_int_equal(mmio_bus_register(&b, c, 0xfee00000, 0x1000, &rec_kick_mmio, &lapic[c]), 0);
    assert_well_formed(&b);
    for (unsigned c = 0; c < 4; c++) {
        uint64_t v = rd(&b, c, 0xfee00020, 4);
        assert_int_equal(ID(v), 10 + c);
        assert_int_equal(CPU(v), c);
        assert_int_equal(OFFSET(v), 0x20);
        assert_int_equal(ID(rd(&b, c, 0xfec00000, 4)), 1);
    }
    /* A CPU without a LAPIC page, or one past the per-CPU tables, sees only the shared ranges. */
    assert_null(mmio_bus_find(&b, 4, 0xfee00020));
    assert_null(mmio_bus_find(&b, MMIO_BUS_CPUS, 0xfee00020));
    assert_null(mmio_bus_find(&b, MMIO_BUS_ALL_CPUS, 0xfee00020));
    assert_int_equal(ID(rd(&b, MMIO_BUS_CPUS + 5, 0xfec00004, 4)), 1);
    /* A second range of the same CPU may not overlap its first. */
    assert_int_equal(mmio_bus_register(&b, 0, 0xfee00800, 0x1000, &rec_mmio, &lapic[0]), -1);

    bool kick = false;
    assert_true(mmio_bus_write(&b, 2, 0xfee000b0, 4, 0, &kick));   /* EOI on CPU 2 */
    assert_true(kick);
    assert_int_equal(lapic[2].writes, 1);
    assert_int_equal(lapic[2].cpu, 2);
    assert_int_equal(lapic[0].writes + lapic[1].writes + lapic[3].writes, 0);

    /* CPU 1 relocates its APIC base onto the IOAPIC's page: its own LAPIC
     * shadows the IOAPIC there for it alone. */
    assert_int_equal(mmio_bus_move(&b, 1, 0xfee00000, 0xfec00000), 0);
    assert_well_formed(&b);
    assert_int_equal(ID(rd(&b, 1, 0xfec00010, 4)), 11);
    assert_int_equal(ID(rd(&b, 0, 0xfec00010, 4)), 1);
    assert_null(mmio_bus_find(&b, 1, 0xfee00000));
    assert_int_equal(ID(rd(&b, 0, 0xfee00000, 4)), 10);
    /* A range for all CPUs may lie behind CPUs' own ranges: only the other
     * ranges for all CPUs can refuse it. */
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0xfee00000, 0x1000, &rec_mmio, &behind), 0);
    assert_int_equal(ID(rd(&b, 1, 0xfee00000, 4)), 2);
    assert_int_equal(ID(rd(&b, 0, 0xfee00000, 4)), 10);

    /* CPU 3 disables its APIC (or enters x2APIC mode): its page is gone. */
    assert_int_equal(mmio_bus_unregister(&b, 3, 0xfee00000), 0);
    assert_int_equal(ID(rd(&b, 3, 0xfee00000, 4)), 2);
    assert_int_equal(mmio_bus_unregister(&b, MMIO_BUS_ALL_CPUS, 0xfee00000), 0);
    assert_null(mmio_bus_find(&b, 3, 0xfee00000));
    assert_int_equal(ID(rd(&b, 2, 0xfee00000, 4)), 12);
    /* ... and comes back. */
    assert_int_equal(mmio_bus_register(&b, 3, 0xfee00000, 0x1000, &rec_mmio, &lapic[3]), 0);
    assert_int_equal(ID(rd(&b, 3, 0xfee00000, 4)), 13);
}

/* Sizes and offsets the guest's instruction chooses. */
static void test_hostile_accesses(void **state)
{
    (void)state;
    struct mmio_bus b;
    struct rec r = { .id = 5 }, w = { .id = 6 }, ro = { .id = 8 };
    mmio_bus_init(&b);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0x1000, 0x1000, &rec_mmio, &r), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, 0x2000, 0x10, &write_only_mmio, &w), 0);
    assert_int_equal(mmio_bus_register(&b, MMIO_BUS_ALL_CPUS, UINT64_MAX - 7, 8, &read_only_mmio, &ro), 0);

    /* Sizes a device never sees: claimed, all-ones, writes dropped. */
    static const unsigned bad_sizes[] = { 0, 3, 5, 6, 7, 9, 16, 32, 64, 0x80000000u, ~0u };
    bool kick = false;
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        assert_int_equal(rd(&b, 0, 0x1000, bad_sizes[i]), UINT64_MAX);
        assert_true(mmio_bus_write(&b, 0, 0x1000, bad_sizes[i], 1, &kick));
    }
    assert_int_equal(r.reads, 0);
    assert_int_equal(r.writes, 0);
    /* Accesses running past the end of the range: the same. */
    assert_int_equal(rd(&b, 0, 0x1ffc, 8), UINT64_MAX);
    assert_int_equal(rd(&b, 0, 0x1fff, 2), UINT64_MAX);
    assert_true(mmio_bus_write(&b, 0, 0x1ff9, 8, 1, &kick));
    assert_int_equal(r.reads + r.writes, 0);
    /* The last ones that fit. */
    assert_int_equal(OFFSET(rd(&b, 0, 0x1ff8, 8)), 0xff8);
    assert_int_equal(OFFSET(rd(&b, 0, 0x1ffe, 2)), 0xffe);
    assert_int_equal(OFFSET(rd(&b, 0, 0x1fff, 1)), 0xfff);
    assert_true(mmio_bus_write(&b, 0, 0x1ffc, 4, 9, &kick));
    assert_int_equal(r.writes, 1);
    assert_int_equal(r.offset, 0xffc);
    /* At the top of the address space, where gpa + size wraps. */
    assert_int_equal(OFFSET(rd(&b, 0, UINT64_MAX - 7, 8)), 0);
    assert_int_equal(OFFSET(rd(&b, 0, UINT64_MAX, 1)), 7);
    assert_int_equal(rd(&b, 0, UINT64_MAX, 2), UINT64_MAX);
    assert_int_equal(rd(&b, 0, UINT64_MAX - 3, 8), UINT64_MAX);
    assert_int_equal(ro.reads, 2);
    /* A read-only device drops writes and does not kick; a write-only one reads all-ones. */
    kick = false;
    assert_true(mmio_bus_write(&b, 0, UINT64_MAX - 7, 8, 1, &kick));
    assert_false(kick);
    assert_int_equal(rd(&b, 0, 0x2000, 4), UINT64_MAX);
    assert_true(mmio_bus_write(&b, 0, 0x200c, 4, 0xabcd, &kick));
    assert_int_equal(w.writes, 1);
    assert_int_equal(w.offset, 0xc);
    assert_int_equal(w.val, 0xabcd);
}

/* Against a linear search over random layouts, CPUs and addresses, with
 * ranges moving and going between lookups. */
static void test_random_layouts(void **state)
{
    (void)state;
    srand(4321);
    struct rec r = { 0 };
    enum { N = 64 };
    for (int round = 0; round < 1000; round++) {
        struct mmio_bus b;
        mmio_bus_init(&b);
        uint64_t lo[N], hi[N];
        unsigned cpu[N];
        bool live[N];
        unsigned n = 0;
        for (int k = 0; k < 40 && n < N; k++) {
            /* Addresses in a small window so that ranges meet. */
            uint64_t f = 0xfe000000ull + (uint64_t)(rand() % 0x4000) * 16;
            uint64_t size = 1 + (uint64_t)(rand() % 0x1000);
            unsigned c = rand() % 4 ? MMIO_BUS_ALL_CPUS : (unsigned)(rand() % (MMIO_BUS_CPUS + 1));
            unsigned in_table = 0;
            bool overlaps = false;
            for (unsigned j = 0; j < n; j++)
                if (live[j] && cpu[j] == c) {
                    in_table++;
                    overlaps |= !(f + size - 1 < lo[j] || f > hi[j]);
                }
            unsigned cap = c == MMIO_BUS_ALL_CPUS ? MMIO_BUS_REGIONS : MMIO_BUS_CPU_REGIONS;
            int rc = mmio_bus_register(&b, c, f, size, &rec_mmio, &r);
            if (overlaps || in_table == cap || (c != MMIO_BUS_ALL_CPUS && c >= MMIO_BUS_CPUS)) {
                assert_int_equal(rc, -1);
                continue;
            }
            assert_int_equal(rc, 0);
            lo[n] = f;
            hi[n] = f + size - 1;
            cpu[n] = c;
            live[n] = true;
            n++;
            /* Now and then one range goes or moves. */
            unsigned j = (unsigned)rand() % n;
            if (live[j] && rand() % 4 == 0) {
                assert_int_equal(mmio_bus_unregister(&b, cpu[j], lo[j]), 0);
                live[j] = false;
            } else if (live[j] && rand() % 3 == 0) {
                uint64_t to = 0xfe000000ull + (uint64_t)(rand() % 0x4000) * 16;
                uint64_t last = to + (hi[j] - lo[j]);
                bool clash = false;
                for (unsigned i = 0; i < n; i++)
                    if (i != j && live[i] && cpu[i] == cpu[j])
                        clash |= !(last < lo[i] || to > hi[i]);
                assert_int_equal(mmio_bus_move(&b, cpu[j], lo[j], to), clash ? -1 : 0);
                if (!clash) {
                    lo[j] = to;
                    hi[j] = last;
                }
            }
        }
        assert_well_formed(&b);
        for (int k = 0; k < 200; k++) {
            uint64_t gpa = 0xfe000000ull + (uint64_t)(rand() % 0x50000);
            unsigned c = (unsigned)(rand() % (MMIO_BUS_CPUS + 2));
            int want = -1;          /* own range first, then shared */
            for (unsigned j = 0; j < n; j++)
                if (live[j] && cpu[j] == c && gpa >= lo[j] && gpa <= hi[j])
                    want = (int)j;
            if (want < 0)
                for (unsigned j = 0; j < n; j++)
                    if (live[j] && cpu[j] == MMIO_BUS_ALL_CPUS && gpa >= lo[j] && gpa <= hi[j])
                        want = (int)j;
            const struct mmio_region *got = mmio_bus_find(&b, c, gpa);
            if (want < 0) {
                assert_null(got);
            } else {
                assert_non_null(got);
                assert_int_equal(got->first, lo[want]);
                assert_int_equal(got->last, hi[want]);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unclaimed),
        cmocka_unit_test(test_dispatch_and_edges),
        cmocka_unit_test(test_overlaps_and_bad_ranges_refused),
        cmocka_unit_test(test_full_tables),
        cmocka_unit_test(test_move_and_unregister),
        cmocka_unit_test(test_per_cpu_ranges),
        cmocka_unit_test(test_hostile_accesses),
        cmocka_unit_test(test_random_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
