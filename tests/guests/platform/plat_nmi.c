/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_nmi.c — test guest: an NMI sent to itself through the xAPIC ICR (delivery
 * mode NMI, shorthand self) reaches the guest's own IDT as vector 2, once, and a
 * second one after IRET does too (virtual-NMI blocking ends at IRET). */
#include "guest.h"
#include "apic.h"
#include "plat.h"

const char test_name[] = "plat_nmi";

#define ICR_NMI       (4u << 8)
#define ICR_SELF      (1u << 18)

static int self_nmi(void)
{
    if (fault_try()) {
        return last_fault.vector;
    }
    lapic_write(LAPIC_ICR_HI, 0);
    lapic_write(LAPIC_ICR_LO, ICR_SELF | ICR_NMI);
    for (volatile unsigned spin = 0; spin < 100000; spin++)
        ;       /* the NMI arrives here (or never) */
    fault_end();
    return FAULT_NONE;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();
    apic_map_mmio();
    lapic_enable(0xFF);
    int first = self_nmi();
    check(first == 2, "self NMI through the ICR arrives as vector 2 (got %d)", first);
    int second = self_nmi();
    check(second == 2, "a second self NMI after IRET arrives too (got %d)", second);
    test_finish();
}
