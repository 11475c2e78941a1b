/* SPDX-License-Identifier: BSD-2-Clause */
/* Choosing VM-execution controls from the VMX capability MSRs. Pure: the
 * MSR values come in a struct, so host unit tests can feed any CPU's values. */
#ifndef KEEL_VMX_VMX_CAPS_H
#define KEEL_VMX_VMX_CAPS_H

#include <stddef.h>
#include <stdint.h>

struct vmx_cap_msrs {
    uint64_t basic, misc;
    uint64_t pin, proc, exit, entry;    /* the TRUE_* MSRs when basic bit 55 says so */
    uint64_t proc2;                     /* 0 when the CPU has no secondary controls */
    uint64_t ept_vpid;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

struct vmx_controls {
    uint32_t pin, proc, proc2, exit, entry;
    int ept_2m_pages;                   /* EPT may map 2 MiB pages */
    int invept_single, invvpid_single;  /* else the all-context forms */
    /* The VMX-preemption timer ends slices (it counts down once every
     * 2^preempt_shift TSC ticks, SDM Vol. 3C 26.5.1); 0: the host LAPIC
     * timer's interrupt does. */
    int preempt_timer;
    unsigned preempt_shift;
};

/* Adjust a wanted control value against a capability MSR (SDM Vol. 3D A.3):
 * bits set in the low half must be 1, bits clear in the high half must be 0.
 * Returns the value to write; *missing gets required bits the CPU cannot set. */
uint32_t vmx_adjust_controls(uint64_t cap, uint32_t required, uint32_t optional,
                             uint32_t *missing);

/* Pick all controls Keel runs guests with. Returns 0, or -1 with a one-line
 * reason such as "IA32_VMX_PROCBASED_CTLS2 lacks unrestricted guest (bit 7)". */
int vmx_select_controls(const struct vmx_cap_msrs *m, struct vmx_controls *c,
                        char *why, size_t why_len);

#endif
