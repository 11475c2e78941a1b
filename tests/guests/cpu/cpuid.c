/* SPDX-License-Identifier: BSD-2-Clause */
/* cpuid.c — test guest: Keel's CPUID view (hypervisor bit set, VMX hidden, leaf
 * 0x40000000 signature "KeelKeelKeel" with max leaf 0x40000001, nonzero version). */
#include "guest.h"

const char test_name[] = "cpuid";

#define CPUID1_ECX_VMX          (1u << 5)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)
#define HV_LEAF_BASE            0x40000000u
#define HV_LEAF_VERSION         0x40000001u

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;

    struct cpuid_regs r0 = cpuid(0, 0);
    check(r0.eax >= 1, "basic leaf 0 reports max leaf 0x%x >= 1", r0.eax);

    struct cpuid_regs r1 = cpuid(1, 0);
    check(r1.ecx & CPUID1_ECX_HYPERVISOR, "CPUID.1:ECX[31] hypervisor bit is set (ecx=0x%08x)",
          r1.ecx);
    check(!(r1.ecx & CPUID1_ECX_VMX), "CPUID.1:ECX[5] VMX is clear (ecx=0x%08x)", r1.ecx);

    struct cpuid_regs hv = cpuid(HV_LEAF_BASE, 0);
    char sig[13];
    memcpy(sig + 0, &hv.ebx, 4);
    memcpy(sig + 4, &hv.ecx, 4);
    memcpy(sig + 8, &hv.edx, 4);
    sig[12] = '\0';
    for (int i = 0; i < 12; i++)    /* keep the log printable whatever came back */
        if (sig[i] < 0x20 || sig[i] > 0x7e)
            sig[i] = '?';
    check(hv.eax == HV_LEAF_VERSION, "leaf 0x40000000 EAX (max hypervisor leaf) = 0x%08x, want 0x%08x",
          hv.eax, HV_LEAF_VERSION);
    check(memcmp(sig, "KeelKeelKeel", 12) == 0, "leaf 0x40000000 signature \"%s\", want \"KeelKeelKeel\"",
          sig);

    struct cpuid_regs ver = cpuid(HV_LEAF_VERSION, 0);
    check(ver.eax != 0, "leaf 0x40000001 version EAX = 0x%08x is nonzero", ver.eax);

    /* The same leaf asked twice must give the same answer (no state leaks between exits). */
    struct cpuid_regs hv2 = cpuid(HV_LEAF_BASE, 0);
    check(hv2.eax == hv.eax && hv2.ebx == hv.ebx && hv2.ecx == hv.ecx && hv2.edx == hv.edx,
          "leaf 0x40000000 is stable across calls");

    kprintf("cpuid: signature %s version 0x%x\n", sig, ver.eax);
    test_finish();
}
