/* SPDX-License-Identifier: BSD-2-Clause */
/* The host TSC as Keel's clock: its measured frequency and conversions. */
#ifndef KEEL_CORE_TSC_H
#define KEEL_CORE_TSC_H

#include <stdint.h>
#include "lib/muldiv.h"

/* Measure the TSC against the PIT (boot CPU, once, interrupts off). */
void tsc_calibrate(void);
uint64_t tsc_hz(void);
static inline uint64_t tsc_to_ns(uint64_t tsc) { return muldiv64(tsc, 1000000000ull, tsc_hz()); }
static inline uint64_t ns_to_tsc(uint64_t ns) { return muldiv64(ns, tsc_hz(), 1000000000ull); }

#endif
