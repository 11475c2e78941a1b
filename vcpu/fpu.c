/* SPDX-License-Identifier: BSD-2-Clause */
/* Saving and loading a vCPU's extended state with XSAVE/XRSTOR over every
 * component the host supports (SDM Vol. 1 13.7-13.8), or FXSAVE/FXRSTOR on
 * a CPU without XSAVE. Root mode. */
#include <string.h>
#include "arch/x86/percpu.h"
#include "vcpu/fpu.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

#define MXCSR_OFFSET 24
#define MXCSR_RESET  0x1f80u

void fpu_area_init(struct fpu_area *a)
{
    memset(a, 0, sizeof(*a));
    uint32_t mxcsr = MXCSR_RESET;
    memcpy(a->bytes + MXCSR_OFFSET, &mxcsr, sizeof(mxcsr));
}

/* Every component XCR0 may enable; the area must hold them all (checked
 * once: 0 means FXSAVE only). */
static uint64_t save_mask(void)
{
    static int64_t mask = -1;
    if (mask < 0) {
        uint64_t all = vmx_host.xcr0_supported;
        mask = all && cpuid(0xd, 0).ecx <= FPU_AREA_SIZE ? (int64_t)all : 0;
    }
    return (uint64_t)mask;
}

void fpu_save(struct fpu_area *a)
{
    uint64_t all = save_mask();
    if (!all) {
        __asm__ volatile("fxsave64 %0" : "=m"(*a));
        return;
    }
    xsetbv(0, all);
    __asm__ volatile("xsave64 %0" : "=m"(*a) : "a"((uint32_t)all), "d"((uint32_t)(all >> 32)) : "memory");
    this_pcpu()->current_xcr0 = all;
}

void fpu_load(const struct fpu_area *a)
{
    uint64_t all = save_mask();
    if (!all) {
        __asm__ volatile("fxrstor64 %0" ::"m"(*a));
        return;
    }
    xsetbv(0, all);
    __asm__ volatile("xrstor64 %0" ::"m"(*a), "a"((uint32_t)all), "d"((uint32_t)(all >> 32)) : "memory");
    this_pcpu()->current_xcr0 = all;
}
