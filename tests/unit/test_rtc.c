/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the MC146818A RTC/CMOS model (dev/rtc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "dev/rtc.h"

#define NS      1000000000ull
#define T0      (5 * NS)            /* boot time on the host clock */
#define EPOCH   1700000000ull       /* 2023-11-14 22:13:20 UTC, a Tuesday */

struct line_rec {
    bool level;
    unsigned rises, falls, calls;
    unsigned last_line;
};

static struct rtc r;
static struct line_rec rec;

static void line_set(void *ctx, unsigned line, bool level)
{
    struct line_rec *l = ctx;
    l->calls++;
    l->last_line = line;
    if (level && !l->level)
        l->rises++;
    if (!level && l->level)
        l->falls++;
    l->level = level;
}

static void boot(uint64_t epoch, uint64_t now)
{
    struct irq_line irq = { .set = line_set, .ctx = &rec, .line = 8 };
    memset(&rec, 0, sizeof(rec));
    rtc_init(&r, epoch, now, &irq);
}

static uint8_t rd(uint64_t t, unsigned idx)
{
    rtc_io_write(&r, RTC_PORT_INDEX, (uint8_t)idx, t);
    return rtc_io_read(&r, RTC_PORT_DATA, t);
}

static void wr(uint64_t t, unsigned idx, uint8_t v)
{
    rtc_io_write(&r, RTC_PORT_INDEX, (uint8_t)idx, t);
    rtc_io_write(&r, RTC_PORT_DATA, v, t);
}

struct tm8 { uint8_t sec, min, hour, dow, mday, mon, year, cent; };

static struct tm8 read_all(uint64_t t)
{
    struct tm8 x = {
        rd(t, RTC_SECONDS), rd(t, RTC_MINUTES), rd(t, RTC_HOURS), rd(t, RTC_DAY_OF_WEEK),
        rd(t, RTC_DAY_OF_MONTH), rd(t, RTC_MONTH), rd(t, RTC_YEAR), rd(t, RTC_CENTURY),
    };
    return x;
}

static void expect_tm(struct tm8 x, uint8_t cent, uint8_t year, uint8_t mon, uint8_t mday,
                      uint8_t hour, uint8_t min, uint8_t sec, uint8_t dow)
{
    assert_int_equal(x.cent, cent);
    assert_int_equal(x.year, year);
    assert_int_equal(x.mon, mon);
    assert_int_equal(x.mday, mday);
    assert_int_equal(x.hour, hour);
    assert_int_equal(x.min, min);
    assert_int_equal(x.sec, sec);
    assert_int_equal(x.dow, dow);
}

/* ---- calendar ---------------------------------------------------------- */

static bool is_leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(uint32_t y, unsigned m)
{
    static const unsigned d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static void test_civil_known_dates(void **state)
{
    (void)state;
    assert_int_equal(calendar_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(calendar_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(calendar_days_from_civil(2023, 11, 14), 19675);
    assert_int_equal(calendar_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(calendar_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(calendar_days_from_civil(1600, 2, 29), -135081);
    assert_int_equal(calendar_days_from_civil(1900, 3, 1), -25508);
    assert_int_equal(calendar_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(calendar_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(calendar_days_from_civil(9999, 12, 31), 2932896);

    uint32_t y;
    unsigned m, d;
    calendar_civil_from_days(19675, &y, &m, &d);
    assert_true(y == 2023 && m == 11 && d == 14);
    calendar_civil_from_days(19782, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    calendar_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    /* 2100 is not a leap year, 2000 is. */
    calendar_civil_from_days(calendar_days_from_civil(2100, 2, 28) + 1, &y, &m, &d);
    assert_true(y == 2100 && m == 3 && d == 1);
    calendar_civil_from_days(calendar_days_from_civil(2000, 2, 28) + 1, &y, &m, &d);
    assert_true(y == 2000 && m == 2 && d == 29);
    /* Clamped outside the domain. */
    calendar_civil_from_days(INT64_MIN, &y, &m, &d);
    assert_true(y == 0 && m == 1 && d == 1);
    calendar_civil_from_days(INT64_MAX, &y, &m, &d);
    assert_true(y > 999000 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
}

static void test_civil_normalizes(void **state)
{
    (void)state;
    assert_int_equal(calendar_days_from_civil(2023, 13, 1), calendar_days_from_civil(2024, 1, 1));
    assert_int_equal(calendar_days_from_civil(2023, 0, 1), calendar_days_from_civil(2022, 12, 1));
    assert_int_equal(calendar_days_from_civil(2023, 3, 0), calendar_days_from_civil(2023, 2, 28));
    assert_int_equal(calendar_days_from_civil(2023, 2, 31), calendar_days_from_civil(2023, 3, 3));
    assert_int_equal(calendar_days_from_civil(2023, 25, 1), calendar_days_from_civil(2025, 1, 1));
    assert_int_equal(calendar_days_from_civil(0, 0, 0), calendar_days_from_civil(0, 0, 1) - 1);
}

/* Every day from 0000-01-01 to 9999-12-31 and on: round trip, and each day
 * is the calendar successor of the one before. */
static void test_civil_round_trip_all_days(void **state)
{
    (void)state;
    uint32_t py;
    unsigned pm, pd;
    int64_t first = calendar_days_from_civil(0, 1, 1);
    calendar_civil_from_days(first, &py, &pm, &pd);
    assert_true(py == 0 && pm == 1 && pd == 1);
    for (int64_t day = first + 1; day <= 2932896 + 800; day++) {
        uint32_t y;
        unsigned m, d;
        calendar_civil_from_days(day, &y, &m, &d);
        if (pd < month_days(py, pm)) {
            if (!(y == py && m == pm && d == pd + 1))
                fail_msg("day %lld: %u-%u-%u after %u-%u-%u", (long long)day, y, m, d, py, pm, pd);
        } else if (pm < 12) {
            if (!(y == py && m == pm + 1 && d == 1))
                fail_msg("day %lld: %u-%u-%u after %u-%u-%u", (long long)day, y, m, d, py, pm, pd);
        } else {
            if (!(y == py + 1 && m == 1 && d == 1))
                fail_msg("day %lld: %u-%u-%u after %u-%u-%u", (long long)day, y, m, d, py, pm, pd);
        }
        if (calendar_days_from_civil(y, m, d) != day)
            fail_msg("day %lld does not round trip", (long long)day);
        py = y;
        pm = m;
        pd = d;
    }
}

/* ---- reading the clock ------------------------------------------------- */

static void test_power_on_registers(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    assert_int_equal(rd(T0, RTC_REG_A), 0x26);
    assert_int_equal(rd(T0, RTC_REG_B), 0x02);
    assert_int_equal(rd(T0, RTC_REG_C), 0x00);
    assert_int_equal(rd(T0, RTC_REG_D), 0x80);
    assert_int_equal(rtc_next_event_ns(&r), UINT64_MAX);
    assert_int_equal(rec.calls, 0);
}

static void test_read_known_date_bcd_24h(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    expect_tm(read_all(T0), 0x20, 0x23, 0x11, 0x14, 0x22, 0x13, 0x20, 3);
    /* 0.999 s later nothing has changed; at one second the seconds tick. */
    expect_tm(read_all(T0 + NS - 1), 0x20, 0x23, 0x11, 0x14, 0x22, 0x13, 0x20, 3);
    expect_tm(read_all(T0 + NS), 0x20, 0x23, 0x11, 0x14, 0x22, 0x13, 0x21, 3);
    /* An hour and a bit later. */
    expect_tm(read_all(T0 + 3725 * NS), 0x20, 0x23, 0x11, 0x14, 0x23, 0x15, 0x25, 3);
}

static void test_read_known_date_binary(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    expect_tm(read_all(T0), 20, 23, 11, 14, 22, 13, 20, 3);
    /* Writes are binary too. */
    wr(T0, RTC_MINUTES, 59);
    wr(T0, RTC_SECONDS, 59);
    expect_tm(read_all(T0 + NS), 20, 23, 11, 14, 23, 0, 0, 3);
}

static void test_12_hour_mode(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, 0);                               /* 12-hour BCD */
    assert_int_equal(rd(T0, RTC_HOURS), 0x90);          /* 10 PM */
    wr(T0, RTC_REG_B, RTC_B_DM_BINARY);                 /* 12-hour binary */
    assert_int_equal(rd(T0, RTC_HOURS), 0x8A);
    wr(T0, RTC_REG_B, 0);

    static const struct { uint8_t h24, h12; } map[] = {
        { 0x00, 0x12 }, { 0x01, 0x01 }, { 0x11, 0x11 }, { 0x12, 0x92 },
        { 0x13, 0x81 }, { 0x23, 0x91 },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        wr(T0, RTC_REG_B, RTC_B_24H);
        wr(T0, RTC_HOURS, map[i].h24);
        wr(T0, RTC_REG_B, 0);
        assert_int_equal(rd(T0, RTC_HOURS), map[i].h12);
        /* And written in 12-hour form, read back in 24-hour form. */
        wr(T0, RTC_HOURS, map[i].h12);
        wr(T0, RTC_REG_B, RTC_B_24H);
        assert_int_equal(rd(T0, RTC_HOURS), map[i].h24);
    }

    /* 11:59:59 PM rolls to 12:00:00 AM of the next day. */
    wr(T0, RTC_REG_B, 0);
    wr(T0, RTC_HOURS, 0x91);
    wr(T0, RTC_MINUTES, 0x59);
    wr(T0, RTC_SECONDS, 0x59);
    uint64_t t = T0 + NS;
    assert_int_equal(rd(t, RTC_HOURS), 0x12);
    assert_int_equal(rd(t, RTC_DAY_OF_MONTH), 0x15);
    assert_int_equal(rd(t, RTC_DAY_OF_WEEK), 4);
    /* 11:59:59 AM rolls to 12:00:00 PM. */
    wr(t, RTC_HOURS, 0x11);
    wr(t, RTC_MINUTES, 0x59);
    wr(t, RTC_SECONDS, 0x59);
    assert_int_equal(rd(t + NS, RTC_HOURS), 0x92);
}

struct boundary {
    uint64_t epoch;                 /* one second before the boundary */
    struct tm8 after;               /* BCD, one second later */
};

static void test_calendar_boundaries(void **state)
{
    (void)state;
    static const struct boundary b[] = {
        /* midnight, month, year: 2023-12-31 23:59:59 Sunday */
        { 1704067199, { 0x00, 0x00, 0x00, 2, 0x01, 0x01, 0x24, 0x20 } },
        /* leap day: 2024-02-28 23:59:59 Wednesday */
        { 1709164799, { 0x00, 0x00, 0x00, 5, 0x29, 0x02, 0x24, 0x20 } },
        /* 2024-02-29 23:59:59 Thursday */
        { 1709251199, { 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20 } },
        /* 2100 is not leap: 2100-02-28 23:59:59 Sunday */
        { 4107542399, { 0x00, 0x00, 0x00, 2, 0x01, 0x03, 0x00, 0x21 } },
        /* century: 2099-12-31 23:59:59 Thursday */
        { 4102444799, { 0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21 } },
        /* 2000 is leap: 2000-02-28 23:59:59 Monday */
        { 951782399, { 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x00, 0x20 } },
        /* 1999-12-31 23:59:59 Friday */
        { 946684799, { 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20 } },
        /* Saturday -> Sunday: 2023-11-18 23:59:59 */
        { 1700351999, { 0x00, 0x00, 0x00, 1, 0x19, 0x11, 0x23, 0x20 } },
    };
    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        boot(b[i].epoch, T0);
        assert_int_equal(rd(T0, RTC_SECONDS), 0x59);
        assert_int_equal(rd(T0, RTC_HOURS), 0x23);
        struct tm8 x = read_all(T0 + NS);
        const struct tm8 *e = &b[i].after;
        expect_tm(x, e->cent, e->year, e->mon, e->mday, e->hour, e->min, e->sec, e->dow);
    }
}

static void test_century_register(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    /* The clock set to 1999-12-31 23:59:59 through the registers. */
    wr(T0, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(T0, RTC_CENTURY, 0x19);
    wr(T0, RTC_YEAR, 0x99);
    wr(T0, RTC_MONTH, 0x12);
    wr(T0, RTC_DAY_OF_MONTH, 0x31);
    wr(T0, RTC_HOURS, 0x23);
    wr(T0, RTC_MINUTES, 0x59);
    wr(T0, RTC_SECONDS, 0x59);
    wr(T0, RTC_DAY_OF_WEEK, 6);
    expect_tm(read_all(T0), 0x19, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, 6);
    wr(T0, RTC_REG_B, RTC_B_24H);
    expect_tm(read_all(T0 + NS), 0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 7);
    /* Writing the year keeps the century, and the other way round. */
    wr(T0 + NS, RTC_YEAR, 0x42);
    assert_int_equal(rd(T0 + NS, RTC_CENTURY), 0x20);
    wr(T0 + NS, RTC_CENTURY, 0x21);
    assert_int_equal(rd(T0 + NS, RTC_YEAR), 0x42);
    /* Binary century. */
    wr(T0 + NS, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    assert_int_equal(rd(T0 + NS, RTC_CENTURY), 21);
    assert_int_equal(rd(T0 + NS, RTC_YEAR), 42);
}

static void test_epoch_clamped(void **state)
{
    (void)state;
    boot(UINT64_MAX, T0);
    expect_tm(read_all(T0), 0x99, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, 6);   /* a Friday */
    boot(0, 0);
    expect_tm(read_all(0), 0x19, 0x70, 0x01, 0x01, 0x00, 0x00, 0x00, 5);    /* Thursday */
}

/* ---- UIP --------------------------------------------------------------- */

static void test_uip_window(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    /* UIP for the last 8 cycles of 32768 (244.140625 us) of each second. */
    const uint64_t start = 999755860;  /* ceil(32760 * 10^9 / 32768) */
    for (uint64_t s = 0; s < 3; s++) {
        uint64_t base = T0 + s * NS;
        assert_false(rd(base + start - 1, RTC_REG_A) & RTC_A_UIP);
        assert_int_equal(rd(base + start - 1, RTC_SECONDS), 0x20 + s);
        assert_true(rd(base + start, RTC_REG_A) & RTC_A_UIP);
        assert_true(rd(base + NS - 1, RTC_REG_A) & RTC_A_UIP);
        /* During UIP the registers still hold the old second. */
        assert_int_equal(rd(base + NS - 1, RTC_SECONDS), 0x20 + s);
        assert_false(rd(base + NS, RTC_REG_A) & RTC_A_UIP);
        assert_int_equal(rd(base + NS, RTC_SECONDS), 0x21 + s);
    }
    /* Far on, the phase is the same. */
    uint64_t far = T0 + 100000 * NS;
    assert_false(rd(far + start - 1, RTC_REG_A) & RTC_A_UIP);
    assert_true(rd(far + start, RTC_REG_A) & RTC_A_UIP);
    assert_false(rd(far + NS, RTC_REG_A) & RTC_A_UIP);
    /* No UIP while SET or with the divider stopped. */
    far += NS;
    wr(far + start, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    assert_false(rd(far + start, RTC_REG_A) & RTC_A_UIP);
    wr(far + start, RTC_REG_B, RTC_B_24H);
    assert_true(rd(far + start, RTC_REG_A) & RTC_A_UIP);
    wr(far + start, RTC_REG_A, 0x06);
    assert_false(rd(far + start, RTC_REG_A) & RTC_A_UIP);
}

/* Linux 6.1 mc146818_get_time: wait for !UIP (mdelay(1) between tries, or
 * the older busy loop), read the clock, then give up the read and retry if
 * UIP is set again or the seconds changed. Each port access costs 1.3 us. */
struct linux_read {
    uint64_t t;
    struct tm8 tm;
    unsigned tries;
};

static uint8_t cmos_read(struct linux_read *l, unsigned idx)
{
    uint8_t v = rd(l->t, idx);
    l->t += 1300;
    return v;
}

static void linux_get_time(struct linux_read *l, bool busy_wait)
{
    l->tries = 0;
    for (;;) {
        assert_true(++l->tries < 1000);
        assert_int_equal(cmos_read(l, RTC_REG_D) & 0x40, 0);
        if (cmos_read(l, RTC_REG_A) & RTC_A_UIP) {
            l->t += busy_wait ? 0 : 1000000;
            continue;
        }
        l->tm.sec = cmos_read(l, RTC_SECONDS);
        l->tm.min = cmos_read(l, RTC_MINUTES);
        l->tm.hour = cmos_read(l, RTC_HOURS);
        l->tm.mday = cmos_read(l, RTC_DAY_OF_MONTH);
        l->tm.mon = cmos_read(l, RTC_MONTH);
        l->tm.year = cmos_read(l, RTC_YEAR);
        l->tm.cent = cmos_read(l, RTC_CENTURY);
        (void)cmos_read(l, RTC_REG_B);
        bool again = cmos_read(l, RTC_REG_A) & RTC_A_UIP;
        again |= l->tm.sec != cmos_read(l, RTC_SECONDS);
        if (!again)
            return;
    }
}

static unsigned bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 15u);
}

static void check_linux_read(uint64_t epoch, uint64_t start, bool busy_wait)
{
    boot(epoch, T0);
    struct linux_read l = { .t = start };
    linux_get_time(&l, busy_wait);
    /* Consistent: a value the clock had at some time during the sequence. */
    uint64_t secs_at_start = epoch + (start - T0) / NS;
    uint64_t secs_at_end = epoch + (l.t - T0) / NS;
    int64_t days = calendar_days_from_civil(bcd(l.tm.cent) * 100 + bcd(l.tm.year), bcd(l.tm.mon),
                                       bcd(l.tm.mday));
    uint64_t got = (uint64_t)days * 86400 + bcd(l.tm.hour) * 3600u + bcd(l.tm.min) * 60u +
                   bcd(l.tm.sec);
    assert_true(got >= secs_at_start && got <= secs_at_end);
    /* Out of UIP within its 244 us (busy wait) or one mdelay(1), plus one
     * retry when UIP rose during the read. */
    assert_true(l.t - start < (busy_wait ? 320000u : 2100000u));
    assert_true(l.tries <= (busy_wait ? 120u : 3u));
}

static void test_linux_read_loop_terminates(void **state)
{
    (void)state;
    /* Start every 1 us over the last 300 us of a second and the first
     * 20 us of the next, with both wait styles, also at 23:59:59. */
    for (uint64_t s = 0; s < 2; s++)
        for (uint64_t off = NS - 300000; off < NS + 20000; off += 1000) {
            check_linux_read(EPOCH, T0 + s * NS + off, true);
            check_linux_read(EPOCH, T0 + s * NS + off, false);
        }
    for (uint64_t off = NS - 300000; off < NS + 3000; off += 1000)
        check_linux_read(1700351999, T0 + off, true);   /* 2023-11-18 23:59:59 */
}

/* ---- SET and divider --------------------------------------------------- */

static void test_set_bit_holds_clock(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    assert_int_equal(rd(T0, RTC_REG_B), RTC_B_24H | RTC_B_UIE);
    /* SET = 1 clears UIE. */
    wr(T0, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
    assert_int_equal(rd(T0, RTC_REG_B), RTC_B_SET | RTC_B_24H);
    wr(T0, RTC_CENTURY, 0x20);
    wr(T0, RTC_YEAR, 0x30);
    wr(T0, RTC_MONTH, 0x06);
    wr(T0, RTC_DAY_OF_MONTH, 0x15);
    wr(T0, RTC_HOURS, 0x12);
    wr(T0, RTC_MINUTES, 0x34);
    wr(T0, RTC_SECONDS, 0x56);
    wr(T0, RTC_DAY_OF_WEEK, 0x07);
    /* Held for 5 s: no updates, no UF. */
    expect_tm(read_all(T0 + 5 * NS + 300), 0x20, 0x30, 0x06, 0x15, 0x12, 0x34, 0x56, 7);
    assert_int_equal(rd(T0 + 5 * NS + 300, RTC_REG_C) & RTC_C_UF, 0);
    /* Released at 5.0000003 s: the next update is at the divider's 6 s. */
    wr(T0 + 5 * NS + 300, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(T0 + 6 * NS - 1, RTC_SECONDS), 0x56);
    expect_tm(read_all(T0 + 6 * NS), 0x20, 0x30, 0x06, 0x15, 0x12, 0x34, 0x57, 7);
    expect_tm(read_all(T0 + 9 * NS), 0x20, 0x30, 0x06, 0x15, 0x12, 0x35, 0x00, 7);
}

static void test_time_write_without_set(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0 + NS / 2, RTC_MINUTES, 0x45);
    assert_int_equal(rd(T0 + NS / 2, RTC_MINUTES), 0x45);
    assert_int_equal(rd(T0 + NS - 1, RTC_SECONDS), 0x20);
    expect_tm(read_all(T0 + NS), 0x20, 0x23, 0x11, 0x14, 0x22, 0x45, 0x21, 3);
}

/* Linux 6.1 mc146818_set_time: SET, divider reset, write, SET off, divider
 * back to 010. The first update comes 500 ms after the divider restarts. */
static void test_linux_set_time_divider_reset(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    uint64_t t = T0 + 3 * NS + 123456;
    uint8_t save_control = rd(t, RTC_REG_B);
    wr(t, RTC_REG_B, save_control | RTC_B_SET);
    uint8_t save_freq = rd(t, RTC_REG_A);
    wr(t, RTC_REG_A, save_freq | 0x70);
    wr(t, RTC_YEAR, 0x24);
    wr(t, RTC_MONTH, 0x02);
    wr(t, RTC_DAY_OF_MONTH, 0x29);
    wr(t, RTC_HOURS, 0x23);
    wr(t, RTC_MINUTES, 0x59);
    wr(t, RTC_SECONDS, 0x59);
    wr(t, RTC_REG_B, save_control);
    /* Divider in reset: no updates, no UIP, however long. */
    t += 5 * NS;
    assert_int_equal(rd(t, RTC_SECONDS), 0x59);
    assert_int_equal(rd(t, RTC_REG_A), 0x76);
    wr(t, RTC_REG_A, save_freq);
    assert_int_equal(rd(t + NS / 2 - 1, RTC_SECONDS), 0x59);
    assert_true(rd(t + NS / 2 - 1, RTC_REG_A) & RTC_A_UIP);
    /* DOW was not written: Tuesday (boot) + 1. */
    expect_tm(read_all(t + NS / 2), 0x20, 0x24, 0x03, 0x01, 0x00, 0x00, 0x00, 4);
    assert_int_equal(rd(t + NS / 2 + NS - 1, RTC_SECONDS), 0x00);
    assert_int_equal(rd(t + NS / 2 + NS, RTC_SECONDS), 0x01);
    /* The other non-010 values stop the clock too. */
    t += 10 * NS;
    wr(t, RTC_REG_A, 0x06);
    assert_int_equal(rd(t, RTC_SECONDS), 0x09);
    assert_int_equal(rd(t + 3 * NS, RTC_SECONDS), 0x09);
    wr(t + 3 * NS, RTC_REG_A, 0x26);
    assert_int_equal(rd(t + 3 * NS + NS / 2 - 1, RTC_SECONDS), 0x09);
    assert_int_equal(rd(t + 3 * NS + NS / 2, RTC_SECONDS), 0x10);
}

static void test_out_of_range_values_normalized_at_update(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(T0, RTC_MONTH, 0x02);
    wr(T0, RTC_DAY_OF_MONTH, 0x31);
    wr(T0, RTC_HOURS, 0x23);
    wr(T0, RTC_MINUTES, 0x59);
    wr(T0, RTC_SECONDS, 0x59);
    wr(T0, RTC_REG_B, RTC_B_24H);
    /* Kept as written until the update... */
    assert_int_equal(rd(T0 + 1, RTC_DAY_OF_MONTH), 0x31);
    assert_int_equal(rd(T0 + 1, RTC_MONTH), 0x02);
    /* ... which goes on from 2023-03-03 23:59:59. */
    struct tm8 x = read_all(T0 + NS);
    assert_int_equal(x.mon, 0x03);
    assert_int_equal(x.mday, 0x04);
    assert_int_equal(x.hour, 0x00);
    /* Garbage everywhere never hurts. */
    for (unsigned i = 0; i <= RTC_YEAR; i++)
        wr(T0 + NS, i, 0xFF);
    wr(T0 + NS, RTC_CENTURY, 0xFF);
    (void)read_all(T0 + 5 * NS);
    wr(T0 + 5 * NS, RTC_REG_B, RTC_B_DM_BINARY);
    for (unsigned i = 0; i <= RTC_YEAR; i++)
        wr(T0 + 5 * NS, i, 0xFF);
    wr(T0 + 5 * NS, RTC_CENTURY, 0xFF);
    (void)read_all(T0 + 50 * NS);
    (void)read_all(T0 + 500000 * NS);
}

/* ---- interrupts -------------------------------------------------------- */

static unsigned count_periodic(uint8_t rs, uint64_t from, uint64_t span)
{
    boot(EPOCH, from);
    wr(from, RTC_REG_A, (uint8_t)(0x20 | rs));
    wr(from, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    unsigned n = 0;
    uint64_t prev = from;
    for (;;) {
        uint64_t ev = rtc_next_event_ns(&r);
        assert_true(ev > prev);
        if (ev > from + span)
            break;
        rtc_update(&r, ev - 1);
        assert_false(rec.level);
        rtc_update(&r, ev);
        assert_true(rec.level);
        uint8_t c = rd(ev, RTC_REG_C);
        assert_int_equal(c & (RTC_C_IRQF | RTC_C_PF), RTC_C_IRQF | RTC_C_PF);
        assert_false(rec.level);
        prev = ev;
        n++;
    }
    assert_int_equal(rec.rises, n);
    assert_int_equal(rec.falls, n);
    return n;
}

static void test_periodic_rates(void **state)
{
    (void)state;
    assert_int_equal(count_periodic(6, T0, NS), 1024);
    assert_int_equal(count_periodic(6, T0, 3 * NS), 3072);
    assert_int_equal(count_periodic(3, T0, NS), 8192);
    assert_int_equal(count_periodic(15, T0, NS), 2);
    assert_int_equal(count_periodic(1, T0, NS), 256);
    assert_int_equal(count_periodic(2, T0, NS), 128);
    assert_int_equal(count_periodic(7, T0, NS), 512);
    assert_int_equal(count_periodic(0, T0, NS), 0);
}

static void test_periodic_1024hz_timing(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    /* Events at T0 + ceil(k * 10^9 / 1024) ns. */
    for (uint64_t k = 1; k <= 2048; k++) {
        uint64_t ev = rtc_next_event_ns(&r);
        assert_int_equal(ev, T0 + (k * NS + 1023) / 1024);
        rtc_update(&r, ev);
        assert_true(rec.level);
        (void)rd(ev, RTC_REG_C);
    }
    /* Coarse updates: flags coalesce, one interrupt per reg C read. */
    rtc_update(&r, T0 + 10 * NS);
    assert_true(rec.level);
    rtc_update(&r, T0 + 11 * NS);
    assert_int_equal(rd(T0 + 11 * NS, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    assert_int_equal(rec.rises, 2049);
    /* PF is set without PIE, but then IRQF is not. */
    wr(T0 + 11 * NS, RTC_REG_B, RTC_B_24H);
    assert_int_equal(rtc_next_event_ns(&r), UINT64_MAX);
    assert_int_equal(rd(T0 + 11 * NS + 2000000, RTC_REG_C), RTC_C_PF);
    assert_int_equal(rec.rises, 2049);
}

static void test_update_ended_interrupt(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_A, RTC_A_DV_32KHZ);                  /* no periodic flag */
    wr(T0 + 1000, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    for (uint64_t s = 1; s <= 5; s++) {
        assert_int_equal(rtc_next_event_ns(&r), T0 + s * NS);
        rtc_update(&r, T0 + s * NS - 1);
        assert_false(rec.level);
        rtc_update(&r, T0 + s * NS);
        assert_true(rec.level);
        assert_int_equal(rtc_next_event_ns(&r), UINT64_MAX);     /* line already high */
        /* The handler sees the new second. */
        assert_int_equal(rd(T0 + s * NS + 5000, RTC_SECONDS), 0x20 + s);
        assert_int_equal(rd(T0 + s * NS + 5000, RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
        assert_false(rec.level);
        assert_int_equal(rd(T0 + s * NS + 6000, RTC_REG_C), 0);
    }
    assert_int_equal(rec.rises, 5);
    assert_int_equal(rec.falls, 5);
    assert_int_equal(rec.last_line, 8);
}

static void test_alarm_interrupt(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    wr(T0, RTC_REG_A, RTC_A_DV_32KHZ);                  /* no periodic flag */
    /* 22:13:25, five seconds on. */
    wr(T0, RTC_SECONDS_ALARM, 0x25);
    wr(T0, RTC_MINUTES_ALARM, 0x13);
    wr(T0, RTC_HOURS_ALARM, 0x22);
    assert_int_equal(rd(T0, RTC_SECONDS_ALARM), 0x25);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 5 * NS);
    rtc_update(&r, T0 + 5 * NS - 1);
    assert_false(rec.level);
    /* UF is set on every update; only AF is enabled. */
    assert_int_equal(rd(T0 + 5 * NS - 1, RTC_REG_C), RTC_C_UF);
    rtc_update(&r, T0 + 5 * NS);
    assert_true(rec.level);
    assert_int_equal(rd(T0 + 5 * NS + 10, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    assert_false(rec.level);
    /* Next match: the same time tomorrow. */
    assert_int_equal(rtc_next_event_ns(&r), T0 + 5 * NS + 86400 * NS);

    /* An hour-only alarm: 23:00:00 is 46 min 40 s after 22:13:20. */
    boot(EPOCH, T0);
    wr(T0, RTC_SECONDS_ALARM, 0x00);
    wr(T0, RTC_MINUTES_ALARM, 0x00);
    wr(T0, RTC_HOURS_ALARM, 0x23);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 2800 * NS);
    rtc_update(&r, T0 + 2800 * NS);
    assert_true(rec.level);
    assert_int_equal(rd(T0 + 2800 * NS, RTC_HOURS), 0x23);

    /* Missed by a coarse update: AF still set after a long gap. */
    boot(EPOCH, T0);
    wr(T0, RTC_REG_A, RTC_A_DV_32KHZ);
    wr(T0, RTC_SECONDS_ALARM, 0x30);
    wr(T0, RTC_MINUTES_ALARM, 0x13);
    wr(T0, RTC_HOURS_ALARM, 0x22);
    rtc_update(&r, T0 + 60 * NS);
    wr(T0 + 60 * NS, RTC_REG_B, RTC_B_24H | RTC_B_AIE);     /* AF pending: line now */
    assert_true(rec.level);
    assert_int_equal(rd(T0 + 60 * NS, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
}

static void test_alarm_dont_care_and_modes(void **state)
{
    (void)state;
    /* Every second. */
    boot(EPOCH, T0);
    wr(T0, RTC_REG_A, RTC_A_DV_32KHZ);
    wr(T0, RTC_SECONDS_ALARM, 0xFF);
    wr(T0, RTC_MINUTES_ALARM, 0xC0);
    wr(T0, RTC_HOURS_ALARM, 0xD5);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    for (uint64_t s = 1; s <= 3; s++) {
        assert_int_equal(rtc_next_event_ns(&r), T0 + s * NS);
        rtc_update(&r, T0 + s * NS);
        assert_int_equal(rd(T0 + s * NS, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
    }
    /* Every minute at :05. */
    wr(T0 + 3 * NS, RTC_SECONDS_ALARM, 0x05);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 45 * NS);
    /* Every hour at :00:00 */
    wr(T0 + 3 * NS, RTC_SECONDS_ALARM, 0x00);
    wr(T0 + 3 * NS, RTC_MINUTES_ALARM, 0x00);
    assert_int_equal(rtc_next_event_ns(&r), T0 + (46 * 60 + 40) * NS);
    /* A value no time can have never matches. */
    wr(T0 + 3 * NS, RTC_SECONDS_ALARM, 0x60);
    assert_int_equal(rtc_next_event_ns(&r), UINT64_MAX);
    wr(T0 + 3 * NS, RTC_SECONDS_ALARM, 0x1A);
    assert_int_equal(rtc_next_event_ns(&r), UINT64_MAX);

    /* 12-hour BCD: 10:13:30 PM = 0x90. */
    boot(EPOCH, T0);
    wr(T0, RTC_REG_B, RTC_B_AIE);
    wr(T0, RTC_SECONDS_ALARM, 0x30);
    wr(T0, RTC_MINUTES_ALARM, 0x13);
    wr(T0, RTC_HOURS_ALARM, 0x90);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 10 * NS);
    wr(T0, RTC_HOURS_ALARM, 0x10);                      /* 10 AM: tomorrow */
    assert_int_equal(rtc_next_event_ns(&r), T0 + (10 + 12 * 3600) * NS);
    /* Binary 24-hour: 22:13:30. */
    wr(T0, RTC_REG_B, RTC_B_AIE | RTC_B_24H | RTC_B_DM_BINARY);
    wr(T0, RTC_SECONDS_ALARM, 30);
    wr(T0, RTC_MINUTES_ALARM, 13);
    wr(T0, RTC_HOURS_ALARM, 22);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 10 * NS);
    rtc_update(&r, T0 + 10 * NS);
    assert_true(rec.level);
}

static void test_reg_c_clears_and_line(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    /* Flags collect with interrupts off; enabling one raises the line now. */
    rtc_update(&r, T0 + 2 * NS);
    assert_false(rec.level);
    wr(T0 + 2 * NS, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    assert_true(rec.level);
    assert_int_equal(rec.last_line, 8);
    /* Disabling it lowers the line again (IRQF is combinational). */
    wr(T0 + 2 * NS, RTC_REG_B, RTC_B_24H);
    assert_false(rec.level);
    wr(T0 + 2 * NS, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    assert_true(rec.level);
    /* Reg C is read-only: writes change nothing. */
    wr(T0 + 2 * NS, RTC_REG_C, 0);
    assert_true(rec.level);
    assert_int_equal(rd(T0 + 2 * NS, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    assert_false(rec.level);
    assert_int_equal(rd(T0 + 2 * NS, RTC_REG_C), 0);
    assert_int_equal(rec.rises, 2);
    assert_int_equal(rec.falls, 2);
    /* A read after an event the timer has not yet delivered still pulses the
     * line, as the edge would have come on hardware. */
    assert_int_equal(rd(T0 + 3 * NS, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
    assert_int_equal(rec.rises, 3);
    assert_int_equal(rec.falls, 3);
}

static void test_daylight_saving(void **state)
{
    (void)state;
    /* 2023-04-30 (last Sunday of April) 01:59:58. */
    boot(1682819998, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_DSE);
    assert_int_equal(rd(T0, RTC_DAY_OF_WEEK), 1);
    assert_int_equal(rd(T0 + NS, RTC_HOURS), 0x01);
    assert_int_equal(rd(T0 + NS, RTC_SECONDS), 0x59);
    expect_tm(read_all(T0 + 2 * NS), 0x20, 0x23, 0x04, 0x30, 0x03, 0x00, 0x00, 1);
    /* An alarm at 03:00:00 fires on the special update. */
    boot(1682819998, T0);
    wr(T0, RTC_SECONDS_ALARM, 0);
    wr(T0, RTC_MINUTES_ALARM, 0);
    wr(T0, RTC_HOURS_ALARM, 3);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_DSE | RTC_B_AIE);
    assert_int_equal(rtc_next_event_ns(&r), T0 + 2 * NS);
    /* ... and one at 02:30:00 is skipped that night. */
    wr(T0, RTC_MINUTES_ALARM, 0x30);
    wr(T0, RTC_HOURS_ALARM, 2);
    assert_int_equal(rtc_next_event_ns(&r), T0 + (2 + 86400 - 1800) * NS);
    /* Without DSE, nothing special. */
    boot(1682819998, T0);
    assert_int_equal(rd(T0 + 2 * NS, RTC_HOURS), 0x02);

    /* 2023-10-29 (last Sunday of October) 01:59:59: back to 01:00:00, once. */
    boot(1698544799, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_DSE);
    expect_tm(read_all(T0 + NS), 0x20, 0x23, 0x10, 0x29, 0x01, 0x00, 0x00, 1);
    expect_tm(read_all(T0 + 3600 * NS), 0x20, 0x23, 0x10, 0x29, 0x01, 0x59, 0x59, 1);
    expect_tm(read_all(T0 + 3601 * NS), 0x20, 0x23, 0x10, 0x29, 0x02, 0x00, 0x00, 1);
    /* All of it in one long step, and a year on (2024-04-28, 2024-10-27). */
    boot(1698544799, T0);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_DSE);
    expect_tm(read_all(T0 + 3601 * NS), 0x20, 0x23, 0x10, 0x29, 0x02, 0x00, 0x00, 1);
    uint64_t year = (uint64_t)(calendar_days_from_civil(2024, 10, 29) - calendar_days_from_civil(2023, 10, 29));
    /* Local clock: -1 h (Oct 2023) +1 h (Apr 2024) -1 h (Oct 2024). */
    expect_tm(read_all(T0 + year * 86400 * NS + NS), 0x20, 0x24, 0x10, 0x29, 0x01, 0x00, 0x00, 3);
}

/* ---- CMOS RAM, ports, NMI ---------------------------------------------- */

static void test_cmos_ram_and_ports(void **state)
{
    (void)state;
    boot(EPOCH, T0);
    for (unsigned i = 0x0E; i < 0x80; i++) {
        if (i == RTC_CENTURY)
            continue;
        wr(T0, i, (uint8_t)(i ^ 0xA5));
    }
    for (unsigned i = 0x0E; i < 0x80; i++) {
        if (i == RTC_CENTURY)
            continue;
        assert_int_equal(rd(T0, i), (uint8_t)(i ^ 0xA5));
    }
    rtc_cmos_set(&r, 0x34, 0x12);
    assert_int_equal(rd(T0, 0x34), 0x12);
    /* Platform fills touch only RAM. */
    rtc_cmos_set(&r, RTC_SECONDS, 0x99);
    rtc_cmos_set(&r, RTC_REG_B, 0xFF);
    rtc_cmos_set(&r, RTC_CENTURY, 0x99);
    rtc_cmos_set(&r, 0x80, 0x99);
    rtc_cmos_set(&r, 0xFFFFFFFF, 0x99);
    assert_int_equal(rd(T0, RTC_SECONDS), 0x20);
    assert_int_equal(rd(T0, RTC_REG_B), 0x02);
    assert_int_equal(rd(T0, RTC_CENTURY), 0x20);
    /* Reg D: VRT, read-only; reg A: UIP read-only. */
    wr(T0, RTC_REG_D, 0x00);
    assert_int_equal(rd(T0, RTC_REG_D), 0x80);
    wr(T0, RTC_REG_A, 0xA6);
    assert_int_equal(rd(T0, RTC_REG_A), 0x26);
    /* Index port: NMI bit remembered, reads 0xFF, index keeps 7 bits. */
    assert_false(rtc_nmi_masked(&r));
    rtc_io_write(&r, RTC_PORT_INDEX, 0x80 | 0x40, T0);
    assert_true(rtc_nmi_masked(&r));
    assert_int_equal(rtc_io_read(&r, RTC_PORT_INDEX, T0), 0xFF);
    assert_int_equal(rtc_io_read(&r, RTC_PORT_DATA, T0), 0x40 ^ 0xA5);
    rtc_io_write(&r, RTC_PORT_INDEX, 0x0D, T0);
    assert_false(rtc_nmi_masked(&r));
    assert_int_equal(rtc_io_read(&r, RTC_PORT_DATA, T0), 0x80);
    /* Other ports. */
    assert_int_equal(rtc_io_read(&r, 0x72, T0), 0xFF);
    rtc_io_write(&r, 0x73, 0x12, T0);
    assert_int_equal(rtc_io_read(&r, RTC_PORT_DATA, T0), 0x80);
    /* Time running backwards is ignored. */
    assert_int_equal(rd(T0 + 3 * NS, RTC_SECONDS), 0x23);
    assert_int_equal(rd(T0, RTC_SECONDS), 0x23);
    /* No irq line at all. */
    rtc_init(&r, EPOCH, T0, NULL);
    wr(T0, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    rtc_update(&r, T0 + NS);
    assert_int_equal(rd(T0 + NS, RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
}

/* ---- fuzz -------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_invariants(uint64_t t)
{
    /* The line follows IRQF. */
    assert_int_equal(rec.level, (r.flags & r.reg_b & 0x70) != 0);
    struct rtc c = r;
    c.irq.set = NULL;
    uint8_t d, regc;
    rtc_io_write(&c, RTC_PORT_INDEX, RTC_REG_D, t);
    d = rtc_io_read(&c, RTC_PORT_DATA, t);
    assert_int_equal(d, 0x80);
    rtc_io_write(&c, RTC_PORT_INDEX, RTC_REG_C, t);
    regc = rtc_io_read(&c, RTC_PORT_DATA, t);
    assert_int_equal(regc & 0x0F, 0);
    assert_int_equal(!!(regc & RTC_C_IRQF), !!(regc & c.reg_b & 0x70));
    /* The next event is exact: not a nanosecond early or late. */
    c = r;
    c.irq.set = NULL;
    uint64_t ev = rtc_next_event_ns(&c);
    if (c.line) {
        assert_int_equal(ev, UINT64_MAX);
    } else if (ev == UINT64_MAX) {
        rtc_update(&c, c.last_ns + 3 * 86400 * NS);
        assert_false(c.line);
    } else {
        assert_true(ev > c.last_ns);
        if (ev - c.last_ns < 4 * 86400 * NS) {
            rtc_update(&c, ev - 1);
            assert_false(c.line);
            rtc_update(&c, ev);
            assert_true(c.line);
        }
    }
}

static uint8_t fuzz_value(unsigned idx)
{
    uint8_t v = (uint8_t)rnd();
    switch (idx) {
    case RTC_REG_A:
        return rnd() % 4 ? (uint8_t)((v & 0x8F) | RTC_A_DV_32KHZ) : v;   /* mostly running */
    case RTC_REG_B:
        return rnd() % 8 ? (uint8_t)(v & ~RTC_B_SET) : v;               /* mostly not SET */
    case RTC_SECONDS_ALARM: case RTC_MINUTES_ALARM: case RTC_HOURS_ALARM:
        switch (rnd() % 4) {
        case 0: return (uint8_t)(0xC0 | v);                            /* don't care */
        case 1: return (uint8_t)(((v >> 4) % 6) << 4 | (v & 15) % 10);  /* valid BCD 00-59 */
        case 2: return (uint8_t)(v % 60);                              /* valid binary */
        default: return v;
        }
    default:
        return v;
    }
}

static void test_fuzz(void **state)
{
    (void)state;
    static const uint8_t hot[] = {
        RTC_REG_C, RTC_REG_C, RTC_REG_C, RTC_REG_B, RTC_REG_B, RTC_REG_A, RTC_SECONDS_ALARM,
        RTC_MINUTES_ALARM, RTC_HOURS_ALARM, RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
        RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY, RTC_REG_D,
    };
    unsigned finite_checks = 0;
    for (unsigned run = 0; run < 60; run++) {
        uint64_t t = rnd() % (1000 * NS);
        boot(rnd() % 5000000000ull, t);
        for (unsigned op = 0; op < 2000; op++) {
            uint64_t k = rnd();
            switch (k % 8) {
            case 0: t += rnd() % 3000; break;
            case 1: t += rnd() % (2 * NS); break;
            case 2: if (k % 64 == 2) t += rnd() % (40 * 86400 * NS); break;
            case 3: rtc_update(&r, t); break;
            case 4: { uint64_t ev = rtc_next_event_ns(&r); if (ev != UINT64_MAX && ev - t < 100 * NS) t = ev; } break;
            default: break;
            }
            unsigned idx = (k >> 8) % 8 ? hot[(k >> 12) % sizeof(hot)] : (unsigned)(rnd() % 256);
            uint8_t v = fuzz_value(idx);
            switch ((k >> 20) % 6) {
            case 0: case 1:
                rtc_io_write(&r, RTC_PORT_INDEX, (uint8_t)idx, t);
                rtc_io_write(&r, RTC_PORT_DATA, v, t);
                break;
            case 2: case 3:
                rtc_io_write(&r, RTC_PORT_INDEX, (uint8_t)idx, t);
                (void)rtc_io_read(&r, RTC_PORT_DATA, t);
                break;
            case 4:
                rtc_io_write(&r, (uint16_t)rnd(), v, t);
                (void)rtc_io_read(&r, (uint16_t)rnd(), t);
                break;
            default:
                rtc_cmos_set(&r, (unsigned)rnd() % 300, v);
                break;
            }
            if (op % 4 == 0) {
                check_invariants(t);
                finite_checks += !r.line && rtc_next_event_ns(&r) != UINT64_MAX;
            }
        }
    }
    /* The exact next-event check ran often enough to mean something. */
    assert_true(finite_checks > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_known_dates),
        cmocka_unit_test(test_civil_normalizes),
        cmocka_unit_test(test_civil_round_trip_all_days),
        cmocka_unit_test(test_power_on_registers),
        cmocka_unit_test(test_read_known_date_bcd_24h),
        cmocka_unit_test(test_read_known_date_binary),
        cmocka_unit_test(test_12_hour_mode),
        cmocka_unit_test(test_calendar_boundaries),
        cmocka_unit_test(test_century_register),
        cmocka_unit_test(test_epoch_clamped),
        cmocka_unit_test(test_uip_window),
        cmocka_unit_test(test_linux_read_loop_terminates),
        cmocka_unit_test(test_set_bit_holds_clock),
        cmocka_unit_test(test_time_write_without_set),
        cmocka_unit_test(test_linux_set_time_divider_reset),
        cmocka_unit_test(test_out_of_range_values_normalized_at_update),
        cmocka_unit_test(test_periodic_rates),
        cmocka_unit_test(test_periodic_1024hz_timing),
        cmocka_unit_test(test_update_ended_interrupt),
        cmocka_unit_test(test_alarm_interrupt),
        cmocka_unit_test(test_alarm_dont_care_and_modes),
        cmocka_unit_test(test_reg_c_clears_and_line),
        cmocka_unit_test(test_daylight_saving),
        cmocka_unit_test(test_cmos_ram_and_ports),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
