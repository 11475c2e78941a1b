/* SPDX-License-Identifier: BSD-2-Clause */
/* Hypercall entry point (vCPU's CPU, at a VMCALL exit). Keel's native mode
 * defines no hypercalls; a Xen-mode VM gets Xen's (pvio/hypercall.c). */
#include "pvio/xen.h"
#include "vcpu/hypercall.h"
#include "vm/vm.h"

void hypercall(struct vcpu *v)
{
    if (v->vm->xen)
        xen_hypercall(v);
    else
        v->regs.gpr[GPR_RAX] = (uint64_t)-KEEL_ENOSYS;
}
