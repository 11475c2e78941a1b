/* SPDX-License-Identifier: BSD-2-Clause */
/* Waking a vCPU to look at its interrupts again, or to flush its EPT
 * translations (any CPU, under its VM's lock). */
#include "arch/x86/percpu.h"
#include "host/smp.h"
#include "vcpu/schedule.h"
#include "vcpu/vcpu.h"

void vcpu_kick(struct vcpu *v)
{
    /* The flag first: a vCPU being blocked looks at it after it is
     * blocked (vcpu/schedule.c), so no wake-up falls between the two. */
    __atomic_store_n(&v->intr_maybe_pending, true, __ATOMIC_SEQ_CST);
    struct pcpu *cpu = __atomic_load_n(&v->pcpu, __ATOMIC_SEQ_CST);
    if (cpu && cpu != this_pcpu())
        smp_kick(cpu);              /* in the guest there: out, to look */
    if (__atomic_load_n(&v->wait, __ATOMIC_SEQ_CST) != VCPU_WAIT_NONE)
        vsched_wake(v);
}

void vcpus_flush_ept(struct vcpu *vcpus, unsigned n)
{
    if (!n)
        return;
    __atomic_fetch_add(&vcpus[0].machine->ept_generation, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < n; i++)
        vcpu_kick(&vcpus[i]);   /* prepare_entry flushes, before it looks at interrupts */
}
