/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMX side of a vCPU: creating its VMCS, running it, and helpers shared
 * by the exit handlers. Root mode, on the CPU that owns the vCPU. */
#ifndef KEEL_VMX_VMCS_H
#define KEEL_VMX_VMCS_H

#include <stdint.h>
#include "vcpu/vcpu.h"
#include "vmx/vmx_cpu.h"

/* Allocate and fill the VMCS (leaves it current) with the guest in its start
 * state. Returns 0 or -1 (no memory). */
int vmx_vcpu_create(struct vcpu *v, uint64_t eptp, const struct vcpu_start *start);
void vmx_vcpu_destroy(struct vcpu *v);
/* Run until the vCPU ends. */
void vmx_vcpu_run(struct vcpu *v);
/* Sleep until the platform has an interrupt for this halted vCPU. */
void vmx_vcpu_halt(struct vcpu *v);

/* Real CR0/CR4 values for what the guest believes it wrote. */
static inline uint64_t vmx_guest_cr0(uint64_t shadow)
{
    const struct vmx_cap_msrs *m = &vmx_host.caps;
    return (shadow | (m->cr0_fixed0 & ~(1ull | (1ull << 31)))) & m->cr0_fixed1;
}
static inline uint64_t vmx_guest_cr4(uint64_t shadow)
{
    return (shadow | vmx_host.caps.cr4_fixed0) & vmx_host.caps.cr4_fixed1;
}

/* Advance RIP past the exiting instruction and drop STI/MOV-SS blocking. */
void vmx_skip_instruction(struct vcpu *v);
uint64_t vmx_gpr_read(struct vcpu *v, unsigned gpr);
void vmx_gpr_write(struct vcpu *v, unsigned gpr, uint64_t val);

#endif
