/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual CPU: its registers, its VT-x part, the state Keel emulates, exit
 * accounting and how it ended. Vendor-neutral: devices and policies see only
 * this, and reach the VM through v->machine (vcpu/machine.h). */
#ifndef KEEL_VCPU_VCPU_H
#define KEEL_VCPU_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86/guest_regs.h"
#include "arch/x86/vcpu_state.h"
#include "arch/x86/vexit.h"
#include "host/sched.h"
#include "vcpu/exit_stats.h"
#include "vcpu/fpu.h"
#include "vcpu/machine.h"
#include "vmx/vmx_vcpu.h"

struct vm;
struct pcpu;
struct io_bus;
struct mmio_bus;

enum vcpu_end {
    VCPU_RUNNING,
    END_POWEROFF,
    END_REBOOT,
    END_DEBUG_EXIT,
    END_HALTED,
    END_TRIPLE_FAULT,
    END_ERROR,
};

#define VCPU_END_REASON_MAX 128
#define VCPU_MSR_SLOTS      8       /* = MSR_GUEST_HW_MAX (vcpu/msr.h) */

/* Why a vCPU is out of the guest and waits for a wake-up (vcpu/schedule.c). */
enum vcpu_wait {
    VCPU_WAIT_NONE,             /* runnable */
    VCPU_WAIT_HLT,              /* HLT with interrupts on: until an interrupt (or INIT, for an AP) */
    VCPU_WAIT_PARKED,           /* HLT with interrupts off: until INIT (an AP) or the VM's end */
    VCPU_WAIT_SIPI,             /* an AP before its first SIPI, or after INIT */
    VCPU_WAIT_PAUSED,           /* its VM is paused (then it waits as before) */
};

/* Guest state that lives in the CPU, outside the VMCS, while the vCPU runs;
 * here while it does not. */
struct vcpu_cpu_state {
    struct fpu_area fpu;
    uint64_t msr[VCPU_MSR_SLOTS];
    uint64_t cr2;
    uint64_t dr[4], dr6;
};

struct vcpu {
    struct guest_regs regs;     /* saved and loaded around each entry */
    struct vmx_vcpu vmx;        /* the VT-x part: VMCS, controls, queued event */
    struct machine *machine;    /* its VM, as this layer sees it */
    struct vm *vm;              /* its VM, for vm/ only */
    struct io_bus *io_bus;      /* its VM's ports */
    struct mmio_bus *mmio_bus;  /* its VM's MMIO ranges */
    unsigned id;
    struct pcpu *pcpu;          /* the physical CPU it is loaded on; NULL while on none */

    /* Scheduling (vcpu/schedule.c) */
    struct sched_entity sched;
    struct vcpu_start start;    /* how it starts when first loaded (vCPU 0) */
    bool created;               /* has its VMCS */
    enum vcpu_wait wait;
    uint64_t slice_end;         /* host TSC: back to the scheduler at the first exit after it */
    bool leave;                 /* vcpu_run stops before the next entry */
    uint64_t wake_tsc;          /* while waiting: when to look at the board again */
    uint64_t cpus_used;         /* bit n: it has run on physical CPU n */
    struct vcpu_cpu_state cpu_state;

    /* Run-loop bookkeeping (vcpu/run.c) */
    uint64_t armed_deadline;    /* host timer deadline armed for this vCPU */
    volatile bool intr_maybe_pending;   /* the board raised something: look before entry */
    uint32_t ept_generation;    /* the machine's, when this vCPU's CPU last flushed EPT translations */
    bool nmi_pending;           /* an NMI waits for the guest to be able to take it */
    struct vexit exit;          /* the last exit, as the vendor layer decoded it */

    /* Guest-visible state Keel emulates or shadows */
    uint64_t xcr0;              /* the guest's XCR0; loaded before each entry */
    bool saw_init;              /* an AP has had its INIT; the next SIPI starts it */
    bool reset_by_init;         /* an AP got INIT while running: back to wait-for-SIPI */

    struct exit_stats stats;

    enum vcpu_end end;
    uint32_t end_status;        /* debug-exit status */
    char end_reason[VCPU_END_REASON_MAX];
};

/* Make the vCPU look at its board's interrupts before its next entry,
 * interrupting its physical CPU if that is another one. */
void vcpu_kick(struct vcpu *v);

/* A guest-physical mapping of their machine went or changed (EPT tables
 * edited under the machine's lock): each of the n vCPUs flushes its CPU's
 * cached translations before its next entry, those in the guest on other
 * CPUs kicked out first. */
void vcpus_flush_ept(struct vcpu *vcpus, unsigned n);

/* Stop the vCPU after this exit; `fmt` adds detail for END_ERROR. */
void vcpu_end(struct vcpu *v, enum vcpu_end how, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Create the vCPU's VT-x state in its start state (on the CPU that will run
 * it). 0, or -1 when there is no memory for it. */
int vcpu_create(struct vcpu *v, uint64_t eptp, uint64_t tsc_offset, const struct vcpu_start *start);
void vcpu_destroy(struct vcpu *v);
/* Why vcpu_run returned. */
enum vcpu_stop {
    VCPU_STOP_SLICE,            /* its slice ended, or its CPU must pick again */
    VCPU_STOP_WAIT,             /* it waits (v->wait says for what) */
    VCPU_STOP_INIT,             /* an AP got INIT: back to wait-for-SIPI */
    VCPU_STOP_END,              /* it ended, or its VM ends */
};
/* Run on this CPU (its VMCS current) until v->slice_end, a wait, INIT or
 * the end; if it ended, tell the board (ops->ended). */
enum vcpu_stop vcpu_run(struct vcpu *v);

/* Architectural state, through the vendor layer. */
static inline uint64_t vcpu_get(struct vcpu *v, enum vcpu_state_reg r) { return vmx_state_get(&v->vmx, r); }
static inline void vcpu_set(struct vcpu *v, enum vcpu_state_reg r, uint64_t val) { vmx_state_set(&v->vmx, r, val); }
/* Current privilege level, and the code size: 16, 32 or 64. */
static inline unsigned vcpu_cpl(struct vcpu *v) { return vmx_cpl(&v->vmx); }
static inline unsigned vcpu_code_bits(struct vcpu *v) { return vmx_code_bits(&v->vmx); }
/* Move RIP past an emulated instruction (and end STI/MOV-SS blocking). */
static inline void vcpu_advance_rip(struct vcpu *v, uint64_t len) { vmx_advance_rip(&v->vmx, len); }
/* Past the instruction that caused the current exit. */
static inline void vcpu_skip_instruction(struct vcpu *v) { vmx_skip_instruction(&v->vmx); }
/* Queue a hardware exception for delivery at the next entry; the faulting
 * instruction is not skipped. */
static inline void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
    vmx_inject_exception(&v->vmx, vector, has_error, error);
}
/* #PF with CR2 = linear and the given error code. */
static inline void vcpu_inject_page_fault(struct vcpu *v, uint64_t linear, uint32_t error)
{
    vmx_inject_page_fault(&v->vmx, linear, error);
}
static inline void vcpu_inject_gp(struct vcpu *v) { vcpu_inject_exception(v, 13, true, 0); }
static inline void vcpu_inject_ud(struct vcpu *v) { vcpu_inject_exception(v, 6, false, 0); }

#endif
