/* SPDX-License-Identifier: BSD-2-Clause */
/* timer.c — PM timer, PIT and TSC calibration helpers (see timer.h). */
#include "timer.h"
#include "acpi.h"
#include "cpu.h"
#include "exit.h"
#include "irq.h"

uint16_t pmtmr_port;
uint32_t pmtmr_mask = 0xFFFFFF;

/* Upper bound on polling iterations in any wait, so a stuck clock cannot hang a test. */
#define SPIN_LIMIT  50000000u

uint32_t pmtmr_read(void)
{
    return inl(pmtmr_port) & pmtmr_mask;
}

uint32_t pmtmr_delta(uint32_t a, uint32_t b)
{
    return (b - a) & pmtmr_mask;
}

bool pmtmr_init(void)
{
    struct acpi_fadt_info fi;
    if (!acpi_fadt_info(&fi)) {
        note("no FADT with a PM timer block");
        return false;
    }
    pmtmr_port = fi.pm_tmr_port;
    pmtmr_mask = fi.tmr_32bit ? 0xFFFFFFFFu : 0xFFFFFFu;
    uint32_t a = pmtmr_read();
    for (unsigned i = 0; i < 1000000u; i++) {
        if (pmtmr_read() != a)
            return true;
    }
    note("PM timer at port 0x%x does not advance (0x%x)", pmtmr_port, a);
    return false;
}

void pmtmr_delay_us(uint32_t us)
{
    uint32_t ticks = pmtmr_us_to_ticks(us);
    uint32_t start = pmtmr_read();
    for (unsigned i = 0; i < SPIN_LIMIT && pmtmr_delta(start, pmtmr_read()) < ticks; i++)
        cpu_pause();
}

bool wait_count_us(volatile uint32_t *counter, uint32_t target, uint32_t timeout_us)
{
    uint32_t ticks = pmtmr_us_to_ticks(timeout_us);
    uint32_t start = pmtmr_read();
    bool ok = false;
    sti();
    for (unsigned i = 0; i < SPIN_LIMIT; i++) {
        if (*counter >= target) {
            ok = true;
            break;
        }
        if (pmtmr_delta(start, pmtmr_read()) >= ticks)
            break;
        cpu_pause();
    }
    cli();
    return ok || *counter >= target;
}

void sti_wait_us(uint32_t us)
{
    static volatile uint32_t never;
    wait_count_us(&never, 1, us);
}

void pit_ch0_rate(uint16_t divisor)
{
    outb(PIT_CMD, 0x34);            /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

uint64_t tsc_hz_from_pit(uint32_t ms)
{
    uint32_t latch = (uint32_t)(((uint64_t)PIT_HZ * ms) / 1000u);
    if (latch > 0xFFFF)
        latch = 0xFFFF;
    outb(PORT_61, (uint8_t)((inb(PORT_61) & ~0x02) | 0x01));    /* gate high, speaker off */
    outb(PIT_CMD, 0xB0);            /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, (uint8_t)latch);
    outb(PIT_CH2, (uint8_t)(latch >> 8));
    uint64_t t0 = rdtsc_ordered();
    unsigned i;
    for (i = 0; i < SPIN_LIMIT && !(inb(PORT_61) & 0x20); i++)
        ;
    uint64_t t1 = rdtsc_ordered();
    outb(PORT_61, (uint8_t)(inb(PORT_61) & ~0x03));             /* gate low again */
    if (i == SPIN_LIMIT)
        return 0;
    return (t1 - t0) * PIT_HZ / latch;
}

static uint16_t pit_ch2_read(void)
{
    outb(PIT_CMD, 0x80);            /* counter latch, channel 2 */
    uint8_t lo = inb(PIT_CH2);
    uint8_t hi = inb(PIT_CH2);
    return (uint16_t)(lo | hi << 8);
}

/* One (TSC, count) pair: the tightest of three reads, TSC taken at its midpoint. */
static void pit_ch2_sample(uint64_t *tsc, uint16_t *count)
{
    uint64_t spread = ~0ull;
    for (unsigned i = 0; i < 3; i++) {
        uint64_t a = rdtsc_ordered();
        uint16_t c = pit_ch2_read();
        uint64_t b = rdtsc_ordered();
        if (b - a < spread) {
            spread = b - a;
            *tsc = a + (b - a) / 2;
            *count = c;
        }
    }
}

uint64_t tsc_hz_from_pit_counter(uint32_t us)
{
    uint32_t ticks = (uint32_t)(((uint64_t)PIT_HZ * us) / 1000000u);
    if (ticks > 60000)
        ticks = 60000;
    outb(PORT_61, (uint8_t)((inb(PORT_61) & ~0x02) | 0x01));    /* gate high, speaker off */
    outb(PIT_CMD, 0xB0);            /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, 0xFF);
    outb(PIT_CH2, 0xFF);
    unsigned i;
    for (i = 0; i < SPIN_LIMIT && pit_ch2_read() >= 0xFFF0; i++)     /* loaded and counting */
        ;
    uint64_t t0, t1;
    uint16_t c0, c1;
    pit_ch2_sample(&t0, &c0);
    do {
        pit_ch2_sample(&t1, &c1);
    } while ((uint16_t)(c0 - c1) < ticks && ++i < SPIN_LIMIT);
    outb(PORT_61, (uint8_t)(inb(PORT_61) & ~0x03));
    uint16_t d = (uint16_t)(c0 - c1);
    return d ? (t1 - t0) * PIT_HZ / d : 0;
}

uint64_t tsc_hz_from_pmtmr(uint32_t us)
{
    uint32_t ticks = pmtmr_us_to_ticks(us);
    /* Start on a PM timer edge so a partial first tick does not count. */
    uint32_t p0 = pmtmr_read(), p1 = p0, p2 = p0;
    for (unsigned i = 0; i < SPIN_LIMIT && (p1 = pmtmr_read()) == p0; i++)
        ;
    uint64_t t0 = rdtsc_ordered();
    for (unsigned i = 0; i < SPIN_LIMIT; i++) {
        p2 = pmtmr_read();
        if (pmtmr_delta(p1, p2) >= ticks)
            break;
    }
    uint64_t t1 = rdtsc_ordered();
    uint32_t d = pmtmr_delta(p1, p2);
    return d ? (t1 - t0) * PMTMR_HZ / d : 0;
}

uint32_t pmtmr_median_interval(const volatile uint32_t *stamps, unsigned n)
{
    uint32_t d[128];
    unsigned m = 0;
    for (unsigned i = 1; i < n && m < 128; i++) {
        uint32_t v = pmtmr_delta(stamps[i - 1], stamps[i]);
        unsigned j = m++;
        while (j > 0 && d[j - 1] > v) {         /* insertion sort */
            d[j] = d[j - 1];
            j--;
        }
        d[j] = v;
    }
    return m ? d[m / 2] : 0;
}
