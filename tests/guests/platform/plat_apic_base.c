/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_apic_base.c — test guest: the xAPIC page follows IA32_APIC_BASE (SDM Vol. 3A
 * 11.4.5). Relocated to 0xFED00000 the LAPIC answers there with its state kept;
 * relocated onto the IOAPIC's page it shadows the IOAPIC for this CPU; moved back, both
 * answer at their defaults. Disabled and enabled again it comes back in reset state;
 * with x2APIC offered, x2APIC -> disabled -> xAPIC at a new base brings the page back
 * there. A read where the page no longer is would end the VM, so none is made. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_apic_base";

#define BASE_ADDR       0x000FFFFFFFFFF000ull
#define RELOCATED       0xFED00000u     /* in the 2 MiB page apic_map_mmio makes UC */

static uint32_t read_at(uint32_t base, uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(base + reg);
}

static void write_at(uint32_t base, uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(base + reg) = v;
}

static void set_base(uint64_t msr_flags, uint32_t base)
{
    uint64_t old = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, (old & ~(BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD)) | msr_flags | base);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();
    lapic_enable(VEC_APIC_SPURIOUS);
    uint32_t id = lapic_read(LAPIC_ID), ver = lapic_read(LAPIC_VER);
    uint32_t iover = ioapic_read(IOAPIC_REG_VER);
    note("LAPIC ID 0x%x, version 0x%x; IOAPIC version 0x%x", id, ver, iover);
    lapic_write(LAPIC_TPR, 0x20);

    set_base(APIC_BASE_EN, RELOCATED);
    check((rdmsr(MSR_APIC_BASE) & BASE_ADDR) == RELOCATED, "IA32_APIC_BASE reads back 0x%x",
          RELOCATED);
    check(read_at(RELOCATED, LAPIC_ID) == id && read_at(RELOCATED, LAPIC_VER) == ver,
          "the LAPIC answers at 0x%x (ID 0x%x, version 0x%x)", RELOCATED,
          read_at(RELOCATED, LAPIC_ID), read_at(RELOCATED, LAPIC_VER));
    check(read_at(RELOCATED, LAPIC_TPR) == 0x20, "its TPR moved with it (0x%x)",
          read_at(RELOCATED, LAPIC_TPR));
    write_at(RELOCATED, LAPIC_TPR, 0x30);

    set_base(APIC_BASE_EN, IOAPIC_DEFAULT_BASE);
    check(read_at(IOAPIC_DEFAULT_BASE, LAPIC_VER) == ver && read_at(IOAPIC_DEFAULT_BASE, LAPIC_TPR) == 0x30,
          "over the IOAPIC's page the LAPIC answers (version 0x%x, TPR 0x%x)",
          read_at(IOAPIC_DEFAULT_BASE, LAPIC_VER), read_at(IOAPIC_DEFAULT_BASE, LAPIC_TPR));

    set_base(APIC_BASE_EN, LAPIC_DEFAULT_BASE);
    check(lapic_read(LAPIC_ID) == id && lapic_read(LAPIC_TPR) == 0x30,
          "back at 0x%x: ID 0x%x, TPR 0x%x", LAPIC_DEFAULT_BASE, lapic_read(LAPIC_ID),
          lapic_read(LAPIC_TPR));
    check(ioapic_read(IOAPIC_REG_VER) == iover, "the IOAPIC answers again (version 0x%x)",
          ioapic_read(IOAPIC_REG_VER));

    set_base(0, LAPIC_DEFAULT_BASE);
    check(!(rdmsr(MSR_APIC_BASE) & APIC_BASE_EN), "IA32_APIC_BASE.EN cleared");
    set_base(APIC_BASE_EN, LAPIC_DEFAULT_BASE);
    check(lapic_read(LAPIC_VER) == ver && lapic_read(LAPIC_SVR) == 0xFF && lapic_read(LAPIC_TPR) == 0,
          "enabled again: version 0x%x, SVR 0x%x and TPR 0x%x in reset state",
          lapic_read(LAPIC_VER), lapic_read(LAPIC_SVR), lapic_read(LAPIC_TPR));

    if (cpuid(1, 0).ecx & CPUID1_ECX_X2APIC) {
        set_base(APIC_BASE_EN | APIC_BASE_EXTD, LAPIC_DEFAULT_BASE);
        check((rdmsr(MSR_X2APIC_BASE + LAPIC_VER / 16) & 0xFF) == (ver & 0xFF),
              "x2APIC mode: version through MSR 0x803");
        set_base(0, LAPIC_DEFAULT_BASE);
        set_base(APIC_BASE_EN, RELOCATED);
        check(read_at(RELOCATED, LAPIC_VER) == ver && read_at(RELOCATED, LAPIC_ID) == id,
              "x2APIC -> disabled -> xAPIC at 0x%x: the page is there (version 0x%x)", RELOCATED,
              read_at(RELOCATED, LAPIC_VER));
        set_base(APIC_BASE_EN, LAPIC_DEFAULT_BASE);
    } else {
        note("x2APIC not offered (CPUID.1:ECX[21]=0): its part skipped");
    }
    check(lapic_read(LAPIC_VER) == ver, "the LAPIC ends at 0x%x", LAPIC_DEFAULT_BASE);
    plat_finish();
}
