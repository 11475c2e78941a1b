/* SPDX-License-Identifier: BSD-2-Clause */
/* spin.c — scheduler test guest: a CPU hog that never enables interrupts. Busy-waits with
 * IF=0 until the TSC has advanced by `ms=` milliseconds (default 3000; the TSC rate is
 * measured against the ACPI PM timer first), then PASSes. Only a host timer can take the
 * CPU from it, so on a 1-CPU machine the other VMs finish only if Keel preempts it. Notes
 * the longest gap between two of its TSC reads (a preemption shows as a gap), the PM time
 * the spin took, and checks that IF stayed 0 and no interrupt was taken. */
#include "guest.h"
#include "irq.h"
#include "sched.h"

const char test_name[] = "spin";

#define DEFAULT_MS  3000u

void guest_main(uint32_t magic, uint32_t mbi)
{
    cli();                          /* crt0 runs with IF=0; make sure, and never STI */
    irq_init();                     /* an interrupt, had one come, is counted in irq_count */
    const char *cmdline = sched_cmdline(magic, mbi);
    uint64_t ms = sched_arg_u64(cmdline, "ms", DEFAULT_MS, 1, 3600000u);
    uint64_t hz = sched_tsc_hz();
    uint64_t target = hz / 1000 * ms;
    uint64_t gap_1ms = hz / 1000;

    kprintf("spin: interrupts off, spinning for %lu ms\n", (unsigned long)ms);
    bool if_seen = false;
    uint64_t longest = 0, gaps = 0;
    uint32_t pm0 = pmtmr_port ? pmtmr_read() : 0;
    uint64_t t0 = rdtsc_ordered(), prev = t0, now;
    do {
        now = rdtsc_ordered();
        uint64_t gap = now - prev;
        if (gap > longest)
            longest = gap;
        if (gap > gap_1ms)
            gaps++;
        if (irqs_enabled())
            if_seen = true;
        prev = now;
    } while (now - t0 < target);
    uint32_t pm1 = pmtmr_port ? pmtmr_read() : 0;

    kprintf("spin: done\n");
    note("spun %lu ms of TSC; longest gap between TSC reads %lu us, %lu gaps over 1 ms",
         (unsigned long)((now - t0) * 1000 / hz), (unsigned long)(longest * 1000000 / hz),
         (unsigned long)gaps);
    /* A 24-bit PM timer wraps every 4.7 s: only spins well within one wrap compare. */
    if (pmtmr_port && ms * PMTMR_HZ / 1000 < pmtmr_mask / 2)
        note("PM timer advanced %lu ms",
             (unsigned long)pmtmr_ticks_to_us(pmtmr_delta(pm0, pm1)) / 1000);
    uint32_t taken = 0;
    for (unsigned v = 0; v < IRQ_NR_VECTORS; v++)
        taken += irq_count[v];
    check(!if_seen && !irqs_enabled(), "IF stayed 0 throughout the spin");
    check(taken == 0, "no interrupt was taken (%u)", taken);
    test_finish();
}
