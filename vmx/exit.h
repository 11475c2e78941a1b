/* SPDX-License-Identifier: BSD-2-Clause */
/* VM exits inside vmx/: the entry stub, the decoder behind vmx_vcpu_enter,
 * the exits handled here, and the names of exit reasons. Root mode. */
#ifndef KEEL_VMX_EXIT_H
#define KEEL_VMX_EXIT_H

#include <stdint.h>
#include "vmx/vmx_vcpu.h"

/* vmentry.asm: 0 after a VM exit (registers saved in *regs), 1 if entry failed. */
int vmx_enter(struct guest_regs *regs, int launched);
/* Fill *x for basic exit reason `reason`, or handle the exit (VEXIT_NONE). */
void vmx_decode_exit(struct vmx_vcpu *hw, struct guest_regs *regs, unsigned reason, struct vexit *x);
/* The exit becomes VEXIT_FAILED with this reason. */
void vmx_exit_fail(struct vexit *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Human name for a basic exit reason ("CPUID", "I/O instruction", ...). */
const char *exit_reason_name(unsigned reason);

/* Handlers in their own files. */
void vmx_exit_cr_access(struct vmx_vcpu *hw, struct guest_regs *regs);

#endif
