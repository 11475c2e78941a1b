/* 64-bit a * b / c through a 128-bit product, for time conversions. */
#ifndef KEEL_LIB_MULDIV_H
#define KEEL_LIB_MULDIV_H

#include <stdint.h>

/* floor(a * b / c) for c > 0; the result saturates at UINT64_MAX when it
 * does not fit. Freestanding: no libgcc 128-bit division is needed. */
uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c);

#endif
