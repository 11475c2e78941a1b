/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the MSR policy (vcpu/msr.c) over a fake vendor layer
 * (tests/unit/fake_vmx.c): unknown MSRs fault, EFER's rules, constant MSRs,
 * the VMCS-backed MSRs' reserved-value checks, the TSC as an offset, and the
 * machine's extensions taking precedence over Keel's own rules. MSRs passed
 * through to hardware are only tested where the policy refuses a value before
 * it would execute WRMSR (privileged: a user process cannot). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "arch/x86/msr_index.h"
#include "vcpu/msr.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"
#include "tests/unit/fake_cpuid.h"
#include "tests/unit/fake_vmx.h"

static bool host_has_nx(void)
{
    return (cpuid(0x80000001, 0).edx >> 20) & 1;
}

/* Everything Keel does not list faults, reads and writes alike; the board's
 * MSRs fault too until the board registers them. */
static void test_unlisted_msrs_fault(void **state)
{
    struct fake_vcpu *f = *state;
    static const uint32_t msrs[] = {
        0x1, 0x1b /* APIC base */, 0x6e0 /* TSC deadline */, 0x800, 0x8ff /* x2APIC */,
        0x480 /* VMX_BASIC */, 0x40000000, 0xc0000081 + 0x100, 0xc0010000, 0x7fffffff,
        0x80000000, 0xffffffff,
    };
    for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
        uint64_t val = 0x5a5a;
        assert_int_equal(msr_read(&f->v, msrs[i], &val), -1);
        assert_int_equal(val, 0x5a5a);
        assert_int_equal(msr_write(&f->v, msrs[i], 0), -1);
    }
}

/* --- EFER ---------------------------------------------------------------------------- */

static void test_efer_read_and_plain_write(void **state)
{
    struct fake_vcpu *f = *state;
    uint64_t val;
    f->hw->reg[VREG_EFER] = EFER_SCE;
    assert_int_equal(msr_read(&f->v, MSR_IA32_EFER, &val), 0);
    assert_int_equal(val, EFER_SCE);
    /* Paging off: LME may change. */
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_SCE | EFER_LME), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_SCE | EFER_LME);
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, 0), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], 0);
}

static void test_efer_reserved_bits_fault(void **state)
{
    struct fake_vcpu *f = *state;
    f->hw->reg[VREG_EFER] = EFER_SCE;
    static const uint64_t bad[] = {
        1ull << 1, 1ull << 9, 1ull << 12 /* LMSLE */, 1ull << 13 /* FFXSR */, 1ull << 15 /* TCE */,
        1ull << 32, 1ull << 63, ~0ull, EFER_SCE | (1ull << 2),
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, bad[i]), -1);
        assert_int_equal(f->hw->reg[VREG_EFER], EFER_SCE);
    }
    /* NXE exists only where the host has NX. */
    int want = host_has_nx() ? 0 : -1;
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_NXE), want);
    assert_int_equal(f->hw->reg[VREG_EFER], want ? EFER_SCE : EFER_NXE);
}

static struct cpuid_regs host_with_nx(uint32_t leaf, uint32_t subleaf)
{
    (void)subleaf;
    return (struct cpuid_regs){ 0, 0, 0, leaf == 0x80000001 ? 1u << 20 : 0 };
}

static struct cpuid_regs host_without_nx(uint32_t leaf, uint32_t subleaf)
{
    (void)subleaf;
    return (struct cpuid_regs){ ~0u, ~0u, ~0u, leaf == 0x80000001 ? ~(1u << 20) : ~0u };
}

/* Both answers of the host's NX bit, from a host CPUID of the test's own
 * (tests/unit/fake_cpuid.c; skipped where CPUID cannot be made to fault). */
static void test_efer_nxe_follows_the_hosts_nx(void **state)
{
    struct fake_vcpu *f = *state;
    if (!fake_cpuid_begin(host_with_nx))
        skip();
    int with = msr_write(&f->v, MSR_IA32_EFER, EFER_NXE | EFER_SCE);
    uint64_t efer_with = f->hw->reg[VREG_EFER];
    fake_cpuid_end();
    f->hw->reg[VREG_EFER] = 0;
    if (!fake_cpuid_begin(host_without_nx))
        skip();
    int without = msr_write(&f->v, MSR_IA32_EFER, EFER_NXE | EFER_SCE);
    int plain = msr_write(&f->v, MSR_IA32_EFER, EFER_SCE);
    fake_cpuid_end();
    assert_int_equal(with, 0);
    assert_int_equal(efer_with, EFER_NXE | EFER_SCE);
    assert_int_equal(without, -1);
    assert_int_equal(plain, 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_SCE);
}

/* LME cannot change while paging is on; other bits can. */
static void test_efer_lme_is_fixed_while_paging(void **state)
{
    struct fake_vcpu *f = *state;
    f->hw->reg[VREG_CR0] = CR0_PG | 1;
    f->hw->reg[VREG_EFER] = 0;
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_LME), -1);
    assert_int_equal(f->hw->reg[VREG_EFER], 0);
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_SCE), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_SCE);

    f->hw->reg[VREG_EFER] = EFER_LME | EFER_LMA;
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_LMA), -1);   /* clearing LME */
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, 0), -1);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_LME | EFER_LMA);
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_LME | EFER_LMA | EFER_SCE), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_LME | EFER_LMA | EFER_SCE);
}

/* LMA is the CPU's to set: a write keeps the old LMA whatever it says. */
static void test_efer_lma_is_read_only(void **state)
{
    struct fake_vcpu *f = *state;
    f->hw->reg[VREG_EFER] = 0;
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_LME | EFER_LMA), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_LME);

    f->hw->reg[VREG_CR0] = CR0_PG | 1;
    f->hw->reg[VREG_EFER] = EFER_LME | EFER_LMA;
    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, EFER_LME | EFER_SCE), 0);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_LME | EFER_LMA | EFER_SCE);
}

/* --- constant MSRs ---------------------------------------------------------------------- */

static void test_constant_msrs_accept_only_their_value(void **state)
{
    struct fake_vcpu *f = *state;
    static const struct {
        uint32_t msr;
        uint64_t value;
    } k[] = {
        { MSR_IA32_FEATURE_CONTROL, 1 },        /* locked, VMX off */
        { MSR_IA32_MISC_ENABLE, 1 },            /* fast strings */
        { MSR_IA32_BIOS_SIGN_ID, 0 },
        { 0x17 /* PLATFORM_ID */, 0 },
        { 0x0 /* P5_MC_ADDR */, 0 },
    };
    for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        uint64_t val = 0xdead;
        assert_int_equal(msr_read(&f->v, k[i].msr, &val), 0);
        assert_int_equal(val, k[i].value);
        assert_int_equal(msr_write(&f->v, k[i].msr, k[i].value), 0);
        assert_int_equal(msr_write(&f->v, k[i].msr, k[i].value ^ 1), -1);
        assert_int_equal(msr_write(&f->v, k[i].msr, k[i].value | (1ull << 63)), -1);
        assert_int_equal(msr_read(&f->v, k[i].msr, &val), 0);
        assert_int_equal(val, k[i].value);
    }
    /* A guest cannot turn VMX on through FEATURE_CONTROL. */
    assert_int_equal(msr_write(&f->v, MSR_IA32_FEATURE_CONTROL, 5), -1);
}

/* --- MSRs kept in the VMCS ------------------------------------------------------------- */

static void test_vmcs_msrs_check_their_values(void **state)
{
    struct fake_vcpu *f = *state;
    static const struct {
        uint32_t msr;
        enum vcpu_state_reg reg;
        uint64_t good, bad;
    } c[] = {
        { MSR_IA32_SYSENTER_CS, VREG_SYSENTER_CS, 0x10, 1ull << 32 },
        { MSR_IA32_SYSENTER_ESP, VREG_SYSENTER_ESP, 0xffff888000001000ull, 0x0000800000000000ull },
        { MSR_IA32_SYSENTER_EIP, VREG_SYSENTER_EIP, 0x00007fffffffffffull, 0xfff0000000000000ull },
        { MSR_IA32_PAT, VREG_PAT, 0x0007040600070406ull, 0x0007040600070402ull },
        { MSR_IA32_PAT, VREG_PAT, 0x0000000000000007ull, 0x0300000000000000ull },
        { MSR_IA32_PAT, VREG_PAT, 0x0101010101010101ull, 0x0000000000000800ull },
        { MSR_IA32_FS_BASE, VREG_FS_BASE, 0xffffffffffff0000ull, 0x8000000000000000ull },
        { MSR_IA32_GS_BASE, VREG_GS_BASE, 0x1000, 0x0001000000000000ull },
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        f->hw->reg[c[i].reg] = 0x42;
        assert_int_equal(msr_write(&f->v, c[i].msr, c[i].bad), -1);
        assert_int_equal(f->hw->reg[c[i].reg], 0x42);
        assert_int_equal(msr_write(&f->v, c[i].msr, c[i].good), 0);
        assert_int_equal(f->hw->reg[c[i].reg], c[i].good);
        uint64_t val = 0;
        assert_int_equal(msr_read(&f->v, c[i].msr, &val), 0);
        assert_int_equal(val, c[i].good);
    }
}

/* Pass-through MSRs: the refusals happen before any WRMSR; values they
 * accept would reach hardware and are not tried here. */
static void test_passthrough_msrs_refuse_bad_values(void **state)
{
    struct fake_vcpu *f = *state;
    assert_int_equal(msr_write(&f->v, MSR_IA32_LSTAR, 0x0000800000000000ull), -1);
    assert_int_equal(msr_write(&f->v, 0xc0000083 /* CSTAR */, 0x8000000000000000ull), -1);
    assert_int_equal(msr_write(&f->v, 0xc0000084 /* FMASK */, 1ull << 32), -1);
    assert_int_equal(msr_write(&f->v, 0xc0000102 /* KERNEL_GS_BASE */, 0x00ff000000000000ull), -1);
    /* TSC_AUX exists only when RDTSCP is offered; then it holds 32 bits. */
    uint64_t val = 7;
    assert_int_equal(msr_read(&f->v, MSR_IA32_TSC_AUX, &val), -1);
    assert_int_equal(val, 7);
    assert_int_equal(msr_write(&f->v, MSR_IA32_TSC_AUX, 0), -1);
    vmx_host.ctl.proc2 = PROC2_ENABLE_RDTSCP;
    assert_int_equal(msr_write(&f->v, MSR_IA32_TSC_AUX, 1ull << 32), -1);
}

/* The TSC is the host's plus the vCPU's offset: writing it sets the offset. */
static void test_tsc_is_an_offset(void **state)
{
    struct fake_vcpu *f = *state;
    const uint64_t want = 1ull << 62;   /* above any host TSC: no wrap below */
    uint64_t before = rdtsc();
    assert_int_equal(msr_write(&f->v, MSR_IA32_TSC, want), 0);
    uint64_t after = rdtsc();
    uint64_t off = f->hw->reg[VREG_TSC_OFFSET];
    assert_true(off >= want - after && off <= want - before);
    uint64_t val = 0;
    assert_int_equal(msr_read(&f->v, MSR_IA32_TSC, &val), 0);
    assert_true(val >= want && val - want <= rdtsc() - before);
}

/* --- extensions ------------------------------------------------------------------------ */

struct ext_rec {
    void *ctx_seen;
    struct vcpu *v;
    uint32_t msr;
    uint64_t val;
    int rc;
    unsigned calls;
};

static int ext_read(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct ext_rec *e = ctx;
    e->ctx_seen = ctx, e->v = v, e->msr = msr;
    e->calls++;
    *val = e->val;
    return e->rc;
}

static int ext_write(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct ext_rec *e = ctx;
    e->ctx_seen = ctx, e->v = v, e->msr = msr, e->val = val;
    e->calls++;
    return e->rc;
}

/* An extension's range wins over Keel's own rules, with no value check of
 * Keel's; its refusal, whatever non-zero it returns, is -1. */
static void test_extensions_take_precedence(void **state)
{
    struct fake_vcpu *f = *state;
    struct ext_rec e = { .val = 0xfeedfacecafebeefull };
    const struct msr_ext over = { MSR_IA32_EFER, MSR_IA32_FS_BASE, ext_read, ext_write, &e };
    assert_int_equal(machine_add_msr(&f->m, &over), 0);
    f->hw->reg[VREG_EFER] = EFER_SCE;

    uint64_t val = 0;
    assert_int_equal(msr_read(&f->v, MSR_IA32_EFER, &val), 0);
    assert_int_equal(val, 0xfeedfacecafebeefull);
    assert_ptr_equal(e.ctx_seen, &e);
    assert_ptr_equal(e.v, &f->v);
    assert_int_equal(e.msr, MSR_IA32_EFER);

    assert_int_equal(msr_write(&f->v, MSR_IA32_EFER, ~0ull), 0);   /* reserved bits: its call */
    assert_int_equal(e.val, ~0ull);
    assert_int_equal(f->hw->reg[VREG_EFER], EFER_SCE);
    assert_int_equal(msr_write(&f->v, MSR_IA32_FS_BASE, 0x8000000000000000ull), 0);
    assert_int_equal(e.msr, MSR_IA32_FS_BASE);
    assert_int_equal(f->hw->reg[VREG_FS_BASE], 0);

    static const int refusals[] = { -1, 1, -22, 0x7fffffff };
    for (unsigned i = 0; i < 4; i++) {
        e.rc = refusals[i];
        assert_int_equal(msr_read(&f->v, 0xc0000090, &val), -1);
        assert_int_equal(msr_write(&f->v, 0xc0000090, 1), -1);
    }
    /* Outside its range Keel's rules apply again. */
    unsigned calls = e.calls;
    assert_int_equal(msr_read(&f->v, MSR_IA32_GS_BASE, &val), 0);
    assert_int_equal(msr_read(&f->v, 0xc000007f, &val), -1);
    assert_int_equal(e.calls, calls);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_vcpu_setup, fake_vcpu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unlisted_msrs_fault),
        T(test_efer_read_and_plain_write),
        T(test_efer_reserved_bits_fault),
        T(test_efer_nxe_follows_the_hosts_nx),
        T(test_efer_lme_is_fixed_while_paging),
        T(test_efer_lma_is_read_only),
        T(test_constant_msrs_accept_only_their_value),
        T(test_vmcs_msrs_check_their_values),
        T(test_passthrough_msrs_refuse_bad_values),
        T(test_tsc_is_an_offset),
        T(test_extensions_take_precedence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
