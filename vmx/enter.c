/* SPDX-License-Identifier: BSD-2-Clause */
/* The vendor half of running a vCPU: VM entry and the decoding of its exit,
 * register access, instruction skipping and event injection through the
 * VMCS (SDM Vol. 3C ch. 26-28). The loop around it is vcpu/run.c. Root mode,
 * on the CPU whose current VMCS is the vCPU's. */
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_enter.h"
#include "arch/x86/x86.h"

uint64_t vmx_gpr_read(const struct guest_regs *regs, unsigned gpr)
{
    return gpr == GPR_RSP ? vmread(VMCS_GUEST_RSP) : regs->gpr[gpr & 15];
}

void vmx_gpr_write(struct guest_regs *regs, unsigned gpr, uint64_t val)
{
    if (gpr == GPR_RSP)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        regs->gpr[gpr & 15] = val;
}

void vmx_advance_rip(struct vmx_vcpu *hw, uint64_t len)
{
    (void)hw;
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

void vmx_skip_instruction(struct vmx_vcpu *hw)
{
    vmx_advance_rip(hw, vmread(VMCS_EXIT_INSTRUCTION_LEN));
}

static const uint16_t state_field[] = {
    [VREG_RIP] = VMCS_GUEST_RIP,
    [VREG_RSP] = VMCS_GUEST_RSP,
    [VREG_RFLAGS] = VMCS_GUEST_RFLAGS,
    [VREG_CR0] = VMCS_CR0_READ_SHADOW,
    [VREG_CR3] = VMCS_GUEST_CR3,
    [VREG_CR4] = VMCS_CR4_READ_SHADOW,
    [VREG_EFER] = VMCS_GUEST_IA32_EFER,
    [VREG_PAT] = VMCS_GUEST_IA32_PAT,
    [VREG_SYSENTER_CS] = VMCS_GUEST_SYSENTER_CS,
    [VREG_SYSENTER_ESP] = VMCS_GUEST_SYSENTER_ESP,
    [VREG_SYSENTER_EIP] = VMCS_GUEST_SYSENTER_EIP,
    [VREG_FS_BASE] = VMCS_GUEST_FS_BASE,
    [VREG_GS_BASE] = VMCS_GUEST_GS_BASE,
    [VREG_TSC_OFFSET] = VMCS_TSC_OFFSET,
    [VREG_CS_BASE] = VMCS_GUEST_CS_BASE,
};

uint64_t vmx_state_get(const struct vmx_vcpu *hw, enum vcpu_state_reg r)
{
    (void)hw;
    if (r == VREG_CR0 || r == VREG_CR4) {
        /* Guest view: owned bits from the real register, masked ones from the shadow. */
        uint64_t mask = r == VREG_CR0 ? vmx_host.cr0_guest_mask : vmx_host.cr4_guest_mask;
        uint64_t real = vmread(r == VREG_CR0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4);
        return (real & ~mask) | (vmread(state_field[r]) & mask);
    }
    return vmread(state_field[r]);
}

void vmx_state_set(struct vmx_vcpu *hw, enum vcpu_state_reg r, uint64_t val)
{
    (void)hw;
    vmwrite(state_field[r], val);
}

unsigned vmx_code_bits(const struct vmx_vcpu *hw)
{
    (void)hw;
    uint32_t ar = (uint32_t)vmread(VMCS_GUEST_CS_AR);
    if ((ar & AR_L) && (vmread(VMCS_GUEST_IA32_EFER) & (1ull << 10)))
        return 64;
    return (ar & AR_DB) ? 32 : 16;
}

unsigned vmx_cpl(const struct vmx_vcpu *hw)
{
    (void)hw;
    /* SS.DPL is the CPL (SDM Vol. 3C 27.3.1.5 note on CPL). */
    return (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

void vmx_inject_exception(struct vmx_vcpu *hw, unsigned vector, bool has_error, uint32_t error)
{
    /* No error code is delivered in real mode (SDM Vol. 3C 27.2.1.3). */
    if (!(vmread(VMCS_CR0_READ_SHADOW) & CR0_PE))
        has_error = false;
    uint32_t info = vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID;
    if (has_error) {
        info |= INTR_INFO_DELIVER_ERROR;
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, error);
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
    hw->event_queued = true;
}

void vmx_inject_page_fault(struct vmx_vcpu *hw, uint64_t linear, uint32_t error)
{
    /* CR2 is not in the VMCS and Keel never takes page faults itself, so the
     * register holds the guest's value: set it as delivery of #PF would. */
    write_cr2(linear);
    vmx_inject_exception(hw, EXC_PF, true, error);
}

void vmx_redeliver_event(struct vmx_vcpu *hw, uint32_t idt)
{
    hw->event_queued = true;
    vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~(1u << 12));   /* bit 12 is not an entry field */
    if (idt & INTR_INFO_DELIVER_ERROR)
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
    vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, vmread(VMCS_EXIT_INSTRUCTION_LEN));
}

static void set_window_exiting(struct vmx_vcpu *hw, uint32_t which, bool on)
{
    uint32_t proc = on ? hw->proc_controls | which : hw->proc_controls & ~which;
    if (proc != hw->proc_controls) {
        vmwrite(VMCS_PROC_CONTROLS, proc);
        hw->proc_controls = proc;
    }
}

void vmx_request_interrupt_window(struct vmx_vcpu *hw, bool on)
{
    set_window_exiting(hw, PROC_INTR_WINDOW_EXITING, on);
}

/* Blocked by a previous NMI (virtual-NMI blocking) or by STI/MOV-SS: wait
 * for an NMI window, or, on a CPU without virtual NMIs, for an interrupt
 * window. */
bool vmx_inject_nmi(struct vmx_vcpu *hw)
{
    bool virtual_nmis = vmx_host.ctl.pin & PIN_VIRTUAL_NMIS;
    uint64_t blocking = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (hw->event_queued ||
        (blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI))) {
        set_window_exiting(hw, virtual_nmis ? PROC_NMI_WINDOW_EXITING : PROC_INTR_WINDOW_EXITING, true);
        return false;
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, EXC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID);
    hw->event_queued = true;
    set_window_exiting(hw, PROC_NMI_WINDOW_EXITING, false);
    return true;
}

bool vmx_interrupt_window_open(const struct vmx_vcpu *hw)
{
    return !hw->event_queued && (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
           !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

void vmx_inject_interrupt(struct vmx_vcpu *hw, uint8_t vector)
{
    vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID);
    set_window_exiting(hw, PROC_INTR_WINDOW_EXITING, false);
}

void vmx_entry_failed(struct vmx_vcpu *hw, int fail, uint32_t exit_reason, struct vexit *x)
{
    if (fail) {
        x->reason = ~0u;     /* no exit: counted as unknown */
        vmx_exit_fail(x, "VM entry failed: VM-instruction error %lu", vmread(VMCS_INSTRUCTION_ERROR));
        return;
    }
    hw->launched = true;
    x->reason = EXIT_REASON_BASIC(exit_reason);
    vmx_exit_fail(x, "VM entry failed: %s (exit qualification %lu)", exit_reason_name(x->reason),
           vmread(VMCS_EXIT_QUALIFICATION));
}
