/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the VMCS setup and the exit handlers: the real CR0/CR4
 * behind the guest's view. Root mode. */
#ifndef KEEL_VMX_VMCS_H
#define KEEL_VMX_VMCS_H

#include <stdint.h>
#include "vmx/vmx_cpu.h"

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

#endif
