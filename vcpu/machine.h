/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine a vCPU belongs to, as the neutral vCPU layer sees it: what the
 * vCPUs of one VM share (guest memory, the lock that serializes device
 * emulation, whether the VM is ending), the board's operations (interrupts,
 * timers, INIT, a vCPU's end), and the extension tables the VM and its Xen
 * mode fill in when the VM is created (CPUID leaves, MSRs, the hypercall
 * handler, deferred backend work). vm/ embeds one in each VM and fills it;
 * vcpu/ reaches the VM through nothing else. */
#ifndef KEEL_VCPU_MACHINE_H
#define KEEL_VCPU_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/spinlock.h"
#include "arch/x86/x86.h"
#include "ept/guest_mem.h"

struct vcpu;

#define NO_DEADLINE UINT64_MAX

/* The board, for the run loop. Called with the machine's lock held, except
 * `ended`. */
struct vcpu_ops {
    /* Advance the board's timers to host TSC `now`; the host TSC of the next
     * timer event, or NO_DEADLINE. */
    uint64_t (*update_timers)(struct vcpu *v, uint64_t now);
    /* The highest-priority pending external interrupt, or -1; its token is
     * handed back to ack_intr, which takes it and returns the vector. */
    int (*pending_intr)(struct vcpu *v);
    int (*ack_intr)(struct vcpu *v, int pending);
    /* An NMI arrived for the vCPU; taking it clears it. */
    bool (*take_nmi)(struct vcpu *v);
    /* An INIT waits for an application processor. */
    bool (*init_pending)(struct vcpu *v);
    /* The start-up vector of a SIPI that follows an INIT, taken; or -1. */
    int (*take_startup)(struct vcpu *v);
    /* The vCPU stopped (v->end says how): the VM decides what follows. */
    void (*ended)(struct vcpu *v);
    /* The vCPU has left the scheduler for good (its VM ends) and no CPU
     * holds it; called once per vCPU, under no lock. */
    void (*gone)(struct vcpu *v);
};

/* CPUID leaves first..last answered by an extension (the hypervisor range). */
struct cpuid_ext {
    uint32_t first, last;
    struct cpuid_regs (*leaf)(void *ctx, struct vcpu *v, uint32_t leaf, uint32_t subleaf);
    void *ctx;
};

/* MSRs first..last owned by an extension; read and write return 0, or -1
 * for #GP. */
struct msr_ext {
    uint32_t first, last;
    int (*read)(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val);
    int (*write)(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val);
    void *ctx;
};

#define MACHINE_CPUID_EXTS 2
#define MACHINE_MSR_EXTS   8

struct machine {
    struct spinlock lock;           /* every vCPU's exits reach the same devices */
    volatile bool ending;           /* a vCPU ended: all stop */
    volatile bool paused;           /* its vCPUs are not scheduled until this is cleared */
    unsigned nr_vcpus;
    unsigned halted_forever;        /* vCPUs parked by HLT with interrupts off */
    const struct guest_mem *mem;
    uint64_t eptp;                  /* its EPT tables, for each vCPU's VMCS */
    uint64_t tsc_offset;            /* guest TSC = host TSC + this, on every vCPU */
    uint64_t bus_hz;                /* the board's crystal clock (CPUID 0x15, 0x16) */
    const struct vcpu_ops *ops;

    struct cpuid_ext cpuid[MACHINE_CPUID_EXTS];
    unsigned nr_cpuid;
    struct msr_ext msr[MACHINE_MSR_EXTS];
    unsigned nr_msr;
    /* VMCALL; without a handler the guest gets -ENOSYS in RAX. */
    void (*hypercall)(void *ctx, struct vcpu *v);
    void *hypercall_ctx;
    /* Backend work left over at a budget's end, run before the next entry of
     * any vCPU once `deferred_pending` is set (under no lock: it takes its own). */
    void (*deferred)(void *ctx);
    void *deferred_ctx;
    volatile bool deferred_pending;
    /* Bumped when a guest-physical mapping goes or changes (vcpus_flush_ept);
     * a vCPU that has not flushed this generation does before its next entry. */
    volatile uint32_t ept_generation;
};

/* Empty tables, no hooks, not ending; lock, memory and ops as given. */
void machine_init(struct machine *m, const struct guest_mem *mem, const struct vcpu_ops *ops,
                  unsigned nr_vcpus);
/* Add an extension; -1 when the table is full or the range overlaps one
 * already there (a configuration error of Keel's, not the guest's). */
int machine_add_cpuid(struct machine *m, const struct cpuid_ext *e);
int machine_add_msr(struct machine *m, const struct msr_ext *e);
/* The extension owning leaf or msr, or NULL. */
const struct cpuid_ext *machine_cpuid_ext(const struct machine *m, uint32_t leaf);
const struct msr_ext *machine_msr_ext(const struct machine *m, uint32_t msr);

#endif
