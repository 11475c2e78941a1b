/* SPDX-License-Identifier: BSD-2-Clause */
/* XSETBV policy (vCPU's CPU, at an XSETBV exit). Rules: SDM Vol. 1 13.3 and
 * Vol. 2D XSETBV. The value takes effect at the next VM entry. */
#include "vcpu/xcr.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define XCR0_BNDREG (1ull << 3)
#define XCR0_BNDCSR (1ull << 4)
#define XCR0_AVX512 (7ull << 5)    /* opmask, ZMM_Hi256, Hi16_ZMM */

int xcr0_valid(uint64_t value, uint64_t supported)
{
    if (!(value & XCR0_X87) || (value & ~supported))
        return 0;
    if ((value & XCR0_AVX) && !(value & XCR0_SSE))
        return 0;
    if (!(value & XCR0_BNDREG) != !(value & XCR0_BNDCSR))
        return 0;
    if ((value & XCR0_AVX512) && ((value & XCR0_AVX512) != XCR0_AVX512 || !(value & XCR0_AVX)))
        return 0;
    return 1;
}

int xcr_write(struct vcpu *v, uint32_t index, uint64_t value)
{
    if (!(vcpu_get(v, VREG_CR4) & CR4_OSXSAVE))
        return XCR_FAULT_UD;
    if (vcpu_cpl(v) != 0 || index != 0 || !xcr0_valid(value, vmx_host.xcr0_supported))
        return XCR_FAULT_GP;
    v->xcr0 = value;
    return XCR_OK;
}
