/* SPDX-License-Identifier: BSD-2-Clause */
/* VMX operation on the physical CPU: capability checks, VMXON, and what was
 * chosen (controls, CR fixed bits) for every VMCS Keel builds. */
#ifndef KEEL_VMX_VMX_CPU_H
#define KEEL_VMX_VMX_CPU_H

#include <stddef.h>
#include <stdint.h>
#include "vmx/vmx_caps.h"

struct vmx_host {
    struct vmx_cap_msrs caps;
    struct vmx_controls ctl;
    uint32_t vmcs_revision;
    uint64_t cr0_guest_mask, cr4_guest_mask;   /* bits whose guest writes exit */
    uint64_t cr4_guest_allowed;                /* CR4 bits a guest may set */
    uint64_t xcr0_supported;                   /* XCR0 bits a guest may set; 0 = no XSAVE */
    uint64_t msr_bitmap;                       /* physical address; 0 = every MSR access exits */
    uint8_t maxphyaddr;                        /* CPUID.80000008H:EAX[7:0], as guests see it */
};

extern struct vmx_host vmx_host;

/* Check VT-x, choose controls, and enter VMX root operation on the boot CPU.
 * Returns 0, or -1 with a one-line reason (e.g. "CPUID.1:ECX.VMX=0"). */
int vmx_cpu_init(char *why, size_t why_len);
/* Enter VMX root operation on this CPU with what vmx_cpu_init chose. */
int vmx_cpu_enable(char *why, size_t why_len);

#endif
