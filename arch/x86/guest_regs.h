/* SPDX-License-Identifier: BSD-2-Clause */
/* General-purpose registers of a vCPU as saved around VM entry/exit. Indexed
 * in the SDM's register-number order (Vol. 3C Table 28-3) so exit
 * qualifications that name a register index this array directly. */
#ifndef KEEL_VCPU_GUEST_REGS_H
#define KEEL_VCPU_GUEST_REGS_H

#include <stdint.h>

enum gpr {
    GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
    GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
    GPR_COUNT
};

/* RSP lives in the VMCS; its slot here is only filled when an emulation
 * path needs it (see vmx_gpr_read/vmx_gpr_write). */
struct guest_regs {
    uint64_t gpr[GPR_COUNT];
};

#endif
