/* SPDX-License-Identifier: BSD-2-Clause */
/* Running every VM's vCPUs on the physical CPUs: each CPU loops over the
 * scheduler's decisions (host/sched.h: per-CPU run queues, Xen's credit
 * policy), switches the vCPU it holds (VMCS, and the guest state that lives
 * in the CPU: XSAVE state, pass-through MSRs, CR2, debug registers), runs the
 * chosen one for its slice and blocks those that wait (HLT, SIPI).
 *
 * Slices end at the first exit after v->slice_end: the host LAPIC timer is
 * armed for it (with the guest's own device deadlines), so a guest spinning
 * with interrupts off leaves at the timer's external-interrupt exit.
 *
 * Locks: one per CPU's run queue (taken after a VM's lock, never before
 * one); the loop holds none while a vCPU runs. */
#ifndef KEEL_VCPU_SCHEDULE_H
#define KEEL_VCPU_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>
#include "vcpu/vcpu.h"

struct vsched_hooks {
    /* Keel's own work between slices on CPU 0, once vsched_request_control
     * asked for it (ending VMs, starting them), with no vCPU loaded there. */
    void (*control)(void);
    /* Keel's device polling on CPU 0 at every pass of its loop (the uplink
     * NIC, which raises no interrupt): cheap when there is nothing; returns
     * the TSC time it wants to run again, or NO_DEADLINE. May be NULL. */
    uint64_t (*poll)(uint64_t now);
};

/* Once, on CPU 0, after every CPU is online and before vCPUs are attached. */
void vsched_init(unsigned nr_cpus, const struct vsched_hooks *hooks);
/* The CPUs the scheduler runs on (bit n: CPU n). */
uint64_t vsched_cpu_mask(void);
/* Put a vCPU of a built VM under the scheduler: runnable when v->wait is
 * VCPU_WAIT_NONE (its VMCS is made from v->start when it first runs), else
 * waiting. weight 1..65535, affinity a mask within vsched_cpu_mask(): 0, or
 * -1 when refused. Any CPU. */
int vsched_attach(struct vcpu *v, uint32_t weight, uint64_t affinity);
/* A waiting vCPU may have something to do (vcpu_kick calls it): it is put
 * back in its CPU's run queue, which picks again if it outranks what runs. */
void vsched_wake(struct vcpu *v);
/* v, running on this CPU, gives the rest of its slice away (Xen's
 * SCHEDOP_yield): it stops at this exit and goes behind its equals. */
void vsched_yield(struct vcpu *v);
/* The CPUs running any of these vCPUs pick again (to stop or pause them). */
void vsched_preempt(struct vcpu *vcpus, unsigned n);
/* One line per CPU: how many vCPU switches it made and their mean cost. */
void vsched_print_stats(void);
/* Ask CPU 0 to run hooks->control soon. Any CPU. */
void vsched_request_control(void);
/* Each CPU's life once Keel is set up; never returns. */
__attribute__((noreturn)) void vsched_cpu_loop(void);

#endif
