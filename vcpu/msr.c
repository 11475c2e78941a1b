/* SPDX-License-Identifier: BSD-2-Clause */
/* MSR policy table (vCPU's CPU, at RDMSR/WRMSR exits). Each MSR a guest may
 * use is listed with how it is handled; everything else raises #GP, as on a
 * CPU without that MSR. Reserved-bit rules: SDM Vol. 4 and Vol. 3A. */
#include <stdbool.h>
#include <stddef.h>
#include "vcpu/msr.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"
#include "arch/x86/x86.h"

enum msr_kind {
    MSR_IN_VMCS,        /* lives in the VMCS guest-state area */
    MSR_HARDWARE,       /* guest value stays live in hardware: Keel never uses it */
    MSR_CONSTANT,       /* reads a fixed value; writes of that value are ignored */
    MSR_TSC,
};

struct msr_rule {
    uint32_t msr;
    enum msr_kind kind;
    enum vcpu_state_reg reg;    /* MSR_IN_VMCS */
    uint64_t value;             /* MSR_CONSTANT */
    bool (*valid)(uint64_t val);
};

static bool valid_pat(uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7)      /* reserved memory types */
            return false;
    }
    return true;
}

static bool valid_u32(uint64_t v) { return v >> 32 == 0; }
static bool valid_sysenter_cs(uint64_t v) { return v >> 32 == 0; }

static const struct msr_rule rules[] = {
    { MSR_IA32_P5_MC_ADDR, MSR_CONSTANT, 0, 0, NULL },
    { MSR_IA32_TSC, MSR_TSC, 0, 0, NULL },
    { MSR_IA32_PLATFORM_ID, MSR_CONSTANT, 0, 0, NULL },
    /* Locked with VMX off: what a guest must see when VMX is not offered. */
    { MSR_IA32_FEATURE_CONTROL, MSR_CONSTANT, 0, FEATURE_CONTROL_LOCK, NULL },
    /* Linux writes 0 here before reading the microcode revision (SDM Vol. 3A 10.11.7). */
    { MSR_IA32_BIOS_SIGN_ID, MSR_CONSTANT, 0, 0, NULL },
    { MSR_IA32_SYSENTER_CS, MSR_IN_VMCS, VREG_SYSENTER_CS, 0, valid_sysenter_cs },
    { MSR_IA32_SYSENTER_ESP, MSR_IN_VMCS, VREG_SYSENTER_ESP, 0, is_canonical },
    { MSR_IA32_SYSENTER_EIP, MSR_IN_VMCS, VREG_SYSENTER_EIP, 0, is_canonical },
    { MSR_IA32_MISC_ENABLE, MSR_CONSTANT, 0, MISC_ENABLE_FAST_STRINGS, NULL },
    { MSR_IA32_PAT, MSR_IN_VMCS, VREG_PAT, 0, valid_pat },
    { MSR_IA32_EFER, MSR_IN_VMCS, VREG_EFER, 0, NULL },    /* see write_efer */
    { MSR_IA32_STAR, MSR_HARDWARE, 0, 0, NULL },
    { MSR_IA32_LSTAR, MSR_HARDWARE, 0, 0, is_canonical },
    { MSR_IA32_CSTAR, MSR_HARDWARE, 0, 0, is_canonical },
    { MSR_IA32_FMASK, MSR_HARDWARE, 0, 0, valid_u32 },
    { MSR_IA32_FS_BASE, MSR_IN_VMCS, VREG_FS_BASE, 0, is_canonical },
    { MSR_IA32_GS_BASE, MSR_IN_VMCS, VREG_GS_BASE, 0, is_canonical },
    { MSR_IA32_KERNEL_GS_BASE, MSR_HARDWARE, 0, 0, is_canonical },
    { MSR_IA32_TSC_AUX, MSR_HARDWARE, 0, 0, valid_u32 },
};

static const struct msr_rule *find_rule(uint32_t msr)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].msr == msr)
            return &rules[i];
    return NULL;
}

static bool offered(uint32_t msr)
{
    /* TSC_AUX exists only when RDTSCP is offered (CPUID 0x80000001:EDX[27]). */
    return msr != MSR_IA32_TSC_AUX || (vmx_host.ctl.proc2 & PROC2_ENABLE_RDTSCP);
}

static int write_efer(struct vcpu *v, uint64_t val)
{
    uint64_t old = vcpu_get(v, VREG_EFER);
    uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA;
    if (cpuid(0x80000001, 0).edx & (1u << 20))
        allowed |= EFER_NXE;
    if (val & ~allowed)
        return -1;
    /* LME cannot change while paging is on (SDM Vol. 3A 10.8.5). */
    if ((vcpu_get(v, VREG_CR0) & CR0_PG) && ((val ^ old) & EFER_LME))
        return -1;
    val = (val & ~EFER_LMA) | (old & EFER_LMA);     /* LMA is read-only */
    vcpu_set(v, VREG_EFER, val);
    return 0;
}

int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    /* The board's (APIC base, x2APIC, TSC deadline), the Xen mode's (hypercall page). */
    const struct msr_ext *e = machine_msr_ext(v->machine, msr);
    if (e)
        return e->read(e->ctx, v, msr, val) ? -1 : 0;
    const struct msr_rule *r = find_rule(msr);
    if (!r || !offered(msr))
        return -1;
    switch (r->kind) {
    case MSR_IN_VMCS:
        *val = vcpu_get(v, r->reg);
        return 0;
    case MSR_HARDWARE:
        *val = rdmsr(msr);
        return 0;
    case MSR_CONSTANT:
        *val = r->value;
        return 0;
    case MSR_TSC:
        *val = rdtsc() + vcpu_get(v, VREG_TSC_OFFSET);
        return 0;
    }
    return -1;
}

int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    const struct msr_ext *e = machine_msr_ext(v->machine, msr);
    if (e)
        return e->write(e->ctx, v, msr, val) ? -1 : 0;
    const struct msr_rule *r = find_rule(msr);
    if (!r || !offered(msr))
        return -1;
    if (r->valid && !r->valid(val))
        return -1;
    switch (r->kind) {
    case MSR_IN_VMCS:
        if (msr == MSR_IA32_EFER)
            return write_efer(v, val);
        vcpu_set(v, r->reg, val);
        return 0;
    case MSR_HARDWARE:
        wrmsr(msr, val);
        return 0;
    case MSR_CONSTANT:
        return val == r->value ? 0 : -1;
    case MSR_TSC:
        vcpu_set(v, VREG_TSC_OFFSET, val - rdtsc());
        return 0;
    }
    return -1;
}

/* The MSR_HARDWARE rules, in table order, give the slots of vals[]. */
void msr_save_guest(uint64_t vals[MSR_GUEST_HW_MAX])
{
    unsigned n = 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].kind == MSR_HARDWARE && n < MSR_GUEST_HW_MAX) {
            vals[n] = offered(rules[i].msr) ? rdmsr(rules[i].msr) : 0;
            n++;
        }
}

void msr_load_guest(const uint64_t vals[MSR_GUEST_HW_MAX])
{
    unsigned n = 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].kind == MSR_HARDWARE && n < MSR_GUEST_HW_MAX) {
            if (offered(rules[i].msr))
                wrmsr(rules[i].msr, vals[n]);
            n++;
        }
}
