/* SPDX-License-Identifier: BSD-2-Clause */
/* CPUID policy: host values with what Keel does not virtualize hidden, the
 * hypervisor bit set and Keel's signature at 0x40000000 (SDM Vol. 2A CPUID).
 * Runs on the vCPU's CPU at a CPUID exit. */
#include <string.h>
#include "host/tsc.h"
#include "vcpu/cpuid.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"

/* Leaf 1 ECX */
#define F1C_DTES64       (1u << 2)
#define F1C_MONITOR      (1u << 3)
#define F1C_DS_CPL       (1u << 4)
#define F1C_VMX          (1u << 5)
#define F1C_SMX          (1u << 6)
#define F1C_EST          (1u << 7)
#define F1C_TM2          (1u << 8)
#define F1C_SDBG         (1u << 11)
#define F1C_PDCM         (1u << 15)
#define F1C_X2APIC       (1u << 21)
#define F1C_TSC_DEADLINE (1u << 24)
#define F1C_XSAVE        (1u << 26)
#define F1C_OSXSAVE      (1u << 27)
#define F1C_HYPERVISOR   (1u << 31)
/* Leaf 1 EDX */
#define F1D_MCE          (1u << 7)
#define F1D_APIC         (1u << 9)
#define F1D_MTRR         (1u << 12)
#define F1D_MCA          (1u << 14)
#define F1D_DS           (1u << 21)
#define F1D_ACPI         (1u << 22)
#define F1D_HTT          (1u << 28)
#define F1D_TM           (1u << 29)
#define F1D_PBE          (1u << 31)
/* Leaf 7.0 */
#define F7B_TSC_ADJUST   (1u << 1)
#define F7B_SGX          (1u << 2)
#define F7B_INVPCID      (1u << 10)
#define F7B_PQM          (1u << 12)
#define F7B_MPX          (1u << 14)
#define F7B_PQE          (1u << 15)
#define F7B_PT           (1u << 25)
#define F7C_WAITPKG      (1u << 5)
#define F7C_LA57         (1u << 16)
#define F7C_SGX_LC       (1u << 30)
#define F7D_SPEC_MSRS    ((1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31))
/* Leaf 0x80000001 EDX */
#define FX1D_RDTSCP      (1u << 27)
/* Leaf 0xD.1 EAX */
#define FD1A_XSAVES_XFD  ((1u << 3) | (1u << 4))

static struct cpuid_regs keel_leaf(uint32_t leaf)
{
    struct cpuid_regs r = { 0, 0, 0, 0 };
    if (leaf == CPUID_KEEL_BASE) {
        r.eax = CPUID_KEEL_BASE + 1;
        memcpy(&r.ebx, CPUID_KEEL_SIGNATURE, 4);
        memcpy(&r.ecx, CPUID_KEEL_SIGNATURE + 4, 4);
        memcpy(&r.edx, CPUID_KEEL_SIGNATURE + 8, 4);
    } else if (leaf == CPUID_KEEL_BASE + 1) {
        r.eax = (KEEL_VERSION_MAJOR << 16) | KEEL_VERSION_MINOR;
    }
    return r;
}

/* Leaf 0x15: TSC = crystal * EBX / EAX (SDM Vol. 3B 19.7.3). The crystal is
 * the LAPIC timer's input clock too, as Linux assumes. Linux multiplies the
 * crystal in kHz by EBX in 32 bits, so EBX stays below 2^32 / crystal_kHz
 * and EAX is the largest denominator that allows (a few ppm of rounding). */
static struct cpuid_regs tsc_leaf(uint64_t crystal)
{
    if (crystal < 1000)
        return (struct cpuid_regs){ 0, 0, 0, 0 };  /* no crystal: the leaf is not enumerated */
    const uint64_t max_ebx = 0xffffffffull / (crystal / 1000);
    uint64_t eax = muldiv64(max_ebx, crystal, tsc_hz());
    if (eax == 0)
        eax = 1;
    uint64_t ebx = (muldiv64(tsc_hz(), eax * 2, crystal) + 1) / 2;    /* rounded */
    return (struct cpuid_regs){ (uint32_t)eax, (uint32_t)ebx, (uint32_t)crystal, 0 };
}

/* Leaf 0xD.1 EBX: the XSAVEC (compacted) area size for XCR0, summed from the
 * components' sizes and 64-byte alignment flags (SDM Vol. 1 13.4.3). Some
 * CPU models (Bochs's among them) report the standard-format size here. */
static uint32_t xsave_compacted_size(uint64_t xcr0)
{
    uint32_t size = 512 + 64;      /* legacy area + XSAVE header */
    for (unsigned i = 2; i < 63; i++) {
        if (!((xcr0 >> i) & 1))
            continue;
        struct cpuid_regs c = cpuid(0xd, i);
        if (c.ecx & 2)
            size = (size + 63) & ~63u;
        size += c.eax;
    }
    return size;
}

struct cpuid_regs cpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    if ((leaf & 0xf0000000u) == CPUID_KEEL_BASE) {
        /* The hypervisor range: an extension's (the Xen mode's), else Keel's
         * own leaves. The rest stays empty: under a nested hypervisor the
         * host's would show through and could be detected instead. */
        const struct cpuid_ext *e = machine_cpuid_ext(v->machine, leaf);
        if (e)
            return e->leaf(e->ctx, v, leaf, subleaf);
        if ((leaf & 0xffffff00u) == CPUID_KEEL_BASE)
            return keel_leaf(leaf);
        return (struct cpuid_regs){ 0, 0, 0, 0 };
    }

    struct cpuid_regs r = cpuid(leaf, subleaf);
    const uint32_t proc2 = vmx_host.ctl.proc2;
    switch (leaf) {
    case 0:
        if (r.eax < 0x16)
            r.eax = 0x16;       /* leaves 0x15/0x16 carry the TSC frequency */
        break;
    case 1:
        r.ecx &= ~(F1C_DTES64 | F1C_MONITOR | F1C_DS_CPL | F1C_VMX | F1C_SMX | F1C_EST |
                   F1C_TM2 | F1C_SDBG | F1C_PDCM | F1C_OSXSAVE);
        /* The emulated LAPIC offers x2APIC and the TSC-deadline timer whatever the host has. */
        r.ecx |= F1C_HYPERVISOR | F1C_X2APIC | F1C_TSC_DEADLINE;
        if (!vmx_host.xcr0_supported)
            r.ecx &= ~F1C_XSAVE;
        if (vcpu_get(v, VREG_CR4) & CR4_OSXSAVE)
            r.ecx |= F1C_OSXSAVE;
        r.edx &= ~(F1D_MCE | F1D_MTRR | F1D_MCA | F1D_DS | F1D_ACPI | F1D_HTT | F1D_TM | F1D_PBE);
        r.edx |= F1D_APIC;
        /* One logical processor per package; APIC ID = vCPU number. */
        r.ebx = (r.ebx & 0xffff) | (1u << 16) | (v->id << 24);
        break;
    case 4:
        r.eax &= 0x3ff;     /* one core, one thread per cache */
        break;
    case 7:
        if (subleaf == 0) {
            r.ebx &= ~(F7B_TSC_ADJUST | F7B_SGX | F7B_PQM | F7B_MPX | F7B_PQE | F7B_PT);
            if (!(proc2 & PROC2_ENABLE_INVPCID))
                r.ebx &= ~F7B_INVPCID;
            r.ecx &= ~(F7C_WAITPKG | F7C_LA57 | F7C_SGX_LC);
            r.edx &= ~F7D_SPEC_MSRS;
        } else {
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
        }
        break;
    case 0xd:
        if (!vmx_host.xcr0_supported) {
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
        } else if (subleaf == 0) {
            r.eax &= (uint32_t)vmx_host.xcr0_supported;
            r.edx &= (uint32_t)(vmx_host.xcr0_supported >> 32);
        } else if (subleaf == 1) {
            r.eax &= ~FD1A_XSAVES_XFD;
            r.ebx = xsave_compacted_size(v->xcr0);
            r.ecx = r.edx = 0;
        } else if (subleaf < 64 && !((vmx_host.xcr0_supported >> subleaf) & 1)) {
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
        }
        break;
    case 6:     /* thermal and power: only "APIC timer always running" */
        r = (struct cpuid_regs){ 1u << 2, 0, 0, 0 };
        break;
    case 0x15:
        r = tsc_leaf(v->machine->bus_hz);
        break;
    case 0x16:
        r = (struct cpuid_regs){ (uint32_t)(tsc_hz() / 1000000), (uint32_t)(tsc_hz() / 1000000),
                                 (uint32_t)(v->machine->bus_hz / 1000000), 0 };
        break;
    case 5:     /* MONITOR/MWAIT */
    case 0xa:   /* performance monitoring */
    case 0xb:   /* x2APIC topology: not yet virtualized */
    case 0xf:
    case 0x10:  /* resource monitoring and allocation */
    case 0x12:  /* SGX */
    case 0x14:  /* processor trace */
    case 0x1f:
        r = (struct cpuid_regs){ 0, 0, 0, 0 };
        break;
    case 0x80000001:
        if (!(proc2 & PROC2_ENABLE_RDTSCP))
            r.edx &= ~FX1D_RDTSCP;
        break;
    case 0x80000007:
        r.eax = r.ebx = r.ecx = 0;
        r.edx &= 1u << 8;   /* invariant TSC only */
        break;
    }
    return r;
}
