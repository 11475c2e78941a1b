/* SPDX-License-Identifier: BSD-2-Clause */
/* The vCPU run loop: the deferred work before each entry (backend leftovers,
 * timers, NMI and interrupt injection), entry through the vendor layer, the
 * answer to each exit (dispatch.c), and HLT. It reaches the VM only through
 * its machine's ops and hooks. vCPU's CPU, root mode. */
#include <stdarg.h>
#include "arch/x86/percpu.h"
#include "host/apic.h"
#include "lib/print.h"
#include "vcpu/dispatch.h"
#include "vcpu/vcpu.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_enter.h"
#include "arch/x86/x86.h"

int vcpu_create(struct vcpu *v, uint64_t eptp, uint64_t tsc_offset, const struct vcpu_start *start)
{
    v->xcr0 = 1;
    v->armed_deadline = NO_DEADLINE;
    v->ept_generation = v->machine->ept_generation;    /* creating it flushes */
    v->nmi_pending = false;
    return vmx_vcpu_create(&v->vmx, v->machine->mem, eptp, tsc_offset, start);
}

void vcpu_destroy(struct vcpu *v)
{
    vmx_vcpu_destroy(&v->vmx);
}

void vcpu_end(struct vcpu *v, enum vcpu_end how, const char *fmt, ...)
{
    if (v->end != VCPU_RUNNING)
        return;         /* the first reason wins */
    v->end = how;
    v->leave = true;
    v->end_reason[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->end_reason, sizeof(v->end_reason), fmt, ap);
        va_end(ap);
    }
}

/* All deferred work before VM entry happens here: backends' leftovers run,
 * timers advance when a deadline has passed, the host timer is armed for
 * the next one, and a pending NMI or interrupt is injected when the guest
 * can take it, or a window requested (SDM Vol. 3C 27.6, 26.7.5). The common
 * case, nothing due and nothing raised, costs three compares. */
static void prepare_entry_locked(struct vcpu *v);

static void prepare_entry(struct vcpu *v)
{
    struct machine *m = v->machine;
    if (m->deferred_pending)
        m->deferred(m->deferred_ctx);       /* bounded; takes the lock itself */
    if (v->armed_deadline != NO_DEADLINE && rdtsc() >= v->armed_deadline)
        v->intr_maybe_pending = true;       /* update_timers below raises it */
    if (!v->intr_maybe_pending)
        return;
    spin_lock(&m->lock);
    prepare_entry_locked(v);
    spin_unlock(&m->lock);
}

static void prepare_entry_locked(struct vcpu *v)
{
    const struct vcpu_ops *ops = v->machine->ops;
    /* A mapping went (vcpus_flush_ept kicked us): no stale translation may
     * survive into the guest. */
    if (v->ept_generation != v->machine->ept_generation) {
        v->ept_generation = v->machine->ept_generation;
        vmx_vcpu_flush_ept(&v->vmx);
    }
    /* INIT to a running AP: it leaves the guest and waits for a SIPI again
     * (SDM Vol. 3A 9.4.4.1: INIT puts an AP in wait-for-SIPI). */
    if (v->id != 0 && ops->init_pending(v)) {
        v->reset_by_init = true;
        return;
    }
    /* The host timer takes the guest out for its next device deadline or
     * the end of its slice, whichever comes first. */
    uint64_t deadline = ops->update_timers(v, rdtsc());
    if (v->slice_end < deadline)
        deadline = v->slice_end;
    if (deadline != v->armed_deadline) {
        host_timer_arm(deadline == NO_DEADLINE ? 0 : deadline);
        v->armed_deadline = deadline;
    }
    /* NMIs go first (SDM Vol. 3A 6.9 priorities); while one waits for its
     * window no external interrupt is injected, and intr_maybe_pending stays
     * set so the next entry looks again. */
    if (ops->take_nmi(v))
        v->nmi_pending = true;
    if (v->nmi_pending) {
        if (vmx_inject_nmi(&v->vmx))
            v->nmi_pending = false;
        return;
    }
    int pending = ops->pending_intr(v);
    if (pending < 0) {
        v->intr_maybe_pending = false;
        vmx_request_interrupt_window(&v->vmx, false);
        return;
    }
    if (!vmx_interrupt_window_open(&v->vmx)) {
        vmx_request_interrupt_window(&v->vmx, true);   /* an exception or re-delivery goes first */
        return;
    }
    vmx_inject_interrupt(&v->vmx, (uint8_t)ops->ack_intr(v, pending));
}

enum vcpu_stop vcpu_run(struct vcpu *v)
{
    struct machine *m = v->machine;
    struct vexit *x = &v->exit;
    struct pcpu *cpu = this_pcpu();
    uint64_t t_exit = 0;
    unsigned reason = EXIT_STATS_SLOTS - 1;
    v->armed_deadline = 0;          /* arm the host timer for this slice at the first entry */
    v->intr_maybe_pending = true;
    uint64_t now = rdtsc();
    vmx_slice_start(&v->vmx, v->slice_end > now ? v->slice_end - now : 0);
    /* One flag stops the loop: set by vcpu_end, a wait (HLT) and on_none,
     * which looks at the CPU's resched and the VM's end; and the slice's end
     * is checked at every exit (an exit-heavy guest may use up its slice
     * with too little guest time for the preemption timer to fire). */
    v->leave = m->ending;
    while (!v->leave) {
        if (v->xcr0 != cpu->current_xcr0 && vmx_host.xcr0_supported) {
            xsetbv(0, v->xcr0);
            cpu->current_xcr0 = v->xcr0;
        }
        prepare_entry(v);
        if (v->reset_by_init)
            break;
        if (t_exit)
            exit_stats_add(&v->stats, reason, rdtsc() - t_exit);
        vmx_vcpu_enter(&v->vmx, &v->regs, x);
        t_exit = rdtsc();
        reason = x->reason;
        vcpu_dispatch(v, x);
        if (v->end == VCPU_RUNNING)
            vmx_vcpu_exit_done(&v->vmx);
        if (t_exit >= v->slice_end)
            break;
    }
    if (t_exit)
        exit_stats_add(&v->stats, reason, rdtsc() - t_exit);
    if (v->end != VCPU_RUNNING) {
        m->ops->ended(v);
        return VCPU_STOP_END;
    }
    if (m->ending)
        return VCPU_STOP_END;
    if (v->reset_by_init)
        return VCPU_STOP_INIT;
    return v->wait != VCPU_WAIT_NONE ? VCPU_STOP_WAIT : VCPU_STOP_SLICE;
}
