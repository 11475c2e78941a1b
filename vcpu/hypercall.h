/* SPDX-License-Identifier: BSD-2-Clause */
/* Hypercalls (VMCALL): none are defined yet in Keel's native mode. */
#ifndef KEEL_VCPU_HYPERCALL_H
#define KEEL_VCPU_HYPERCALL_H

#include "vcpu/vcpu.h"

#define KEEL_ENOSYS 38

/* Handle a hypercall; the result goes to RAX. */
void hypercall(struct vcpu *v);

#endif
