/* SPDX-License-Identifier: BSD-2-Clause */
/* plat.c — common start for the PC-platform guests (see plat.h). */
#include "plat.h"
#include "exit.h"

volatile uint32_t plat_spurious_pic, plat_spurious_apic;
static uint32_t pm_start;

/* A spurious 8259 interrupt sets no ISR bit and must not be EOId at its own PIC; a
 * spurious slave interrupt still came through the master's IRQ2, which needs its EOI. */
static void pic_spurious(struct trap_frame *f)
{
    plat_spurious_pic++;
    if (f->vector == VEC_PIC_SPURIOUS_SLAVE)
        pic_eoi(0);
}

static void apic_spurious(struct trap_frame *f)
{
    (void)f;
    plat_spurious_apic++;       /* no EOI for the spurious vector */
}

void plat_init(void)
{
    irq_init();
    irq_register(VEC_PIC_SPURIOUS_MASTER, pic_spurious);
    irq_register(VEC_PIC_SPURIOUS_SLAVE, pic_spurious);
    irq_register(VEC_APIC_SPURIOUS, apic_spurious);
    pic_init(PIC_VEC_MASTER, PIC_VEC_SLAVE);
    if (!pmtmr_init())
        test_fail("no usable ACPI PM timer: the platform tests measure time with it");
    pm_start = pmtmr_read();
}

void plat_finish(void)
{
    uint32_t used = pmtmr_delta(pm_start, pmtmr_read());
    cli();
    check(irq_unhandled == 0, "no interrupt on a vector without a handler (%u, last 0x%x)",
          irq_unhandled, irq_unhandled_last);
    if (plat_spurious_pic || plat_spurious_apic)
        note("spurious interrupts: PIC %u, LAPIC %u", plat_spurious_pic, plat_spurious_apic);
    note("%lu ms of PM timer time since plat_init (one wrap at most is counted)",
         (unsigned long)pmtmr_ticks_to_us(used) / 1000);
    test_finish();
}

bool plat_check_rate(const char *what, const volatile uint32_t *stamps, unsigned n,
                     uint64_t want_mhz, unsigned tol_pct)
{
    uint32_t med = pmtmr_median_interval(stamps, n + 1);
    uint32_t total = pmtmr_delta(stamps[0], stamps[n]);
    uint64_t med_mhz = med ? (uint64_t)PMTMR_HZ * 1000u / med : 0;
    uint64_t mean_mhz = total ? (uint64_t)n * PMTMR_HZ * 1000u / total : 0;
    note("%s: median period %lu us = %lu.%03lu Hz; mean %lu.%03lu Hz over %u periods (%lu us); "
         "programmed %lu.%03lu Hz", what, (unsigned long)pmtmr_ticks_to_us(med),
         (unsigned long)(med_mhz / 1000), (unsigned long)(med_mhz % 1000),
         (unsigned long)(mean_mhz / 1000), (unsigned long)(mean_mhz % 1000), n,
         (unsigned long)pmtmr_ticks_to_us(total), (unsigned long)(want_mhz / 1000),
         (unsigned long)(want_mhz % 1000));
    return check(within_pct(med_mhz, want_mhz, tol_pct),
                 "%s rate (median period) within %u%% of the programmed rate (%lu per mille)", what,
                 tol_pct, (unsigned long)per_mille(med_mhz, want_mhz));
}
