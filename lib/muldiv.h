/* SPDX-License-Identifier: BSD-2-Clause */
/* 64-bit a * b / c through a 128-bit product, for time conversions. */
#ifndef KEEL_LIB_MULDIV_H
#define KEEL_LIB_MULDIV_H

#include <stdint.h>

/* floor(a * b / c); UINT64_MAX when c is 0 or the quotient does not fit.
 * Freestanding: no libgcc 128-bit division is needed. */
uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c);
/* The same, rounded up. */
uint64_t muldiv64_ceil(uint64_t a, uint64_t b, uint64_t c);

#endif
