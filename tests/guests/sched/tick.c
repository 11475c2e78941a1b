/* SPDX-License-Identifier: BSD-2-Clause */
/* tick.c — scheduler test guest that must finish while other VMs misbehave: runs the
 * local APIC timer periodically (every `period_ms=` milliseconds, default 10; its input
 * rate is measured against the ACPI PM timer first) and sleeps in "sti; hlt" between
 * interrupts until it has counted `ticks=` of them (default 50), then prints
 * "tick: N ticks" and PASSes. Checks that a halted VM is woken by its own timer while
 * another VM spins on the same CPU. */
#include "guest.h"
#include "plat.h"
#include "sched.h"

const char test_name[] = "tick";

#define VEC_TIMER           0x41
#define DEFAULT_TICKS       50u
#define DEFAULT_PERIOD_MS   10u
#define FIRST_TICK_US       5000000u    /* PM time allowed for the first (polled) tick */

static volatile uint32_t ticks;

static void timer_handler(struct trap_frame *f)
{
    (void)f;
    ticks++;
    lapic_eoi();
}

/* Current-count decrements per second with divide-by-16, over 10 ms of PM time. */
static uint64_t lapic_timer_hz(void)
{
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_DCR, APIC_DIV_16);
    lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFFu);
    uint32_t p0 = pmtmr_read();
    uint32_t c0 = lapic_read(LAPIC_TIMER_CCR);
    pmtmr_delay_us(10000);
    uint32_t c1 = lapic_read(LAPIC_TIMER_CCR);
    uint32_t p1 = pmtmr_read();
    lapic_write(LAPIC_TIMER_ICR, 0);
    uint32_t pm = pmtmr_delta(p0, p1);
    return pm && c0 > c1 ? (uint64_t)(c0 - c1) * PMTMR_HZ / pm : 0;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    const char *cmdline = sched_cmdline(magic, mbi);
    uint64_t want = sched_arg_u64(cmdline, "ticks", DEFAULT_TICKS, 1, 1000000u);
    uint64_t period_ms = sched_arg_u64(cmdline, "period_ms", DEFAULT_PERIOD_MS, 1, 1000u);
    plat_init();                    /* IDT, PICs masked, PM timer (FAILs without one) */
    irq_register(VEC_TIMER, timer_handler);
    lapic_enable(VEC_APIC_SPURIOUS);

    uint64_t hz = lapic_timer_hz();
    if (!check(hz > 0, "LAPIC timer counts (%lu Hz with divide 16)", (unsigned long)hz))
        plat_finish();
    uint64_t count = hz * period_ms / 1000;
    if (count == 0)
        count = 1;
    if (count > 0xFFFFFFFFu)
        count = 0xFFFFFFFFu;

    uint32_t pm0 = pmtmr_read();
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, (uint32_t)count);
    /* The first tick polled, so a dead timer FAILs instead of hanging in HLT. */
    if (!check(wait_count_us(&ticks, 1, FIRST_TICK_US), "first timer interrupt within %u ms",
               FIRST_TICK_US / 1000)) {
        lapic_write(LAPIC_TIMER_ICR, 0);
        plat_finish();
    }
    uint32_t first = ticks;
    /* Then sleep: "sti; hlt" until the count is reached, one wake-up per tick. */
    unsigned halts = hlt_until(&ticks, (uint32_t)want, 4 * (unsigned)want + 4);
    uint32_t pm1 = pmtmr_read();
    lapic_write(LAPIC_TIMER_ICR, 0);
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
    uint32_t got = ticks;

    kprintf("tick: %u ticks\n", got);
    note("%u HLTs after %u polled tick(s); period %lu ms (initial count %lu, divide 16); "
         "%lu ms of PM time (modulo its wrap)", halts, first, (unsigned long)period_ms,
         (unsigned long)count, (unsigned long)pmtmr_ticks_to_us(pmtmr_delta(pm0, pm1)) / 1000);
    check(got >= want, "%u timer interrupts (want %lu)", got, (unsigned long)want);
    if (got > first)
        check(halts >= 1, "slept in HLT between ticks (%u HLTs for %u ticks)", halts, got - first);
    plat_finish();
}
