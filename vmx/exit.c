/* SPDX-License-Identifier: BSD-2-Clause */
/* VM-exit decoding: a static table indexed by basic exit reason turns each
 * VMX exit into a neutral record (arch/x86/vexit.h), or handles it here when
 * only VT-x has it. Root mode, right after the exit. */
#include <stdarg.h>
#include "drivers/legacy_pic.h"
#include "host/apic.h"
#include "lib/print.h"
#include "vmx/vmx_enter.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "arch/x86/x86.h"

typedef void (*exit_decoder)(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x);

void vmx_exit_fail(struct vexit *x, const char *fmt, ...)
{
    va_list ap;
    x->kind = VEXIT_FAILED;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof(x->why), fmt, ap);
    va_end(ap);
}

/* Exits the neutral layer answers from the registers alone: vmx_vcpu_enter
 * takes their kind from here without a call. */
const uint8_t vmx_simple_exit[EXIT_REASON_COUNT] = {
    [EXIT_TRIPLE_FAULT] = VEXIT_TRIPLE_FAULT,
    [EXIT_INTERRUPT_WINDOW] = VEXIT_WINDOW,
    [EXIT_NMI_WINDOW] = VEXIT_WINDOW,       /* the next entry delivers the NMI */
    [EXIT_CPUID] = VEXIT_CPUID,
    [EXIT_VMCALL] = VEXIT_VMCALL,
};

/* RDMSR, WRMSR and XSETBV name a register in ECX and carry a value in EDX:EAX. */
static void ecx_edx_eax(const struct guest_regs *regs, uint32_t *index, uint64_t *value)
{
    *index = (uint32_t)regs->gpr[GPR_RCX];
    *value = (regs->gpr[GPR_RDX] << 32) | (uint32_t)regs->gpr[GPR_RAX];
}

static void exit_rdmsr(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw;
    x->kind = VEXIT_MSR_READ;
    ecx_edx_eax(regs, &x->msr.index, &x->msr.value);
}

static void exit_wrmsr(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw;
    x->kind = VEXIT_MSR_WRITE;
    ecx_edx_eax(regs, &x->msr.index, &x->msr.value);
}

static void exit_xsetbv(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw;
    x->kind = VEXIT_XSETBV;
    ecx_edx_eax(regs, &x->xcr.index, &x->xcr.value);
}

static void exit_hlt(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    x->kind = VEXIT_HLT;
    x->hlt.interrupts_on = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) != 0;
}

/* INS/OUTS: address size and segment come from the VM-exit instruction
 * information (SDM Vol. 3C 28.2.5, Table 28-8), which IA32_VMX_BASIC[54]
 * guarantees for these exits; without it, CS decides and DS is assumed. */
static void decode_string_io(struct vexit *x, uint64_t q)
{
    x->kind = VEXIT_STRING_IO;
    x->string_io.port = IO_QUAL_PORT(q);
    x->string_io.size = IO_QUAL_SIZE(q);
    x->string_io.in = (q & IO_QUAL_IN) != 0;
    x->string_io.rep = (q & IO_QUAL_REP) != 0;
    unsigned seg = 3, addr_bits;   /* DS */
    if (vmx_host.caps.basic & VMX_BASIC_INS_OUTS_INFO) {
        uint32_t info = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO);
        addr_bits = 16u << ((info >> 7) & 7);
        seg = (info >> 15) & 7;
    } else {
        uint32_t cs_ar = (uint32_t)vmread(VMCS_GUEST_CS_AR);
        addr_bits = (cs_ar & AR_L) ? 64 : (cs_ar & AR_DB) ? 32 : 16;
    }
    if (addr_bits > 64) {
        vmx_exit_fail(x, "string I/O with an invalid address size");
        return;
    }
    if (x->string_io.in || seg > 5)
        seg = 0;        /* INS always writes through ES */
    x->string_io.addr_bits = (uint8_t)addr_bits;
    x->string_io.seg_base = vmread(VMCS_GUEST_ES_BASE + 2 * seg);
}

static void exit_io(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    if (!vmx_decode_port_io(q, x))
        decode_string_io(x, q);
}

static void exit_ept_violation(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    x->kind = VEXIT_MMIO;
    x->mmio.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    x->mmio.write = (q & EPT_QUAL_WRITE) != 0;
    x->mmio.fetch = (q & EPT_QUAL_FETCH) != 0;
}

/* ---- Exits only VT-x has: answered here ------------------------------------------------- */

static void exit_undefined_opcode(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)regs;
    x->kind = VEXIT_NONE;
    vmx_inject_exception(hw, EXC_UD, false, 0);
}

static void exit_general_protection(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)regs;
    x->kind = VEXIT_NONE;
    vmx_inject_exception(hw, EXC_GP, true, 0);
}

static void exit_cache_flush(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)regs;
    x->kind = VEXIT_NONE;
    /* INVD would drop dirty lines of memory Keel and other VMs own: write back instead. */
    __asm__ volatile("wbinvd" ::: "memory");
    vmx_skip_instruction(hw);
}

static void exit_cr_access(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    x->kind = VEXIT_NONE;
    vmx_exit_cr_access(hw, regs);
}

static void exit_exception_nmi(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)regs;
    x->kind = VEXIT_NONE;
    uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
    unsigned vector = INTR_INFO_VECTOR(info);
    if ((info & (7u << 8)) == INTR_TYPE_NMI)
        return;         /* a host NMI: nothing of Keel's uses them yet */
    if (vector == EXC_DB) {
        /* Hardware left DR6 alone on this exit; set it as delivery would (SDM 18.2.3). */
        uint64_t dr6 = 0xffff0ff0ull | (vmread(VMCS_EXIT_QUALIFICATION) & 0x600f);
        __asm__ volatile("mov %0, %%dr6" ::"r"(dr6));
        vmwrite(VMCS_GUEST_DR7, vmread(VMCS_GUEST_DR7) & ~(1ull << 13));
        vmx_inject_exception(hw, EXC_DB, false, 0);
    } else if (vector == EXC_AC) {
        vmx_inject_exception(hw, EXC_AC, true, 0);
    } else {
        vmx_exit_fail(x, "unexpected exception %u intercepted", vector);
    }
}

static void exit_external_interrupt(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    x->kind = VEXIT_NONE;
    /* Acknowledged on exit, so it needs its EOI here. Keel's own timer is the
     * only LAPIC source; anything below 0x20 came through the host PICs, which
     * firmware may have left with an interrupt pending at boot. */
    uint32_t vector = INTR_INFO_VECTOR((uint32_t)vmread(VMCS_EXIT_INTR_INFO));
    if (vector >= 0x20 && vector != HOST_SPURIOUS_VECTOR)
        host_apic_eoi();
    else
        legacy_pic_eoi();
}

/* The slice armed by vmx_slice_start has run out: the run loop sees it. */
static void exit_preemption_timer(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    x->kind = VEXIT_NONE;
}

static void exit_ept_misconfig(struct vmx_vcpu *hw, struct guest_regs *regs, struct vexit *x)
{
    (void)hw, (void)regs;
    vmx_exit_fail(x, "EPT misconfiguration at GPA 0x%lx (Keel bug)", vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
}

static const exit_decoder decoders[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = exit_exception_nmi,
    [EXIT_EXTERNAL_INTERRUPT] = exit_external_interrupt,
    [EXIT_GETSEC] = exit_undefined_opcode,
    [EXIT_HLT] = exit_hlt,
    [EXIT_INVD] = exit_cache_flush,
    [EXIT_RDPMC] = exit_general_protection, /* no PMU counters are advertised */
    [EXIT_VMCLEAR] = exit_undefined_opcode,
    [EXIT_VMLAUNCH] = exit_undefined_opcode,
    [EXIT_VMPTRLD] = exit_undefined_opcode,
    [EXIT_VMPTRST] = exit_undefined_opcode,
    [EXIT_VMREAD] = exit_undefined_opcode,
    [EXIT_VMRESUME] = exit_undefined_opcode,
    [EXIT_VMWRITE] = exit_undefined_opcode,
    [EXIT_VMXOFF] = exit_undefined_opcode,
    [EXIT_VMXON] = exit_undefined_opcode,
    [EXIT_CR_ACCESS] = exit_cr_access,
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
    [EXIT_PREEMPTION_TIMER] = exit_preemption_timer,
};

void vmx_decode_exit(struct vmx_vcpu *hw, struct guest_regs *regs, unsigned reason, struct vexit *x)
{
    exit_decoder d = reason < EXIT_REASON_COUNT ? decoders[reason] : NULL;
    if (!d) {
        vmx_exit_fail(x, "unhandled exit: %s (reason %u, qualification 0x%lx)", exit_reason_name(reason), reason,
             vmread(VMCS_EXIT_QUALIFICATION));
        return;
    }
    d(hw, regs, x);
}
