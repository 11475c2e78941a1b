/* SPDX-License-Identifier: BSD-2-Clause */
/* Architectural state of a vCPU by name: the registers the neutral vCPU
 * layer reads and writes through the vendor layer, and the start states the
 * boot protocols define. Shared by vmx/ (which keeps them in the VMCS) and
 * vcpu/ (which names them). */
#ifndef KEEL_ARCH_X86_VCPU_STATE_H
#define KEEL_ARCH_X86_VCPU_STATE_H

#include <stdint.h>

enum vcpu_state_reg {
    VREG_RIP, VREG_RSP, VREG_RFLAGS,
    VREG_CR0, VREG_CR3, VREG_CR4,      /* CR0/CR4 as the guest sees them */
    VREG_EFER, VREG_PAT,
    VREG_SYSENTER_CS, VREG_SYSENTER_ESP, VREG_SYSENTER_EIP,
    VREG_FS_BASE, VREG_GS_BASE,
    VREG_TSC_OFFSET,
    VREG_CS_BASE,
};

/* The architectural state a vCPU starts in, as a boot protocol defines it. */
enum vcpu_start_mode {
    START_PROTECTED_FLAT,       /* Multiboot: 32-bit flat segments, paging off */
    START_LONG_MODE,            /* Linux 64-bit boot protocol: paging on, given CR3 and GDT */
    START_REAL_MODE,            /* an AP after SIPI: CS = cs, base cs << 4, RIP = rip */
};

struct vcpu_start {
    enum vcpu_start_mode mode;
    uint64_t rip;
    uint64_t cr3, gdt_base;     /* START_LONG_MODE */
    uint16_t gdt_limit, cs, ds;
};

#endif
