/* SPDX-License-Identifier: BSD-2-Clause */
/* Extended-state reset between VMs (boot CPU). XRSTOR of a header with
 * XSTATE_BV = 0 loads the init state of every requested component
 * (SDM Vol. 1 13.8.1). Keel itself never uses these registers. */
#include <stdint.h>
#include "arch/x86/percpu.h"
#include "vcpu/fpu.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

#define XSAVE_AREA_MAX 4096

static uint8_t init_area[XSAVE_AREA_MAX] __attribute__((aligned(64)));

void fpu_reset(void)
{
    uint64_t all = vmx_host.xcr0_supported;
    if (!all || cpuid(0xd, 0).ecx > XSAVE_AREA_MAX) {
        __asm__ volatile("fninit");
        return;
    }
    /* MXCSR comes from the legacy area whatever XSTATE_BV says: give it its reset value. */
    *(uint32_t *)(init_area + 24) = 0x1f80;
    xsetbv(0, all);
    __asm__ volatile("xrstor %0" ::"m"(init_area), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
                     : "memory");
    xsetbv(0, 1);
    this_pcpu()->current_xcr0 = 1;
}
