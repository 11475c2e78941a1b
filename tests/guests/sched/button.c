/* SPDX-License-Identifier: BSD-2-Clause */
/* button.c - a guest that does what an OS does with the ACPI power button:
 * it enables the fixed power-button event, and when PM1_STS.PWRBTN_STS is
 * set it clears it and puts the machine into S5 (PM1_CNT SLP_TYP 0, SLP_EN;
 * ACPI 6.4 4.8.2.2.1, 4.8.3.2). Between looks it sleeps in HLT, woken by
 * its LAPIC timer every 10 ms. Keel's monitor `shutdown` presses the button. */
#include "guest.h"
#include "plat.h"
#include "sched.h"

const char test_name[] = "button";

#define VEC_TIMER        0x41
#define PM1_STS          0x600
#define PM1_EN           0x602
#define PM1_CNT          0x604
#define PM1_PWRBTN       (1u << 8)
#define PM1_CNT_SLP_EN   (1u << 13)
#define TIMER_COUNT      100000u     /* a few ms at any rate Keel gives the timer */

static volatile uint32_t ticks;

static void timer_handler(struct trap_frame *f)
{
    (void)f;
    ticks++;
    lapic_eoi();
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)sched_cmdline(magic, mbi);
    plat_init();
    irq_register(VEC_TIMER, timer_handler);
    lapic_enable(VEC_APIC_SPURIOUS);
    outw(PM1_STS, PM1_PWRBTN);              /* write 1 to clear a stale event */
    outw(PM1_EN, PM1_PWRBTN);
    lapic_write(LAPIC_TIMER_DCR, APIC_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, TIMER_COUNT);
    kprintf("button: waiting for the power button\n");
    while (!(inw(PM1_STS) & PM1_PWRBTN))
        hlt_until(&ticks, ticks + 1, 1);
    outw(PM1_STS, PM1_PWRBTN);
    lapic_write(LAPIC_TIMER_ICR, 0);
    kprintf("button: power button pressed after %u ticks; entering S5\n", ticks);
    outw(PM1_CNT, PM1_CNT_SLP_EN);          /* SLP_TYP 0 = \_S5 */
    test_fail("still running after the S5 write");
}
