/* SPDX-License-Identifier: BSD-2-Clause */
/* Hypercall entry point (vCPU's CPU, at a VMCALL exit). Keel's native mode
 * defines no hypercalls; a machine's extension (the Xen mode's) may. */
#include "vcpu/hypercall.h"

void hypercall(struct vcpu *v)
{
    struct machine *m = v->machine;
    if (m->hypercall)
        m->hypercall(m->hypercall_ctx, v);
    else
        v->regs.gpr[GPR_RAX] = (uint64_t)-KEEL_ENOSYS;
}
