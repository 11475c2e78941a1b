/* SPDX-License-Identifier: BSD-2-Clause */
/* VM entry and the first look at the exit, inline in the run loop: every
 * exit round trip passes here, so the common exits (those the neutral layer
 * answers from the registers alone) cost a table load, not a call. Root
 * mode, on the CPU whose current VMCS is the vCPU's. */
#ifndef KEEL_VMX_VMX_ENTER_H
#define KEEL_VMX_VMX_ENTER_H

#include "vmx/exit.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_vcpu.h"

/* VEXIT_* for exits that need nothing decoded, 0 for the others (exit.c). */
extern const uint8_t vmx_simple_exit[EXIT_REASON_COUNT];
/* A failed entry, or an exit that reports one: VEXIT_FAILED with the reason. */
void vmx_entry_failed(struct vmx_vcpu *hw, int fail, uint32_t exit_reason, struct vexit *x);

/* IN/OUT from the exit qualification (SDM Vol. 3C Table 28-5); false for
 * INS/OUTS, which need more (exit.c). */
static inline bool vmx_decode_port_io(uint64_t q, struct vexit *x)
{
    if (q & IO_QUAL_STRING)
        return false;
    x->kind = VEXIT_IO;
    x->io.port = IO_QUAL_PORT(q);
    x->io.size = IO_QUAL_SIZE(q);
    x->io.in = (q & IO_QUAL_IN) != 0;
    return true;
}

/* Enter the guest and return with its next exit decoded into *x. Exits only
 * VT-x has are handled below and return as VEXIT_NONE. Port I/O, the exit of
 * every polled device register, is decoded here too. */
static inline void vmx_vcpu_enter(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    int fail = vmx_enter(regs, hw->launched);
    hw->event_queued = false;   /* VM entry consumed it (or failed) */
    uint32_t full = fail ? 0 : (uint32_t)vmread(VMCS_EXIT_REASON);
    if (__builtin_expect(fail || (full & EXIT_REASON_ENTRY_FAILURE), 0)) {
        vmx_entry_failed(hw, fail, full, x);
        return;
    }
    hw->launched = true;
    unsigned reason = EXIT_REASON_BASIC(full);
    x->reason = reason;
    unsigned kind = reason < EXIT_REASON_COUNT ? vmx_simple_exit[reason] : 0;
    if (kind) {
        x->kind = (enum vexit_kind)kind;
        return;
    }
    if (reason == EXIT_IO_INSTRUCTION && vmx_decode_port_io(vmread(VMCS_EXIT_QUALIFICATION), x))
        return;
    vmx_decode_exit(hw, regs, reason, x);
}

/* After the exit was answered: an exit that interrupted event delivery
 * delivers that event again (SDM Vol. 3C 28.2.4), unless the answer queued
 * an event of its own. */
void vmx_redeliver_event(struct vmx_vcpu *hw, uint32_t idt_vectoring_info);
static inline void vmx_vcpu_exit_done(struct vmx_vcpu *hw)
{
    uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
    if (__builtin_expect((idt & INTR_INFO_VALID) != 0, 0) && !hw->event_queued)
        vmx_redeliver_event(hw, idt);
}

#endif
