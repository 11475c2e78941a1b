/* SPDX-License-Identifier: BSD-2-Clause */
/* Test double of the VT-x layer (vmx/vmx_vcpu.h, the entry path vcpu/run.c
 * links against, vmx_host) and of the host services the neutral vCPU calls
 * (TSC rate, host timer and sleep, kicks to other CPUs), for host unit tests
 * of vcpu/ and the floors above it. Each struct vmx_vcpu gets an in-memory
 * register file found by its address; what the neutral layer asks of the
 * vendor (RIP advances, injected events, window requests) is recorded there.
 * Nothing here executes a privileged instruction. */
#ifndef KEEL_TESTS_FAKE_VMX_H
#define KEEL_TESTS_FAKE_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include "vcpu/vcpu.h"
#include "vmx/vmx_vcpu.h"

#define FAKE_VMX_REGS 32        /* more than enum vcpu_state_reg has */
#define FAKE_VMX_VCPUS 16

struct fake_vmx {
    const struct vmx_vcpu *hw;  /* whose register file this is */
    uint64_t reg[FAKE_VMX_REGS];    /* enum vcpu_state_reg */
    unsigned cpl;               /* 0 unless a test says otherwise */
    unsigned code_bits;         /* 64 unless a test says otherwise */
    uint64_t insn_len;          /* length of the exiting instruction (default 2) */

    unsigned ept_flushes;       /* vmx_vcpu_flush_ept calls */
    unsigned skips;             /* vmx_skip_instruction calls */
    unsigned advances;          /* vmx_advance_rip calls */
    uint64_t advanced_by;       /* their lengths, summed */

    unsigned exceptions;        /* vmx_inject_exception / _page_fault calls */
    unsigned vector;            /* the last one */
    bool has_error;
    uint32_t error;
    uint64_t cr2;               /* the last page fault's linear address */

    unsigned nmis;              /* vmx_inject_nmi calls that queued one */
    bool nmi_blocked;           /* vmx_inject_nmi answers false */
    unsigned interrupts;        /* vmx_inject_interrupt calls */
    uint8_t last_interrupt;
    bool window_closed;         /* vmx_interrupt_window_open answers false */
    bool window_requested;      /* the last vmx_request_interrupt_window */
    unsigned window_requests;
};

/* The register file of hw, created zeroed (CPL 0, 64-bit code, 2-byte
 * instruction) the first time it is asked for. */
struct fake_vmx *fake_vmx_of(const struct vmx_vcpu *hw);
/* Forget every register file and record; the host fakes to their defaults. */
void fake_vmx_reset(void);

/* A vCPU of a one-vCPU machine (no memory, no board, no extensions, a
 * 25 MHz crystal) over a freshly reset fake vendor layer: a CMocka fixture
 * for the policy tests. */
struct fake_vcpu {
    struct machine m;
    struct vcpu v;
    struct fake_vmx *hw;
};
int fake_vcpu_setup(void **state);
int fake_vcpu_teardown(void **state);

/* Host fakes. */
extern uint64_t fake_tsc_hz;            /* tsc_hz(); default 2 GHz */
extern unsigned fake_smp_kicks;
extern unsigned fake_vsched_wakes;      /* vsched_wake calls (kicks to waiting vCPUs) */
extern unsigned fake_vsched_yields;     /* vsched_yield calls (SCHEDOP_yield) */
extern uint64_t fake_timer_armed;       /* host_timer_arm's last argument */
/* host_sleep_until: called with the deadline when set (a test ends the sleep
 * by raising an interrupt or ending the machine), else the sleep returns. */
extern void (*fake_sleep_hook)(void *ctx, uint64_t until);
extern void *fake_sleep_ctx;
extern unsigned fake_sleeps;

#endif
