/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for muldiv64 against the compiler's own 128-bit division. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/muldiv.h"

static uint64_t reference(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 q = (unsigned __int128)a * b / c;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static uint64_t reference_ceil(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    unsigned __int128 q = p / c + (p % c != 0);
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static void test_known_values(void **state)
{
    (void)state;
    assert_int_equal(muldiv64(0, 5, 7), 0);
    assert_int_equal(muldiv64(10, 10, 3), 33);
    /* 10^18 ns at 1.5 GHz: 1.5 * 10^18 ticks, needs the 128-bit path. */
    assert_int_equal(muldiv64(1000000000000000000ull, 1500000000ull, 1000000000ull),
                     1500000000000000000ull);
    assert_int_equal(muldiv64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
    assert_int_equal(muldiv64(UINT64_MAX, 2, 1), UINT64_MAX);      /* saturates */
    assert_int_equal(muldiv64(UINT64_MAX, 3, 4), reference(UINT64_MAX, 3, 4));
    assert_int_equal(muldiv64(5, 5, 0), UINT64_MAX);
    assert_int_equal(muldiv64_ceil(10, 10, 3), 34);
    assert_int_equal(muldiv64_ceil(10, 9, 3), 30);
    assert_int_equal(muldiv64_ceil(UINT64_MAX, 1, 1), UINT64_MAX);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t a = x;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t b = x >> (x & 63);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t c = (x >> (x & 63)) | 1;
        assert_int_equal(muldiv64(a, b, c), reference(a, b, c));
        assert_int_equal(muldiv64_ceil(a, b, c), reference_ceil(a, b, c));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
