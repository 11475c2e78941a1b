/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the port I/O bus (dev/io_bus.c) and the devices that
 * register on it without a vCPU (dev/debug_exit.c, dev/bochs_shutdown.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dev/bochs_shutdown.h"
#include "dev/debug_exit.h"
#include "dev/io_bus.h"

/* A recording device: reads return its id, port and size packed; writes
 * remember the last access. */
struct rec {
    unsigned id;
    uint16_t port;
    unsigned size;
    uint32_t val;
    unsigned writes;
};

static uint32_t rec_read(void *ctx, uint16_t port, unsigned size)
{
    struct rec *r = ctx;
    return r->id << 24 | (uint32_t)port << 4 | size;
}

static void rec_write(void *ctx, uint16_t port, unsigned size, uint32_t val, struct dev_reply *reply)
{
    struct rec *r = ctx;
    (void)reply;
    r->port = port;
    r->size = size;
    r->val = val;
    r->writes++;
}

static const struct io_ops rec_io = { rec_read, rec_write, .kicks = false };
static const struct io_ops rec_kick_io = { rec_read, rec_write, .kicks = true };
static const struct io_ops write_only_io = { NULL, rec_write, .kicks = false };

/* The bus's own invariant: sorted, disjoint, non-empty ranges. */
static void assert_well_formed(const struct io_bus *b)
{
    assert_true(b->count <= IO_BUS_REGIONS);
    for (unsigned i = 0; i < b->count; i++) {
        assert_true(b->region[i].first <= b->region[i].last);
        if (i)
            assert_true(b->region[i - 1].last < b->region[i].first);
    }
}

static void test_unclaimed_ports_float(void **state)
{
    (void)state;
    struct io_bus b;
    io_bus_init(&b);
    bool kick = false;
    assert_int_equal(io_bus_read(&b, 0x80, 1, &kick), 0xffffffffu);
    struct dev_reply reply = { DEV_REQ_NONE, 0 };
    io_bus_write(&b, 0x80, 1, 0x12, &reply, &kick);
    assert_false(kick);
    assert_int_equal(reply.request, DEV_REQ_NONE);
}

static void test_dispatch_by_range(void **state)
{
    (void)state;
    struct io_bus b;
    struct rec a = { .id = 1 }, c = { .id = 2 }, d = { .id = 3 };
    io_bus_init(&b);
    /* Registered out of order: the bus sorts. */
    assert_int_equal(io_bus_register(&b, 0x3f8, 0x3ff, &rec_io, &c), 0);
    assert_int_equal(io_bus_register(&b, 0x20, 0x21, &rec_kick_io, &a), 0);
    assert_int_equal(io_bus_register(&b, 0xffff, 0xffff, &rec_io, &d), 0);
    assert_well_formed(&b);
    bool kick = false;
    assert_int_equal(io_bus_read(&b, 0x3fd, 1, &kick), 2u << 24 | 0x3fd << 4 | 1);
    assert_false(kick);
    assert_int_equal(io_bus_read(&b, 0x21, 2, &kick), 1u << 24 | 0x21 << 4 | 2);
    assert_true(kick);
    assert_int_equal(io_bus_read(&b, 0xffff, 4, &kick) >> 24, 3);
    /* Just outside each range. */
    assert_int_equal(io_bus_read(&b, 0x1f, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0x22, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0x3f7, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0x400, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0xfffe, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0, 1, &kick), 0xffffffffu);

    struct dev_reply reply = { DEV_REQ_NONE, 0 };
    kick = false;
    io_bus_write(&b, 0x3f8, 1, 'k', &reply, &kick);
    assert_int_equal(c.writes, 1);
    assert_int_equal(c.port, 0x3f8);
    assert_int_equal(c.val, 'k');
    assert_int_equal(a.writes, 0);
    assert_false(kick);
}

static void test_overlaps_and_bad_ranges_refused(void **state)
{
    (void)state;
    struct io_bus b;
    struct rec r = { 0 };
    io_bus_init(&b);
    assert_int_equal(io_bus_register(&b, 0x40, 0x43, &rec_io, &r), 0);
    assert_int_equal(io_bus_register(&b, 0x43, 0x44, &rec_io, &r), -1);   /* overlaps the end */
    assert_int_equal(io_bus_register(&b, 0x3f, 0x40, &rec_io, &r), -1);   /* overlaps the start */
    assert_int_equal(io_bus_register(&b, 0x41, 0x42, &rec_io, &r), -1);   /* inside */
    assert_int_equal(io_bus_register(&b, 0x00, 0xffff, &rec_io, &r), -1); /* around */
    assert_int_equal(io_bus_register(&b, 0x50, 0x4f, &rec_io, &r), -1);   /* inverted */
    assert_int_equal(io_bus_register(&b, 0x50, 0x50, NULL, &r), -1);      /* no handlers */
    assert_int_equal(io_bus_register(&b, 0x3f, 0x3f, &rec_io, &r), 0);    /* adjacent is fine */
    assert_int_equal(io_bus_register(&b, 0x44, 0x44, &rec_io, &r), 0);
    assert_int_equal(b.count, 3);
    assert_well_formed(&b);
}

static void test_full_bus_and_unregister(void **state)
{
    (void)state;
    struct io_bus b;
    struct rec r = { .id = 7 };
    io_bus_init(&b);
    for (unsigned i = 0; i < IO_BUS_REGIONS; i++)
        assert_int_equal(io_bus_register(&b, (uint16_t)(0x1000 + 0x10 * i), (uint16_t)(0x1000 + 0x10 * i + 7),
                                         &rec_io, &r), 0);
    assert_int_equal(io_bus_register(&b, 0x10, 0x10, &rec_io, &r), -1);
    assert_well_formed(&b);
    /* A BAR moving: the old range goes, the new one works, the old one floats. */
    assert_int_equal(io_bus_unregister(&b, 0x1050), 0);
    assert_int_equal(io_bus_unregister(&b, 0x1050), -1);
    assert_int_equal(io_bus_unregister(&b, 0x1051), -1);       /* not a range's start */
    assert_int_equal(io_bus_register(&b, 0xc000, 0xc00f, &rec_io, &r), 0);
    assert_well_formed(&b);
    bool kick = false;
    assert_int_equal(io_bus_read(&b, 0x1052, 1, &kick), 0xffffffffu);
    assert_int_equal(io_bus_read(&b, 0xc00f, 1, &kick) >> 24, 7);
}

static void test_write_only_device_reads_float(void **state)
{
    (void)state;
    struct io_bus b;
    struct rec r = { 0 };
    io_bus_init(&b);
    assert_int_equal(io_bus_register(&b, 0x80, 0x80, &write_only_io, &r), 0);
    bool kick = false;
    assert_int_equal(io_bus_read(&b, 0x80, 1, &kick), 0xffffffffu);
}

/* Against a linear search over random layouts and ports. */
static void test_random_layouts(void **state)
{
    (void)state;
    srand(1234);
    struct rec r = { 0 };
    for (int round = 0; round < 2000; round++) {
        struct io_bus b;
        io_bus_init(&b);
        uint16_t lo[64], hi[64];
        unsigned n = 0;
        for (int k = 0; k < 48; k++) {
            uint16_t f = (uint16_t)rand(), l = (uint16_t)(f + rand() % 64);
            if (l < f)
                continue;
            bool overlaps = false;
            for (unsigned j = 0; j < n; j++)
                overlaps |= !(l < lo[j] || f > hi[j]);
            int rc = io_bus_register(&b, f, l, &rec_io, &r);
            if (overlaps || n == IO_BUS_REGIONS) {
                assert_int_equal(rc, -1);
            } else {
                assert_int_equal(rc, 0);
                lo[n] = f;
                hi[n] = l;
                n++;
            }
        }
        assert_int_equal(b.count, n);
        assert_well_formed(&b);
        for (int k = 0; k < 200; k++) {
            uint16_t port = (uint16_t)rand();
            bool want = false;
            for (unsigned j = 0; j < n; j++)
                want |= port >= lo[j] && port <= hi[j];
            const struct io_region *got = io_bus_find(&b, port);
            assert_int_equal(got != NULL, want);
            if (got)
                assert_true(port >= got->first && port <= got->last);
        }
    }
}

static void test_debug_exit_status(void **state)
{
    (void)state;
    struct io_bus b;
    io_bus_init(&b);
    assert_int_equal(io_bus_register(&b, DEBUG_EXIT_PORT, DEBUG_EXIT_PORT + DEBUG_EXIT_SIZE - 1,
                                     &debug_exit_io, NULL), 0);
    struct dev_reply reply = { DEV_REQ_NONE, 0 };
    bool kick = false;
    io_bus_write(&b, DEBUG_EXIT_PORT, 4, 0x10, &reply, &kick);
    assert_int_equal(reply.request, DEV_REQ_DEBUG_EXIT);
    assert_int_equal(reply.status, 0x21);      /* QEMU's (v << 1) | 1 */
    bool k2 = false;
    assert_int_equal(io_bus_read(&b, DEBUG_EXIT_PORT, 1, &k2), 0xffffffffu);
}

static void test_bochs_shutdown_sequence(void **state)
{
    (void)state;
    struct io_bus b;
    struct bochs_shutdown s = { 0 };
    io_bus_init(&b);
    assert_int_equal(io_bus_register(&b, BOCHS_SHUTDOWN_PORT, BOCHS_SHUTDOWN_PORT, &bochs_shutdown_io, &s), 0);
    bool kick = false;
    /* "ShutShutdown": a restart in the middle still matches; a word write resets. */
    const char *text = "ShutShutdown";
    struct dev_reply reply = { DEV_REQ_NONE, 0 };
    for (const char *c = text; *c; c++) {
        assert_int_equal(reply.request, DEV_REQ_NONE);
        io_bus_write(&b, BOCHS_SHUTDOWN_PORT, 1, (uint8_t)*c, &reply, &kick);
    }
    assert_int_equal(reply.request, DEV_REQ_POWEROFF);
    assert_int_equal(s.progress, 0);
    reply.request = DEV_REQ_NONE;
    for (const char *c = "Shutdow"; *c; c++)
        io_bus_write(&b, BOCHS_SHUTDOWN_PORT, 1, (uint8_t)*c, &reply, &kick);
    io_bus_write(&b, BOCHS_SHUTDOWN_PORT, 2, 'n', &reply, &kick);
    io_bus_write(&b, BOCHS_SHUTDOWN_PORT, 1, 'n', &reply, &kick);
    assert_int_equal(reply.request, DEV_REQ_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unclaimed_ports_float),
        cmocka_unit_test(test_dispatch_by_range),
        cmocka_unit_test(test_overlaps_and_bad_ranges_refused),
        cmocka_unit_test(test_full_bus_and_unregister),
        cmocka_unit_test(test_write_only_device_reads_float),
        cmocka_unit_test(test_random_layouts),
        cmocka_unit_test(test_debug_exit_status),
        cmocka_unit_test(test_bochs_shutdown_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
