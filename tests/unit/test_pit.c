/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the i8254 PIT model (dev/pit.c): every mode against the datasheet, and Linux 6.1's uses of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

#include "dev/irq.h"
#include "dev/pit.h"
#include "lib/muldiv.h"

#define NS 1000000000ull

static struct pit pit;
static unsigned pulses;         /* rising edges seen on IRQ 0 */
static bool irq_level;

static void fake_irq_set(void *ctx, unsigned line, bool level)
{
    assert_ptr_equal(ctx, &pit);
    assert_int_equal(line, 0);
    if (level && !irq_level)
        pulses++;
    irq_level = level;
}

static const struct irq_line irq0 = { .set = fake_irq_set, .ctx = &pit, .line = 0 };

/* The first nanosecond of PIT clock tick t. */
static uint64_t ns_at(uint64_t t)
{
    return muldiv64_ceil(t, NS, PIT_HZ);
}

static void out(uint16_t port, uint8_t val, uint64_t t)
{
    pit_io_write(&pit, port, val, ns_at(t));
}

static uint8_t in(uint16_t port, uint64_t t)
{
    return pit_io_read(&pit, port, ns_at(t));
}

static void out16(uint16_t port, uint16_t val, uint64_t t)
{
    out(port, (uint8_t)val, t);
    out(port, (uint8_t)(val >> 8), t);
}

static uint16_t in16(uint16_t port, uint64_t t)
{
    uint8_t lo = in(port, t);
    return (uint16_t)(lo | in(port, t) << 8);
}

/* Counter latch command, then the two bytes (RW=3 counters). */
static uint16_t latched(unsigned ch, uint64_t t)
{
    out(PIT_PORT_CMD, (uint8_t)(ch << 6), t);
    return in16((uint16_t)(PIT_PORT_CH0 + ch), t);
}

/* Read-back of the status byte alone. */
static uint8_t status(unsigned ch, uint64_t t)
{
    out(PIT_PORT_CMD, (uint8_t)(0xe0 | 2u << ch), t);
    return in((uint16_t)(PIT_PORT_CH0 + ch), t);
}

static bool out_pin(unsigned ch, uint64_t t)
{
    return status(ch, t) & PIT_STATUS_OUT;
}

static void update(uint64_t t)
{
    pit_update(&pit, ns_at(t));
}

static int setup(void **state)
{
    (void)state;
    pit_init(&pit, &irq0);
    pulses = 0;
    irq_level = false;
    return 0;
}

/* ---- arithmetic --------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    unsigned __int128 q = p / c, qc = (p + c - 1) / c;
    uint64_t want = q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
    uint64_t want_c = qc > UINT64_MAX ? UINT64_MAX : (uint64_t)qc;
    assert_int_equal(muldiv64(a, b, c), want);
    assert_int_equal(muldiv64_ceil(a, b, c), want_c);
}

static void test_muldiv(void **state)
{
    (void)state;
    assert_int_equal(muldiv64(0, 12345, 7), 0);
    assert_int_equal(muldiv64(5, 7, 0), UINT64_MAX);
    assert_int_equal(muldiv64(1000000000000000000ull, PIT_HZ, NS), 1193182000000000000ull / 1000);
    assert_int_equal(muldiv64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
    assert_int_equal(muldiv64(UINT64_MAX, 2, 1), UINT64_MAX);           /* overflow */
    assert_int_equal(muldiv64(UINT64_MAX, 1, 2), UINT64_MAX / 2);
    assert_int_equal(muldiv64_ceil(UINT64_MAX, 1, 2), UINT64_MAX / 2 + 1);
    assert_int_equal(muldiv64_ceil(1, 1, 3), 1);
    assert_int_equal(muldiv64_ceil(3, 1, 3), 1);
    assert_int_equal(muldiv64_ceil(UINT64_MAX, 1, 1), UINT64_MAX);
    assert_int_equal(muldiv64_ceil(UINT64_MAX, 3, 2), UINT64_MAX);      /* overflow */
    assert_int_equal(muldiv64_ceil(0, 0, 1), 0);

    /* Each of the three paths: fits in 64 bits, small b*c, long division. */
    check_muldiv(123456789, 987654321, 1000);
    check_muldiv(1ull << 62, PIT_HZ, NS);
    check_muldiv(UINT64_MAX - 1, NS, (uint64_t)PIT_HZ << 40);
    check_muldiv(UINT64_MAX / 3, UINT64_MAX / 5, UINT64_MAX / 4);
    check_muldiv(0xffffffff00000001ull, 0xfffffffffffffff1ull, 0xfffffffffffffff7ull);
    for (int i = 0; i < 200000; i++) {
        uint64_t a = rnd() >> (rnd() % 64), b = rnd() >> (rnd() % 64);
        uint64_t c = (rnd() >> (rnd() % 64)) | 1;
        check_muldiv(a, b, c);
    }

    /* ns_at() is the exact inverse of the tick conversion, at any age. */
    for (int i = 0; i < 100000; i++) {
        uint64_t t = 1 + (rnd() >> (rnd() % 64)) % 20000000000000000ull;
        uint64_t ns = ns_at(t);
        assert_int_equal(muldiv64(ns, PIT_HZ, NS), t);
        assert_int_equal(muldiv64(ns - 1, PIT_HZ, NS), t - 1);
    }
}

/* ---- modes -------------------------------------------------------------- */

static void test_power_on_state(void **state)
{
    (void)state;
    for (unsigned ch = 0; ch < 3; ch++) {
        uint8_t s = status(ch, 10);
        assert_int_equal(s, PIT_STATUS_OUT | PIT_STATUS_NULL | 0x36);
    }
    assert_int_equal(in(PIT_PORT_B, 10) & (PIT_B_GATE2 | PIT_B_OUT2), PIT_B_OUT2);
    assert_int_equal(pit_next_event_ns(&pit), UINT64_MAX);
    update(1000000);
    assert_int_equal(pulses, 0);
    assert_int_equal(in(PIT_PORT_CMD, 10), 0xff);       /* the control port floats */
    assert_int_equal(in(0x44, 10), 0xff);
    out(0x44, 0x12, 10);                                /* not ours: ignored */
}

static void test_mode0_interrupt_on_terminal_count(void **state)
{
    (void)state;
    const uint64_t w = 1000;

    out(PIT_PORT_CMD, 0x30, w);                 /* counter 0, LSB/MSB, mode 0 */
    assert_int_equal(status(0, w), PIT_STATUS_NULL | 0x30);     /* OUT low, no count */
    out16(PIT_PORT_CH0, 16, w);
    assert_int_equal(status(0, w), 0x30);       /* loaded */
    for (uint64_t k = 0; k <= 16; k++) {
        assert_int_equal(latched(0, w + 1 + k), 16 - k);
        assert_int_equal(out_pin(0, w + 1 + k), k == 16);
        update(w + 1 + k);
        assert_int_equal(pulses, k == 16);
    }
    /* After terminal count it wraps and keeps counting; OUT stays high. */
    assert_int_equal(latched(0, w + 18), 0xffff);
    assert_int_equal(latched(0, w + 18 + 0x10000), 0xffff);
    assert_true(out_pin(0, w + 18 + 0x10000));
    update(w + 100000);
    assert_int_equal(pulses, 1);
    assert_int_equal(pit_next_event_ns(&pit), UINT64_MAX);

    /* A new count restarts it with OUT low. */
    out16(PIT_PORT_CH0, 3, w + 200000);
    assert_false(out_pin(0, w + 200000));
    assert_false(out_pin(0, w + 200003));
    assert_true(out_pin(0, w + 200004));
    update(w + 200004);
    assert_int_equal(pulses, 2);

    /* Count 0 is 65536 clocks. */
    out16(PIT_PORT_CH0, 0, 300000);
    assert_int_equal(latched(0, 300001), 0);
    assert_int_equal(latched(0, 300002), 0xffff);
    assert_false(out_pin(0, 300000 + 65536));
    assert_true(out_pin(0, 300001 + 65536));
}

static void test_mode0_first_byte_stops_counting(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x30, 0);
    out16(PIT_PORT_CH0, 100, 0);
    assert_int_equal(latched(0, 41), 60);
    out(PIT_PORT_CH0, 0x50, 41);                /* LSB only: counting stops */
    assert_int_equal(latched(0, 60), 60);
    assert_int_equal(latched(0, 500), 60);
    assert_false(out_pin(0, 500));
    out(PIT_PORT_CH0, 0x00, 500);               /* MSB: 0x50 loads */
    assert_int_equal(latched(0, 501 + 0x10), 0x40);
    assert_true(out_pin(0, 501 + 0x50));
    update(501 + 0x50);
    assert_int_equal(pulses, 1);
}

static void test_mode0_gate_ch2(void **state)
{
    (void)state;
    out(PIT_PORT_B, 0x00, 0);                   /* gate 2 low */
    out(PIT_PORT_CMD, 0xb0, 0);
    out16(PIT_PORT_CH2, 100, 0);
    assert_int_equal(latched(2, 50), 100);      /* loaded, waiting for the gate */
    assert_int_equal(status(2, 50), 0x30);
    out(PIT_PORT_B, PIT_B_GATE2, 1000);
    assert_int_equal(latched(2, 1000), 100);
    assert_int_equal(latched(2, 1010), 90);
    out(PIT_PORT_B, 0x00, 1010);                /* suspend */
    assert_int_equal(latched(2, 5000), 90);
    assert_int_equal(in(PIT_PORT_B, 5000) & PIT_B_OUT2, 0);
    out(PIT_PORT_B, PIT_B_GATE2, 6000);
    assert_int_equal(latched(2, 6089), 1);
    assert_int_equal(in(PIT_PORT_B, 6089) & PIT_B_OUT2, 0);
    assert_int_equal(in(PIT_PORT_B, 6090) & PIT_B_OUT2, PIT_B_OUT2);
    assert_int_equal(latched(2, 6091), 0xffff);
    assert_int_equal(pulses, 0);                /* counter 2 is not IRQ 0 */
}

static void test_mode1_hw_oneshot_ch2(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0xb2, 0);                 /* counter 2, mode 1 */
    out16(PIT_PORT_CH2, 50, 0);
    assert_true(out_pin(2, 10));
    assert_int_equal(status(2, 10) & PIT_STATUS_NULL, PIT_STATUS_NULL);  /* not loaded */
    out(PIT_PORT_B, PIT_B_GATE2, 100);          /* trigger */
    assert_int_equal(status(2, 101), 0x32);     /* OUT low, loaded */
    assert_int_equal(latched(2, 101), 50);
    assert_int_equal(latched(2, 150), 1);
    assert_false(out_pin(2, 150));
    assert_true(out_pin(2, 151));
    assert_int_equal(latched(2, 152), 0xffff);
    /* The gate going low does nothing in mode 1. */
    out(PIT_PORT_B, 0x00, 200);
    assert_int_equal(latched(2, 210), (uint16_t)(50 - 109));
    /* A new count waits for the next trigger; a trigger reloads. */
    out16(PIT_PORT_CH2, 20, 300);
    assert_true(out_pin(2, 310));
    out(PIT_PORT_B, PIT_B_GATE2, 400);
    assert_int_equal(latched(2, 401), 20);
    out(PIT_PORT_B, 0x00, 410);
    out(PIT_PORT_B, PIT_B_GATE2, 411);          /* retrigger while low */
    assert_false(out_pin(2, 430));
    assert_int_equal(latched(2, 430), 2);
    assert_true(out_pin(2, 432));
}

static void test_mode2_rate_generator(void **state)
{
    (void)state;
    const uint64_t w = 5000;

    out(PIT_PORT_CMD, 0x34, w);                 /* Linux periodic clockevent */
    assert_int_equal(pulses, 0);                /* OUT was high already */
    out16(PIT_PORT_CH0, 100, w);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(w + 101));
    for (uint64_t t = w; t <= w + 1001; t++) {
        update(t);
        uint64_t k = t > w + 1 ? (t - w - 1) % 100 : 0;
        if (t % 7 == 0) {
            assert_int_equal(latched(0, t), 100 - k);
            assert_int_equal(out_pin(0, t), k != 99);
        }
        assert_int_equal(pulses, t > w ? (t - w - 1) / 100 : 0);
    }
    assert_int_equal(pulses, 10);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(w + 1101));

    /* Lost ticks are coalesced into one pulse. */
    update(w + 1001 + 100 * 1000);
    assert_int_equal(pulses, 11);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(w + 1101 + 100 * 1000));
    assert_true(pit_next_event_ns(&pit) > ns_at(w + 1001 + 100 * 1000));
}

static void test_mode2_new_count_at_period_end(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x34, 0);
    out16(PIT_PORT_CH0, 100, 0);                /* edges at 101, 201, ... */
    out16(PIT_PORT_CH0, 200, 50);
    assert_int_equal(status(0, 50) & PIT_STATUS_NULL, PIT_STATUS_NULL);
    assert_int_equal(latched(0, 60), 100 - 59);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(101));
    update(100);
    assert_int_equal(latched(0, 100), 1);
    assert_int_equal(pulses, 0);
    update(101);
    assert_int_equal(pulses, 1);
    assert_int_equal(latched(0, 101), 200);     /* the new count, at the reload */
    assert_int_equal(status(0, 101) & PIT_STATUS_NULL, 0);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(301));
    update(300);
    assert_int_equal(pulses, 1);
    update(301);
    assert_int_equal(pulses, 2);
}

static void test_mode3_square_wave(void **state)
{
    (void)state;
    static const uint16_t even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2 };
    static const uint16_t odd[] = { 10, 8, 6, 4, 2, 0, 10, 8, 6, 4, 2 };

    out(PIT_PORT_CMD, 0x36, 0);
    out16(PIT_PORT_CH0, 10, 0);
    for (unsigned k = 0; k < 30; k++) {
        assert_int_equal(latched(0, 1 + k), even[k % 10]);
        assert_int_equal(out_pin(0, 1 + k), k % 10 < 5);
    }
    assert_int_equal(pulses, 2);                /* reads deliver too: 11, 21 */
    update(1 + 30);
    assert_int_equal(pulses, 3);

    setup(NULL);
    out(PIT_PORT_CMD, 0x36, 0);
    out16(PIT_PORT_CH0, 11, 0);                 /* high 6 clocks, low 5 */
    for (unsigned k = 0; k < 33; k++) {
        assert_int_equal(latched(0, 1 + k), odd[k % 11]);
        assert_int_equal(out_pin(0, 1 + k), k % 11 < 6);
        update(1 + k);
        assert_int_equal(pulses, k / 11);
    }
    assert_int_equal(pit_next_event_ns(&pit), ns_at(1 + 33));

    /* BIOS-style 18.2 Hz: count 0 is 65536, 32768 clocks each half. */
    setup(NULL);
    out(PIT_PORT_CMD, 0x36, 0);
    out16(PIT_PORT_CH0, 0, 0);
    assert_true(out_pin(0, 1 + 32767));
    assert_false(out_pin(0, 1 + 32768));
    assert_int_equal(latched(0, 1 + 32768), 0);
    assert_int_equal(latched(0, 1 + 32769), 65534);
    update(65537);
    assert_int_equal(pulses, 1);
}

static void test_mode3_ch2_speaker_and_new_count(void **state)
{
    (void)state;
    out(PIT_PORT_B, PIT_B_GATE2 | PIT_B_SPEAKER, 0);
    out(PIT_PORT_CMD, 0xb6, 0);
    out16(PIT_PORT_CH2, 100, 0);                /* halves of 50 from tick 1 */
    assert_int_equal(in(PIT_PORT_B, 50) & PIT_B_OUT2, PIT_B_OUT2);
    assert_int_equal(in(PIT_PORT_B, 51) & PIT_B_OUT2, 0);
    /* A new count takes effect at the end of the current half cycle. */
    out16(PIT_PORT_CH2, 40, 60);
    assert_int_equal(in(PIT_PORT_B, 100) & PIT_B_OUT2, 0);
    assert_int_equal(in(PIT_PORT_B, 101) & PIT_B_OUT2, PIT_B_OUT2);   /* old half ends */
    assert_int_equal(in(PIT_PORT_B, 120) & PIT_B_OUT2, PIT_B_OUT2);
    assert_int_equal(in(PIT_PORT_B, 121) & PIT_B_OUT2, 0);            /* new halves of 20 */
    assert_int_equal(in(PIT_PORT_B, 141) & PIT_B_OUT2, PIT_B_OUT2);
    /* Gate low forces OUT high and stops; gate high restarts the period. */
    assert_int_equal(in(PIT_PORT_B, 165) & PIT_B_OUT2, 0);
    out(PIT_PORT_B, 0x00, 165);
    assert_int_equal(in(PIT_PORT_B, 165) & PIT_B_OUT2, PIT_B_OUT2);
    assert_int_equal(latched(2, 190), 40 - 2 * 4);  /* frozen at 165: low half, step 4 */
    out(PIT_PORT_B, PIT_B_GATE2, 200);
    assert_int_equal(latched(2, 201), 40);
    assert_int_equal(in(PIT_PORT_B, 220) & PIT_B_OUT2, PIT_B_OUT2);
    assert_int_equal(in(PIT_PORT_B, 221) & PIT_B_OUT2, 0);
}

static void test_mode3_new_count_irq(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x36, 0);
    out16(PIT_PORT_CH0, 100, 0);
    out16(PIT_PORT_CH0, 40, 10);                /* high half ends at 51 */
    assert_int_equal(pit_next_event_ns(&pit), ns_at(51));       /* the reload */
    update(51);
    assert_int_equal(pulses, 0);
    assert_false(out_pin(0, 51));
    assert_int_equal(pit_next_event_ns(&pit), ns_at(71));
    update(70);
    assert_int_equal(pulses, 0);
    update(71);
    assert_int_equal(pulses, 1);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(111));
}

static void test_mode4_sw_strobe(void **state)
{
    (void)state;
    const uint64_t w = 777;

    out(PIT_PORT_CMD, 0x38, w);                 /* Linux oneshot clockevent */
    out16(PIT_PORT_CH0, 20, w);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(w + 22));
    assert_true(out_pin(0, w + 20));
    assert_int_equal(latched(0, w + 21), 0);
    assert_false(out_pin(0, w + 21));           /* low for one clock */
    update(w + 21);
    assert_int_equal(pulses, 0);
    assert_true(out_pin(0, w + 22));
    update(w + 22);
    assert_int_equal(pulses, 1);
    assert_int_equal(latched(0, w + 22), 0xffff);
    assert_int_equal(pit_next_event_ns(&pit), UINT64_MAX);      /* one strobe only */
    update(w + 22 + 200000);
    assert_int_equal(pulses, 1);

    /* Rewriting the count while counting restarts it (set_next_event). */
    out16(PIT_PORT_CH0, 1000, 300000);
    out16(PIT_PORT_CH0, 10, 300500);
    update(300500 + 12);
    assert_int_equal(pulses, 2);
    update(302000);
    assert_int_equal(pulses, 2);
}

static void test_mode5_hw_strobe_ch2(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0xba, 0);
    out16(PIT_PORT_CH2, 30, 0);
    assert_true(out_pin(2, 100));
    out(PIT_PORT_B, PIT_B_GATE2, 100);
    assert_int_equal(latched(2, 101), 30);
    assert_true(out_pin(2, 130));
    assert_false(out_pin(2, 131));
    assert_true(out_pin(2, 132));
    /* Retrigger in the middle. */
    out(PIT_PORT_B, 0, 200);
    out(PIT_PORT_B, PIT_B_GATE2, 210);
    out(PIT_PORT_B, 0, 220);
    out(PIT_PORT_B, PIT_B_GATE2, 225);
    assert_true(out_pin(2, 241));
    assert_false(out_pin(2, 256));
    assert_true(out_pin(2, 257));
}

/* ---- reading ------------------------------------------------------------ */

static void test_counter_latch(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x34, 0);
    out16(PIT_PORT_CH0, 1000, 0);
    out(PIT_PORT_CMD, 0x00, 100);               /* latch 901 */
    out(PIT_PORT_CMD, 0x00, 200);               /* ignored: already latched */
    assert_int_equal(in(PIT_PORT_CH0, 300), 901 & 0xff);
    assert_int_equal(in(PIT_PORT_CH0, 400), 901 >> 8);
    assert_int_equal(in16(PIT_PORT_CH0, 500), 1000 - 499);      /* live again */
    /* Reads and writes keep separate byte flip-flops. */
    assert_int_equal(in(PIT_PORT_CH0, 600), (1000 - 599) & 0xff);
    out(PIT_PORT_CH0, 0x20, 600);
    assert_int_equal(in(PIT_PORT_CH0, 600), (1000 - 599) >> 8);
    out(PIT_PORT_CH0, 0x03, 600);               /* 0x320 = 800 from the next period */
    assert_int_equal(latched(0, 1000), 1);
    assert_int_equal(latched(0, 1001), 800);
    /* A new control word drops a pending latch. */
    out(PIT_PORT_CMD, 0x00, 1100);
    out(PIT_PORT_CMD, 0x34, 1100);
    out16(PIT_PORT_CH0, 50, 1100);
    assert_int_equal(in16(PIT_PORT_CH0, 1101), 50);
}

static void test_read_back(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x34, 0);
    out16(PIT_PORT_CH0, 500, 0);
    out(PIT_PORT_CMD, 0x74, 0);                 /* counter 1, mode 2 */
    out16(PIT_PORT_CH0 + 1, 18, 0);
    out(PIT_PORT_B, PIT_B_GATE2, 0);
    out(PIT_PORT_CMD, 0xb6, 0);
    /* no count on counter 2 yet */

    out(PIT_PORT_CMD, 0xce, 10);                /* count and status, all three */
    assert_int_equal(in(PIT_PORT_CH0, 20), PIT_STATUS_OUT | 0x34);
    assert_int_equal(in16(PIT_PORT_CH0, 20), 491);
    assert_int_equal(in(PIT_PORT_CH0 + 1, 30), PIT_STATUS_OUT | 0x34);
    assert_int_equal(in16(PIT_PORT_CH0 + 1, 30), 18 - 9 % 18);
    assert_int_equal(in(PIT_PORT_CH2, 40), PIT_STATUS_OUT | PIT_STATUS_NULL | 0x36);

    /* Count only; a later status-only read-back does not disturb it. */
    out(PIT_PORT_CMD, 0xd2, 100);               /* COUNT, counter 0 */
    out(PIT_PORT_CMD, 0xe2, 150);               /* STATUS, counter 0 */
    assert_int_equal(in(PIT_PORT_CH0, 200), PIT_STATUS_OUT | 0x34);     /* status first */
    assert_int_equal(in16(PIT_PORT_CH0, 200), 401);
    /* Status latched twice keeps the first. */
    out(PIT_PORT_CMD, 0xe2, 500);               /* OUT low at 500: count 1 */
    out(PIT_PORT_CMD, 0xe2, 501);
    assert_int_equal(in(PIT_PORT_CH0, 502), 0x34);
    /* The reserved bit and no counters selected are harmless. */
    out(PIT_PORT_CMD, 0xc1, 600);
    out(PIT_PORT_CMD, 0xc0, 600);
    assert_int_equal(in16(PIT_PORT_CH0, 600), 500 - 99);
}

static void test_access_modes(void **state)
{
    (void)state;
    out(PIT_PORT_B, PIT_B_GATE2, 0);
    out(PIT_PORT_CMD, 0x90, 0);                 /* counter 2, LSB only, mode 0 */
    out(PIT_PORT_CH2, 0x20, 0);
    assert_int_equal(in(PIT_PORT_CH2, 1), 0x20);
    assert_int_equal(in(PIT_PORT_CH2, 2), 0x1f);
    assert_int_equal(in(PIT_PORT_CH2, 3), 0x1e);
    assert_true(out_pin(2, 33));
    assert_int_equal(status(2, 33), PIT_STATUS_OUT | 0x10);

    out(PIT_PORT_CMD, 0xa0, 100);               /* MSB only */
    out(PIT_PORT_CH2, 0x01, 100);               /* 256 */
    assert_int_equal(in(PIT_PORT_CH2, 101), 0x01);
    assert_int_equal(in(PIT_PORT_CH2, 102), 0x00);  /* 255 */
    out(PIT_PORT_CMD, 0x80, 110);               /* latch in MSB mode */
    assert_int_equal(in(PIT_PORT_CH2, 400), 0x00);
    assert_int_equal(in(PIT_PORT_CH2, 400), 0xff);  /* live: wrapped */
    assert_true(out_pin(2, 400));

    /* Modes 6 and 7 are 2 and 3, but the status shows what was written. */
    out(PIT_PORT_CMD, 0xbc, 500);
    out16(PIT_PORT_CH2, 4, 500);
    assert_int_equal(status(2, 501), PIT_STATUS_OUT | 0x3c);
    assert_false(out_pin(2, 504));              /* mode 2: low at count 1 */
}

static void test_bcd(void **state)
{
    (void)state;
    out(PIT_PORT_B, PIT_B_GATE2, 0);
    out(PIT_PORT_CMD, 0xb1, 0);                 /* counter 2, mode 0, BCD */
    out16(PIT_PORT_CH2, 0x0100, 0);
    assert_int_equal(latched(2, 1), 0x0100);
    assert_int_equal(latched(2, 2), 0x0099);
    assert_int_equal(latched(2, 12), 0x0089);
    assert_int_equal(latched(2, 101), 0x0000);
    assert_true(out_pin(2, 101));
    assert_int_equal(latched(2, 102), 0x9999);  /* wraps in decimal */
    assert_int_equal(status(2, 102), PIT_STATUS_OUT | 0x31);

    out16(PIT_PORT_CH2, 0x0000, 200);           /* 10000 */
    assert_int_equal(latched(2, 201), 0x0000);
    assert_int_equal(latched(2, 202), 0x9999);
    assert_false(out_pin(2, 200 + 10000));
    assert_true(out_pin(2, 201 + 10000));

    setup(NULL);
    out(PIT_PORT_CMD, 0x35, 0);                 /* counter 0, mode 2, BCD */
    out16(PIT_PORT_CH0, 0x0050, 0);             /* period 50 */
    update(1 + 50 * 4);
    assert_int_equal(pulses, 1);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(1 + 50 * 5));
    assert_int_equal(latched(0, 1 + 50 * 5 - 1), 0x0001);
    assert_int_equal(latched(0, 1 + 50 * 5 + 11), 0x0039);
    assert_int_equal(pulses, 2);                /* the read saw the edge at 251 */
    out16(PIT_PORT_CH0, 0x00af, 1000);          /* bad digits read as 9: 99 */
    assert_int_equal(pulses, 3);
    update(1 + 50 * 20);                        /* the old period's last edge */
    assert_int_equal(pulses, 4);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(1 + 50 * 20 + 99));
}

/* ---- port 0x61 and Linux's calibrations --------------------------------- */

static void test_port_b(void **state)
{
    (void)state;
    out(PIT_PORT_B, 0xff, 0);
    assert_int_equal(in(PIT_PORT_B, 0) & ~(PIT_B_OUT2 | PIT_B_REFRESH), 0x0f);
    out(PIT_PORT_B, 0x02, 0);
    assert_int_equal(in(PIT_PORT_B, 0) & 0x0f, 0x02);
    /* The refresh bit flips every 18 clocks (15 us). */
    assert_int_equal(in(PIT_PORT_B, 17) & PIT_B_REFRESH, 0);
    assert_int_equal(in(PIT_PORT_B, 18) & PIT_B_REFRESH, PIT_B_REFRESH);
    assert_int_equal(in(PIT_PORT_B, 35) & PIT_B_REFRESH, PIT_B_REFRESH);
    assert_int_equal(in(PIT_PORT_B, 36) & PIT_B_REFRESH, 0);
    assert_int_equal(in(PIT_PORT_B, 36) & 0xc0, 0);
}

/* Linux 6.1 pit_calibrate_tsc(): mode 0, 10 ms, wait for OUT2 in 0x61. */
static void test_linux_slow_calibration(void **state)
{
    (void)state;
    const uint16_t latch = PIT_HZ / 100;
    uint64_t t = 123456;

    out(PIT_PORT_B, (uint8_t)((in(PIT_PORT_B, t) & ~0x02) | 0x01), t);
    out(PIT_PORT_CMD, 0xb0, t);
    out16(PIT_PORT_CH2, latch, t);
    uint64_t start = t;
    while (!(in(PIT_PORT_B, t) & PIT_B_OUT2))
        t++;
    assert_int_equal(t - start, latch + 1u);
}

struct sim {
    uint64_t ns;
    unsigned io;
};

static uint8_t sim_inb(struct sim *s, uint16_t port)
{
    s->ns += 900 + (s->io++ * 37) % 600;        /* a VM exit per access */
    return pit_io_read(&pit, port, s->ns);
}

static void sim_outb(struct sim *s, uint8_t val, uint16_t port)
{
    s->ns += 900 + (s->io++ * 37) % 600;
    pit_io_write(&pit, port, val, s->ns);
}

static uint64_t sim_tsc(struct sim *s)         /* a 3 GHz TSC */
{
    s->ns += 10;
    return s->ns * 3;
}

static bool pit_verify_msb(struct sim *s, uint8_t val)
{
    sim_inb(s, 0x42);                           /* ignore LSB */
    return sim_inb(s, 0x42) == val;
}

static bool pit_expect_msb(struct sim *s, uint8_t val, uint64_t *tscp, uint64_t *deltap)
{
    uint64_t tsc = 0, prev_tsc = 0;
    int count;

    for (count = 0; count < 50000; count++) {
        if (!pit_verify_msb(s, val))
            break;
        prev_tsc = tsc;
        tsc = sim_tsc(s);
    }
    *deltap = sim_tsc(s) - prev_tsc;
    *tscp = tsc;
    return count > 5;
}

#define MAX_QUICK_PIT_ITERATIONS (50 * PIT_HZ / 1000 / 256)

/* The algorithm of Linux 6.1 quick_pit_calibrate(), result in kHz or 0. */
static uint64_t quick_pit_calibrate(struct sim *s, unsigned *iterations)
{
    uint64_t tsc, delta, d1, d2;
    unsigned i;

    sim_outb(s, (uint8_t)((sim_inb(s, 0x61) & ~0x02) | 0x01), 0x61);
    sim_outb(s, 0xb0, 0x43);
    sim_outb(s, 0xff, 0x42);
    sim_outb(s, 0xff, 0x42);
    pit_verify_msb(s, 0);
    if (pit_expect_msb(s, 0xff, &tsc, &d1)) {
        for (i = 1; i <= MAX_QUICK_PIT_ITERATIONS; i++) {
            if (!pit_expect_msb(s, (uint8_t)(0xff - i), &delta, &d2))
                break;
            delta -= tsc;
            if (i == 1 && d1 + d2 >= (delta * MAX_QUICK_PIT_ITERATIONS) >> 11)
                return 0;
            if (d1 + d2 >= delta >> 11)
                continue;
            if (!pit_verify_msb(s, (uint8_t)(0xfe - i)))
                break;
            *iterations = i;
            return delta * PIT_HZ / (i * 256 * 1000);
        }
    }
    return 0;
}

static void test_linux_quick_calibration(void **state)
{
    (void)state;
    static const uint64_t starts[] = { 0, 1234567, 1000000000000000000ull };

    for (unsigned k = 0; k < 3; k++) {
        setup(NULL);
        struct sim s = { .ns = starts[k] };
        unsigned iterations = 0;
        uint64_t khz = quick_pit_calibrate(&s, &iterations);
        assert_true(iterations > 1);
        /* Within Linux's own 500 ppm target of 3 GHz. */
        assert_true(khz > 3000000 - 1500 && khz < 3000000 + 1500);
    }
}

/* The MSB sequence the calibration relies on, exactly. */
static void test_quick_calibration_msb_sequence(void **state)
{
    (void)state;
    out(PIT_PORT_B, 0x01, 0);
    out(PIT_PORT_CMD, 0xb0, 0);
    out16(PIT_PORT_CH2, 0xffff, 0);
    for (uint64_t t = 1; t < 20 * 256; t += 3) {
        uint16_t v = in16(PIT_PORT_CH2, t);
        assert_int_equal(v, 0xffff - (t - 1));
        assert_int_equal(v >> 8, 0xff - (t - 1) / 256);
    }
}

/* ---- IRQ 0 edges and time ----------------------------------------------- */

static void test_control_word_edges(void **state)
{
    (void)state;
    /* Linux's pit_shutdown (mode 0, OUT low) and then periodic mode:
     * the new control word raises OUT, which is an edge on the chip too. */
    out(PIT_PORT_CMD, 0x30, 100);
    out(PIT_PORT_CH0, 0, 100);
    out(PIT_PORT_CH0, 0, 100);
    assert_int_equal(pulses, 0);
    out(PIT_PORT_CMD, 0x34, 200);
    assert_int_equal(pulses, 1);
    out16(PIT_PORT_CH0, 0x2e9c, 200);           /* LATCH for HZ=100 */
    update(201 + 0x2e9c);
    assert_int_equal(pulses, 2);
    assert_int_equal(pit_next_event_ns(&pit), ns_at(201 + 2 * 0x2e9c));
    update(300000);                             /* many periods: one pulse */
    assert_int_equal(pulses, 3);
    /* Counter 0's gate is tied high: modes 1 and 5 never trigger. */
    out(PIT_PORT_CMD, 0x32, 300000);
    out16(PIT_PORT_CH0, 10, 300000);
    out(PIT_PORT_B, 0x00, 300001);
    out(PIT_PORT_B, 0x01, 300002);
    update(400000);
    assert_int_equal(pulses, 3);
    assert_int_equal(pit_next_event_ns(&pit), UINT64_MAX);
}

static void test_next_event_schedule(void **state)
{
    (void)state;
    /* A VMM that sleeps until next_event and updates then sees every tick. */
    uint64_t now = ns_at(1000);
    pit_io_write(&pit, PIT_PORT_CMD, 0x34, now);
    pit_io_write(&pit, PIT_PORT_CH0, 0x9c, now);
    pit_io_write(&pit, PIT_PORT_CH0, 0x2e, now);    /* 11932 */
    for (unsigned k = 1; k <= 1000; k++) {
        uint64_t next = pit_next_event_ns(&pit);
        assert_true(next > now);
        pit_update(&pit, next - 1);
        assert_int_equal(pulses, k - 1);
        pit_update(&pit, next);
        assert_int_equal(pulses, k);
        now = next;
    }
    /* 1000 periods of 11932 clocks, to the nanosecond. */
    assert_int_equal(now, ns_at(1001 + 1000ull * 11932));
}

static void test_large_time(void **state)
{
    (void)state;
    const uint64_t base_ns = 1000000000000000000ull;    /* ~31.7 years of uptime */
    uint64_t t = muldiv64(base_ns, PIT_HZ, NS);

    assert_int_equal(t, 1193182000000000ull);
    out(PIT_PORT_CMD, 0x34, t);
    out16(PIT_PORT_CH0, 1193, t);
    uint64_t next = pit_next_event_ns(&pit);
    assert_int_equal(next, ns_at(t + 1 + 1193));
    assert_true(next - base_ns > 999000 && next - base_ns < 1001000);  /* ~1 ms */
    pit_update(&pit, next);
    assert_int_equal(pulses, 1);
    assert_int_equal(latched(0, t + 1 + 1193 + 5), 1193 - 5);
    pit_update(&pit, UINT64_MAX);
    assert_int_equal(pulses, 2);
}

static void test_time_never_runs_backwards(void **state)
{
    (void)state;
    out(PIT_PORT_CMD, 0x30, 1000);
    out16(PIT_PORT_CH0, 100, 1000);
    assert_int_equal(latched(0, 1050), 51);
    assert_int_equal(latched(0, 900), 51);      /* an older clock reads as the newest */
    update(0);
    assert_int_equal(pulses, 0);
    update(1101);
    assert_int_equal(pulses, 1);
}

static void test_null_irq_line(void **state)
{
    (void)state;
    pit_init(&pit, NULL);
    out(PIT_PORT_CMD, 0x34, 0);
    out16(PIT_PORT_CH0, 2, 0);
    update(1000);
    assert_int_equal(pulses, 0);
}

static void test_random_writes(void **state)
{
    (void)state;
    static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x43, 0x61, 0x44, 0x60 };

    for (int round = 0; round < 100; round++) {
        setup(NULL);
        uint64_t now = rnd() % (1ull << 40);
        for (int i = 0; i < 3000; i++) {
            uint16_t port = ports[rnd() % 8];
            switch (rnd() % 5) {
            case 0:
            case 1:
                pit_io_write(&pit, port, (uint8_t)rnd(), now);
                break;
            case 2:
                (void)pit_io_read(&pit, port, now);
                break;
            case 3: {
                unsigned before = pulses;
                pit_update(&pit, now);
                assert_true(pulses - before <= 1);  /* coalesced */
                break;
            }
            default: {
                uint64_t next = pit_next_event_ns(&pit);
                if (next != UINT64_MAX && next > now && next - now < 100000000)
                    now = next;
                break;
            }
            }
            assert_false(irq_level);                /* only pulses */
            if (rnd() % 16 == 0)
                now -= rnd() % 1000;                /* clock jitter backwards */
            else
                now += rnd() % (rnd() % 4 ? 2000 : 200000000);
            for (unsigned ch = 0; ch < 3; ch++) {
                assert_true(pit.ch[ch].mode <= 5);
                assert_true(pit.ch[ch].rw >= 1 && pit.ch[ch].rw <= 3);
                if (pit.ch[ch].state == 2 && pit.ch[ch].mode >= 2 && pit.ch[ch].mode <= 3)
                    assert_true(pit.ch[ch].phase0 < pit.ch[ch].ce0);
            }
        }
        /* Whatever came before, Linux's periodic setup works. */
        pit_io_write(&pit, PIT_PORT_CMD, 0x34, now);
        pit_io_write(&pit, PIT_PORT_CH0, 100, now);
        pit_io_write(&pit, PIT_PORT_CH0, 0, now);
        unsigned before = pulses;
        for (int k = 0; k < 5; k++) {
            uint64_t next = pit_next_event_ns(&pit);
            assert_true(next != UINT64_MAX);
            pit_update(&pit, next);
        }
        assert_int_equal(pulses - before, 5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_muldiv),
        cmocka_unit_test_setup(test_power_on_state, setup),
        cmocka_unit_test_setup(test_mode0_interrupt_on_terminal_count, setup),
        cmocka_unit_test_setup(test_mode0_first_byte_stops_counting, setup),
        cmocka_unit_test_setup(test_mode0_gate_ch2, setup),
        cmocka_unit_test_setup(test_mode1_hw_oneshot_ch2, setup),
        cmocka_unit_test_setup(test_mode2_rate_generator, setup),
        cmocka_unit_test_setup(test_mode2_new_count_at_period_end, setup),
        cmocka_unit_test_setup(test_mode3_square_wave, setup),
        cmocka_unit_test_setup(test_mode3_ch2_speaker_and_new_count, setup),
        cmocka_unit_test_setup(test_mode3_new_count_irq, setup),
        cmocka_unit_test_setup(test_mode4_sw_strobe, setup),
        cmocka_unit_test_setup(test_mode5_hw_strobe_ch2, setup),
        cmocka_unit_test_setup(test_counter_latch, setup),
        cmocka_unit_test_setup(test_read_back, setup),
        cmocka_unit_test_setup(test_access_modes, setup),
        cmocka_unit_test_setup(test_bcd, setup),
        cmocka_unit_test_setup(test_port_b, setup),
        cmocka_unit_test_setup(test_linux_slow_calibration, setup),
        cmocka_unit_test_setup(test_linux_quick_calibration, setup),
        cmocka_unit_test_setup(test_quick_calibration_msb_sequence, setup),
        cmocka_unit_test_setup(test_control_word_edges, setup),
        cmocka_unit_test_setup(test_next_event_schedule, setup),
        cmocka_unit_test_setup(test_large_time, setup),
        cmocka_unit_test_setup(test_time_never_runs_backwards, setup),
        cmocka_unit_test_setup(test_null_irq_line, setup),
        cmocka_unit_test(test_random_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
