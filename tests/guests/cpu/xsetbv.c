/* SPDX-License-Identifier: BSD-2-Clause */
/* xsetbv.c — test guest: XSETBV/XGETBV. Invalid XCR0 values or XCR indices raise
 * #GP; valid ones (x87|SSE, plus AVX when offered) stick and read back. Skips with
 * PASS when CPUID does not offer XSAVE. */
#include "guest.h"

const char test_name[] = "xsetbv";

#define CPUID1_ECX_XSAVE    (1u << 26)
#define CPUID1_ECX_AVX      (1u << 28)
#define XCR0_X87            (1ull << 0)
#define XCR0_SSE            (1ull << 1)
#define XCR0_AVX            (1ull << 2)

static void expect_set(uint64_t v, int want, const char *why)
{
    int vec = xsetbv_safe(0, v);
    check(vec == want, "XSETBV XCR0 <- 0x%lx (%s): %s, want %s", (unsigned long)v, why,
          vector_name(vec), vector_name(want));
}

static void expect_value(uint64_t want)
{
    uint64_t got = 0;
    int vec = xgetbv_safe(0, &got);
    check(vec == FAULT_NONE && got == want, "XGETBV XCR0 = 0x%lx (%s), want 0x%lx",
          (unsigned long)got, vector_name(vec), (unsigned long)want);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    struct cpuid_regs r1 = cpuid(1, 0);
    if (!(r1.ecx & CPUID1_ECX_XSAVE)) {
        kprintf("xsetbv: skipped: CPUID.1:ECX.XSAVE is 0\n");
        test_pass();
    }
    struct cpuid_regs xd = cpuid(0xD, 0);
    uint64_t supported = ((uint64_t)xd.edx << 32) | xd.eax;
    note("CPUID.(0xD,0) supported XCR0 bits 0x%lx", (unsigned long)supported);

    /* Before CR4.OSXSAVE, both instructions are undefined (checked before any VM exit). */
    uint64_t cr4 = read_cr4();
    uint64_t dummy;
    check(xgetbv_safe(0, &dummy) == VEC_UD, "XGETBV with CR4.OSXSAVE=0 raises #UD");
    expect_set(XCR0_X87 | XCR0_SSE, VEC_UD, "CR4.OSXSAVE=0");

    write_cr4(cr4 | CR4_OSXSAVE);
    check(read_cr4() & CR4_OSXSAVE, "CR4.OSXSAVE reads back set");

    uint64_t initial = 0;
    int vec = xgetbv_safe(0, &initial);
    check(vec == FAULT_NONE && (initial & XCR0_X87),
          "XGETBV works and XCR0.x87 is set (0x%lx)", (unsigned long)initial);

    expect_set(0, VEC_GP, "zero");
    expect_set(XCR0_SSE, VEC_GP, "x87 bit clear");
    vec = xsetbv_safe(1, XCR0_X87 | XCR0_SSE);
    check(vec == VEC_GP, "XSETBV with ECX=1 raises #GP, got %s", vector_name(vec));
    /* Bit 63 is reserved; a bit CPUID does not offer is refused too. */
    expect_set(XCR0_X87 | XCR0_SSE | (1ull << 63), VEC_GP, "reserved bit 63");
    for (unsigned b = 2; b < 63; b++) {
        if (!(supported & (1ull << b))) {
            expect_set(XCR0_X87 | XCR0_SSE | (1ull << b), VEC_GP, "feature bit CPUID does not offer");
            break;
        }
    }
    /* The refused writes above must not have changed XCR0. */
    expect_value(initial);

    expect_set(XCR0_X87 | XCR0_SSE, FAULT_NONE, "x87|SSE");
    expect_value(XCR0_X87 | XCR0_SSE);

    if ((r1.ecx & CPUID1_ECX_AVX) && (supported & XCR0_AVX)) {
        expect_set(XCR0_X87 | XCR0_AVX, VEC_GP, "AVX without SSE");
        expect_set(XCR0_X87 | XCR0_SSE | XCR0_AVX, FAULT_NONE, "x87|SSE|AVX");
        expect_value(XCR0_X87 | XCR0_SSE | XCR0_AVX);
    } else {
        note("AVX not offered: XCR0=0x7 not tested");
    }

    expect_set(XCR0_X87 | XCR0_SSE, FAULT_NONE, "restore x87|SSE");
    expect_value(XCR0_X87 | XCR0_SSE);
    test_finish();
}
