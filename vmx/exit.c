/* SPDX-License-Identifier: BSD-2-Clause */
/* VM-exit dispatch: a static table indexed by basic exit reason turns raw VMX
 * exits into calls on neutral vCPU, policy and device code. Root mode. */
#include "host/apic.h"
#include "drivers/legacy_pic.h"
#include "vcpu/pio.h"
#include "vcpu/cpuid.h"
#include "vcpu/hypercall.h"
#include "vcpu/mmio.h"
#include "vcpu/msr.h"
#include "vcpu/string_io.h"
#include "vcpu/xcr.h"
#include "vm/vm.h"
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "arch/x86/x86.h"

typedef void (*exit_handler)(struct vcpu *v);

static void exit_cpuid(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    struct cpuid_regs r = cpuid_emulate(v, (uint32_t)g[GPR_RAX], (uint32_t)g[GPR_RCX]);
    g[GPR_RAX] = r.eax;
    g[GPR_RBX] = r.ebx;
    g[GPR_RCX] = r.ecx;
    g[GPR_RDX] = r.edx;
    vmx_skip_instruction(v);
}

/* INS/OUTS: address size and segment come from the VM-exit instruction
 * information (SDM Vol. 3C 28.2.5, Table 28-8), which IA32_VMX_BASIC[54]
 * guarantees for these exits; without it, CS decides and DS is assumed. */
static void exit_string_io(struct vcpu *v, uint64_t q)
{
    struct string_io op = {
        .port = IO_QUAL_PORT(q), .size = IO_QUAL_SIZE(q),
        .in = (q & IO_QUAL_IN) != 0, .rep = (q & IO_QUAL_REP) != 0,
    };
    unsigned seg = 3;   /* DS */
    if (vmx_host.caps.basic & VMX_BASIC_INS_OUTS_INFO) {
        uint32_t info = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO);
        op.addr_bits = 16u << ((info >> 7) & 7);
        seg = (info >> 15) & 7;
    } else {
        uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_CS_AR);
        op.addr_bits = (cs_ar & AR_L) ? 64 : (cs_ar & AR_DB) ? 32 : 16;
    }
    if (op.in || seg > 5)
        seg = 0;        /* INS always writes through ES */
    op.seg_base = vmread(VMCS_GUEST_ES_BASE + 2 * seg);
    if (op.addr_bits > 64) {
        vcpu_end(v, END_ERROR, "string I/O with an invalid address size");
        return;
    }
    spin_lock(&v->vm->lock);
    enum string_io_result r = string_io_emulate(v, &op);
    spin_unlock(&v->vm->lock);
    if (r == STRING_IO_DONE)
        vmx_skip_instruction(v);
}

static void exit_io(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned size = IO_QUAL_SIZE(q);
    if (q & IO_QUAL_STRING) {
        exit_string_io(v, q);
        return;
    }
    uint64_t *rax = &v->regs.gpr[GPR_RAX];
    uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    spin_lock(&v->vm->lock);
    if (q & IO_QUAL_IN) {
        uint32_t val = vcpu_port_read(v, IO_QUAL_PORT(q), size) & mask;
        /* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge (SDM Vol. 1 3.4.1.1). */
        *rax = size == 4 ? val : ((*rax & ~(uint64_t)mask) | val);
    } else {
        vcpu_port_write(v, IO_QUAL_PORT(q), size, (uint32_t)*rax & mask);
    }
    spin_unlock(&v->vm->lock);
    if (v->end == VCPU_RUNNING)
        vmx_skip_instruction(v);
}

static void exit_rdmsr(struct vcpu *v)
{
    uint64_t val;
    spin_lock(&v->vm->lock);
    int fault = msr_read(v, (uint32_t)v->regs.gpr[GPR_RCX], &val);
    spin_unlock(&v->vm->lock);
    if (fault) {
        vcpu_inject_gp(v);
        return;
    }
    v->regs.gpr[GPR_RAX] = (uint32_t)val;
    v->regs.gpr[GPR_RDX] = val >> 32;
    vmx_skip_instruction(v);
}

static void exit_wrmsr(struct vcpu *v)
{
    uint64_t val = (v->regs.gpr[GPR_RDX] << 32) | (uint32_t)v->regs.gpr[GPR_RAX];
    spin_lock(&v->vm->lock);
    int fault = msr_write(v, (uint32_t)v->regs.gpr[GPR_RCX], val);
    spin_unlock(&v->vm->lock);
    if (fault) {
        vcpu_inject_gp(v);
        return;
    }
    vmx_skip_instruction(v);
}

static void exit_hlt(struct vcpu *v)
{
    /* With interrupts off nothing but NMI or INIT could wake it. A vCPU parked
     * that way is normal in an SMP guest (CPUs stopped at shutdown); the VM
     * ends when every vCPU is. */
    if (!(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
        struct vm *vm = v->vm;
        spin_lock(&vm->lock);
        bool all = ++vm->halted_forever == vm->nr_vcpus;
        spin_unlock(&vm->lock);
        if (all) {
            vcpu_end(v, END_HALTED, NULL);
            return;
        }
        /* Until the VM ends, or, for an AP, an INIT (Linux brings an offlined
         * CPU back with INIT-SIPI-SIPI; it parked it with cli; hlt). */
        while (!vm->ending) {
            spin_lock(&vm->lock);
            bool init = v->id != 0 && platform_init_pending(v);
            if (init) {
                vm->halted_forever--;
                v->reset_by_init = true;
            }
            spin_unlock(&vm->lock);
            if (init)
                return;
            __asm__ volatile("sti; hlt; cli" ::: "memory");     /* woken by a kick */
        }
        return;
    }
    vmx_skip_instruction(v);
    vmx_vcpu_halt(v);
}

static void exit_interrupt_window(struct vcpu *v)
{
    vcpu_kick(v);   /* prepare_entry injects now that the guest can take it */
}

static void exit_vmcall(struct vcpu *v)
{
    hypercall(v);
    vmx_skip_instruction(v);
}

static void exit_xsetbv(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    int fault = xcr_write(v, (uint32_t)g[GPR_RCX], (g[GPR_RDX] << 32) | (uint32_t)g[GPR_RAX]);
    if (fault == XCR_FAULT_UD)
        vcpu_inject_ud(v);
    else if (fault == XCR_FAULT_GP)
        vcpu_inject_gp(v);
    else
        vmx_skip_instruction(v);
}

static void exit_cache_flush(struct vcpu *v)
{
    /* INVD would drop dirty lines of memory Keel and other VMs own: write back instead. */
    __asm__ volatile("wbinvd" ::: "memory");
    vmx_skip_instruction(v);
}

static void exit_undefined_opcode(struct vcpu *v)
{
    vcpu_inject_ud(v);
}

static void exit_general_protection(struct vcpu *v)
{
    vcpu_inject_gp(v);
}

static void exit_triple_fault(struct vcpu *v)
{
    vcpu_end(v, END_TRIPLE_FAULT, NULL);
}

static void exit_exception_nmi(struct vcpu *v)
{
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
    unsigned vector = INTR_INFO_VECTOR(info);
    if ((info & (7u << 8)) == INTR_TYPE_NMI)
        return;         /* a host NMI: nothing of Keel's uses them yet */
    if (vector == EXC_DB) {
        /* Hardware left DR6 alone on this exit; set it as delivery would (SDM 18.2.3). */
        uint64_t dr6 = 0xffff0ff0ull | (vmread(VMCS_EXIT_QUALIFICATION) & 0x600f);
        __asm__ volatile("mov %0, %%dr6" ::"r"(dr6));
        vmwrite(VMCS_GUEST_DR7, vmread(VMCS_GUEST_DR7) & ~(1ull << 13));
        vcpu_inject_exception(v, EXC_DB, false, 0);
    } else if (vector == EXC_AC) {
        vcpu_inject_exception(v, EXC_AC, true, 0);
    } else {
        vcpu_end(v, END_ERROR, "unexpected exception %u intercepted", vector);
    }
}

static void exit_external_interrupt(struct vcpu *v)
{
    (void)v;
    /* Acknowledged on exit, so it needs its EOI here. Keel's own timer is the
     * only LAPIC source; anything below 0x20 came through the host PICs, which
     * firmware may have left with an interrupt pending at boot. */
    uint32_t vector = INTR_INFO_VECTOR((uint32_t)vmread(VMCS_EXIT_INTR_INFO));
    if (vector >= 0x20 && vector != HOST_SPURIOUS_VECTOR)
        host_apic_eoi();
    else
        legacy_pic_eoi();
}

static void exit_ept_violation(struct vcpu *v)
{
    uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    spin_lock(&v->vm->lock);
    bool emulated = mmio_emulate(v, gpa);
    spin_unlock(&v->vm->lock);
    if (emulated)
        return;
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    const char *access = (q & EPT_QUAL_FETCH) ? "fetch" : (q & EPT_QUAL_WRITE) ? "write" : "read";
    vcpu_end(v, END_ERROR, "%s outside guest RAM at GPA 0x%lx (rip 0x%lx)", access, gpa,
             vmread(VMCS_GUEST_RIP));
}

static void exit_ept_misconfig(struct vcpu *v)
{
    vcpu_end(v, END_ERROR, "EPT misconfiguration at GPA 0x%lx (Keel bug)",
             vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
}

static const exit_handler handlers[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = exit_exception_nmi,
    [EXIT_EXTERNAL_INTERRUPT] = exit_external_interrupt,
    [EXIT_TRIPLE_FAULT] = exit_triple_fault,
    [EXIT_INTERRUPT_WINDOW] = exit_interrupt_window,
    [EXIT_NMI_WINDOW] = exit_interrupt_window,     /* prepare_entry delivers the NMI */
    [EXIT_CPUID] = exit_cpuid,
    [EXIT_GETSEC] = exit_undefined_opcode,
    [EXIT_HLT] = exit_hlt,
    [EXIT_INVD] = exit_cache_flush,
    [EXIT_RDPMC] = exit_general_protection, /* no PMU counters are advertised */
    [EXIT_VMCALL] = exit_vmcall,
    [EXIT_VMCLEAR] = exit_undefined_opcode,
    [EXIT_VMLAUNCH] = exit_undefined_opcode,
    [EXIT_VMPTRLD] = exit_undefined_opcode,
    [EXIT_VMPTRST] = exit_undefined_opcode,
    [EXIT_VMREAD] = exit_undefined_opcode,
    [EXIT_VMRESUME] = exit_undefined_opcode,
    [EXIT_VMWRITE] = exit_undefined_opcode,
    [EXIT_VMXOFF] = exit_undefined_opcode,
    [EXIT_VMXON] = exit_undefined_opcode,
    [EXIT_CR_ACCESS] = vmx_exit_cr_access,
    [EXIT_IO_INSTRUCTION] = exit_io,
    [EXIT_RDMSR] = exit_rdmsr,
    [EXIT_WRMSR] = exit_wrmsr,
    [EXIT_MWAIT] = exit_undefined_opcode,   /* MONITOR/MWAIT are not advertised */
    [EXIT_MONITOR] = exit_undefined_opcode,
    [EXIT_EPT_VIOLATION] = exit_ept_violation,
    [EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
    [EXIT_INVEPT] = exit_undefined_opcode,
    [EXIT_INVVPID] = exit_undefined_opcode,
    [EXIT_WBINVD] = exit_cache_flush,
    [EXIT_XSETBV] = exit_xsetbv,
};

void vmx_handle_exit(struct vcpu *v, unsigned reason)
{
    exit_handler h = reason < EXIT_REASON_COUNT ? handlers[reason] : NULL;
    if (!h) {
        vcpu_end(v, END_ERROR, "unhandled exit: %s (reason %u, qualification 0x%lx)",
                 exit_reason_name(reason), reason, vmread(VMCS_EXIT_QUALIFICATION));
        return;
    }
    h(v);
}
