/* SPDX-License-Identifier: BSD-2-Clause */
/* The VT-x part of a vCPU: its VMCS, the controls Keel toggles and the event
 * waiting in the VM-entry fields; creating it, entering the guest and
 * decoding the next exit into a neutral record, and the register and event
 * accessors the neutral layer uses. struct vcpu (vcpu/vcpu.h) embeds it;
 * vmx/ sees nothing else of a vCPU. Root mode, on the CPU that runs the vCPU
 * (its VMCS is current there). */
#ifndef KEEL_VMX_VMX_VCPU_H
#define KEEL_VMX_VMX_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/guest_regs.h"
#include "arch/x86/vcpu_state.h"
#include "arch/x86/vexit.h"
#include "ept/guest_mem.h"

struct vmx_vcpu {
    uint64_t vmcs_phys;
    bool launched;
    uint16_t vpid;              /* set by the caller before vmx_vcpu_create */
    uint32_t proc_controls;     /* current primary controls (window exiting toggles) */
    bool event_queued;          /* VM-entry interruption info holds an event */
    uint64_t cr8;               /* task priority as seen through MOV CR8 */
    const struct guest_mem *mem;    /* for the PDPTE loads of emulated CR writes */
    unsigned host_cpu;          /* the CPU whose host state the VMCS holds */
    uint64_t fresh_on;          /* CPUs holding no stale translation of its EPT tables or VPID */
};

/* Allocate and fill the VMCS (leaves it current) with the guest in its start
 * state. Returns 0 or -1 (no memory). */
int vmx_vcpu_create(struct vmx_vcpu *hw, const struct guest_mem *mem, uint64_t eptp,
                    uint64_t tsc_offset, const struct vcpu_start *start);
void vmx_vcpu_destroy(struct vmx_vcpu *hw);
/* Moving a vCPU between physical CPUs (and sharing one among vCPUs): put
 * makes the VMCS inactive on this CPU; load makes it current on the calling
 * CPU, rewriting the host state when the CPU changed and flushing the CPU's
 * translations for the vCPU when they may be stale. load: 0, or -1 when
 * VMPTRLD failed. */
void vmx_vcpu_put(struct vmx_vcpu *hw);
int vmx_vcpu_load(struct vmx_vcpu *hw);
/* This CPU forgets what it cached from the vCPU's EPT tables (INVEPT): after
 * a mapping was removed or changed. */
void vmx_vcpu_flush_ept(struct vmx_vcpu *hw);

/* A slice of `ticks` TSC ticks starts: the guest leaves once it has run
 * that long (the VMX-preemption timer, which counts only in the guest and
 * ignores its interrupt flag), or, without one, at the host timer's
 * interrupt the caller arms. */
void vmx_slice_start(struct vmx_vcpu *hw, uint64_t ticks);

/* Entering the guest: vmx_vcpu_enter in vmx/vmx_enter.h (inline, for the run
 * loop). */
/* After the exit was answered: vmx_vcpu_exit_done in vmx/vmx_enter.h. */

/* Architectural state (vcpu_state.h names). CR0/CR4 read as the guest sees
 * them; writes are plain stores, their semantics the callers'. */
uint64_t vmx_state_get(const struct vmx_vcpu *hw, enum vcpu_state_reg r);
void vmx_state_set(struct vmx_vcpu *hw, enum vcpu_state_reg r, uint64_t val);
unsigned vmx_cpl(const struct vmx_vcpu *hw);
unsigned vmx_code_bits(const struct vmx_vcpu *hw);
/* Move RIP by len, or past the exiting instruction; ends STI/MOV-SS blocking. */
void vmx_advance_rip(struct vmx_vcpu *hw, uint64_t len);
void vmx_skip_instruction(struct vmx_vcpu *hw);
/* RSP lives in the VMCS; the others in regs. */
uint64_t vmx_gpr_read(const struct guest_regs *regs, unsigned gpr);
void vmx_gpr_write(struct guest_regs *regs, unsigned gpr, uint64_t val);

/* Events for the next entry. */
void vmx_inject_exception(struct vmx_vcpu *hw, unsigned vector, bool has_error, uint32_t error);
void vmx_inject_page_fault(struct vmx_vcpu *hw, uint64_t linear, uint32_t error);
/* An NMI: queued now (true), or blocked and an NMI window requested (false). */
bool vmx_inject_nmi(struct vmx_vcpu *hw);
/* Whether an external interrupt can be injected at this entry: no event
 * queued, RFLAGS.IF set, no STI/MOV-SS blocking. */
bool vmx_interrupt_window_open(const struct vmx_vcpu *hw);
void vmx_inject_interrupt(struct vmx_vcpu *hw, uint8_t vector);
/* Exit as soon as the guest can take an interrupt (on), or stop asking. */
void vmx_request_interrupt_window(struct vmx_vcpu *hw, bool on);

#endif
