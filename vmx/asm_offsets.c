/* SPDX-License-Identifier: BSD-2-Clause */
/* Build-time generator of struct offsets and constants for NASM (compiled
 * with -S only; the build extracts the "->NAME value" markers into
 * asm_offsets.inc), so the assembly keeps no number of its own. */
#include <stddef.h>
#include "arch/x86/percpu.h"
#include "arch/x86/guest_regs.h"
#include "host/smp.h"
#include "vmx/vmcs_fields.h"

#define DEFINE(name, value) __asm__ volatile("\n.ascii \"->" #name " %c0\"" ::"i"(value))
#define GPR(r) DEFINE(GR_##r, offsetof(struct guest_regs, gpr[GPR_##r]))

void asm_offsets(void);
void asm_offsets(void)
{
    GPR(RAX); GPR(RCX); GPR(RDX); GPR(RBX); GPR(RBP); GPR(RSI); GPR(RDI);
    GPR(R8); GPR(R9); GPR(R10); GPR(R11); GPR(R12); GPR(R13); GPR(R14); GPR(R15);
    DEFINE(MAX_PCPUS, MAX_PCPUS);
    DEFINE(AP_STACK_SIZE, AP_STACK_SIZE);
    DEFINE(AP_TRAMPOLINE, AP_TRAMPOLINE);
    DEFINE(VMCS_HOST_RSP, VMCS_HOST_RSP);
}
