/* SPDX-License-Identifier: BSD-2-Clause */
/* VT-x bring-up on the boot CPU: feature checks, IA32_FEATURE_CONTROL, control
 * selection, CR0/CR4 fixed bits and VMXON (SDM Vol. 3C 24.6-24.8). */
#include <stdbool.h>
#include <string.h>
#include "host/palloc.h"
#include "arch/x86/percpu.h"
#include "lib/print.h"
#include "vmx/msr_bitmap.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "arch/x86/x86.h"

#define CPUID1_ECX_VMX     (1u << 5)
#define CPUID1_ECX_XSAVE   (1u << 26)
#define XCR0_X87           (1ull << 0)
#define XCR0_MPX           (3ull << 3)   /* BNDREGS, BNDCSR: not offered to guests */

struct vmx_host vmx_host;

void vmx_insn_failed(const char *insn, uint64_t arg)
{
    uint64_t err = 0;
    uint8_t fail;
    __asm__ volatile("vmread %2, %0; setbe %1" : "=r"(err), "=qm"(fail) : "r"(0x4400ull) : "cc");
    printk("keel: PANIC: %s 0x%lx failed (VM-instruction error %lu)\n", insn, arg, fail ? 0 : err);
    halt_forever();
}

static void read_cap_msrs(struct vmx_cap_msrs *m)
{
    m->basic = rdmsr(MSR_IA32_VMX_BASIC);
    bool true_ctls = (m->basic & VMX_BASIC_TRUE_CTLS) != 0;
    m->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
    m->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
    m->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
    m->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
    m->misc = rdmsr(MSR_IA32_VMX_MISC);
    m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    /* Secondary controls and EPT/VPID MSRs exist only when the CPU says so. */
    if ((m->proc >> 32) & PROC_SECONDARY_CONTROLS) {
        m->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
        if ((m->proc2 >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
            m->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
    }
}

static void setup_xsave(void)
{
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE))
        return;
    write_cr4(read_cr4() | CR4_OSXSAVE);
    struct cpuid_regs d = cpuid(0xd, 0);
    vmx_host.xcr0_supported = (((uint64_t)d.edx << 32) | d.eax) & ~XCR0_MPX;
    xsetbv(0, XCR0_X87);
    this_pcpu()->current_xcr0 = XCR0_X87;
}

int vmx_cpu_enable(char *why, size_t why_len)
{
    const struct vmx_cap_msrs *m = &vmx_host.caps;
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    if (!(fc & FEATURE_CONTROL_LOCK)) {
        fc |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK;
        wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
    } else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
        snprintf(why, why_len, "IA32_FEATURE_CONTROL locked with VMX outside SMX disabled (firmware setting)");
        return -1;
    }
    setup_xsave();
    write_cr0((read_cr0() | m->cr0_fixed0) & m->cr0_fixed1);
    write_cr4((read_cr4() | m->cr4_fixed0 | CR4_VMXE) & m->cr4_fixed1);

    uint64_t vmxon_page = palloc_page();
    if (!vmxon_page) {
        snprintf(why, why_len, "no memory for the VMXON region");
        return -1;
    }
    *(uint32_t *)(uintptr_t)vmxon_page = vmx_host.vmcs_revision;
    if (vmxon(vmxon_page)) {
        snprintf(why, why_len, "VMXON failed");
        return -1;
    }
    /* Stale translations from a previous user of this CPU must not survive. */
    if (m->ept_vpid & EPT_CAP_INVEPT_ALL)
        invept(INVEPT_ALL_CONTEXT, 0);
    return 0;
}

int vmx_cpu_init(char *why, size_t why_len)
{
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
        snprintf(why, why_len, "CPUID.1:ECX.VMX=0");
        return -1;
    }
    uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
        snprintf(why, why_len, "IA32_FEATURE_CONTROL locked with VMX outside SMX disabled (firmware setting)");
        return -1;
    }

    struct vmx_cap_msrs *m = &vmx_host.caps;
    read_cap_msrs(m);
    if (vmx_select_controls(m, &vmx_host.ctl, why, why_len))
        return -1;
    vmx_host.vmcs_revision = VMX_BASIC_REVISION(m->basic);
    vmx_host.maxphyaddr = (uint8_t)cpuid(0x80000008, 0).eax;

    /* Unrestricted guest exempts PE and PG from CR0's fixed bits (SDM 25.8). */
    uint64_t cr0_forced = (m->cr0_fixed0 & ~(CR0_PE | CR0_PG)) | (~m->cr0_fixed1 & 0xffffffffull);
    vmx_host.cr0_guest_mask = cr0_forced;
    uint64_t cr4_forced = m->cr4_fixed0 | (~m->cr4_fixed1 & 0xffffffffull);
    vmx_host.cr4_guest_mask = cr4_forced | CR4_VMXE | CR4_SMXE | CR4_LA57;
    vmx_host.cr4_guest_allowed = m->cr4_fixed1 & ~(CR4_VMXE | CR4_SMXE | CR4_LA57);

    if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE))
        vmx_host.cr4_guest_allowed &= ~CR4_OSXSAVE;
    if (vmx_host.ctl.proc & PROC_USE_MSR_BITMAPS) {
        vmx_host.msr_bitmap = vmx_msr_bitmap_create();
        if (!vmx_host.msr_bitmap)
            vmx_host.ctl.proc &= ~PROC_USE_MSR_BITMAPS;
    }
    return vmx_cpu_enable(why, why_len);
}
