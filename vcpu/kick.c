/* SPDX-License-Identifier: BSD-2-Clause */
/* Waking a vCPU to look at its interrupts again (any CPU, under its VM's lock). */
#include "arch/x86/percpu.h"
#include "host/smp.h"
#include "vcpu/vcpu.h"

void vcpu_kick(struct vcpu *v)
{
    v->intr_maybe_pending = true;
    if (v->pcpu && v->pcpu != this_pcpu())
        smp_kick(v->pcpu);
}
