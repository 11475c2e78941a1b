/* SPDX-License-Identifier: BSD-2-Clause */
/* apic.c — LAPIC/IOAPIC helpers (see apic.h). */
#include "apic.h"
#include "cpu.h"

#define PTE_PWT     (1ull << 3)
#define PTE_PCD     (1ull << 4)
#define PTE_PS      (1ull << 7)
#define PTE_ADDR    0x000FFFFFFFFFF000ull

/* Sets PCD|PWT on the 2 MiB identity-map entry covering va (crt0: PML4 -> PDPT -> PD). */
static void map_uc_2m(uint64_t va)
{
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
    uint64_t e = pml4[(va >> 39) & 511];
    if (!(e & 1))
        return;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
    e = pdpt[(va >> 30) & 511];
    if (!(e & 1) || (e & PTE_PS))
        return;
    uint64_t *pd = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
    uint64_t *pde = &pd[(va >> 21) & 511];
    if ((*pde & 1) && (*pde & PTE_PS)) {
        *pde |= PTE_PCD | PTE_PWT;
        invlpg(va);
    }
}

void apic_map_mmio(void)
{
    static bool done;
    if (done)
        return;
    map_uc_2m(LAPIC_DEFAULT_BASE);
    map_uc_2m(IOAPIC_DEFAULT_BASE);
    done = true;
}

void lapic_enable(uint8_t spurious_vector)
{
    apic_map_mmio();
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_EN))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
    lapic_write(LAPIC_SVR, APIC_SVR_ENABLE | spurious_vector);
    lapic_write(LAPIC_TPR, 0);
}

bool lapic_virtual_wire(uint8_t spurious_vector)
{
    apic_map_mmio();
    bool changed = false;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    uint32_t lint0 = (base & APIC_BASE_EN) ? lapic_read(LAPIC_LVT_LINT0) : 0;
    if (!(base & APIC_BASE_EN) || (lint0 & APIC_LVT_MASKED) || (lint0 & 0x700) != APIC_DM_EXTINT)
        changed = true;
    lapic_enable(spurious_vector);
    lapic_write(LAPIC_LVT_LINT0, APIC_DM_EXTINT);
    lapic_write(LAPIC_LVT_LINT1, APIC_DM_NMI);
    return changed;
}

static volatile uint32_t *ioapic_reg(unsigned off)
{
    return (volatile uint32_t *)(uintptr_t)(IOAPIC_DEFAULT_BASE + off);
}

uint32_t ioapic_read(uint32_t reg)
{
    apic_map_mmio();
    *ioapic_reg(0x00) = reg;
    return *ioapic_reg(0x10);
}

void ioapic_write(uint32_t reg, uint32_t v)
{
    apic_map_mmio();
    *ioapic_reg(0x00) = reg;
    *ioapic_reg(0x10) = v;
}

void ioapic_set_rte(unsigned pin, uint32_t lo, uint32_t hi)
{
    ioapic_write(IOAPIC_REG_RTE(pin) + 1, hi);
    ioapic_write(IOAPIC_REG_RTE(pin), lo);
}

uint64_t ioapic_get_rte(unsigned pin)
{
    uint32_t lo = ioapic_read(IOAPIC_REG_RTE(pin));
    uint32_t hi = ioapic_read(IOAPIC_REG_RTE(pin) + 1);
    return ((uint64_t)hi << 32) | lo;
}
