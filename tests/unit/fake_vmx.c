/* SPDX-License-Identifier: BSD-2-Clause */
/* Test double of the VT-x layer and the host services under the neutral
 * vCPU (see fake_vmx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/apic.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "vcpu/schedule.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_enter.h"
#include "tests/unit/fake_vmx.h"

struct vmx_host vmx_host;

static struct fake_vmx files[FAKE_VMX_VCPUS];
static unsigned nr_files;

uint64_t fake_tsc_hz = 2000000000ull;
unsigned fake_smp_kicks;
uint64_t fake_timer_armed;
void (*fake_sleep_hook)(void *ctx, uint64_t until);
void *fake_sleep_ctx;
unsigned fake_sleeps;

static void __attribute__((noreturn)) fake_fail(const char *what)
{
    fprintf(stderr, "fake_vmx: %s\n", what);
    abort();
}

void fake_vmx_reset(void)
{
    memset(files, 0, sizeof(files));
    nr_files = 0;
    memset(&vmx_host, 0, sizeof(vmx_host));
    fake_tsc_hz = 2000000000ull;
    fake_smp_kicks = 0;
    fake_vsched_wakes = 0;
    fake_vsched_yields = 0;
    fake_timer_armed = 0;
    fake_sleep_hook = NULL;
    fake_sleep_ctx = NULL;
    fake_sleeps = 0;
}

struct fake_vmx *fake_vmx_of(const struct vmx_vcpu *hw)
{
    for (unsigned i = 0; i < nr_files; i++)
        if (files[i].hw == hw)
            return &files[i];
    if (nr_files == FAKE_VMX_VCPUS)
        fake_fail("too many vCPUs");
    struct fake_vmx *f = &files[nr_files++];
    f->hw = hw;
    f->code_bits = 64;
    f->insn_len = 2;
    return f;
}

int fake_vcpu_setup(void **state)
{
    fake_vmx_reset();
    struct fake_vcpu *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    machine_init(&f->m, NULL, NULL, 1);
    f->m.bus_hz = 25000000;
    f->v.machine = &f->m;
    f->hw = fake_vmx_of(&f->v.vmx);
    *state = f;
    return 0;
}

int fake_vcpu_teardown(void **state)
{
    free(*state);
    return 0;
}

/* --- vmx/vmx_vcpu.h ------------------------------------------------------------ */

int vmx_vcpu_create(struct vmx_vcpu *hw, const struct guest_mem *mem, uint64_t eptp,
                    uint64_t tsc_offset, const struct vcpu_start *start)
{
    (void)eptp, (void)start;
    hw->mem = mem;
    fake_vmx_of(hw)->reg[VREG_TSC_OFFSET] = tsc_offset;
    return 0;
}

void vmx_vcpu_destroy(struct vmx_vcpu *hw)
{
    (void)hw;
}

void vmx_vcpu_flush_ept(struct vmx_vcpu *hw)
{
    fake_vmx_of(hw)->ept_flushes++;
}

uint64_t vmx_state_get(const struct vmx_vcpu *hw, enum vcpu_state_reg r)
{
    if ((unsigned)r >= FAKE_VMX_REGS)
        fake_fail("register out of range");
    return fake_vmx_of(hw)->reg[r];
}

void vmx_state_set(struct vmx_vcpu *hw, enum vcpu_state_reg r, uint64_t val)
{
    if ((unsigned)r >= FAKE_VMX_REGS)
        fake_fail("register out of range");
    fake_vmx_of(hw)->reg[r] = val;
}

unsigned vmx_cpl(const struct vmx_vcpu *hw)
{
    return fake_vmx_of(hw)->cpl;
}

unsigned vmx_code_bits(const struct vmx_vcpu *hw)
{
    return fake_vmx_of(hw)->code_bits;
}

void vmx_advance_rip(struct vmx_vcpu *hw, uint64_t len)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    f->reg[VREG_RIP] += len;
    f->advances++;
    f->advanced_by += len;
}

void vmx_skip_instruction(struct vmx_vcpu *hw)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    f->reg[VREG_RIP] += f->insn_len;
    f->skips++;
}

uint64_t vmx_gpr_read(const struct guest_regs *regs, unsigned gpr)
{
    return regs->gpr[gpr];
}

void vmx_gpr_write(struct guest_regs *regs, unsigned gpr, uint64_t val)
{
    regs->gpr[gpr] = val;
}

void vmx_inject_exception(struct vmx_vcpu *hw, unsigned vector, bool has_error, uint32_t error)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    f->exceptions++;
    f->vector = vector;
    f->has_error = has_error;
    f->error = error;
    hw->event_queued = true;
}

void vmx_inject_page_fault(struct vmx_vcpu *hw, uint64_t linear, uint32_t error)
{
    fake_vmx_of(hw)->cr2 = linear;
    vmx_inject_exception(hw, 14, true, error);
}

bool vmx_inject_nmi(struct vmx_vcpu *hw)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    if (f->nmi_blocked)
        return false;
    f->nmis++;
    hw->event_queued = true;
    return true;
}

bool vmx_interrupt_window_open(const struct vmx_vcpu *hw)
{
    return !hw->event_queued && !fake_vmx_of(hw)->window_closed;
}

void vmx_inject_interrupt(struct vmx_vcpu *hw, uint8_t vector)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    f->interrupts++;
    f->last_interrupt = vector;
    hw->event_queued = true;
}

void vmx_request_interrupt_window(struct vmx_vcpu *hw, bool on)
{
    struct fake_vmx *f = fake_vmx_of(hw);
    f->window_requested = on;
    f->window_requests++;
}

/* --- the entry path vcpu/run.c links against: never reached in a host test ------ */

const uint8_t vmx_simple_exit[EXIT_REASON_COUNT];

int vmx_enter(struct guest_regs *regs, int launched)
{
    (void)regs, (void)launched;
    fake_fail("vmx_enter called");
    return 1;
}

void vmx_entry_failed(struct vmx_vcpu *hw, int fail, uint32_t exit_reason, struct vexit *x)
{
    (void)hw, (void)fail, (void)exit_reason, (void)x;
    fake_fail("vmx_entry_failed called");
}

void vmx_decode_exit(struct vmx_vcpu *hw, struct guest_regs *regs, unsigned reason, struct vexit *x)
{
    (void)hw, (void)regs, (void)reason, (void)x;
    fake_fail("vmx_decode_exit called");
}

void vmx_redeliver_event(struct vmx_vcpu *hw, uint32_t idt_vectoring_info)
{
    (void)hw, (void)idt_vectoring_info;
    fake_fail("vmx_redeliver_event called");
}

void vmx_insn_failed(const char *insn, uint64_t arg)
{
    (void)insn, (void)arg;
    fake_fail("a VMX instruction ran");
}

/* --- host services --------------------------------------------------------------- */

uint64_t tsc_hz(void)
{
    return fake_tsc_hz;
}

void host_timer_arm(uint64_t tsc)
{
    fake_timer_armed = tsc;
}

void host_sleep_until(uint64_t tsc)
{
    if (++fake_sleeps > 1000)
        fake_fail("host_sleep_until: a halt that never ends");
    if (fake_sleep_hook)
        fake_sleep_hook(fake_sleep_ctx, tsc);
}

void smp_kick(const struct pcpu *cpu)
{
    (void)cpu;
    fake_smp_kicks++;
}

/* The scheduler (vcpu/schedule.c) is not built here: a kick to a waiting
 * vCPU is counted. */
unsigned fake_vsched_wakes;

void vsched_wake(struct vcpu *v)
{
    (void)v;
    fake_vsched_wakes++;
}

unsigned fake_vsched_yields;

void vsched_yield(struct vcpu *v)
{
    v->leave = true;
    fake_vsched_yields++;
}

/* Slices are the scheduler's business; the run loop's tests ignore them. */
void vmx_slice_start(struct vmx_vcpu *hw, uint64_t ticks)
{
    (void)hw, (void)ticks;
}
