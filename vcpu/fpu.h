/* SPDX-License-Identifier: BSD-2-Clause */
/* A vCPU's x87/SSE/AVX (XSAVE) state: kept in hardware while it runs, saved
 * to its own area when it leaves its CPU, so one guest never sees another's
 * registers. Keel itself never uses these registers. */
#ifndef KEEL_VCPU_FPU_H
#define KEEL_VCPU_FPU_H

#include <stdint.h>

#define FPU_AREA_SIZE 4096      /* the XSAVE area of every component Keel offers */

struct fpu_area {
    uint8_t bytes[FPU_AREA_SIZE];
} __attribute__((aligned(64)));

/* The reset state (SDM Vol. 1 13.6: XSTATE_BV 0 is every component's init
 * state; MXCSR 0x1f80 from the legacy area). */
void fpu_area_init(struct fpu_area *a);
/* Root mode, on the vCPU's CPU. Both leave XCR0 at every supported
 * component (this_pcpu()->current_xcr0 says so), so the guest's own XCR0 is
 * loaded before its next entry. */
void fpu_save(struct fpu_area *a);
void fpu_load(const struct fpu_area *a);

#endif
