/* SPDX-License-Identifier: BSD-2-Clause */
/* Waking a vCPU to look at its interrupts again, or to flush its EPT
 * translations (any CPU, under its VM's lock). */
#include "arch/x86/percpu.h"
#include "host/smp.h"
#include "vcpu/vcpu.h"

void vcpu_kick(struct vcpu *v)
{
    v->intr_maybe_pending = true;
    if (v->pcpu && v->pcpu != this_pcpu())
        smp_kick(v->pcpu);
}

void vcpus_flush_ept(struct vcpu *vcpus, unsigned n)
{
    if (!n)
        return;
    __atomic_fetch_add(&vcpus[0].machine->ept_generation, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < n; i++)
        vcpu_kick(&vcpus[i]);   /* prepare_entry flushes, before it looks at interrupts */
}
