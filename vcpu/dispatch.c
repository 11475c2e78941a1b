/* SPDX-License-Identifier: BSD-2-Clause */
/* Exit dispatch: a static table over the neutral exit kinds turns each exit
 * into calls on the vCPU's policies (CPUID, MSRs, XCR0), the emulators (port,
 * string and MMIO I/O) and the machine's extensions (hypercalls). Device
 * emulation runs under the machine's lock, taken here and nowhere below.
 * vCPU's CPU, root mode. */
#include "arch/x86/percpu.h"
#include "vcpu/cpuid.h"
#include "vcpu/dispatch.h"
#include "vcpu/hypercall.h"
#include "vcpu/mmio.h"
#include "vcpu/msr.h"
#include "vcpu/pio.h"
#include "vcpu/string_io.h"
#include "vcpu/xcr.h"

/* A host interrupt, the preemption timer or a kick took the guest out:
 * the moments at which the scheduler may want its CPU back. */
static void on_none(struct vcpu *v, const struct vexit *x)
{
    (void)x;
    if (rdtsc() >= v->slice_end || (v->pcpu && v->pcpu->resched) || v->machine->ending)
        v->leave = true;
}

static void on_cpuid(struct vcpu *v, const struct vexit *x)
{
    (void)x;
    uint64_t *g = v->regs.gpr;
    struct cpuid_regs r = cpuid_emulate(v, (uint32_t)g[GPR_RAX], (uint32_t)g[GPR_RCX]);
    g[GPR_RAX] = r.eax;
    g[GPR_RBX] = r.ebx;
    g[GPR_RCX] = r.ecx;
    g[GPR_RDX] = r.edx;
    vcpu_skip_instruction(v);
}

static void on_io(struct vcpu *v, const struct vexit *x)
{
    unsigned size = x->io.size;
    uint64_t *rax = &v->regs.gpr[GPR_RAX];
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    spin_lock(&v->machine->lock);
    if (x->io.in) {
        uint32_t val = vcpu_port_read(v, x->io.port, size) & mask;
        /* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge (SDM Vol. 1 3.4.1.1). */
        *rax = size == 4 ? val : ((*rax & ~(uint64_t)mask) | val);
    } else {
        vcpu_port_write(v, x->io.port, size, (uint32_t)*rax & mask);
    }
    spin_unlock(&v->machine->lock);
    if (v->end == VCPU_RUNNING)
        vcpu_skip_instruction(v);
}

static void on_string_io(struct vcpu *v, const struct vexit *x)
{
    struct string_io op = {
        .port = x->string_io.port, .size = x->string_io.size,
        .in = x->string_io.in, .rep = x->string_io.rep,
        .addr_bits = x->string_io.addr_bits, .seg_base = x->string_io.seg_base,
    };
    spin_lock(&v->machine->lock);
    enum string_io_result r = string_io_emulate(v, &op);
    spin_unlock(&v->machine->lock);
    if (r == STRING_IO_DONE)
        vcpu_skip_instruction(v);
}

static void on_msr_read(struct vcpu *v, const struct vexit *x)
{
    uint64_t val;
    spin_lock(&v->machine->lock);
    int fault = msr_read(v, x->msr.index, &val);
    spin_unlock(&v->machine->lock);
    if (fault) {
        vcpu_inject_gp(v);
        return;
    }
    v->regs.gpr[GPR_RAX] = (uint32_t)val;
    v->regs.gpr[GPR_RDX] = val >> 32;
    vcpu_skip_instruction(v);
}

static void on_msr_write(struct vcpu *v, const struct vexit *x)
{
    spin_lock(&v->machine->lock);
    int fault = msr_write(v, x->msr.index, x->msr.value);
    spin_unlock(&v->machine->lock);
    if (fault) {
        vcpu_inject_gp(v);
        return;
    }
    vcpu_skip_instruction(v);
}

static void on_hlt(struct vcpu *v, const struct vexit *x)
{
    struct machine *m = v->machine;
    if (x->hlt.interrupts_on) {
        vcpu_skip_instruction(v);
        v->wait = VCPU_WAIT_HLT;        /* the scheduler runs others until an interrupt */
        v->leave = true;
        return;
    }
    /* With interrupts off nothing but NMI or INIT could wake it. A vCPU parked
     * that way is normal in an SMP guest (CPUs stopped at shutdown); the VM
     * ends when every vCPU is. An AP waits for INIT (Linux brings an offlined
     * CPU back with INIT-SIPI-SIPI; it parked it with cli; hlt). */
    spin_lock(&m->lock);
    bool all = ++m->halted_forever == m->nr_vcpus;
    spin_unlock(&m->lock);
    if (all) {
        vcpu_end(v, END_HALTED, NULL);
        return;
    }
    v->wait = VCPU_WAIT_PARKED;
    v->leave = true;
}

static void on_vmcall(struct vcpu *v, const struct vexit *x)
{
    (void)x;
    hypercall(v);
    vcpu_skip_instruction(v);
}

static void on_xsetbv(struct vcpu *v, const struct vexit *x)
{
    int fault = xcr_write(v, x->xcr.index, x->xcr.value);
    if (fault == XCR_FAULT_UD)
        vcpu_inject_ud(v);
    else if (fault == XCR_FAULT_GP)
        vcpu_inject_gp(v);
    else
        vcpu_skip_instruction(v);
}

static void on_mmio(struct vcpu *v, const struct vexit *x)
{
    spin_lock(&v->machine->lock);
    bool emulated = mmio_emulate(v, x->mmio.gpa);
    spin_unlock(&v->machine->lock);
    if (emulated)
        return;
    const char *access = x->mmio.fetch ? "fetch" : x->mmio.write ? "write" : "read";
    vcpu_end(v, END_ERROR, "%s outside guest RAM at GPA 0x%lx (rip 0x%lx)", access, x->mmio.gpa,
             vcpu_get(v, VREG_RIP));
}

static void on_window(struct vcpu *v, const struct vexit *x)
{
    (void)x;
    v->intr_maybe_pending = true;   /* the next entry injects what the guest can now take */
}

static void on_triple_fault(struct vcpu *v, const struct vexit *x)
{
    (void)x;
    vcpu_end(v, END_TRIPLE_FAULT, NULL);
}

static void on_failed(struct vcpu *v, const struct vexit *x)
{
    vcpu_end(v, END_ERROR, "%s", x->why);
}

const vexit_handler vexit_handlers[VEXIT_KIND_COUNT] = {
    [VEXIT_NONE] = on_none,
    [VEXIT_CPUID] = on_cpuid,
    [VEXIT_IO] = on_io,
    [VEXIT_STRING_IO] = on_string_io,
    [VEXIT_MSR_READ] = on_msr_read,
    [VEXIT_MSR_WRITE] = on_msr_write,
    [VEXIT_HLT] = on_hlt,
    [VEXIT_VMCALL] = on_vmcall,
    [VEXIT_XSETBV] = on_xsetbv,
    [VEXIT_MMIO] = on_mmio,
    [VEXIT_WINDOW] = on_window,
    [VEXIT_TRIPLE_FAULT] = on_triple_fault,
    [VEXIT_FAILED] = on_failed,
};
