/* SPDX-License-Identifier: BSD-2-Clause */
/* AP bring-up and the AP idle loop (boot CPU starts them; each AP then runs
 * ap_main). INIT-SIPI-SIPI timing from SDM Vol. 3A 9.4.4.1. */
#include <string.h>
#include "host/apic.h"
#include "arch/x86/percpu.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "host/cpu_tables.h"
#include "host/paging.h"
#include "arch/x86/x86.h"

extern char ap_trampoline[], ap_trampoline_end[];
uint8_t ap_stacks[MAX_PCPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned aps_online;
static const struct smp_ap_hooks *ap_hooks;

static void delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + ns_to_tsc(us * 1000);
    while (rdtsc() < end)
        cpu_relax();
}

void ap_main(unsigned index);
void ap_main(unsigned index)
{
    char why[128];
    percpu_init(index, 0);      /* the APIC ID is read once the LAPIC is in its final mode */
    cpu_tables_init(index);
    write_cr3(host_cr3);
    write_cr0(read_cr0() | CR0_WP);
    if (ap_hooks->enable(why, sizeof(why))) {
        printk("keel: cpu %u: %s\n", index, why);
        halt_forever();
    }
    host_apic_init_ap();
    struct pcpu *cpu = this_pcpu();
    cpu->apic_id = host_apic_id();
    cpu->online = true;
    __atomic_add_fetch(&aps_online, 1, __ATOMIC_RELEASE);
    ap_hooks->run();
    halt_forever();
}

void smp_start_aps(unsigned expected, const struct smp_ap_hooks *hooks)
{
    ap_hooks = hooks;
    if (expected <= 1) {
        printk("keel: 1 CPU online\n");
        return;
    }
    memcpy((void *)(uintptr_t)AP_TRAMPOLINE, ap_trampoline,
           (size_t)(ap_trampoline_end - ap_trampoline));
    host_apic_send_init_all();
    delay_us(10000);
    for (int i = 0; i < 2; i++) {
        host_apic_send_sipi_all(AP_TRAMPOLINE >> 12);
        delay_us(200);
    }
    /* Wait for the firmware's count, at most 100 ms. */
    uint64_t end = rdtsc() + ns_to_tsc(100000000ull);
    unsigned seen = 0;
    while (rdtsc() < end && seen + 1 < expected) {
        unsigned now = __atomic_load_n(&aps_online, __ATOMIC_ACQUIRE);
        if (now != seen) {
            seen = now;
            end = rdtsc() + ns_to_tsc(20000000ull);     /* more may still come */
        }
        cpu_relax();
    }
    nr_pcpus = 1 + seen;
    printk("keel: %u CPU%s online\n", nr_pcpus, nr_pcpus == 1 ? "" : "s");
}

void smp_kick(const struct pcpu *cpu)
{
    if (cpu != this_pcpu())
        host_apic_send_ipi(cpu->apic_id, HOST_KICK_VECTOR);
}
