/* SPDX-License-Identifier: BSD-2-Clause */
/* The vCPU run loop and the vendor side of the neutral vCPU interface:
 * register access, instruction skipping, event injection. Root mode. */
#include <stdarg.h>
#include "host/apic.h"
#include "arch/x86/percpu.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "pvio/xen.h"
#include "vm/platform.h"
#include "vm/vm.h"
#include "vcpu/vcpu.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "arch/x86/x86.h"

uint64_t vmx_gpr_read(struct vcpu *v, unsigned gpr)
{
    return gpr == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->regs.gpr[gpr & 15];
}

void vmx_gpr_write(struct vcpu *v, unsigned gpr, uint64_t val)
{
    if (gpr == GPR_RSP)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        v->regs.gpr[gpr & 15] = val;
}

void vmx_skip_instruction(struct vcpu *v)
{
    vcpu_advance_rip(v, vmread(VMCS_EXIT_INSTRUCTION_LEN));
}

void vcpu_advance_rip(struct vcpu *v, uint64_t len)
{
    (void)v;
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + len);
    uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
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

uint64_t vcpu_get(struct vcpu *v, enum vcpu_state_reg r)
{
    (void)v;
    if (r == VREG_CR0 || r == VREG_CR4) {
        /* Guest view: owned bits from the real register, masked ones from the shadow. */
        uint64_t mask = r == VREG_CR0 ? vmx_host.cr0_guest_mask : vmx_host.cr4_guest_mask;
        uint64_t real = vmread(r == VREG_CR0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4);
        return (real & ~mask) | (vmread(state_field[r]) & mask);
    }
    return vmread(state_field[r]);
}

/* Plain stores; CR0/CR4 and EFER semantics are the callers' (cr_access.c, msr.c). */
void vcpu_set(struct vcpu *v, enum vcpu_state_reg r, uint64_t val)
{
    (void)v;
    vmwrite(state_field[r], val);
}

unsigned vcpu_code_bits(struct vcpu *v)
{
    (void)v;
    uint32_t ar = (uint32_t)vmread(VMCS_GUEST_CS_AR);
    if ((ar & AR_L) && (vmread(VMCS_GUEST_IA32_EFER) & (1ull << 10)))
        return 64;
    return (ar & AR_DB) ? 32 : 16;
}

unsigned vcpu_cpl(struct vcpu *v)
{
    (void)v;
    /* SS.DPL is the CPL (SDM Vol. 3C 27.3.1.5 note on CPL). */
    return (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
    (void)v;
    /* No error code is delivered in real mode (SDM Vol. 3C 27.2.1.3). */
    if (!(vmread(VMCS_CR0_READ_SHADOW) & CR0_PE))
        has_error = false;
    uint32_t info = vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID;
    if (has_error) {
        info |= INTR_INFO_DELIVER_ERROR;
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, error);
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
    v->event_queued = true;
}

void vcpu_inject_page_fault(struct vcpu *v, uint64_t linear, uint32_t error)
{
    /* CR2 is not in the VMCS and Keel never takes page faults itself, so the
     * register holds the guest's value: set it as delivery of #PF would. */
    write_cr2(linear);
    vcpu_inject_exception(v, EXC_PF, true, error);
}

void vcpu_end(struct vcpu *v, enum vcpu_end how, const char *fmt, ...)
{
    if (v->end != VCPU_RUNNING)
        return;         /* the first reason wins */
    v->end = how;
    v->end_reason[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->end_reason, sizeof(v->end_reason), fmt, ap);
        va_end(ap);
    }
}

/* An exit that interrupted event delivery must deliver that event again
 * (SDM Vol. 3C 28.2.4), unless the handler queued an event of its own. */
static void redeliver_interrupted_event(struct vcpu *v)
{
    uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
    if (!(idt & INTR_INFO_VALID) || v->event_queued)
        return;
    v->event_queued = true;
    vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~(1u << 12));   /* bit 12 is not an entry field */
    if (idt & INTR_INFO_DELIVER_ERROR)
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
    vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, vmread(VMCS_EXIT_INSTRUCTION_LEN));
}

static void set_window_exiting(struct vcpu *v, uint32_t which, bool on)
{
    uint32_t proc = on ? v->proc_controls | which : v->proc_controls & ~which;
    if (proc != v->proc_controls) {
        vmwrite(VMCS_PROC_CONTROLS, proc);
        v->proc_controls = proc;
    }
}

static void set_interrupt_window_exiting(struct vcpu *v, bool on)
{
    set_window_exiting(v, PROC_INTR_WINDOW_EXITING, on);
}

/* NMIs go first (SDM Vol. 3A 6.9 priorities). Blocked by a previous NMI
 * (virtual-NMI blocking) or by STI/MOV-SS: wait for an NMI window, or, on a
 * CPU without virtual NMIs, for an interrupt window. Returns true when an
 * NMI is queued or waiting, so no external interrupt is injected now. */
static bool deliver_nmi(struct vcpu *v)
{
    if (!v->nmi_pending)
        return false;
    bool virtual_nmis = vmx_host.ctl.pin & PIN_VIRTUAL_NMIS;
    uint64_t blocking = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (v->event_queued ||
        (blocking & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI))) {
        set_window_exiting(v, virtual_nmis ? PROC_NMI_WINDOW_EXITING : PROC_INTR_WINDOW_EXITING, true);
        return true;
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, EXC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID);
    v->event_queued = true;
    v->nmi_pending = false;
    set_window_exiting(v, PROC_NMI_WINDOW_EXITING, false);
    return true;
}

/* All deferred work before VM entry happens here: timers advance when a
 * deadline has passed, the host timer is armed for the next one, and a
 * pending interrupt is injected when the guest can take it, or an interrupt
 * window requested (SDM Vol. 3C 27.6, 26.7.5). The common case, nothing due
 * and nothing raised, costs two compares. */
static void prepare_entry_locked(struct vcpu *v);

static void prepare_entry(struct vcpu *v)
{
    if (v->vm->pv_deferred)
        xen_run_deferred(v->vm);        /* PV backends' leftover work, bounded */
    if (v->armed_deadline != NO_DEADLINE && rdtsc() >= v->armed_deadline)
        v->intr_maybe_pending = true;       /* platform_update below raises it */
    if (!v->intr_maybe_pending)
        return;
    spin_lock(&v->vm->lock);
    prepare_entry_locked(v);
    spin_unlock(&v->vm->lock);
}

static void prepare_entry_locked(struct vcpu *v)
{
    /* INIT to a running AP: it leaves the guest and waits for a SIPI again
     * (SDM Vol. 3A 9.4.4.1: INIT puts an AP in wait-for-SIPI). */
    if (v->id != 0 && platform_init_pending(v)) {
        v->reset_by_init = true;
        return;
    }
    uint64_t deadline = platform_update(v, rdtsc());
    if (deadline != v->armed_deadline) {
        host_timer_arm(deadline == NO_DEADLINE ? 0 : deadline);
        v->armed_deadline = deadline;
    }
    if (platform_take_nmi(v))
        v->nmi_pending = true;
    if (deliver_nmi(v))
        return;             /* intr_maybe_pending stays set: look again next entry */
    int vector = platform_pending_interrupt(v);
    if (vector < 0) {
        v->intr_maybe_pending = false;
        set_interrupt_window_exiting(v, false);
        return;
    }
    if (v->event_queued) {
        set_interrupt_window_exiting(v, true);  /* an exception or re-delivery goes first */
        return;
    }
    bool can_take = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
                    !(vmread(VMCS_GUEST_INTERRUPTIBILITY) &
                      (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    if (!can_take) {
        set_interrupt_window_exiting(v, true);
        return;
    }
    vector = platform_ack_interrupt(v, vector);
    vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID);
    set_interrupt_window_exiting(v, false);
}

/* HLT with interrupts enabled: sleep until the platform has an interrupt for
 * this vCPU. The console is looked at every few milliseconds so typed input
 * can wake a guest waiting for it. */
#define HALT_POLL_NS 10000000ull

void vmx_vcpu_halt(struct vcpu *v)
{
    while (!v->vm->ending) {
        if (v->vm->pv_deferred)
            xen_run_deferred(v->vm);    /* it may be what raises our interrupt */
        uint64_t now = rdtsc();
        spin_lock(&v->vm->lock);
        uint64_t deadline = platform_update(v, now);
        bool pending = platform_pending_interrupt(v) >= 0 ||
                       (v->id != 0 && platform_init_pending(v));   /* INIT ends the halt too */
        spin_unlock(&v->vm->lock);
        if (pending) {
            v->intr_maybe_pending = true;
            return;
        }
        uint64_t poll = now + ns_to_tsc(HALT_POLL_NS);
        host_sleep_until(deadline < poll ? deadline : poll);
        v->armed_deadline = 0;      /* the sleep re-armed the host timer */
    }
}

void vmx_vcpu_run(struct vcpu *v)
{
    uint64_t t_exit = 0;
    unsigned reason = EXIT_STATS_SLOTS - 1;
    while (v->end == VCPU_RUNNING && !v->vm->ending && !v->reset_by_init) {
        struct pcpu *cpu = this_pcpu();
        if (v->xcr0 != cpu->current_xcr0 && vmx_host.xcr0_supported) {
            xsetbv(0, v->xcr0);
            cpu->current_xcr0 = v->xcr0;
        }
        prepare_entry(v);
        if (v->reset_by_init)
            break;
        if (t_exit)
            exit_stats_add(&v->stats, reason, rdtsc() - t_exit);
        int failed = vmx_enter(&v->regs, v->launched);
        v->event_queued = false;    /* VM entry consumed it (or failed) */
        t_exit = rdtsc();
        if (failed) {
            vcpu_end(v, END_ERROR, "VM entry failed: VM-instruction error %lu",
                     vmread(VMCS_INSTRUCTION_ERROR));
            break;
        }
        v->launched = true;
        uint32_t full = (uint32_t)vmread(VMCS_EXIT_REASON);
        reason = EXIT_REASON_BASIC(full);
        if (full & EXIT_REASON_ENTRY_FAILURE) {
            vcpu_end(v, END_ERROR, "VM entry failed: %s (exit qualification %lu)",
                     exit_reason_name(reason), vmread(VMCS_EXIT_QUALIFICATION));
            break;
        }
        vmx_handle_exit(v, reason);
        if (v->end == VCPU_RUNNING)
            redeliver_interrupted_event(v);
    }
    if (t_exit)
        exit_stats_add(&v->stats, reason, rdtsc() - t_exit);
    host_timer_arm(0);
    if (v->end != VCPU_RUNNING)
        vm_vcpu_ended(v);
}
