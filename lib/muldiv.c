/* a * b / c with a 128-bit intermediate (any context; pure). */
#include "lib/muldiv.h"

uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    if (hi == 0)
        return lo / c;
    if (hi >= c)
        return UINT64_MAX;
    /* Restoring long division of hi:lo by c, one quotient bit per step. */
    uint64_t q = 0, r = hi;
    for (int i = 63; i >= 0; i--) {
        unsigned carry = (unsigned)(r >> 63);
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if (carry || r >= c) {
            r -= c;
            q |= 1;
        }
    }
    return q;
}
