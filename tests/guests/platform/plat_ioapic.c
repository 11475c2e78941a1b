/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_ioapic.c — test guest: the PIT's IRQ0 delivered through the IOAPIC (GSI 2, per the
 * MADT's interrupt source override) to the BSP's local APIC, with the 8259s fully masked.
 * IOAPIC version register (0x20, 24 pins), RTEs masked at reset, RTE read-back, fixed
 * physical delivery to the LAPIC ID, ISR bit while in service, EOI through the LAPIC,
 * tick rate against the PM timer, nothing after masking the RTE. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_ioapic";

#define VEC_PIT         0x40
#define PIT_DIVISOR     1193u           /* ~1000 Hz */
#define NR_TICKS        20u

static volatile uint32_t ticks;
static volatile uint32_t stamps[NR_TICKS + 2];     /* PM time of tick i+1 */
static volatile int isr_in_handler = -1;

static void pit_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = ++ticks;
    if (n == 1)
        isr_in_handler = lapic_vec_bit(LAPIC_ISR, VEC_PIT);
    if (n <= NR_TICKS + 2)
        stamps[n - 1] = pmtmr_read();
    lapic_eoi();
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();                        /* both 8259s initialised, every IRQ masked */
    irq_register(VEC_PIT, pit_handler);
    check(pic_get_mask() == 0xFFFF, "8259 IMRs read 0xFF/0xFF (0x%04x)", pic_get_mask());

    struct acpi_madt_info mi;
    unsigned gsi = 2;
    if (check(acpi_madt_info(&mi), "MADT found")) {
        gsi = mi.isa_gsi[0];
        check(gsi == 2, "MADT maps ISA IRQ0 (PIT) to GSI %u, want 2", gsi);
        check(mi.ioapic_addr == IOAPIC_DEFAULT_BASE && mi.ioapic_gsi_base == 0,
              "MADT IOAPIC at 0x%x with GSI base %u", mi.ioapic_addr, mi.ioapic_gsi_base);
    }

    lapic_enable(VEC_APIC_SPURIOUS);
    uint8_t id = lapic_id();
    uint8_t cpuid_id = (uint8_t)(cpuid(1, 0).ebx >> 24);
    check(id == cpuid_id, "LAPIC ID register %u matches CPUID.1:EBX[31:24] %u", id, cpuid_id);

    uint32_t ver = ioapic_read(IOAPIC_REG_VER);
    check((ver & 0xFF) == 0x20, "IOAPIC version 0x%x, want 0x20", ver & 0xFF);
    check(((ver >> 16) & 0xFF) == 23, "IOAPIC max redirection entry %u, want 23", (ver >> 16) & 0xFF);
    uint32_t ioid = (ioapic_read(IOAPIC_REG_ID) >> 24) & 0xF;
    check(ioid == mi.ioapic_id, "IOAPIC ID register %u matches the MADT's %u", ioid, mi.ioapic_id);

    unsigned unmasked = 0;
    for (unsigned pin = 0; pin < 24; pin++)
        if (!(ioapic_get_rte(pin) & IOAPIC_RTE_MASKED))
            unmasked++;
    check(unmasked == 0, "all 24 RTEs masked before the guest programs them (%u unmasked)", unmasked);

    /* Edge, active high, fixed, physical destination = this CPU's LAPIC ID. */
    uint32_t lo = VEC_PIT, hi = (uint32_t)id << 24;
    ioapic_set_rte(gsi, lo, hi);
    uint64_t rte = ioapic_get_rte(gsi);
    check((uint32_t)(rte & ~0x5000u) == lo && (uint32_t)(rte >> 32) == hi,
          "RTE %u reads back 0x%016lx (wrote 0x%08x%08x)", gsi, (unsigned long)rte, hi, lo);

    pit_ch0_rate(PIT_DIVISOR);
    if (!check(wait_count_us(&ticks, 1, 100000), "first PIT interrupt via the IOAPIC within 100 ms"))
        test_finish();
    unsigned halts = hlt_until(&ticks, NR_TICKS + 2, 4 * NR_TICKS);
    check(ticks >= NR_TICKS + 2, "%u ticks after %u HLTs (want %u)", ticks, halts, NR_TICKS + 2);

    /* Tick 1 was polled for (it may come late): measure ticks 2 to NR_TICKS + 2. */
    plat_check_rate("GSI 2 (PIT)", stamps + 1, NR_TICKS, (uint64_t)PIT_HZ * 1000u / PIT_DIVISOR, 20);
    check(isr_in_handler == 1, "LAPIC ISR bit for vector 0x%x set in the handler", VEC_PIT);
    check(!lapic_vec_bit(LAPIC_ISR, VEC_PIT), "LAPIC ISR bit clear after the EOI");
    check(irq_count[PIC_VEC_MASTER] == 0, "nothing arrived through the masked 8259 (%u on 0x%x)",
          irq_count[PIC_VEC_MASTER], PIC_VEC_MASTER);

    /* Masked RTE: nothing more over 20 ms. */
    ioapic_set_rte(gsi, lo | IOAPIC_RTE_MASKED, hi);
    sti_wait_us(1000);                  /* one already sent to the LAPIC may still come in */
    uint32_t t = ticks;
    bool got = wait_count_us(&ticks, t + 1, 20000);
    check(!got && ticks == t, "no tick over 20 ms with RTE %u masked (%u arrived)", gsi, ticks - t);

    plat_finish();
}
