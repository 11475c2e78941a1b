/* SPDX-License-Identifier: BSD-2-Clause */
/* Host LAPIC driver (boot CPU): x2APIC MSRs or xAPIC MMIO, TSC-deadline mode
 * only (SDM Vol. 3A 11.4, 11.5.4.1, 11.12). Interrupts stay disabled except
 * inside host_sleep_until. */
#include "host/apic.h"
#include "lib/print.h"
#include "arch/x86/msr_index.h"
#include "arch/x86/x86.h"

#define APIC_BASE_X2APIC_ENABLE (1ull << 10)
#define APIC_BASE_ENABLE        (1ull << 11)
#define APIC_BASE_ADDR_MASK     0xffffff000ull
#define MSR_TSC_DEADLINE        0x6e0
#define X2APIC_MSR(off)         (0x800 + ((off) >> 4))
#define REG_EOI                 0x0b0
#define REG_SVR                 0x0f0
#define REG_LVT_TIMER           0x320
#define SVR_ENABLE              (1u << 8)
#define LVT_TSC_DEADLINE        (2u << 17)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static bool x2apic;
static bool have_timer;
static volatile uint32_t *mmio;

static void apic_write(uint32_t reg, uint32_t val)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(reg), val);
    else
        mmio[reg / 4] = val;
}

#define REG_ID          0x020
#define REG_ICR         0x300
#define REG_ICR_HIGH    0x310
#define ICR_INIT        (5u << 8)
#define ICR_STARTUP     (6u << 8)
#define ICR_ASSERT      (1u << 14)
#define ICR_LEVEL       (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

static void send_icr(uint32_t dest, uint32_t low)
{
    if (x2apic) {
        wrmsr(X2APIC_MSR(REG_ICR), ((uint64_t)dest << 32) | low);
    } else {
        mmio[REG_ICR_HIGH / 4] = dest << 24;
        mmio[REG_ICR / 4] = low;
        while (mmio[REG_ICR / 4] & (1u << 12))     /* delivery status */
            cpu_relax();
    }
}

uint32_t host_apic_id(void)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR(REG_ID)) : mmio[REG_ID / 4] >> 24;
}

void host_apic_send_init_all(void)
{
    send_icr(0, ICR_ALL_BUT_SELF | ICR_LEVEL | ICR_ASSERT | ICR_INIT);
}

void host_apic_send_sipi_all(uint8_t page)
{
    send_icr(0, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | page);
}

void host_apic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    send_icr(apic_id, ICR_ASSERT | vector);
}

static void enable_local(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;
    if (x2apic)
        base |= APIC_BASE_X2APIC_ENABLE;
    wrmsr(MSR_IA32_APIC_BASE, base);
    apic_write(REG_SVR, SVR_ENABLE | HOST_SPURIOUS_VECTOR);
    if (have_timer)
        apic_write(REG_LVT_TIMER, LVT_TSC_DEADLINE | HOST_TIMER_VECTOR);
}

void host_apic_init_ap(void)
{
    enable_local();
}

bool host_apic_init(void)
{
    uint32_t ecx = cpuid(1, 0).ecx;
    x2apic = (ecx & CPUID1_ECX_X2APIC) != 0;
    have_timer = (ecx & CPUID1_ECX_TSC_DEADLINE) != 0;
    mmio = (volatile uint32_t *)(uintptr_t)(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK);
    enable_local();
    printk("keel: host LAPIC in %s mode, %s\n", x2apic ? "x2APIC" : "xAPIC",
           have_timer ? "TSC-deadline timer" : "no TSC-deadline timer (idle vCPUs poll)");
    return have_timer;
}

void host_timer_arm(uint64_t tsc)
{
    if (have_timer)
        wrmsr(MSR_TSC_DEADLINE, tsc);
}

void host_apic_eoi(void)
{
    apic_write(REG_EOI, 0);
}

void host_sleep_until(uint64_t tsc)
{
    if (!have_timer) {
        while (rdtsc() < tsc)
            cpu_relax();
        return;
    }
    if (rdtsc() >= tsc)
        return;
    host_timer_arm(tsc);
    /* STI's one-instruction shadow makes "sti; hlt" free of a lost wake-up. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}
