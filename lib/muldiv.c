/* SPDX-License-Identifier: BSD-2-Clause */
/* a * b / c with a 128-bit intermediate (any context; pure). */
#include <stdbool.h>
#include "lib/muldiv.h"

/* Quotient and remainder; false when c is 0 or the quotient needs more than 64 bits. */
static bool muldiv64_rem(uint64_t a, uint64_t b, uint64_t c, uint64_t *q, uint64_t *r)
{
    if (c == 0)
        return false;
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    if (hi == 0) {
        *q = lo / c;
        *r = lo % c;
        return true;
    }
    if (hi >= c)
        return false;
    /* Restoring long division of hi:lo by c, one quotient bit per step;
     * hi < c keeps every partial remainder below c. */
    uint64_t quot = 0, rem = hi;
    for (int i = 63; i >= 0; i--) {
        bool carry = (rem >> 63) != 0;      /* the shift would lose this bit: then rem >= c */
        rem = (rem << 1) | ((lo >> i) & 1);
        quot <<= 1;
        if (carry || rem >= c) {
            rem -= c;
            quot |= 1;
        }
    }
    *q = quot;
    *r = rem;
    return true;
}

uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t q, r;
    return muldiv64_rem(a, b, c, &q, &r) ? q : UINT64_MAX;
}

uint64_t muldiv64_ceil(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t q, r;
    if (!muldiv64_rem(a, b, c, &q, &r) || (r && q == UINT64_MAX))
        return UINT64_MAX;
    return q + (r != 0);
}
