/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMX MSR bitmap: which guest RDMSR/WRMSR run without a VM exit. */
#ifndef KEEL_VMX_MSR_BITMAP_H
#define KEEL_VMX_MSR_BITMAP_H

#include <stdint.h>

/* Build the bitmap shared by every vCPU (boot CPU, once); 0 if no memory. */
uint64_t vmx_msr_bitmap_create(void);

#endif
