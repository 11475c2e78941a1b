/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_pit_pic.c — test guest: the i8254 PIT's channel 0 drives IRQ0 through the i8259
 * pair. Remapped PIC (0x20/0x28), mode 2 at ~1000 Hz, HLT-driven tick loop; the tick rate
 * measured with the ACPI PM timer; IRQ0 in service until EOI (a withheld EOI blocks further
 * ticks, which resume after it); masked IRQ0 delivers nothing. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_pit_pic";

#define VEC_IRQ0        (PIC_VEC_MASTER + 0)
#define PIT_DIVISOR     1193u           /* 1193182 / 1193 = 1000.15 Hz */
#define NR_TICKS        50u

static volatile uint32_t ticks;
static volatile uint32_t stamps[NR_TICKS + 2];     /* PM time of tick i+1 */
static volatile uint16_t isr_in_handler = 0xFFFF;
static volatile bool withhold_eoi;

static void irq0_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = ++ticks;
    if (n == 1)
        isr_in_handler = pic_read_isr();
    if (n <= NR_TICKS + 2)
        stamps[n - 1] = pmtmr_read();
    if (withhold_eoi) {
        withhold_eoi = false;
        return;
    }
    pic_eoi(0);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    uint64_t apic_base = rdmsr(MSR_APIC_BASE);
    plat_init();
    irq_register(VEC_IRQ0, irq0_handler);

    /* The 8259's INTR reaches the CPU through LINT0 (virtual wire), as firmware leaves it. */
    uint32_t lint0 = 0, svr = 0;
    apic_map_mmio();
    if (apic_base & APIC_BASE_EN) {
        lint0 = lapic_read(LAPIC_LVT_LINT0);
        svr = lapic_read(LAPIC_SVR);
    }
    note("hand-off: IA32_APIC_BASE 0x%lx, SVR 0x%x, LVT LINT0 0x%x", (unsigned long)apic_base,
         svr, lint0);
    if (lapic_virtual_wire(VEC_APIC_SPURIOUS))
        note("LINT0 was not virtual-wire ExtINT: set it (SVR enable, LINT0 ExtINT, LINT1 NMI)");

    check(pic_get_mask() == 0xFFFF, "IMR reads back 0xFFFF after init + mask all (0x%x)",
          pic_get_mask());
    uint16_t elcr = pic_read_elcr();
    check((elcr & 0x0107) == 0, "ELCR 0x%04x: IRQ0, 1, 2 and 8 are edge triggered", elcr);

    pit_ch0_rate(PIT_DIVISOR);
    pic_set_mask((uint16_t)~(1u << 0));
    check(pic_get_mask() == 0xFFFE, "IMR reads back 0xFFFE with IRQ0 unmasked (0x%x)",
          pic_get_mask());

    /* First tick by polling (a dead timer must not hang HLT), then HLT until NR_TICKS more. */
    if (!check(wait_count_us(&ticks, 1, 100000), "first IRQ0 within 100 ms of PM time"))
        test_finish();
    uint32_t before = ticks;
    unsigned halts = hlt_until(&ticks, NR_TICKS + 2, 4 * NR_TICKS);
    check(ticks >= NR_TICKS + 2, "%u ticks after %u HLTs (want %u)", ticks, halts, NR_TICKS + 2);
    check(halts + before <= NR_TICKS + 2, "each HLT woke for a tick (%u HLTs for %u ticks)", halts,
          ticks - before);

    /* Tick 1 was polled for (it may come late): measure ticks 2 to NR_TICKS + 2. */
    plat_check_rate("IRQ0", stamps + 1, NR_TICKS, (uint64_t)PIT_HZ * 1000u / PIT_DIVISOR, 20);

    check(isr_in_handler != 0xFFFF && (isr_in_handler & 1),
          "ISR bit 0 set while the IRQ0 handler runs (ISR 0x%04x)", isr_in_handler);
    uint16_t isr = pic_read_isr();
    check(isr == 0, "ISR clear after the handler's EOI (0x%04x)", isr);

    /* Withheld EOI: IRQ0 stays in service, so no further tick is delivered... */
    uint32_t t = ticks;
    withhold_eoi = true;
    check(wait_count_us(&ticks, t + 1, 50000), "a tick arrives for the withheld-EOI test");
    bool more = wait_count_us(&ticks, t + 2, 10000);
    isr = pic_read_isr();
    check(!more && ticks == t + 1, "no tick over 10 ms while IRQ0 is in service (%u extra)",
          ticks - (t + 1));
    check(isr & 1, "ISR bit 0 still set without EOI (ISR 0x%04x)", isr);
    /* ...and the EOI lets the next one in. */
    pic_eoi(0);
    check((pic_read_isr() & 1) == 0, "non-specific EOI from outside the handler clears ISR bit 0");
    bool resumed = wait_count_us(&ticks, t + 3, 50000);
    check(resumed, "ticks resume after the late EOI (%u)", ticks - t);

    /* Masked: nothing more over 20 ms. */
    pic_set_mask(0xFFFF);
    t = ticks;
    bool got = wait_count_us(&ticks, t + 1, 20000);
    check(!got && ticks == t, "no tick over 20 ms with IRQ0 masked (%u arrived)", ticks - t);

    plat_finish();
}
