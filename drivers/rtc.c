/* SPDX-License-Identifier: BSD-2-Clause */
/* Host MC146818 read (boot CPU, once, interrupts off): wait for the update
 * cycle to pass, read BCD or binary fields, convert to Unix time. */
#include "drivers/rtc.h"
#include "host/tsc.h"
#include "hw/mc146818.h"
#include "lib/calendar.h"
#include "lib/print.h"
#include "arch/x86/x86.h"

#define NMI_OFF    RTC_NMI_DISABLE  /* keep NMIs masked while Keel touches the index */

static uint64_t epoch_at_read, tsc_at_read;

static uint8_t cmos(uint8_t reg)
{
    outb(RTC_PORT_INDEX, NMI_OFF | reg);
    return inb(RTC_PORT_DATA);
}

static unsigned field(uint8_t v, int bcd)
{
    return bcd ? (v >> 4) * 10u + (v & 15u) : v;
}

void host_rtc_read(void)
{
    for (unsigned i = 0; i < 1000000 && (cmos(RTC_REG_A) & 0x80); i++)
        cpu_relax();    /* UIP: fields are about to change */
    uint8_t b = cmos(RTC_REG_B);
    int bcd = !(b & 0x04);
    unsigned sec = field(cmos(0x00), bcd), min = field(cmos(0x02), bcd);
    uint8_t hr = cmos(0x04);
    unsigned hour = field(hr & 0x7f, bcd);
    if (!(b & 0x02)) {      /* 12-hour mode: bit 7 is PM */
        hour %= 12;
        if (hr & 0x80)
            hour += 12;
    }
    unsigned day = field(cmos(0x07), bcd), mon = field(cmos(0x08), bcd);
    unsigned year = field(cmos(0x09), bcd), century = field(cmos(0x32), bcd);
    year += (century >= 19 && century <= 30) ? century * 100 : 2000;
    int64_t days = calendar_days_from_civil(year, mon, day);
    epoch_at_read = days < 0 ? 0 : (uint64_t)days * 86400 + hour * 3600 + min * 60 + sec;
    tsc_at_read = rdtsc();
    printk("keel: host RTC %04u-%02u-%02u %02u:%02u:%02u UTC\n", year, mon, day, hour, min, sec);
}

uint64_t host_rtc_now(void)
{
    return epoch_at_read + tsc_to_ns(rdtsc() - tsc_at_read) / 1000000000ull;
}
