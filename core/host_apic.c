/* Host LAPIC driver (boot CPU): x2APIC MSRs or xAPIC MMIO, TSC-deadline mode
 * only (SDM Vol. 3A 11.4, 11.5.4.1, 11.12). Interrupts stay disabled except
 * inside host_sleep_until. */
#include "core/host_apic.h"
#include "lib/print.h"
#include "vmx/msr_index.h"
#include "vmx/x86.h"

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

bool host_apic_init(void)
{
    uint32_t ecx = cpuid(1, 0).ecx;
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE;
    x2apic = (ecx & CPUID1_ECX_X2APIC) != 0;
    if (x2apic)
        base |= APIC_BASE_X2APIC_ENABLE;
    wrmsr(MSR_IA32_APIC_BASE, base);
    mmio = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR_MASK);
    apic_write(REG_SVR, SVR_ENABLE | HOST_SPURIOUS_VECTOR);
    have_timer = (ecx & CPUID1_ECX_TSC_DEADLINE) != 0;
    if (have_timer)
        apic_write(REG_LVT_TIMER, LVT_TSC_DEADLINE | HOST_TIMER_VECTOR);
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
