/* SPDX-License-Identifier: BSD-2-Clause */
/* MC146818A RTC/CMOS model (pure; runs at port 0x70/0x71 exits and timer expiries, time passed in). */
#include <stddef.h>
#include <string.h>
#include "dev/rtc.h"

/*
 * Time base: the divider chain counts 32768 Hz cycles from div_origin_ns.
 * ns <-> cycles is exact: 1 cycle = 10^9/2^15 ns = 1953125/64 ns, done in
 * two parts so nothing overflows 64 bits over the whole uint64_t ns range.
 */
#define DIV_HZ          32768u
#define UIP_CYCLES      8u              /* 8/32768 s = 244.1 us */
#define HALF_SECOND     (DIV_HZ / 2)
#define SECS_PER_DAY    86400u
#define CYC_NS_NUM      1953125u        /* ns per 64 cycles */
#define CYC_NS_DEN      64u

#define MAX_EPOCH       253402300799ull /* 9999-12-31 23:59:59 */
#define NO_DAY          UINT64_MAX

static uint64_t ns_to_cycles(uint64_t ns)
{
    return (ns / CYC_NS_NUM) * CYC_NS_DEN + ((ns % CYC_NS_NUM) * CYC_NS_DEN) / CYC_NS_NUM;
}

/* Smallest ns after the origin at which cyc cycles have elapsed. */
static uint64_t cycles_to_ns(uint64_t cyc)
{
    uint64_t q = cyc / CYC_NS_DEN, rem = cyc % CYC_NS_DEN;
    if (q > UINT64_MAX / CYC_NS_NUM - 1)
        return UINT64_MAX;
    return q * CYC_NS_NUM + (rem * CYC_NS_NUM + CYC_NS_DEN - 1) / CYC_NS_DEN;
}

/* Clock value: internal day number * 86400 + second of the day. */
static uint64_t tm_to_clock(const struct rtc_tm *tm)
{
    return calendar_day_number(tm->year, tm->mon, tm->mday) * SECS_PER_DAY +
           (uint64_t)tm->hour * 3600 + (uint64_t)tm->min * 60 + tm->sec;
}

/* Day of week on day dn: 1..7, counting on from dow_off (see dow_offset). */
static uint8_t dow_at(uint64_t dn, uint64_t dow_off)
{
    return (uint8_t)((dn + dow_off) % 7 + 1);
}

/* The offset that makes dow_at(dn) read dow (out-of-range values wrap). */
static uint64_t dow_offset(unsigned dow, uint64_t dn)
{
    return (dow % 7 + 6 + 7 - dn % 7) % 7;
}

static void clock_to_tm(uint64_t c, uint64_t dow_off, struct rtc_tm *tm)
{
    uint64_t dn = c / SECS_PER_DAY;
    unsigned sod = (unsigned)(c % SECS_PER_DAY), m, d;
    calendar_civil_from_day(dn, &tm->year, &m, &d);
    tm->mon = (uint8_t)m;
    tm->mday = (uint8_t)d;
    tm->hour = (uint16_t)(sod / 3600);
    tm->min = (uint8_t)(sod / 60 % 60);
    tm->sec = (uint8_t)(sod % 60);
    tm->dow = dow_at(dn, dow_off);
}

/* ---- register encodings ------------------------------------------------ */

static bool binary_mode(const struct rtc *r)
{
    return r->reg_b & RTC_B_DM_BINARY;
}

static uint8_t enc(const struct rtc *r, unsigned v)
{
    if (binary_mode(r))
        return (uint8_t)v;
    v %= 100;
    return (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned dec(const struct rtc *r, uint8_t v)
{
    return binary_mode(r) ? v : (unsigned)(v >> 4) * 10 + (v & 0x0F);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
    if (r->reg_b & RTC_B_24H)
        return enc(r, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(enc(r, h12) | ((h / 12) & 1 ? RTC_HOUR_PM : 0));
}

static uint16_t dec_hour(const struct rtc *r, uint8_t v)
{
    if (r->reg_b & RTC_B_24H)
        return (uint16_t)dec(r, v);
    unsigned h12 = dec(r, v & 0x7F);
    return (uint16_t)((h12 == 12 ? 0 : h12) + (v & RTC_HOUR_PM ? 12 : 0));
}

/* ---- alarm ------------------------------------------------------------- */

/* Per field: the value (0..n-1) whose encoding equals the alarm byte, -1 for
 * don't care, -2 when no value can match. */
struct alarm_pat {
    int sec, min, hour;
    bool never;
};

static int alarm_field(const struct rtc *r, uint8_t a, unsigned n, bool hour)
{
    if ((a & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE)
        return -1;
    for (unsigned v = 0; v < n; v++)
        if ((hour ? enc_hour(r, v) : enc(r, v)) == a)
            return (int)v;
    return -2;
}

static void alarm_pattern(const struct rtc *r, struct alarm_pat *p)
{
    p->sec = alarm_field(r, r->ram[RTC_SECONDS_ALARM], 60, false);
    p->min = alarm_field(r, r->ram[RTC_MINUTES_ALARM], 60, false);
    p->hour = alarm_field(r, r->ram[RTC_HOURS_ALARM], 24, true);
    p->never = p->sec == -2 || p->min == -2 || p->hour == -2;
}

static bool field_ok(int want, unsigned v)
{
    return want < 0 || (unsigned)want == v;
}

static bool alarm_match(const struct alarm_pat *p, unsigned sod)
{
    return !p->never && field_ok(p->hour, sod / 3600) &&
           field_ok(p->min, sod / 60 % 60) && field_ok(p->sec, sod % 60);
}

/* Seconds from second-of-day sod to the next matching one, 1..86400; 0 if none. */
static unsigned alarm_delta(const struct alarm_pat *p, unsigned sod)
{
    if (p->never)
        return 0;
    unsigned t = sod + 1;
    for (unsigned i = 0; i < 24 * 60 + 2; i++) {      /* minute by minute */
        unsigned tt = t % SECS_PER_DAY, s = tt % 60;
        if (field_ok(p->hour, tt / 3600) && field_ok(p->min, tt / 60 % 60)) {
            if (p->sec < 0)
                return t - sod;
            if ((unsigned)p->sec >= s)
                return t - sod + ((unsigned)p->sec - s);
        }
        t += 60 - s;
    }
    return 0;
}

/* ---- the update cycles ------------------------------------------------- */

struct clk {
    uint64_t c;             /* clock value */
    uint64_t fb_day;        /* day the October fall-back already happened */
    uint64_t dow_off;
};

enum { DST_NONE, DST_SPRING, DST_FALL };

static int dst_day(const struct clk *k, uint64_t dn)
{
    if (dow_at(dn, k->dow_off) != 1)              /* the DOW register says Sunday */
        return DST_NONE;
    uint32_t y;
    unsigned m, d;
    calendar_civil_from_day(dn, &y, &m, &d);
    if (m == 4 && d >= 24)
        return DST_SPRING;
    if (m == 10 && d >= 25 && k->fb_day != dn)
        return DST_FALL;
    return DST_NONE;
}

/* Run n update cycles. Returns the number (1..n) of the first update after
 * which the time matches the alarm p (when given), else 0. */
static uint64_t walk(struct clk *k, uint64_t n, bool dse, const struct alarm_pat *p)
{
    uint64_t done = 0, hit = 0;
    while (done < n) {
        uint64_t dn = k->c / SECS_PER_DAY, run;
        unsigned sod = (unsigned)(k->c % SECS_PER_DAY);
        int kind = DST_NONE;
        if (!dse) {
            run = n - done;
        } else {
            kind = dst_day(k, dn);
            if (kind != DST_NONE && sod <= 7199) {
                run = 7199 - sod;                   /* up to 01:59:59 */
            } else {
                kind = DST_NONE;
                run = SECS_PER_DAY - sod;           /* up to midnight */
            }
            if (run >= n - done) {
                run = n - done;
                kind = DST_NONE;
            }
        }
        if (p && !hit) {
            unsigned d = alarm_delta(p, sod);
            if (d && d <= run)
                hit = done + d;
        }
        k->c += run;
        done += run;
        if (kind != DST_NONE) {                     /* the special update */
            if (kind == DST_SPRING) {
                k->c = dn * SECS_PER_DAY + 3 * 3600;
            } else {
                k->c = dn * SECS_PER_DAY + 1 * 3600;
                k->fb_day = dn;
            }
            done++;
            if (p && !hit && alarm_match(p, (unsigned)(k->c % SECS_PER_DAY)))
                hit = done;
        }
    }
    return hit;
}

static void clk_load(const struct rtc *r, struct clk *k)
{
    k->c = tm_to_clock(&r->tm);
    k->fb_day = r->fallback_day;
    k->dow_off = dow_offset(r->tm.dow, k->c / SECS_PER_DAY);
}

static void clock_updates(struct rtc *r, uint64_t n)
{
    struct clk k;
    struct alarm_pat p;
    bool want_alarm = !(r->flags & RTC_C_AF);   /* once set, AF stays until read */
    clk_load(r, &k);
    if (want_alarm)
        alarm_pattern(r, &p);
    if (walk(&k, n, r->reg_b & RTC_B_DSE, want_alarm ? &p : NULL))
        r->flags |= RTC_C_AF;
    r->fallback_day = k.fb_day;
    clock_to_tm(k.c, k.dow_off, &r->tm);
    r->flags |= RTC_C_UF;
}

/* ---- divider and interrupt line ---------------------------------------- */

static bool div_running(const struct rtc *r)
{
    return (r->reg_a & RTC_A_DV_MASK) == RTC_A_DV_32KHZ;
}

static uint64_t cycles_at(const struct rtc *r, uint64_t t)
{
    return t > r->div_origin_ns ? ns_to_cycles(t - r->div_origin_ns) : 0;
}

static uint64_t time_of_cycle(const struct rtc *r, uint64_t cyc)
{
    uint64_t d = cycles_to_ns(cyc);
    if (d >= UINT64_MAX - r->div_origin_ns)
        return UINT64_MAX;
    return r->div_origin_ns + d;
}

/* Periodic interrupt period in divider cycles; 0 when RS = 0 (none).
 * RS 1 and 2 give 256 and 128 Hz like RS 8 and 9 (datasheet rate table). */
static uint64_t period_cycles(unsigned rs)
{
    if (rs == 0)
        return 0;
    if (rs < 3)
        rs += 7;
    return 1ull << (rs - 1);
}

static bool irqf(const struct rtc *r)
{
    /* PF/AF/UF sit at the same bit positions as PIE/AIE/UIE. */
    return (r->flags & r->reg_b & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;
}

static void update_line(struct rtc *r)
{
    bool level = irqf(r);
    if (level != r->line) {
        r->line = level;
        irq_set(&r->irq, level);
    }
}

/* Bring the state up to now: flags, clock and line. Events since the last
 * call raise the line even when the caller then reads register C, so the
 * interrupt controller sees the edge it would have seen on hardware. */
static void advance(struct rtc *r, uint64_t now)
{
    if (now > r->last_ns && div_running(r)) {
        uint64_t c0 = cycles_at(r, r->last_ns), c1 = cycles_at(r, now);
        if (c1 > c0) {
            uint64_t per = period_cycles(r->reg_a & RTC_A_RS_MASK);
            if (per && c1 / per != c0 / per)
                r->flags |= RTC_C_PF;
            uint64_t n = (c1 + r->tick_phase) / DIV_HZ - (c0 + r->tick_phase) / DIV_HZ;
            if (n && !(r->reg_b & RTC_B_SET))
                clock_updates(r, n);
        }
    }
    if (now > r->last_ns)
        r->last_ns = now;
    update_line(r);
}

static bool uip(const struct rtc *r)
{
    if (!div_running(r) || (r->reg_b & RTC_B_SET))
        return false;
    uint64_t pos = (cycles_at(r, r->last_ns) + r->tick_phase) % DIV_HZ;
    return pos >= DIV_HZ - UIP_CYCLES;
}

/* ---- registers --------------------------------------------------------- */

static uint8_t read_reg(struct rtc *r, unsigned i)
{
    switch (i) {
    case RTC_SECONDS:      return enc(r, r->tm.sec);
    case RTC_MINUTES:      return enc(r, r->tm.min);
    case RTC_HOURS:        return enc_hour(r, r->tm.hour);
    case RTC_DAY_OF_WEEK:  return enc(r, r->tm.dow);
    case RTC_DAY_OF_MONTH: return enc(r, r->tm.mday);
    case RTC_MONTH:        return enc(r, r->tm.mon);
    case RTC_YEAR:         return enc(r, r->tm.year % 100);
    case RTC_CENTURY:      return enc(r, r->tm.year / 100 % 256);
    case RTC_REG_A:        return (uint8_t)(r->reg_a | (uip(r) ? RTC_A_UIP : 0));
    case RTC_REG_B:        return r->reg_b;
    case RTC_REG_C: {
        uint8_t v = (uint8_t)(r->flags | (irqf(r) ? RTC_C_IRQF : 0));
        r->flags = 0;
        update_line(r);
        return v;
    }
    case RTC_REG_D:        return RTC_D_VRT;
    default:               return r->ram[i & (RTC_CMOS_SIZE - 1)];
    }
}

static void write_reg(struct rtc *r, unsigned i, uint8_t v)
{
    switch (i) {
    case RTC_SECONDS:      r->tm.sec = (uint8_t)dec(r, v); break;
    case RTC_MINUTES:      r->tm.min = (uint8_t)dec(r, v); break;
    case RTC_HOURS:        r->tm.hour = dec_hour(r, v); break;
    case RTC_DAY_OF_WEEK:  r->tm.dow = (uint8_t)dec(r, v); break;
    case RTC_DAY_OF_MONTH: r->tm.mday = (uint8_t)dec(r, v); break;
    case RTC_MONTH:        r->tm.mon = (uint8_t)dec(r, v); break;
    case RTC_YEAR:         r->tm.year = r->tm.year / 100 * 100 + dec(r, v); break;
    case RTC_CENTURY:      r->tm.year = dec(r, v) * 100 + r->tm.year % 100; break;
    case RTC_REG_A: {
        bool was_running = div_running(r);
        r->reg_a = v & (uint8_t)~RTC_A_UIP;
        if (!was_running && div_running(r)) {
            /* Divider starts now; its first second ends in half a second. */
            r->div_origin_ns = r->last_ns;
            r->tick_phase = HALF_SECOND;
        }
        break;
    }
    case RTC_REG_B:
        if (v & RTC_B_SET)
            v &= (uint8_t)~RTC_B_UIE;
        r->reg_b = v;
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                                  /* read-only */
    default:
        r->ram[i & (RTC_CMOS_SIZE - 1)] = v;    /* alarms and general RAM */
        break;
    }
    update_line(r);
}

/* ---- interface --------------------------------------------------------- */

void rtc_init(struct rtc *r, uint64_t epoch_seconds_at_boot, uint64_t now_ns,
              const struct irq_line *irq8)
{
    memset(r, 0, sizeof(*r));
    if (epoch_seconds_at_boot > MAX_EPOCH)
        epoch_seconds_at_boot = MAX_EPOCH;
    uint64_t dn = (uint64_t)CALENDAR_UNIX_DAY0 + epoch_seconds_at_boot / SECS_PER_DAY;
    clock_to_tm(dn * SECS_PER_DAY + epoch_seconds_at_boot % SECS_PER_DAY, CALENDAR_SUNDAY_OFF, &r->tm);
    r->reg_a = RTC_A_DV_32KHZ | 0x06;           /* 32.768 kHz, 1024 Hz periodic rate */
    r->reg_b = RTC_B_24H;                       /* 24-hour BCD, interrupts off */
    r->fallback_day = NO_DAY;
    r->last_ns = now_ns;
    r->div_origin_ns = now_ns;
    r->tick_phase = 0;                          /* first update one second from now */
    if (irq8)
        r->irq = *irq8;
}

uint8_t rtc_io_read(struct rtc *r, uint16_t port, uint64_t now_ns)
{
    if (port != RTC_PORT_DATA)
        return 0xFF;                            /* the index port is write-only */
    advance(r, now_ns);
    return read_reg(r, r->index);
}

void rtc_io_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now_ns)
{
    if (port == RTC_PORT_INDEX) {
        r->nmi_masked = val & RTC_NMI_DISABLE;
        r->index = val & (RTC_CMOS_SIZE - 1);
        return;
    }
    if (port != RTC_PORT_DATA)
        return;
    advance(r, now_ns);
    write_reg(r, r->index, val);
}

void rtc_update(struct rtc *r, uint64_t now_ns)
{
    advance(r, now_ns);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t rtc_next_event_ns(const struct rtc *r)
{
    if (!div_running(r) || irqf(r))
        return UINT64_MAX;
    uint64_t best = UINT64_MAX, c0 = cycles_at(r, r->last_ns);
    uint64_t per = period_cycles(r->reg_a & RTC_A_RS_MASK);
    if ((r->reg_b & RTC_B_PIE) && per)
        best = time_of_cycle(r, (c0 / per + 1) * per);
    if (r->reg_b & RTC_B_SET)
        return best;
    /* First update cycle after c0. */
    uint64_t u1 = ((c0 + r->tick_phase) / DIV_HZ + 1) * DIV_HZ - r->tick_phase;
    if (r->reg_b & RTC_B_UIE)
        best = min_u64(best, time_of_cycle(r, u1));
    if ((r->reg_b & RTC_B_AIE) && !(r->flags & RTC_C_AF)) {
        struct clk k;
        struct alarm_pat p;
        clk_load(r, &k);
        alarm_pattern(r, &p);
        /* A matchable alarm comes within a day, or a day and a skipped hour. */
        uint64_t hit = walk(&k, 2 * SECS_PER_DAY + 3600, r->reg_b & RTC_B_DSE, &p);
        if (hit)
            best = min_u64(best, time_of_cycle(r, u1 + (hit - 1) * DIV_HZ));
    }
    return best;
}

void rtc_cmos_set(struct rtc *r, unsigned idx, uint8_t val)
{
    if (idx > RTC_REG_D && idx < RTC_CMOS_SIZE && idx != RTC_CENTURY)
        r->ram[idx] = val;
}

bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}
