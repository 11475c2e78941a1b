/* SPDX-License-Identifier: BSD-2-Clause */
/* MSR bitmap (SDM Vol. 3C 25.6.9): four 1 KiB bit arrays (reads of MSRs
 * 0-0x1FFF, reads of 0xC0000000-0xC0001FFF, then writes of each); a set bit
 * makes the access exit. Everything exits except MSRs whose guest value the
 * CPU keeps for the guest (in the VMCS, or live because Keel never uses
 * them) and whose checks the CPU makes itself, so vcpu/msr.c's policy and
 * the hardware agree. Boot CPU, once. */
#include "host/palloc.h"
#include "vmx/msr_bitmap.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"

enum { PASS_READ = 1, PASS_WRITE = 2 };

static const struct {
    uint32_t msr;
    unsigned pass;
} passed[] = {
    { MSR_IA32_TSC, PASS_READ },                /* the CPU adds the TSC offset */
    { MSR_IA32_SYSENTER_CS, PASS_READ | PASS_WRITE },
    { MSR_IA32_SYSENTER_ESP, PASS_READ | PASS_WRITE },
    { MSR_IA32_SYSENTER_EIP, PASS_READ | PASS_WRITE },
    { MSR_IA32_PAT, PASS_READ | PASS_WRITE },   /* saved/loaded with the VMCS; the CPU rejects bad types */
    { MSR_IA32_EFER, PASS_READ },               /* writes exit: LME/LMA and the entry control */
    { MSR_IA32_STAR, PASS_READ | PASS_WRITE },
    { MSR_IA32_LSTAR, PASS_READ | PASS_WRITE },
    { MSR_IA32_CSTAR, PASS_READ | PASS_WRITE },
    { MSR_IA32_FMASK, PASS_READ | PASS_WRITE },
    { MSR_IA32_FS_BASE, PASS_READ | PASS_WRITE },
    { MSR_IA32_GS_BASE, PASS_READ | PASS_WRITE },
    { MSR_IA32_KERNEL_GS_BASE, PASS_READ | PASS_WRITE },
};

static void clear_bit(uint8_t *page, unsigned base, uint32_t msr)
{
    uint32_t index = msr & 0x1fff;
    unsigned half = (msr >= 0xc0000000u) ? 1024 : 0;
    page[base + half + index / 8] &= (uint8_t)~(1u << (index % 8));
}

uint64_t vmx_msr_bitmap_create(void)
{
    uint64_t phys = palloc_page();
    if (!phys)
        return 0;
    uint8_t *page = (uint8_t *)(uintptr_t)phys;
    for (unsigned i = 0; i < 4096; i++)
        page[i] = 0xff;
    for (unsigned i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
        if (passed[i].pass & PASS_READ)
            clear_bit(page, 0, passed[i].msr);
        if (passed[i].pass & PASS_WRITE)
            clear_bit(page, 2048, passed[i].msr);
    }
    return phys;
}
