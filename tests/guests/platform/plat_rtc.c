/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_rtc.c — test guest: the MC146818 RTC/CMOS. The time read after UIP clears is a
 * plausible date (BCD or binary per register B, 12/24-hour, year 2024 or later, century
 * byte optional); the periodic interrupt at rate 6 (1024 Hz) arrives on IRQ8 through the
 * cascaded 8259s, with register C reporting PF|IRQF and re-arming the line when read (a
 * handler that skips it gets no further interrupts); rate checked against the PM timer;
 * nothing after PIE is cleared. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_rtc";

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71

#define RTC_SEC     0x00
#define RTC_MIN     0x02
#define RTC_HOUR    0x04
#define RTC_WDAY    0x06
#define RTC_MDAY    0x07
#define RTC_MON     0x08
#define RTC_YEAR    0x09
#define RTC_REG_A   0x0A
#define RTC_REG_B   0x0B
#define RTC_REG_C   0x0C
#define RTC_REG_D   0x0D
#define RTC_CENTURY 0x32

#define REG_A_UIP   0x80
#define REG_B_PIE   0x40
#define REG_B_AIE   0x20
#define REG_B_UIE   0x10
#define REG_B_DM    0x04        /* 1: binary */
#define REG_B_24H   0x02
#define REG_C_IRQF  0x80
#define REG_C_PF    0x40
#define REG_D_VRT   0x80

#define VEC_IRQ8    (PIC_VEC_SLAVE + 0)
#define RATE_6_HZ   1024u
#define NR_TICKS    100u

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, v);
}

struct rtc_raw {
    uint8_t sec, min, hour, wday, mday, mon, year, century;
};

static void read_raw(struct rtc_raw *t)
{
    t->sec = cmos_read(RTC_SEC);
    t->min = cmos_read(RTC_MIN);
    t->hour = cmos_read(RTC_HOUR);
    t->wday = cmos_read(RTC_WDAY);
    t->mday = cmos_read(RTC_MDAY);
    t->mon = cmos_read(RTC_MON);
    t->year = cmos_read(RTC_YEAR);
    t->century = cmos_read(RTC_CENTURY);
}

static bool bcd_ok(uint8_t v)
{
    return (v & 0x0F) <= 9 && (v >> 4) <= 9;
}

static unsigned from_bcd(uint8_t v)
{
    return (v >> 4) * 10u + (v & 0x0F);
}

static void test_time(void)
{
    uint8_t b = cmos_read(RTC_REG_B);
    uint8_t d = cmos_read(RTC_REG_D);
    check(d & REG_D_VRT, "register D reports valid RAM and time (0x%02x)", d);

    /* Wait for an update-free window, then read until two reads agree. */
    struct rtc_raw t1, t2;
    unsigned tries = 0;
    bool uip_clear = false;
    do {
        uint32_t p0 = pmtmr_read();
        while (pmtmr_delta(p0, pmtmr_read()) < pmtmr_us_to_ticks(5000)) {
            if (!(cmos_read(RTC_REG_A) & REG_A_UIP)) {
                uip_clear = true;
                break;
            }
        }
        read_raw(&t1);
        read_raw(&t2);
    } while (memcmp(&t1, &t2, sizeof(t1)) != 0 && ++tries < 5);
    check(uip_clear, "UIP clears within 5 ms");
    check(tries < 5, "two consecutive reads agree");

    bool binary = b & REG_B_DM, h24 = b & REG_B_24H;
    uint8_t hour_raw = h24 ? t1.hour : (uint8_t)(t1.hour & 0x7F);
    bool pm = !h24 && (t1.hour & 0x80);
    if (!binary) {
        bool ok = bcd_ok(t1.sec) && bcd_ok(t1.min) && bcd_ok(hour_raw) && bcd_ok(t1.mday) &&
                  bcd_ok(t1.mon) && bcd_ok(t1.year);
        check(ok, "every field is valid BCD");
    }
    unsigned sec = binary ? t1.sec : from_bcd(t1.sec);
    unsigned min = binary ? t1.min : from_bcd(t1.min);
    unsigned hour = binary ? hour_raw : from_bcd(hour_raw);
    unsigned mday = binary ? t1.mday : from_bcd(t1.mday);
    unsigned mon = binary ? t1.mon : from_bcd(t1.mon);
    unsigned year = binary ? t1.year : from_bcd(t1.year);
    unsigned cent = binary ? t1.century : (bcd_ok(t1.century) ? from_bcd(t1.century) : 0);
    if (!h24)
        hour = (hour % 12) + (pm ? 12 : 0);
    note("RTC %s %s-hour: %02u%02u-%02u-%02u %02u:%02u:%02u (weekday %u, century byte 0x%02x), reg B 0x%02x",
         binary ? "binary" : "BCD", h24 ? "24" : "12", cent, year, mon, mday, hour, min, sec,
         t1.wday, t1.century, b);
    check(sec < 60 && min < 60 && hour < 24, "time of day %02u:%02u:%02u in range", hour, min, sec);
    check(mday >= 1 && mday <= 31 && mon >= 1 && mon <= 12, "date %02u-%02u in range", mon, mday);
    check(year >= 24 && year <= 99, "year 20%02u is 2024 or later", year);
    if (cent == 20)
        check(true, "century byte (CMOS 0x32) says 20");
    else
        note("century byte (CMOS 0x32) is 0x%02x, not 20: not required", t1.century);
}

static volatile uint32_t ticks;
static volatile uint32_t stamps[NR_TICKS + 2];     /* PM time of interrupt i+1 */
static volatile uint8_t c_first, c_and = 0xFF;
static volatile bool skip_reg_c;

static void irq8_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = ++ticks;
    if (n <= NR_TICKS + 2)
        stamps[n - 1] = pmtmr_read();
    if (skip_reg_c) {
        skip_reg_c = false;
    } else {
        uint8_t c = cmos_read(RTC_REG_C);
        /* The first may be an edge the 8259 latched before register C was last read. */
        if (n == 2)
            c_first = c;
        if (n >= 2)
            c_and &= c;
    }
    pic_eoi(8);
}

static void test_periodic(void)
{
    irq_register(VEC_IRQ8, irq8_handler);
    uint8_t a = cmos_read(RTC_REG_A);
    note("register A at entry 0x%02x", a);
    cmos_write(RTC_REG_A, 0x26);                /* 32.768 kHz time base, rate 6 = 1024 Hz */
    check(cmos_read(RTC_REG_A) == 0x26 || cmos_read(RTC_REG_A) == (0x26 | REG_A_UIP),
          "register A reads back 0x26 (0x%02x)", cmos_read(RTC_REG_A) & 0x7F);
    uint8_t b = cmos_read(RTC_REG_B);
    cmos_write(RTC_REG_B, (uint8_t)((b | REG_B_PIE) & ~(REG_B_AIE | REG_B_UIE)));
    check(cmos_read(RTC_REG_B) & REG_B_PIE, "register B reads back PIE set");
    cmos_read(RTC_REG_C);                       /* drop anything already flagged */

    pic_set_mask((uint16_t)~((1u << 2) | (1u << 8)));   /* cascade and IRQ8 */
    if (!check(wait_count_us(&ticks, 1, 100000), "first IRQ8 within 100 ms"))
        return;
    unsigned halts = hlt_until(&ticks, NR_TICKS + 2, 4 * NR_TICKS);
    bool ok = ticks >= NR_TICKS + 2;
    check(ok, "%u periodic interrupts after %u HLTs (want %u)", ticks, halts, NR_TICKS + 2);
    /* Interrupt 1 was polled for (it may come late): measure 2 to NR_TICKS + 2. */
    if (ok)
        plat_check_rate("IRQ8 (RTC rate 6)", stamps + 1, NR_TICKS, RATE_6_HZ * 1000u, 20);
    check((c_first & (REG_C_IRQF | REG_C_PF)) == (REG_C_IRQF | REG_C_PF),
          "register C in the second handler has IRQF|PF (0x%02x)", c_first);
    check((c_and & (REG_C_IRQF | REG_C_PF)) == (REG_C_IRQF | REG_C_PF),
          "register C had IRQF|PF in every handler after the first (AND 0x%02x)", c_and);
    uint16_t isr = pic_read_isr();
    check(isr == 0, "both ISRs clear after the handlers' EOIs (0x%04x)", isr);

    /* A handler that does not read register C leaves IRQ8 asserted: no new edge. */
    uint32_t t = ticks;
    skip_reg_c = true;
    check(wait_count_us(&ticks, t + 1, 20000), "an interrupt arrives for the unread-C test");
    bool more = wait_count_us(&ticks, t + 2, 10000);
    check(!more, "no interrupt over 10 ms while register C is unread (%u extra)", ticks - (t + 1));
    uint8_t c = cmos_read(RTC_REG_C);
    check((c & (REG_C_IRQF | REG_C_PF)) == (REG_C_IRQF | REG_C_PF), "register C still flags IRQF|PF (0x%02x)", c);
    check(wait_count_us(&ticks, ticks + 2, 20000), "reading register C re-arms the interrupt");

    /* PIE off: silence. */
    cmos_write(RTC_REG_B, (uint8_t)(cmos_read(RTC_REG_B) & ~REG_B_PIE));
    cmos_read(RTC_REG_C);
    sti_wait_us(2000);                  /* an edge the 8259 already latched may still come in */
    t = ticks;
    bool got = wait_count_us(&ticks, t + 1, 10000);
    check(!got, "no interrupt over 10 ms with PIE clear (%u)", ticks - t);
    pic_set_mask(0xFFFF);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();
    if (lapic_virtual_wire(VEC_APIC_SPURIOUS))
        note("LINT0 was not virtual-wire ExtINT: set it (SVR enable, LINT0 ExtINT, LINT1 NMI)");
    test_time();
    test_periodic();
    plat_finish();
}
