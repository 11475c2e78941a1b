/* SPDX-License-Identifier: BSD-2-Clause */
/* apic.h — local APIC (xAPIC MMIO at 0xFEE00000, x2APIC MSRs) and IOAPIC (0xFEC00000)
 * register access for the guests. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE  0xFEE00000u
#define IOAPIC_DEFAULT_BASE 0xFEC00000u

#define MSR_APIC_BASE       0x1Bu
#define APIC_BASE_BSP       (1ull << 8)
#define APIC_BASE_EXTD      (1ull << 10)    /* x2APIC mode */
#define APIC_BASE_EN        (1ull << 11)
#define MSR_TSC_DEADLINE    0x6E0u
#define MSR_X2APIC_BASE     0x800u          /* x2APIC register r (xAPIC offset) is MSR 0x800 + r/16 */

/* xAPIC register offsets */
#define LAPIC_ID        0x020
#define LAPIC_VER       0x030
#define LAPIC_TPR       0x080
#define LAPIC_PPR       0x0A0
#define LAPIC_EOI       0x0B0
#define LAPIC_LDR       0x0D0
#define LAPIC_SVR       0x0F0
#define LAPIC_ISR       0x100       /* 8 registers, 0x10 apart */
#define LAPIC_TMR       0x180
#define LAPIC_IRR       0x200
#define LAPIC_ESR       0x280
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380       /* initial count */
#define LAPIC_TIMER_CCR 0x390       /* current count */
#define LAPIC_TIMER_DCR 0x3E0       /* divide configuration */
#define LAPIC_SELF_IPI  0x3F0       /* x2APIC only */

#define APIC_SVR_ENABLE     (1u << 8)
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_LVT_PERIODIC   (1u << 17)
#define APIC_LVT_TSC_DEADLINE (2u << 17)
#define APIC_DM_FIXED       (0u << 8)
#define APIC_DM_NMI         (4u << 8)
#define APIC_DM_EXTINT      (7u << 8)

/* Divide configuration values (bits 3, 1:0). */
#define APIC_DIV_1      0xB
#define APIC_DIV_2      0x0
#define APIC_DIV_16     0x3
#define APIC_DIV_128    0xA

#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_EDX_APIC         (1u << 9)

/* Marks the 2 MiB pages holding the LAPIC and IOAPIC uncacheable (PCD|PWT) in crt0's
 * identity map, as firmware MTRRs would on hardware. Called by the helpers below. */
void apic_map_mmio(void);

static inline uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_DEFAULT_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_DEFAULT_BASE + reg) = v;
}

static inline void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

/* Bit for vector v in one of the 256-bit ISR/TMR/IRR register banks. */
static inline bool lapic_vec_bit(uint32_t bank, unsigned v)
{
    return (lapic_read(bank + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static inline uint8_t lapic_id(void)
{
    return (uint8_t)(lapic_read(LAPIC_ID) >> 24);
}

/* Maps the MMIO, checks IA32_APIC_BASE.EN (sets it if clear), then SVR = enable |
 * spurious vector, TPR = 0. */
void lapic_enable(uint8_t spurious_vector);

/* The MP-spec virtual-wire state a BIOS leaves: APIC enabled, LINT0 ExtINT (so the 8259's
 * INTR reaches the CPU), LINT1 NMI. Returns true if it had to change LINT0. */
bool lapic_virtual_wire(uint8_t spurious_vector);

/* IOAPIC: IOREGSEL at +0x00, IOWIN at +0x10. Registers 0 ID, 1 version, 0x10 + 2n RTE n. */
#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VER      0x01
#define IOAPIC_REG_RTE(n)   (0x10 + 2 * (n))

#define IOAPIC_RTE_MASKED       (1u << 16)
#define IOAPIC_RTE_LEVEL        (1u << 15)
#define IOAPIC_RTE_ACTIVE_LOW   (1u << 13)
#define IOAPIC_RTE_LOGICAL      (1u << 11)

uint32_t ioapic_read(uint32_t reg);
void ioapic_write(uint32_t reg, uint32_t v);
/* Writes RTE pin: high dword (destination) first, then low (which may unmask). */
void ioapic_set_rte(unsigned pin, uint32_t lo, uint32_t hi);
uint64_t ioapic_get_rte(unsigned pin);

#endif
