/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the CPUID policy (vcpu/cpuid.c) over a fake vendor
 * layer and a fake TSC rate (tests/unit/fake_vmx.c). The policy filters the
 * host's own CPUID, which a user process may execute, so the expected values
 * are the host's answer with Keel's rules applied: the hypervisor range
 * (an extension's leaves, else Keel's own, else zero), leaf 1's identity and
 * hidden features, the TSC leaves 0x15/0x16 from the machine's crystal.
 * Where the host lacks a feature the policy hides (VMX under a hypervisor
 * without nesting), a host CPUID of the test's own answers instead
 * (tests/unit/fake_cpuid.c; skipped where the CPU cannot fault CPUID). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "vcpu/cpuid.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"
#include "tests/unit/fake_cpuid.h"
#include "tests/unit/fake_vmx.h"

static void assert_zero(struct cpuid_regs r)
{
    assert_int_equal(r.eax, 0);
    assert_int_equal(r.ebx, 0);
    assert_int_equal(r.ecx, 0);
    assert_int_equal(r.edx, 0);
}

static struct cpuid_regs host(uint32_t leaf, uint32_t subleaf)
{
    return cpuid(leaf, subleaf);
}

/* --- the hypervisor range ----------------------------------------------------------- */

static void test_keel_leaves_without_an_extension(void **state)
{
    struct fake_vcpu *f = *state;
    struct cpuid_regs r = cpuid_emulate(&f->v, 0x40000000, 0);
    assert_int_equal(r.eax, 0x40000001);
    char sig[13] = { 0 };
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    assert_string_equal(sig, "KeelKeelKeel");
    r = cpuid_emulate(&f->v, 0x40000001, 0x1234);
    assert_int_equal(r.eax, (KEEL_VERSION_MAJOR << 16) | KEEL_VERSION_MINOR);
    assert_int_equal(r.ebx | r.ecx | r.edx, 0);
    /* Below the maximum Keel announces, past it, to the end of its block. */
    assert_zero(cpuid_emulate(&f->v, 0x40000002, 0));
    assert_zero(cpuid_emulate(&f->v, 0x40000003, 7));
    assert_zero(cpuid_emulate(&f->v, 0x400000ff, 0));
}

/* Nothing above Keel's block answers, so a nested host hypervisor's leaves
 * never show through. */
static void test_rest_of_the_hypervisor_range_reads_zero(void **state)
{
    struct fake_vcpu *f = *state;
    static const uint32_t leaves[] = {
        0x40000100, 0x40000101, 0x40001000, 0x40010000, 0x41000000, 0x4ffffff0, 0x4fffffff,
    };
    for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
        assert_zero(cpuid_emulate(&f->v, leaves[i], 0));
}

struct ext_rec {
    struct vcpu *v;
    uint32_t leaf, subleaf;
    unsigned calls;
};

static struct cpuid_regs ext_leaf(void *ctx, struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    struct ext_rec *e = ctx;
    e->v = v;
    e->leaf = leaf;
    e->subleaf = subleaf;
    e->calls++;
    return (struct cpuid_regs){ leaf ^ 0x5a5a5a5a, subleaf, 0x11111111, 0x22222222 };
}

/* An extension (the Xen mode's) answers its leaves, with the subleaf the
 * guest passed and its own context; Keel's signature is gone there. */
static void test_an_extension_answers_its_leaves(void **state)
{
    struct fake_vcpu *f = *state;
    struct ext_rec e = { 0 };
    const struct cpuid_ext xen = { 0x40000000, 0x400000ff, ext_leaf, &e };
    assert_int_equal(machine_add_cpuid(&f->m, &xen), 0);

    struct cpuid_regs r = cpuid_emulate(&f->v, 0x40000000, 0);
    assert_int_equal(r.eax, 0x40000000u ^ 0x5a5a5a5a);
    assert_ptr_equal(e.v, &f->v);
    r = cpuid_emulate(&f->v, 0x40000004, 0xdeadbeef);
    assert_int_equal(e.leaf, 0x40000004);
    assert_int_equal(e.subleaf, 0xdeadbeef);
    assert_int_equal(r.ebx, 0xdeadbeef);
    assert_int_equal(r.ecx, 0x11111111);
    assert_int_equal(r.edx, 0x22222222);
    r = cpuid_emulate(&f->v, 0x400000ff, 3);
    assert_int_equal(e.leaf, 0x400000ff);
    assert_int_equal(e.calls, 3);

    /* Its range ends where it said. */
    assert_zero(cpuid_emulate(&f->v, 0x40000100, 0));
    assert_zero(cpuid_emulate(&f->v, 0x4fffffff, 0));
    assert_int_equal(e.calls, 3);
}

/* A second block above Keel's (as Xen places its leaves at 0x40000100 when
 * Viridian takes the first): reached; Keel's own block still answers. */
static void test_an_extension_above_keels_block(void **state)
{
    struct fake_vcpu *f = *state;
    struct ext_rec e = { 0 };
    const struct cpuid_ext upper = { 0x40000100, 0x400001ff, ext_leaf, &e };
    assert_int_equal(machine_add_cpuid(&f->m, &upper), 0);
    cpuid_emulate(&f->v, 0x40000100, 9);
    assert_int_equal(e.calls, 1);
    assert_int_equal(e.leaf, 0x40000100);
    assert_int_equal(e.subleaf, 9);
    assert_int_equal(cpuid_emulate(&f->v, 0x40000000, 0).eax, 0x40000001);
    assert_int_equal(e.calls, 1);
    assert_zero(cpuid_emulate(&f->v, 0x40000200, 0));
}

/* --- basic leaves --------------------------------------------------------------------- */

static void test_leaf_0_announces_the_tsc_leaves(void **state)
{
    struct fake_vcpu *f = *state;
    struct cpuid_regs h = host(0, 0), r = cpuid_emulate(&f->v, 0, 0);
    assert_true(r.eax >= 0x16);
    assert_true(r.eax >= h.eax);
    assert_int_equal(r.ebx, h.ebx);     /* the vendor string is the host's */
    assert_int_equal(r.ecx, h.ecx);
    assert_int_equal(r.edx, h.edx);
}

/* Leaf 1: the hypervisor bit, one logical processor per package with APIC
 * ID = vCPU id, VMX (and the rest Keel does not virtualize) hidden, the
 * emulated LAPIC's features offered, OSXSAVE as the guest's CR4 says. */
static void test_leaf_1_identity_and_features(void **state)
{
    struct fake_vcpu *f = *state;
    struct cpuid_regs h = host(1, 0);
    static const unsigned ids[] = { 0, 1, 7, 255 };
    for (unsigned i = 0; i < 4; i++) {
        f->v.id = ids[i];
        struct cpuid_regs r = cpuid_emulate(&f->v, 1, 0);
        assert_int_equal(r.eax, h.eax);
        assert_int_equal(r.ebx >> 24, ids[i]);
        assert_int_equal((r.ebx >> 16) & 0xff, 1);
        assert_int_equal(r.ebx & 0xffff, h.ebx & 0xffff);
    }
    f->v.id = 3;
    struct cpuid_regs r = cpuid_emulate(&f->v, 1, 0);
    assert_true(r.ecx & (1u << 31));            /* hypervisor */
    assert_false(r.ecx & (1u << 5));            /* VMX */
    assert_false(r.ecx & (1u << 6));            /* SMX */
    assert_false(r.ecx & (1u << 3));            /* MONITOR */
    assert_false(r.ecx & (1u << 15));           /* PDCM */
    assert_true(r.ecx & (1u << 21));            /* x2APIC */
    assert_true(r.ecx & (1u << 24));            /* TSC deadline */
    assert_false(r.ecx & (1u << 26));           /* XSAVE: xcr0_supported is 0 */
    assert_false(r.ecx & (1u << 27));           /* OSXSAVE: CR4 clear */
    assert_true(r.edx & (1u << 9));             /* APIC */
    assert_false(r.edx & (1u << 12));           /* MTRR */
    assert_false(r.edx & (1u << 28));           /* HTT */
    assert_false(r.edx & (1u << 7));            /* MCE */
    /* What stays is the host's. */
    assert_int_equal(r.edx & (1u << 0), h.edx & (1u << 0));    /* FPU */
    assert_int_equal(r.edx & (1u << 25), h.edx & (1u << 25));  /* SSE */

    vmx_host.xcr0_supported = 0x7;
    f->hw->reg[VREG_CR4] = CR4_OSXSAVE;
    r = cpuid_emulate(&f->v, 1, 0);
    assert_int_equal(r.ecx & (1u << 26), h.ecx & (1u << 26));
    assert_true(r.ecx & (1u << 27));
    assert_false(r.ecx & (1u << 5));
}

static void test_leaf_7(void **state)
{
    struct fake_vcpu *f = *state;
    if (host(0, 0).eax < 7)
        skip();
    struct cpuid_regs h = host(7, 0);
    struct cpuid_regs r = cpuid_emulate(&f->v, 7, 0);
    assert_false(r.ebx & (1u << 1));            /* TSC_ADJUST */
    assert_false(r.ebx & (1u << 2));            /* SGX */
    assert_false(r.ebx & (1u << 10));           /* INVPCID: not enabled */
    assert_false(r.ebx & (1u << 25));           /* PT */
    assert_false(r.ecx & (1u << 16));           /* LA57 */
    assert_false(r.edx & (1u << 26));           /* IBRS/IBPB ... MSRs */
    assert_int_equal(r.ebx & (1u << 0), h.ebx & (1u << 0));    /* FSGSBASE stays */
    vmx_host.ctl.proc2 = PROC2_ENABLE_INVPCID;
    r = cpuid_emulate(&f->v, 7, 0);
    assert_int_equal(r.ebx & (1u << 10), h.ebx & (1u << 10));
    /* Other subleaves are empty, whatever the host has. */
    assert_zero(cpuid_emulate(&f->v, 7, 1));
    assert_zero(cpuid_emulate(&f->v, 7, 0xffffffff));
}

static void test_leaf_0xd_follows_what_is_offered(void **state)
{
    struct fake_vcpu *f = *state;
    assert_zero(cpuid_emulate(&f->v, 0xd, 0));
    assert_zero(cpuid_emulate(&f->v, 0xd, 1));
    assert_zero(cpuid_emulate(&f->v, 0xd, 2));
    if (!(host(1, 0).ecx & (1u << 26)))
        skip();                                 /* no XSAVE on this host */
    vmx_host.xcr0_supported = 0x3;              /* x87 and SSE only */
    struct cpuid_regs r = cpuid_emulate(&f->v, 0xd, 0);
    assert_int_equal(r.eax & ~3u, 0);
    assert_int_equal(r.edx, 0);
    assert_zero(cpuid_emulate(&f->v, 0xd, 2));  /* AVX's component: not offered */
    f->v.xcr0 = 3;
    r = cpuid_emulate(&f->v, 0xd, 1);
    assert_int_equal(r.eax & ((1u << 3) | (1u << 4)), 0);      /* XSAVES, XFD */
    assert_int_equal(r.ebx, 512 + 64);          /* compacted: legacy area and header */
    assert_int_equal(r.ecx | r.edx, 0);
    if (!(host(0xd, 0).eax & 4))
        return;
    /* With AVX in the guest's XCR0 its component's size is added. */
    vmx_host.xcr0_supported = 0x7;
    f->v.xcr0 = 7;
    r = cpuid_emulate(&f->v, 0xd, 1);
    assert_int_equal(r.ebx, 512 + 64 + host(0xd, 2).eax);
    assert_int_equal(cpuid_emulate(&f->v, 0xd, 2).eax, host(0xd, 2).eax);
}

/* Features Keel does not virtualize read as absent. */
static void test_hidden_leaves(void **state)
{
    struct fake_vcpu *f = *state;
    static const uint32_t hidden[] = { 5, 0xa, 0xb, 0xf, 0x10, 0x12, 0x14, 0x1f };
    for (unsigned i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        assert_zero(cpuid_emulate(&f->v, hidden[i], 0));
    struct cpuid_regs r = cpuid_emulate(&f->v, 6, 0);
    assert_int_equal(r.eax, 1u << 2);           /* APIC timer always running */
    assert_int_equal(r.ebx | r.ecx | r.edx, 0);
    r = cpuid_emulate(&f->v, 4, 0);
    assert_int_equal(r.eax & ~0x3ffu, 0);       /* one core, one thread per cache */
}

static void test_extended_leaves(void **state)
{
    struct fake_vcpu *f = *state;
    if (host(0x80000000, 0).eax < 0x80000007)
        skip();
    struct cpuid_regs r = cpuid_emulate(&f->v, 0x80000001, 0);
    assert_false(r.edx & (1u << 27));           /* RDTSCP: not enabled */
    vmx_host.ctl.proc2 = PROC2_ENABLE_RDTSCP;
    r = cpuid_emulate(&f->v, 0x80000001, 0);
    assert_int_equal(r.edx & (1u << 27), host(0x80000001, 0).edx & (1u << 27));
    r = cpuid_emulate(&f->v, 0x80000007, 0);
    assert_int_equal(r.eax | r.ebx | r.ecx, 0);
    assert_int_equal(r.edx & ~(1u << 8), 0);    /* invariant TSC only */
    assert_int_equal(r.edx, host(0x80000007, 0).edx & (1u << 8));
}

/* --- the TSC leaves --------------------------------------------------------------------- */

/* TSC = crystal * EBX / EAX within a few ppm of the measured rate; ECX is
 * the crystal; crystal_kHz * EBX fits Linux's 32-bit product. */
static void test_leaf_0x15_gives_the_tsc_rate(void **state)
{
    struct fake_vcpu *f = *state;
    static const struct {
        uint64_t tsc, crystal;
    } cases[] = {
        { 2000000000ull, 25000000 },
        { 3600000000ull, 25000000 },
        { 1000000000ull, 100000000 },
        { 4100000001ull, 19200000 },
        { 10000000ull, 25000000 },              /* a TSC slower than the crystal */
        { 999999937ull, 24000000 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_tsc_hz = cases[i].tsc;
        f->m.bus_hz = cases[i].crystal;
        struct cpuid_regs r = cpuid_emulate(&f->v, 0x15, 0);
        assert_int_not_equal(r.eax, 0);
        assert_int_not_equal(r.ebx, 0);
        assert_int_equal(r.ecx, cases[i].crystal);
        assert_int_equal(r.edx, 0);
        assert_true((uint64_t)(cases[i].crystal / 1000) * r.ebx <= 0xffffffffull);
        double tsc = (double)cases[i].crystal * r.ebx / r.eax;
        double err = (tsc - (double)cases[i].tsc) / (double)cases[i].tsc;
        assert_true(err < 1e-5 && err > -1e-5);
    }
}

static void test_leaf_0x16_gives_mhz(void **state)
{
    struct fake_vcpu *f = *state;
    fake_tsc_hz = 2893437000ull;
    f->m.bus_hz = 25000000;
    struct cpuid_regs r = cpuid_emulate(&f->v, 0x16, 0);
    assert_int_equal(r.eax, 2893);
    assert_int_equal(r.ebx, 2893);
    assert_int_equal(r.ecx, 25);
    assert_int_equal(r.edx, 0);
}

/* --- a host CPU with every feature bit set (fake_cpuid.c) ------------------------------ */

static uint32_t host_max_leaf = 0xd;

/* All ones, except: leaf 0's maximum, no hypervisor, APIC, x2APIC or
 * TSC-deadline bit (the policy adds them), and XSAVE components 2-7 of
 * 200, 64, 64, 64, 512 and 1024 bytes, the last three 64-byte aligned. */
static struct cpuid_regs everything(uint32_t leaf, uint32_t subleaf)
{
    const uint32_t ones = 0xffffffffu;
    switch (leaf) {
    case 0:
        return (struct cpuid_regs){ host_max_leaf, 0x756e6547, 0x6c65746e, 0x49656e69 };
    case 1:
        return (struct cpuid_regs){ 0x000906ea, ones,
                                    ones & ~((1u << 31) | (1u << 21) | (1u << 24)), ones & ~(1u << 9) };
    case 0xd: {
        static const uint32_t size[8] = { 0, 0, 200, 64, 64, 64, 512, 1024 };
        if (subleaf >= 2 && subleaf < 8)
            return (struct cpuid_regs){ size[subleaf], 0, subleaf >= 5 ? 2 : 0, 0 };
        return (struct cpuid_regs){ ones, ones, ones, ones };
    }
    }
    return (struct cpuid_regs){ ones, ones, ones, ones };
}

static void begin_fake(void)
{
    if (!fake_cpuid_begin(everything))
        skip();
}

static struct cpuid_regs emulate(struct fake_vcpu *f, uint32_t leaf, uint32_t subleaf)
{
    unsigned before = fake_cpuid_calls;
    struct cpuid_regs r = cpuid_emulate(&f->v, leaf, subleaf);
    assert_true(fake_cpuid_calls > before);    /* the fake host answered */
    return r;
}

static void test_fake_host_leaf_1(void **state)
{
    struct fake_vcpu *f = *state;
    f->v.id = 6;
    f->hw->reg[VREG_CR4] = ~CR4_OSXSAVE;        /* every other CR4 bit */
    begin_fake();
    struct cpuid_regs r = emulate(f, 1, 0);
    struct cpuid_regs r2;
    fake_cpuid_end();
    assert_int_equal(r.ebx, 0x0601ffffu);       /* APIC ID 6, one logical CPU, the rest the host's */
    /* Hidden whatever the host has: DTES64, MONITOR, DS-CPL, VMX, SMX, EST,
     * TM2, SDBG, PDCM; XSAVE (none offered); OSXSAVE (CR4 says no). */
    const uint32_t hidden_c = (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) |
                              (1u << 8) | (1u << 11) | (1u << 15) | (1u << 26) | (1u << 27);
    assert_int_equal(r.ecx, 0xffffffffu & ~hidden_c);   /* hypervisor, x2APIC, TSC deadline added */
    const uint32_t hidden_d = (1u << 7) | (1u << 12) | (1u << 14) | (1u << 21) | (1u << 22) |
                              (1u << 28) | (1u << 29) | (1u << 31);
    assert_int_equal(r.edx, 0xffffffffu & ~hidden_d);   /* APIC added */

    vmx_host.xcr0_supported = 0x7;
    f->hw->reg[VREG_CR4] = CR4_OSXSAVE;
    begin_fake();
    r2 = emulate(f, 1, 0);
    fake_cpuid_end();
    assert_int_equal(r2.ecx, (0xffffffffu & ~hidden_c) | (1u << 26) | (1u << 27));
}

static void test_fake_host_other_leaves(void **state)
{
    struct fake_vcpu *f = *state;
    begin_fake();
    struct cpuid_regs l0 = emulate(f, 0, 0);
    struct cpuid_regs l4 = emulate(f, 4, 0);
    struct cpuid_regs l7 = emulate(f, 7, 0);
    struct cpuid_regs l7_1 = emulate(f, 7, 1);
    struct cpuid_regs x1 = emulate(f, 0x80000001, 0);
    struct cpuid_regs x7 = emulate(f, 0x80000007, 0);
    struct cpuid_regs l2 = emulate(f, 2, 0);
    host_max_leaf = 0x20;
    struct cpuid_regs l0_big = emulate(f, 0, 0);
    host_max_leaf = 0xd;
    vmx_host.ctl.proc2 = PROC2_ENABLE_INVPCID | PROC2_ENABLE_RDTSCP;
    struct cpuid_regs l7_on = emulate(f, 7, 0);
    struct cpuid_regs x1_on = emulate(f, 0x80000001, 0);
    fake_cpuid_end();

    assert_int_equal(l0.eax, 0x16);             /* raised to reach the TSC leaves */
    assert_int_equal(l0.ebx, 0x756e6547);
    assert_int_equal(l0_big.eax, 0x20);         /* never lowered */
    assert_int_equal(l4.eax, 0x3ff);
    assert_int_equal(l4.ebx, 0xffffffffu);
    const uint32_t b7 = (1u << 1) | (1u << 2) | (1u << 12) | (1u << 14) | (1u << 15) | (1u << 25);
    assert_int_equal(l7.ebx, 0xffffffffu & ~b7 & ~(1u << 10));
    assert_int_equal(l7.ecx, 0xffffffffu & ~((1u << 5) | (1u << 16) | (1u << 30)));
    assert_int_equal(l7.edx, 0xffffffffu & ~((1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31)));
    assert_int_equal(l7_on.ebx, 0xffffffffu & ~b7);
    assert_zero(l7_1);
    assert_int_equal(x1.edx, 0xffffffffu & ~(1u << 27));
    assert_int_equal(x1_on.edx, 0xffffffffu);
    assert_int_equal(x7.eax | x7.ebx | x7.ecx, 0);
    assert_int_equal(x7.edx, 1u << 8);
    assert_int_equal(l2.eax, 0xffffffffu);      /* leaves without a rule pass through */
}

/* Leaf 0xD: only the components offered; the compacted size follows the
 * guest's XCR0 with each component's 64-byte alignment. */
static void test_fake_host_xsave_leaf(void **state)
{
    struct fake_vcpu *f = *state;
    vmx_host.xcr0_supported = 0xe7;             /* x87, SSE, AVX, the three AVX-512 parts */
    f->v.xcr0 = 0xe7;
    begin_fake();
    struct cpuid_regs s0 = emulate(f, 0xd, 0);
    struct cpuid_regs s1 = emulate(f, 0xd, 1);
    struct cpuid_regs s2 = emulate(f, 0xd, 2);
    struct cpuid_regs s3 = emulate(f, 0xd, 3);
    struct cpuid_regs s9 = emulate(f, 0xd, 9);
    struct cpuid_regs s63 = emulate(f, 0xd, 63);
    f->v.xcr0 = 0x7;
    struct cpuid_regs s1_avx = emulate(f, 0xd, 1);
    f->v.xcr0 = 0xf;
    struct cpuid_regs s1_mpx = emulate(f, 0xd, 1);
    vmx_host.xcr0_supported = 0;
    struct cpuid_regs none = cpuid_emulate(&f->v, 0xd, 0);
    fake_cpuid_end();

    assert_int_equal(s0.eax, 0xe7);
    assert_int_equal(s0.edx, 0);
    assert_int_equal(s1.eax, 0xffffffffu & ~((1u << 3) | (1u << 4)));
    /* 576, + 200 = 776, aligned to 832 + 64 = 896, + 512 = 1408, + 1024. */
    assert_int_equal(s1.ebx, 2432);
    assert_int_equal(s1.ecx | s1.edx, 0);
    assert_int_equal(s1_avx.ebx, 776);
    assert_int_equal(s1_mpx.ebx, 776 + 64);     /* no alignment asked: none added */
    assert_int_equal(s2.eax, 200);
    assert_zero(s3);
    assert_zero(s9);
    assert_zero(s63);
    assert_zero(none);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_vcpu_setup, fake_vcpu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_keel_leaves_without_an_extension),
        T(test_rest_of_the_hypervisor_range_reads_zero),
        T(test_an_extension_answers_its_leaves),
        T(test_an_extension_above_keels_block),
        T(test_leaf_0_announces_the_tsc_leaves),
        T(test_leaf_1_identity_and_features),
        T(test_leaf_7),
        T(test_leaf_0xd_follows_what_is_offered),
        T(test_hidden_leaves),
        T(test_extended_leaves),
        T(test_leaf_0x15_gives_the_tsc_rate),
        T(test_leaf_0x16_gives_mhz),
        T(test_fake_host_leaf_1),
        T(test_fake_host_other_leaves),
        T(test_fake_host_xsave_leaf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
