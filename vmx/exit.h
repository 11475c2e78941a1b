/* SPDX-License-Identifier: BSD-2-Clause */
/* VM-exit dispatch: one handler per basic exit reason. Root mode. */
#ifndef KEEL_VMX_EXIT_H
#define KEEL_VMX_EXIT_H

#include <stdint.h>
#include "vcpu/vcpu.h"

int vmx_enter(struct guest_regs *regs, int launched);
void vmx_handle_exit(struct vcpu *v, unsigned reason);
const char *exit_reason_name(unsigned reason);

/* Handlers in their own files. */
void vmx_exit_cr_access(struct vcpu *v);

#endif
