/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_lapic_timer.c — test guest: the local APIC timer through the xAPIC MMIO page.
 * Current count decreasing, divide configuration (divide-by-1 runs 16x divide-by-16),
 * one-shot (fires once, after the programmed time; wakes HLT; a masked one still counts
 * down), periodic (rate, reload), initial count 0 stops it; TSC-deadline mode through
 * IA32_TSC_DEADLINE when CPUID.1:ECX[24] offers it. Rates are measured against the PM timer,
 * never assumed: the timer's input clock is the platform's choice. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_lapic_timer";

#define VEC_TIMER       0x41
#define VEC_DEADLINE    0x42

static volatile uint32_t fired;
static volatile uint32_t pm_fire[16];
static volatile uint64_t tsc_fire;
static volatile uint32_t ccr_in_handler;

static void timer_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = fired;
    if (n < 16)
        pm_fire[n] = pmtmr_read();
    ccr_in_handler = lapic_read(LAPIC_TIMER_CCR);
    tsc_fire = rdtsc_ordered();
    fired = n + 1;
    lapic_eoi();
}

/* Counts per second of the current count register with divide value dcr, over us of PM. */
static uint64_t timer_rate(uint32_t dcr, uint32_t us, bool *decreasing)
{
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_DCR, dcr);
    lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFFu);
    uint32_t p0 = pmtmr_read();
    uint32_t c0 = lapic_read(LAPIC_TIMER_CCR);
    uint32_t cm = c0;
    *decreasing = true;
    for (unsigned i = 0; i < 8; i++) {          /* a few reads in between: never increasing */
        pmtmr_delay_us(us / 8);
        uint32_t c = lapic_read(LAPIC_TIMER_CCR);
        if (c > cm)
            *decreasing = false;
        cm = c;
    }
    uint32_t c1 = lapic_read(LAPIC_TIMER_CCR);
    uint32_t p1 = pmtmr_read();
    lapic_write(LAPIC_TIMER_ICR, 0);
    if (c1 >= c0)
        *decreasing = false;
    uint32_t pm = pmtmr_delta(p0, p1);
    return pm && c0 > c1 ? (uint64_t)(c0 - c1) * PMTMR_HZ / pm : 0;
}

static void test_count_and_divide(uint64_t *rate16)
{
    bool dec16, dec1;
    lapic_write(LAPIC_TIMER_DCR, APIC_DIV_16);
    check((lapic_read(LAPIC_TIMER_DCR) & 0xB) == APIC_DIV_16, "divide configuration reads back 0x%x",
          lapic_read(LAPIC_TIMER_DCR));
    uint64_t r16 = timer_rate(APIC_DIV_16, 2000, &dec16);
    uint64_t r1 = timer_rate(APIC_DIV_1, 2000, &dec1);
    note("timer counts at %lu Hz with divide 16, %lu Hz with divide 1", (unsigned long)r16,
         (unsigned long)r1);
    check(dec16 && dec1 && r16 > 0, "current count decreases steadily (divide 16: %s, divide 1: %s)",
          dec16 ? "yes" : "no", dec1 ? "yes" : "no");
    check(within_pct(r1, r16 * 16, 20), "divide 1 runs 16x divide 16 within 20%% (%lu per mille of 16x)",
          (unsigned long)per_mille(r1, r16 * 16));
    check(lapic_read(LAPIC_TIMER_CCR) == 0, "initial count 0 stops the timer (current count %u)",
          lapic_read(LAPIC_TIMER_CCR));
    *rate16 = r16 ? r16 : 1;
}

static void test_one_shot(uint64_t rate16)
{
    uint32_t count = (uint32_t)(rate16 * 2 / 1000);     /* 2 ms */
    if (count == 0)
        count = 1;
    fired = 0;
    lapic_write(LAPIC_TIMER_DCR, APIC_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);            /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_ICR, count);
    uint32_t c = lapic_read(LAPIC_TIMER_CCR);
    check(c <= count, "one-shot: current count %u right after writing initial count %u", c, count);
    /* Polled first, so a timer that never fires cannot hang the HLT below. */
    check(wait_count_us(&fired, 1, 100000), "one-shot fired (initial count %u = 2 ms)", count);
    wait_count_us(&fired, 2, 6000);
    check(fired == 1, "one-shot fired exactly once over 3x its period (%u)", fired);
    check(lapic_read(LAPIC_TIMER_CCR) == 0, "current count 0 after the one-shot (%u)",
          lapic_read(LAPIC_TIMER_CCR));
    check(lapic_read(LAPIC_TIMER_ICR) == count, "initial count register keeps %u (%u)", count,
          lapic_read(LAPIC_TIMER_ICR));

    /* HLT sleeps until the timer interrupt, which comes after the programmed time. */
    fired = 0;
    uint32_t p0 = pmtmr_read();
    lapic_write(LAPIC_TIMER_ICR, count);
    unsigned halts = hlt_until(&fired, 1, 100);
    uint64_t us = pmtmr_ticks_to_us(pmtmr_delta(p0, pm_fire[0]));
    check(fired == 1 && halts == 1, "HLT woke once, for the one-shot (%u HLTs)", halts);
    note("one-shot of 2000 us fired after %lu us of PM time", (unsigned long)us);
    check(us >= 1600, "one-shot did not fire early (%lu us, want >= 1600)", (unsigned long)us);
    check(us <= 10000, "one-shot fired within 5x its time (%lu us)", (unsigned long)us);

    /* Masked: still counts down to 0, no interrupt. */
    fired = 0;
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, count / 2 ? count / 2 : 1);
    bool got = wait_count_us(&fired, 1, 4000);
    check(!got && lapic_read(LAPIC_TIMER_CCR) == 0,
          "masked one-shot counts down to 0 (%u) without an interrupt (%u)",
          lapic_read(LAPIC_TIMER_CCR), fired);
}

static void test_periodic(uint64_t rate16)
{
    const unsigned n = 10;
    uint32_t count = (uint32_t)(rate16 / 1000);          /* 1 ms */
    if (count == 0)
        count = 1;
    fired = 0;
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
    check((lapic_read(LAPIC_LVT_TIMER) & 0x700FF) == (APIC_LVT_PERIODIC | VEC_TIMER),
          "LVT timer reads back periodic, vector 0x%x (0x%x)", VEC_TIMER, lapic_read(LAPIC_LVT_TIMER));
    lapic_write(LAPIC_TIMER_ICR, count);
    bool ok = wait_count_us(&fired, 1, 100000);
    if (ok)
        hlt_until(&fired, n + 2, 4 * n);               /* the measured periods sleep in HLT */
    uint32_t ccr = lapic_read(LAPIC_TIMER_CCR);
    check(fired >= n + 2, "periodic: %u interrupts (want %u)", fired, n + 2);
    check(ccr > 0 && ccr <= count, "periodic: current count reloads (%u of %u)", ccr, count);
    check(ccr_in_handler <= count, "current count in the handler within the period (%u)",
          ccr_in_handler);
    lapic_write(LAPIC_TIMER_ICR, 0);
    if (fired >= n + 2)     /* interrupt 1 was polled for (it may come late): use 2..n+2 */
        plat_check_rate("LAPIC periodic", pm_fire + 1, n, rate16 * 1000u / count, 20);
    sti_wait_us(1000);                                  /* let one already in IRR in */
    uint32_t f = fired;
    bool got = wait_count_us(&fired, f + 1, 5000);
    check(!got, "no interrupt over 5 ms after writing initial count 0 (%u)", fired - f);
    check(lapic_read(LAPIC_TIMER_CCR) == 0, "current count 0 when stopped");
}

static void test_tsc_deadline(void)
{
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE)) {
        note("TSC-deadline timer not offered (CPUID.1:ECX[24]=0): not tested");
        return;
    }
    uint64_t tsc_hz = tsc_hz_from_pmtmr(5000);
    note("TSC %lu kHz (against the PM timer)", (unsigned long)(tsc_hz / 1000));
    check(tsc_hz > 0, "TSC rate measured");
    uint64_t delta = tsc_hz / 1000;                      /* 1 ms */

    fired = 0;
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | VEC_DEADLINE);
    __asm__ volatile("mfence" : : : "memory");          /* MMIO write before the WRMSR (SDM) */
    check((lapic_read(LAPIC_LVT_TIMER) & 0x600FF) == (APIC_LVT_TSC_DEADLINE | VEC_DEADLINE),
          "LVT timer reads back TSC-deadline mode (0x%x)", lapic_read(LAPIC_LVT_TIMER));
    irq_register(VEC_DEADLINE, timer_handler);
    uint64_t deadline = rdtsc_ordered() + 2 * delta;
    int wv = wrmsr_safe(MSR_TSC_DEADLINE, deadline);
    uint64_t rd = 0;
    int rv = rdmsr_safe(MSR_TSC_DEADLINE, &rd);         /* before any printing: it is 2 ms away */
    check(wv == FAULT_NONE, "IA32_TSC_DEADLINE writable (%s)", vector_name(wv));
    check(rv == FAULT_NONE && rd == deadline, "IA32_TSC_DEADLINE reads back the armed deadline "
          "(0x%lx, wrote 0x%lx)", (unsigned long)rd, (unsigned long)deadline);
    check(wait_count_us(&fired, 1, 50000), "TSC deadline 2 ms ahead fired");
    check(fired == 0 || tsc_fire >= deadline, "fired at or after the deadline (%ld TSC ticks after)",
          (long)(tsc_fire - deadline));
    rdmsr_safe(MSR_TSC_DEADLINE, &rd);
    check(rd == 0, "IA32_TSC_DEADLINE reads 0 once it fired (0x%lx)", (unsigned long)rd);
    wait_count_us(&fired, 2, 3000);
    check(fired == 1, "deadline fired once (%u)", fired);

    /* A deadline in the past fires at once; writing 0 disarms. */
    fired = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc_ordered() - delta);
    check(wait_count_us(&fired, 1, 5000), "past deadline fires immediately");
    fired = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc_ordered() + 2 * delta);
    wrmsr(MSR_TSC_DEADLINE, 0);
    bool got = wait_count_us(&fired, 1, 5000);
    check(!got, "writing 0 disarms an armed deadline (%u fired)", fired);
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();
    irq_register(VEC_TIMER, timer_handler);
    lapic_enable(VEC_APIC_SPURIOUS);
    uint32_t ver = lapic_read(LAPIC_VER);
    note("LAPIC ID %u, version 0x%x (max LVT %u)", lapic_id(), ver, (ver >> 16) & 0xFF);
    check((lapic_read(LAPIC_SVR) & 0x1FF) == (APIC_SVR_ENABLE | VEC_APIC_SPURIOUS),
          "SVR reads back enabled, spurious vector 0xFF (0x%x)", lapic_read(LAPIC_SVR));

    uint64_t rate16;
    test_count_and_divide(&rate16);
    test_one_shot(rate16);
    test_periodic(rate16);
    test_tsc_deadline();

    plat_finish();
}
