/* Hypercall entry point (vCPU's CPU, at a VMCALL exit). Keel's native mode
 * defines no hypercalls yet; the Xen-compatible mode will dispatch here. */
#include "vcpu/hypercall.h"

void hypercall(struct vcpu *v)
{
    v->regs.gpr[GPR_RAX] = (uint64_t)-KEEL_ENOSYS;
}
