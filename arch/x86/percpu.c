/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU areas (each CPU sets up its own, once, at bring-up). */
#include "arch/x86/percpu.h"
#include "arch/x86/msr_index.h"
#include "arch/x86/x86.h"

struct pcpu pcpus[MAX_PCPUS];
volatile unsigned nr_pcpus = 1;

void percpu_init(unsigned index, uint32_t apic_id)
{
    struct pcpu *p = &pcpus[index];
    p->self = p;
    p->index = index;
    p->apic_id = apic_id;
    wrmsr(MSR_IA32_GS_BASE, (uintptr_t)p);
}
