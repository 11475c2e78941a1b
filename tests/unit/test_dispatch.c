/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the neutral exit dispatch (vcpu/dispatch.c) over the
 * real policies and emulators of vcpu/ (CPUID, MSRs, XSETBV, port, string and
 * MMIO I/O, hypercall entry, the vCPU's end and HLT from vcpu/run.c), the real
 * I/O and MMIO buses and guest memory, and a fake vendor layer
 * (tests/unit/fake_vmx.c): each exit record is answered as the run loop
 * would, and what the vCPU was asked to do (RIP advance, an exception, its
 * end) is checked, with hostile values where the guest chooses them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/x86/msr_index.h"
#include "dev/io_bus.h"
#include "dev/mmio_bus.h"
#include "vcpu/dispatch.h"
#include "vcpu/hypercall.h"
#include "vmx/vmx_cpu.h"
#include "tests/unit/fake_vmx.h"

#define PG 0x1000u
#define RAM_PAGES 16
#define RIP0 0x2000u            /* where the exiting instruction sits in guest RAM */

/* --- a board of fakes -------------------------------------------------------------- */

struct board {
    int pending;                /* pending_intr's answer */
    bool init;                  /* init_pending's answer */
    unsigned ended;
    unsigned timer_updates;
};

static struct board *board_of(struct vcpu *v);

static uint64_t b_update_timers(struct vcpu *v, uint64_t now)
{
    (void)now;
    board_of(v)->timer_updates++;
    return NO_DEADLINE;
}
static int b_pending_intr(struct vcpu *v) { return board_of(v)->pending; }
static int b_ack_intr(struct vcpu *v, int pending) { (void)v; return pending; }
static bool b_take_nmi(struct vcpu *v) { (void)v; return false; }
static bool b_init_pending(struct vcpu *v) { return board_of(v)->init; }
static int b_take_startup(struct vcpu *v) { (void)v; return -1; }
static void b_ended(struct vcpu *v) { board_of(v)->ended++; }
static void b_gone(struct vcpu *v) { (void)v; }

static const struct vcpu_ops board_ops = {
    b_update_timers, b_pending_intr, b_ack_intr, b_take_nmi, b_init_pending, b_take_startup, b_ended, b_gone,
};

/* A port device: reads answer `rd` (garbage above the access size included),
 * writes are recorded and answered with `reply`. */
struct port_dev {
    uint32_t rd;
    uint16_t port;
    unsigned size;
    uint32_t val;
    unsigned reads, writes;
    struct dev_reply reply;
    uint8_t bytes[64];          /* what string writes brought, in order */
    unsigned nbytes;
};

static uint32_t pd_read(void *ctx, uint16_t port, unsigned size)
{
    struct port_dev *d = ctx;
    d->port = port;
    d->size = size;
    d->reads++;
    return d->rd + d->reads - 1;    /* INS sees a sequence */
}

static void pd_write(void *ctx, uint16_t port, unsigned size, uint32_t val, struct dev_reply *reply)
{
    struct port_dev *d = ctx;
    d->port = port;
    d->size = size;
    d->val = val;
    d->writes++;
    if (d->nbytes < sizeof(d->bytes))
        d->bytes[d->nbytes++] = (uint8_t)val;
    *reply = d->reply;
}

static const struct io_ops pd_ops = { pd_read, pd_write, .kicks = false };
static const struct io_ops pd_kick_ops = { pd_read, pd_write, .kicks = true };

/* An MMIO device. */
struct mmio_dev {
    uint64_t rd;
    unsigned cpu;
    uint64_t offset, val;
    unsigned size, reads, writes;
};

static uint64_t md_read(void *ctx, unsigned cpu, uint64_t offset, unsigned size)
{
    struct mmio_dev *d = ctx;
    d->cpu = cpu, d->offset = offset, d->size = size;
    d->reads++;
    return d->rd;
}

static void md_write(void *ctx, unsigned cpu, uint64_t offset, unsigned size, uint64_t val)
{
    struct mmio_dev *d = ctx;
    d->cpu = cpu, d->offset = offset, d->size = size, d->val = val;
    d->writes++;
}

static const struct mmio_ops md_ops = { md_read, md_write, .kicks = false };

struct fixture {
    struct machine m;
    struct board board;
    struct vcpu v;
    struct io_bus io;
    struct mmio_bus mmio;
    struct guest_mem gm;
    uint8_t *ram;
    struct fake_vmx *hw;
};

static struct fixture *the;

static struct board *board_of(struct vcpu *v)
{
    (void)v;
    return &the->board;
}

static int setup(void **state)
{
    fake_vmx_reset();
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ram = aligned_alloc(PG, RAM_PAGES * PG);
    assert_non_null(f->ram);
    memset(f->ram, 0x90, RAM_PAGES * PG);
    f->gm.size = RAM_PAGES * PG;
    f->gm.nr_extents = 1;
    f->gm.extent[0] = (struct guest_extent){ 0, (uint64_t)(uintptr_t)f->ram, RAM_PAGES * PG };
    machine_init(&f->m, &f->gm, &board_ops, 1);
    f->m.bus_hz = 25000000;
    io_bus_init(&f->io);
    mmio_bus_init(&f->mmio);
    f->v.machine = &f->m;
    f->v.io_bus = &f->io;
    f->v.mmio_bus = &f->mmio;
    f->v.xcr0 = 1;
    f->hw = fake_vmx_of(&f->v.vmx);
    f->hw->reg[VREG_RIP] = RIP0;
    f->hw->code_bits = 32;      /* flat protected mode, paging off: linear == physical */
    f->board.pending = -1;
    the = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->ram);
    free(f);
    the = NULL;
    return 0;
}

/* Answer one exit; the machine's lock is free again afterwards. */
static void dispatch(struct fixture *f, const struct vexit *x)
{
    vcpu_dispatch(&f->v, x);
    assert_int_equal(f->m.lock.locked, 0);
}

static void assert_skipped(struct fixture *f, unsigned times)
{
    assert_int_equal(f->hw->skips, times);
    assert_int_equal(f->hw->reg[VREG_RIP], RIP0 + times * f->hw->insn_len);
}

/* Forget what the vendor layer recorded so far; RIP back at the instruction. */
static void clear(struct fixture *f)
{
    f->hw->skips = f->hw->advances = f->hw->exceptions = 0;
    f->hw->reg[VREG_RIP] = RIP0;
}

static void assert_gp(struct fixture *f)
{
    assert_int_equal(f->hw->exceptions, 1);
    assert_int_equal(f->hw->vector, 13);
    assert_true(f->hw->has_error);
    assert_int_equal(f->hw->error, 0);
    assert_skipped(f, 0);
}

static void assert_running(struct fixture *f)
{
    assert_int_equal(f->v.end, VCPU_RUNNING);
}

/* --- the table ------------------------------------------------------------------- */

/* vcpu_dispatch indexes the table with no bounds or NULL check: every kind
 * the vendor layer can produce must have a handler. */
static void test_every_kind_has_a_handler(void **state)
{
    (void)state;
    for (unsigned k = 0; k < VEXIT_KIND_COUNT; k++)
        assert_non_null(vexit_handlers[k]);
}

static void test_none_changes_nothing(void **state)
{
    struct fixture *f = *state;
    f->v.regs.gpr[GPR_RAX] = 0x1234;
    struct vexit x = { .kind = VEXIT_NONE };
    dispatch(f, &x);
    assert_int_equal(f->v.regs.gpr[GPR_RAX], 0x1234);
    assert_skipped(f, 0);
    assert_int_equal(f->hw->exceptions, 0);
    assert_false(f->v.intr_maybe_pending);
    assert_running(f);
}

/* --- CPUID ------------------------------------------------------------------------ */

/* The leaf and subleaf are EAX and ECX (upper halves ignored); all four
 * results are written, zero-extended, and the instruction is skipped. */
static void test_cpuid_writes_four_registers_and_skips(void **state)
{
    struct fixture *f = *state;
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RAX] = 0xdeadbeef40000000ull;
    g[GPR_RBX] = 0xffffffffffffffffull;
    g[GPR_RCX] = 0xffffffff00000000ull;
    g[GPR_RDX] = 0xffffffffffffffffull;
    struct vexit x = { .kind = VEXIT_CPUID };
    dispatch(f, &x);
    assert_int_equal(g[GPR_RAX], 0x40000001);
    char sig[13] = { 0 };
    uint32_t b = (uint32_t)g[GPR_RBX], c = (uint32_t)g[GPR_RCX], d = (uint32_t)g[GPR_RDX];
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    assert_string_equal(sig, "KeelKeelKeel");
    assert_int_equal(g[GPR_RBX] >> 32, 0);
    assert_int_equal(g[GPR_RCX] >> 32, 0);
    assert_int_equal(g[GPR_RDX] >> 32, 0);
    assert_skipped(f, 1);
    assert_int_equal(f->hw->exceptions, 0);
}

static struct cpuid_regs distinct_leaf(void *ctx, struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    (void)ctx, (void)v;
    return (struct cpuid_regs){ leaf, 0x22222222, subleaf, 0x44444444 };
}

/* Each result lands in its own register; the subleaf is ECX's low half. */
static void test_cpuid_registers_in_order(void **state)
{
    struct fixture *f = *state;
    const struct cpuid_ext ext = { 0x40000000, 0x400000ff, distinct_leaf, NULL };
    assert_int_equal(machine_add_cpuid(&f->m, &ext), 0);
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RAX] = 0xffffffff40000007ull;
    g[GPR_RCX] = 0xffffffff33333333ull;
    struct vexit x = { .kind = VEXIT_CPUID };
    dispatch(f, &x);
    assert_int_equal(g[GPR_RAX], 0x40000007);
    assert_int_equal(g[GPR_RBX], 0x22222222);
    assert_int_equal(g[GPR_RCX], 0x33333333);
    assert_int_equal(g[GPR_RDX], 0x44444444);
    assert_skipped(f, 1);
}

/* --- IN/OUT --------------------------------------------------------------------- */

static struct vexit io_exit(uint16_t port, uint8_t size, bool in)
{
    struct vexit x = { .kind = VEXIT_IO };
    x.io.port = port;
    x.io.size = size;
    x.io.in = in;
    return x;
}

/* 8- and 16-bit IN merge into RAX; a 32-bit IN zero-extends. What the device
 * answers above the access size never reaches the guest. */
static void test_in_merges_and_zero_extends(void **state)
{
    struct fixture *f = *state;
    struct port_dev d = { .rd = 0xa5a5cdab };
    assert_int_equal(io_bus_register(&f->io, 0x60, 0x60, &pd_ops, &d), 0);
    uint64_t *rax = &f->v.regs.gpr[GPR_RAX];

    *rax = 0x1122334455667788ull;
    struct vexit x = io_exit(0x60, 1, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0x11223344556677abull);
    assert_int_equal(d.size, 1);

    d.reads = 0;
    *rax = 0x1122334455667788ull;
    x = io_exit(0x60, 2, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0x112233445566cdabull);
    assert_int_equal(d.size, 2);

    d.reads = 0;
    *rax = 0x1122334455667788ull;
    x = io_exit(0x60, 4, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0xa5a5cdabull);
    assert_int_equal(d.size, 4);
    assert_int_equal(d.port, 0x60);
    assert_skipped(f, 3);
    assert_running(f);
}

/* Ports nobody decodes float high, whatever the size, up to port 0xffff. */
static void test_in_unclaimed_reads_all_ones(void **state)
{
    struct fixture *f = *state;
    uint64_t *rax = &f->v.regs.gpr[GPR_RAX];
    *rax = 0x1122334455667788ull;
    struct vexit x = io_exit(0xffff, 4, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0xffffffffull);
    *rax = 0x1122334455667788ull;
    x = io_exit(0xffff, 1, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0x11223344556677ffull);
    *rax = 0;
    x = io_exit(0x80, 2, true);
    dispatch(f, &x);
    assert_int_equal(*rax, 0xffff);
    assert_skipped(f, 3);
    assert_running(f);
}

/* OUT hands the device only the low `size` bytes of RAX. */
static void test_out_passes_the_masked_value(void **state)
{
    struct fixture *f = *state;
    struct port_dev d = { 0 };
    assert_int_equal(io_bus_register(&f->io, 0x3f8, 0x3ff, &pd_ops, &d), 0);
    f->v.regs.gpr[GPR_RAX] = 0xfedcba9812345678ull;
    const unsigned sizes[] = { 1, 2, 4 };
    const uint32_t want[] = { 0x78, 0x5678, 0x12345678 };
    for (unsigned i = 0; i < 3; i++) {
        struct vexit x = io_exit(0x3f9, (uint8_t)sizes[i], false);
        dispatch(f, &x);
        assert_int_equal(d.val, want[i]);
        assert_int_equal(d.size, sizes[i]);
        assert_int_equal(d.port, 0x3f9);
    }
    assert_int_equal(f->v.regs.gpr[GPR_RAX], 0xfedcba9812345678ull);
    assert_skipped(f, 3);
    /* Unclaimed: ignored, still skipped. */
    struct vexit x = io_exit(0x1234, 4, false);
    dispatch(f, &x);
    assert_int_equal(d.writes, 3);
    assert_skipped(f, 4);
    assert_running(f);
}

/* A device at the top port gets a 4-byte access there as it is: the bus
 * finds the device by its first port. */
static void test_port_ffff_size_4(void **state)
{
    struct fixture *f = *state;
    struct port_dev d = { .rd = 0x87654321 };
    assert_int_equal(io_bus_register(&f->io, 0xffff, 0xffff, &pd_ops, &d), 0);
    f->v.regs.gpr[GPR_RAX] = 0xffffffffaabbccddull;
    struct vexit x = io_exit(0xffff, 4, false);
    dispatch(f, &x);
    assert_int_equal(d.port, 0xffff);
    assert_int_equal(d.size, 4);
    assert_int_equal(d.val, 0xaabbccdd);
    x = io_exit(0xffff, 4, true);
    dispatch(f, &x);
    assert_int_equal(f->v.regs.gpr[GPR_RAX], 0x87654321);
    assert_skipped(f, 2);
}

/* A write whose device asks for a reset, a power-off or a debug exit ends
 * the vCPU that way, without moving RIP past the OUT. */
static void test_out_reply_ends_the_vcpu(void **state)
{
    struct fixture *f = *state;
    static const struct {
        enum dev_request req;
        enum vcpu_end end;
    } cases[] = {
        { DEV_REQ_RESET, END_REBOOT },
        { DEV_REQ_POWEROFF, END_POWEROFF },
        { DEV_REQ_DEBUG_EXIT, END_DEBUG_EXIT },
    };
    struct port_dev d = { 0 };
    assert_int_equal(io_bus_register(&f->io, 0xf4, 0xf4, &pd_ops, &d), 0);
    for (unsigned i = 0; i < 3; i++) {
        f->v.end = VCPU_RUNNING;
        f->v.end_status = 0;
        d.reply = (struct dev_reply){ cases[i].req, 0x2a };
        struct vexit x = io_exit(0xf4, 1, false);
        dispatch(f, &x);
        assert_int_equal(f->v.end, cases[i].end);
        assert_int_equal(f->v.end_status, cases[i].req == DEV_REQ_DEBUG_EXIT ? 0x2a : 0);
        assert_skipped(f, 0);
    }
    /* An IN of the same port ends nothing: replies belong to writes. */
    f->v.end = VCPU_RUNNING;
    struct vexit x = io_exit(0xf4, 1, true);
    dispatch(f, &x);
    assert_running(f);
    assert_skipped(f, 1);
}

/* A device whose accesses may change interrupt state makes the vCPU look
 * again before its next entry; one that does not, not. */
static void test_io_kick(void **state)
{
    struct fixture *f = *state;
    struct port_dev quiet = { 0 }, loud = { 0 };
    assert_int_equal(io_bus_register(&f->io, 0x70, 0x71, &pd_ops, &quiet), 0);
    assert_int_equal(io_bus_register(&f->io, 0x20, 0x21, &pd_kick_ops, &loud), 0);
    struct vexit x = io_exit(0x71, 1, false);
    dispatch(f, &x);
    assert_false(f->v.intr_maybe_pending);
    x = io_exit(0x21, 1, true);
    dispatch(f, &x);
    assert_true(f->v.intr_maybe_pending);
    f->v.intr_maybe_pending = false;
    x = io_exit(0x20, 1, false);
    dispatch(f, &x);
    assert_true(f->v.intr_maybe_pending);
    assert_int_equal(fake_smp_kicks, 0);    /* it runs here: no IPI */
}

/* --- string I/O ---------------------------------------------------------------------- */

static struct vexit string_exit(uint16_t port, bool in, bool rep)
{
    struct vexit x = { .kind = VEXIT_STRING_IO };
    x.string_io.port = port;
    x.string_io.size = 1;
    x.string_io.in = in;
    x.string_io.rep = rep;
    x.string_io.addr_bits = 32;
    return x;
}

static void test_rep_outsb_moves_the_bytes(void **state)
{
    struct fixture *f = *state;
    struct port_dev d = { 0 };
    assert_int_equal(io_bus_register(&f->io, 0xe9, 0xe9, &pd_ops, &d), 0);
    memcpy(f->ram + 0x3000, "hello", 5);
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RSI] = 0xffffffff00003000ull;     /* 32-bit addressing: upper half ignored */
    g[GPR_RCX] = 5;
    struct vexit x = string_exit(0xe9, false, true);
    dispatch(f, &x);
    assert_int_equal(d.nbytes, 5);
    assert_memory_equal(d.bytes, "hello", 5);
    assert_int_equal(g[GPR_RSI], 0x3005);   /* and the write zero-extends */
    assert_int_equal(g[GPR_RCX], 0);
    assert_skipped(f, 1);
}

static void test_rep_insb_fills_guest_memory(void **state)
{
    struct fixture *f = *state;
    struct port_dev d = { .rd = 0x41 };
    assert_int_equal(io_bus_register(&f->io, 0x1f0, 0x1f7, &pd_ops, &d), 0);
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RDI] = 0x4000;
    g[GPR_RCX] = 3;
    struct vexit x = string_exit(0x1f0, true, true);
    dispatch(f, &x);
    assert_memory_equal(f->ram + 0x4000, "ABC", 3);
    assert_int_equal(f->ram[0x4003], 0x90);
    assert_int_equal(g[GPR_RDI], 0x4003);
    assert_int_equal(g[GPR_RCX], 0);
    assert_skipped(f, 1);
}

/* A long REP stops at the per-exit budget and re-executes: no skip. */
static void test_rep_string_io_is_bounded(void **state)
{
    struct fixture *f = *state;
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RSI] = 0x1000;
    g[GPR_RCX] = 0xffffffff;
    struct vexit x = string_exit(0x80, false, true);
    dispatch(f, &x);
    assert_skipped(f, 0);
    assert_true(g[GPR_RCX] < 0xffffffff && g[GPR_RCX] > 0);
    assert_int_equal(g[GPR_RSI] - 0x1000, 0xffffffff - g[GPR_RCX]);
    assert_running(f);
}

/* A string access that reaches past guest RAM ends the vCPU (the guest
 * pointed RSI at nothing) without skipping. */
static void test_string_io_outside_ram_ends(void **state)
{
    struct fixture *f = *state;
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RSI] = 0xfee00000;
    g[GPR_RCX] = 1;
    struct vexit x = string_exit(0x80, false, true);
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_ERROR);
    assert_non_null(strstr(f->v.end_reason, "outside guest RAM"));
    assert_non_null(strstr(f->v.end_reason, "0xfee00000"));
    assert_skipped(f, 0);
}

/* --- RDMSR/WRMSR ------------------------------------------------------------------------ */

static struct vexit msr_exit(enum vexit_kind kind, uint32_t index, uint64_t value)
{
    struct vexit x = { .kind = kind };
    x.msr.index = index;
    x.msr.value = value;
    return x;
}

/* MSRs Keel does not list raise #GP and leave RIP, RAX and RDX alone. */
static void test_unknown_msrs_raise_gp(void **state)
{
    struct fixture *f = *state;
    static const uint32_t unknown[] = { 0x1, 0x1b0, 0x12345678, 0x40000000, 0xc0011000, 0xffffffff };
    uint64_t *g = f->v.regs.gpr;
    for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        for (int write = 0; write < 2; write++) {
            clear(f);
            g[GPR_RAX] = 0x1111;
            g[GPR_RDX] = 0x2222;
            struct vexit x = msr_exit(write ? VEXIT_MSR_WRITE : VEXIT_MSR_READ, unknown[i], 0);
            dispatch(f, &x);
            assert_gp(f);
            assert_int_equal(g[GPR_RAX], 0x1111);
            assert_int_equal(g[GPR_RDX], 0x2222);
            assert_running(f);
        }
    }
}

/* RDMSR splits the value into EDX:EAX, zero-extended; WRMSR stores it. */
static void test_msr_read_splits_into_edx_eax(void **state)
{
    struct fixture *f = *state;
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RAX] = g[GPR_RDX] = ~0ull;
    struct vexit x = msr_exit(VEXIT_MSR_WRITE, MSR_IA32_FS_BASE, 0xffff800012345678ull);
    dispatch(f, &x);
    assert_int_equal(f->hw->reg[VREG_FS_BASE], 0xffff800012345678ull);
    x = msr_exit(VEXIT_MSR_READ, MSR_IA32_FS_BASE, 0);
    dispatch(f, &x);
    assert_int_equal(g[GPR_RAX], 0x12345678);
    assert_int_equal(g[GPR_RDX], 0xffff8000);
    assert_skipped(f, 2);
    /* A non-canonical base is refused. */
    clear(f);
    x = msr_exit(VEXIT_MSR_WRITE, MSR_IA32_FS_BASE, 0x0000800000000000ull);
    dispatch(f, &x);
    assert_gp(f);
    assert_int_equal(f->hw->reg[VREG_FS_BASE], 0xffff800012345678ull);
}

struct ext_rec {
    struct vcpu *v;
    uint32_t msr;
    uint64_t val;
    unsigned reads, writes;
    int rc;
};

static int ext_read(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct ext_rec *e = ctx;
    e->v = v;
    e->msr = msr;
    e->reads++;
    *val = e->val;
    return e->rc;
}

static int ext_write(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct ext_rec *e = ctx;
    e->v = v;
    e->msr = msr;
    e->val = val;
    e->writes++;
    return e->rc;
}

/* An extension's MSRs reach it with its context, the vCPU and the index;
 * its refusal (any non-zero) is #GP. */
static void test_extension_msrs_reach_the_extension(void **state)
{
    struct fixture *f = *state;
    struct ext_rec e = { .val = 0xaabbccdd11223344ull };
    const struct msr_ext ext = { 0x800, 0x8ff, ext_read, ext_write, &e };
    assert_int_equal(machine_add_msr(&f->m, &ext), 0);
    uint64_t *g = f->v.regs.gpr;

    struct vexit x = msr_exit(VEXIT_MSR_READ, 0x8ff, 0);
    dispatch(f, &x);
    assert_ptr_equal(e.v, &f->v);
    assert_int_equal(e.msr, 0x8ff);
    assert_int_equal(g[GPR_RAX], 0x11223344);
    assert_int_equal(g[GPR_RDX], 0xaabbccdd);

    x = msr_exit(VEXIT_MSR_WRITE, 0x800, 0x123456789abcdef0ull);
    dispatch(f, &x);
    assert_int_equal(e.msr, 0x800);
    assert_int_equal(e.val, 0x123456789abcdef0ull);
    assert_skipped(f, 2);

    /* Just outside the range: no extension, no rule. */
    x = msr_exit(VEXIT_MSR_READ, 0x900, 0);
    dispatch(f, &x);
    assert_int_equal(e.reads, 1);
    assert_int_equal(f->hw->exceptions, 1);

    clear(f);
    e.rc = 7;
    x = msr_exit(VEXIT_MSR_WRITE, 0x880, 1);
    dispatch(f, &x);
    assert_gp(f);
    assert_int_equal(e.writes, 2);
}

/* --- HLT ----------------------------------------------------------------------------- */

static struct vexit hlt_exit(bool interrupts_on)
{
    struct vexit x = { .kind = VEXIT_HLT };
    x.hlt.interrupts_on = interrupts_on;
    return x;
}

/* cli; hlt on the only running vCPU: nothing can wake it, the VM ends. */
static void test_hlt_interrupts_off_last_vcpu_ends_halted(void **state)
{
    struct fixture *f = *state;
    struct vexit x = hlt_exit(false);
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_HALTED);
    assert_int_equal(f->m.halted_forever, 1);
    assert_int_equal(f->hw->skips, 0);
}

/* With another vCPU still running it parks instead: it waits (the
 * scheduler runs others) until an INIT or the VM's end. */
static void test_hlt_interrupts_off_parks_while_others_run(void **state)
{
    struct fixture *f = *state;
    f->m.nr_vcpus = 2;
    struct vexit x = hlt_exit(false);
    dispatch(f, &x);
    assert_running(f);
    assert_int_equal(f->v.wait, VCPU_WAIT_PARKED);
    assert_int_equal(f->m.halted_forever, 1);
    assert_int_equal(f->hw->skips, 0);
    /* The second one to halt so is the last: the VM ends halted. */
    f->v.wait = VCPU_WAIT_NONE;
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_HALTED);
    assert_int_equal(f->m.halted_forever, 2);
}

/* sti; hlt: skipped, and the vCPU waits for an interrupt: the scheduler
 * blocks it (vcpu/schedule.c); dispatch itself never sleeps. */
static void test_hlt_interrupts_on_waits_for_an_interrupt(void **state)
{
    struct fixture *f = *state;
    struct vexit x = hlt_exit(true);
    dispatch(f, &x);
    assert_skipped(f, 1);
    assert_int_equal(f->v.wait, VCPU_WAIT_HLT);
    assert_int_equal(fake_sleeps, 0);
    assert_running(f);
    assert_int_equal(f->m.halted_forever, 0);
}

/* --- VMCALL -------------------------------------------------------------------------- */

static void test_vmcall_without_a_hook_is_enosys(void **state)
{
    struct fixture *f = *state;
    f->v.regs.gpr[GPR_RAX] = 12;
    struct vexit x = { .kind = VEXIT_VMCALL };
    dispatch(f, &x);
    assert_int_equal(f->v.regs.gpr[GPR_RAX], (uint64_t)-38);
    assert_int_equal(KEEL_ENOSYS, 38);
    assert_skipped(f, 1);
    assert_int_equal(f->hw->exceptions, 0);
}

struct hc_rec {
    struct vcpu *v;
    unsigned calls;
};

static void hc_hook(void *ctx, struct vcpu *v)
{
    struct hc_rec *h = ctx;
    h->v = v;
    h->calls++;
    v->regs.gpr[GPR_RAX] = 0x77;
}

static void test_vmcall_calls_the_hook(void **state)
{
    struct fixture *f = *state;
    struct hc_rec h = { 0 };
    f->m.hypercall = hc_hook;
    f->m.hypercall_ctx = &h;
    struct vexit x = { .kind = VEXIT_VMCALL };
    dispatch(f, &x);
    assert_int_equal(h.calls, 1);
    assert_ptr_equal(h.v, &f->v);
    assert_int_equal(f->v.regs.gpr[GPR_RAX], 0x77);
    assert_skipped(f, 1);
}

/* --- XSETBV ----------------------------------------------------------------------------- */

static struct vexit xsetbv_exit(uint32_t index, uint64_t value)
{
    struct vexit x = { .kind = VEXIT_XSETBV };
    x.xcr.index = index;
    x.xcr.value = value;
    return x;
}

static void test_xsetbv_faults(void **state)
{
    struct fixture *f = *state;
    vmx_host.xcr0_supported = 0x7;      /* x87, SSE, AVX */

    /* CR4.OSXSAVE clear: #UD, no error code. */
    struct vexit x = xsetbv_exit(0, 3);
    dispatch(f, &x);
    assert_int_equal(f->hw->exceptions, 1);
    assert_int_equal(f->hw->vector, 6);
    assert_false(f->hw->has_error);
    assert_skipped(f, 0);
    assert_int_equal(f->v.xcr0, 1);

    f->hw->reg[VREG_CR4] = CR4_OSXSAVE;
    static const struct {
        unsigned cpl;
        uint32_t index;
        uint64_t value;
    } gp[] = {
        { 3, 0, 3 },                    /* not CPL 0 */
        { 0, 1, 3 },                    /* XCR1 is not writable here */
        { 0, 0xffffffff, 3 },
        { 0, 0, 0 },                    /* x87 must stay set */
        { 0, 0, 2 },
        { 0, 0, 5 },                    /* AVX without SSE */
        { 0, 0, 0xf },                  /* beyond what is offered */
        { 0, 0, 1ull << 63 },
    };
    for (unsigned i = 0; i < sizeof(gp) / sizeof(gp[0]); i++) {
        clear(f);
        f->hw->cpl = gp[i].cpl;
        x = xsetbv_exit(gp[i].index, gp[i].value);
        dispatch(f, &x);
        assert_gp(f);
        assert_int_equal(f->v.xcr0, 1);
    }

    clear(f);
    f->hw->cpl = 0;
    x = xsetbv_exit(0, 7);
    dispatch(f, &x);
    assert_int_equal(f->hw->exceptions, 0);
    assert_int_equal(f->v.xcr0, 7);
    assert_skipped(f, 1);
}

/* --- MMIO ------------------------------------------------------------------------------ */

static struct vexit mmio_exit(uint64_t gpa, bool write, bool fetch)
{
    struct vexit x = { .kind = VEXIT_MMIO };
    x.mmio.gpa = gpa;
    x.mmio.write = write;
    x.mmio.fetch = fetch;
    return x;
}

/* An access outside RAM that no device claims ends the vCPU, naming it. */
static void test_unclaimed_mmio_ends_the_vcpu(void **state)
{
    struct fixture *f = *state;
    static const struct {
        bool write, fetch;
        uint64_t gpa;
        const char *reason;
    } cases[] = {
        { false, false, 0xfee00000, "read outside guest RAM at GPA 0xfee00000 (rip 0x2000)" },
        { true, false, 0x100000000ull, "write outside guest RAM at GPA 0x100000000 (rip 0x2000)" },
        { false, true, 0xffffffffffffffffull,
          "fetch outside guest RAM at GPA 0xffffffffffffffff (rip 0x2000)" },
    };
    for (unsigned i = 0; i < 3; i++) {
        f->v.end = VCPU_RUNNING;
        struct vexit x = mmio_exit(cases[i].gpa, cases[i].write, cases[i].fetch);
        dispatch(f, &x);
        assert_int_equal(f->v.end, END_ERROR);
        assert_string_equal(f->v.end_reason, cases[i].reason);
    }
    assert_skipped(f, 0);
    assert_int_equal(f->hw->advances, 0);
}

/* A claimed one is fetched, decoded and performed on the device; RIP moves
 * by the decoded length (not the exit's instruction length). */
static void test_claimed_mmio_is_emulated(void **state)
{
    struct fixture *f = *state;
    struct mmio_dev d = { .rd = 0xffffffff89abcdefull };
    assert_int_equal(mmio_bus_register(&f->mmio, MMIO_BUS_ALL_CPUS, 0xfec00000, PG, &md_ops, &d), 0);
    uint64_t *g = f->v.regs.gpr;
    g[GPR_RBX] = 0xfec00010;

    static const uint8_t load[] = { 0x8b, 0x03 };           /* mov eax, [ebx] */
    memcpy(f->ram + RIP0, load, sizeof(load));
    g[GPR_RAX] = 0x1122334455667788ull;
    struct vexit x = mmio_exit(0xfec00010, false, false);
    dispatch(f, &x);
    assert_running(f);
    assert_int_equal(d.reads, 1);
    assert_int_equal(d.offset, 0x10);
    assert_int_equal(d.size, 4);
    assert_int_equal(g[GPR_RAX], 0x89abcdef);
    assert_int_equal(f->hw->reg[VREG_RIP], RIP0 + 2);

    static const uint8_t store[] = { 0x66, 0x89, 0x0b };    /* mov [ebx], cx */
    memcpy(f->ram + RIP0 + 2, store, sizeof(store));
    g[GPR_RCX] = 0xffff5aa5;
    x = mmio_exit(0xfec00010, true, false);
    dispatch(f, &x);
    assert_int_equal(d.writes, 1);
    assert_int_equal(d.size, 2);
    assert_int_equal(d.val, 0x5aa5);
    assert_int_equal(f->hw->reg[VREG_RIP], RIP0 + 5);
    assert_int_equal(f->hw->advances, 2);
    assert_int_equal(f->hw->skips, 0);
}

/* Instruction bytes Keel cannot decode end the vCPU with the reason. */
static void test_mmio_by_an_unknown_instruction_ends(void **state)
{
    struct fixture *f = *state;
    struct mmio_dev d = { 0 };
    assert_int_equal(mmio_bus_register(&f->mmio, MMIO_BUS_ALL_CPUS, 0xfec00000, PG, &md_ops, &d), 0);
    static const uint8_t insn[] = { 0x0f, 0x0b };           /* ud2 */
    memcpy(f->ram + RIP0, insn, sizeof(insn));
    struct vexit x = mmio_exit(0xfec00000, false, false);
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_ERROR);
    assert_non_null(strstr(f->v.end_reason, "MMIO access to GPA 0xfec00000 by an instruction"));
    assert_int_equal(d.reads + d.writes, 0);
    assert_int_equal(f->hw->reg[VREG_RIP], RIP0);
}

/* RIP itself outside RAM: the bytes cannot be fetched; the vCPU ends. */
static void test_mmio_with_rip_outside_ram_ends(void **state)
{
    struct fixture *f = *state;
    struct mmio_dev d = { 0 };
    assert_int_equal(mmio_bus_register(&f->mmio, MMIO_BUS_ALL_CPUS, 0xfec00000, PG, &md_ops, &d), 0);
    f->hw->reg[VREG_RIP] = 0xfec00000;
    struct vexit x = mmio_exit(0xfec00000, false, true);
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_ERROR);
    assert_non_null(strstr(f->v.end_reason, "not readable"));
    assert_int_equal(d.reads + d.writes, 0);
}

/* --- windows, triple faults, failures ------------------------------------------------- */

static void test_window_sets_intr_maybe_pending(void **state)
{
    struct fixture *f = *state;
    struct vexit x = { .kind = VEXIT_WINDOW };
    dispatch(f, &x);
    assert_true(f->v.intr_maybe_pending);
    assert_skipped(f, 0);
    assert_running(f);
}

static void test_triple_fault_ends(void **state)
{
    struct fixture *f = *state;
    struct vexit x = { .kind = VEXIT_TRIPLE_FAULT };
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_TRIPLE_FAULT);
    assert_string_equal(f->v.end_reason, "");
    assert_skipped(f, 0);
}

static void test_failed_ends_with_the_records_text(void **state)
{
    struct fixture *f = *state;
    struct vexit x = { .kind = VEXIT_FAILED };
    strcpy(x.why, "VM entry failed: invalid guest state (exit reason 33)");
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_ERROR);
    assert_string_equal(f->v.end_reason, x.why);

    /* The longest text fits; a '%' in it is text, not a format. */
    f->v.end = VCPU_RUNNING;
    memset(x.why, '%', VEXIT_WHY_MAX - 1);
    x.why[VEXIT_WHY_MAX - 1] = '\0';
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_ERROR);
    assert_string_equal(f->v.end_reason, x.why);
    assert_skipped(f, 0);
}

/* The first end wins: a later exit's answer does not rewrite it. */
static void test_first_end_wins(void **state)
{
    struct fixture *f = *state;
    struct vexit x = { .kind = VEXIT_TRIPLE_FAULT };
    dispatch(f, &x);
    x.kind = VEXIT_FAILED;
    strcpy(x.why, "later");
    dispatch(f, &x);
    assert_int_equal(f->v.end, END_TRIPLE_FAULT);
    assert_string_equal(f->v.end_reason, "");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_every_kind_has_a_handler),
        T(test_none_changes_nothing),
        T(test_cpuid_writes_four_registers_and_skips),
        T(test_cpuid_registers_in_order),
        T(test_in_merges_and_zero_extends),
        T(test_in_unclaimed_reads_all_ones),
        T(test_out_passes_the_masked_value),
        T(test_port_ffff_size_4),
        T(test_out_reply_ends_the_vcpu),
        T(test_io_kick),
        T(test_rep_outsb_moves_the_bytes),
        T(test_rep_insb_fills_guest_memory),
        T(test_rep_string_io_is_bounded),
        T(test_string_io_outside_ram_ends),
        T(test_unknown_msrs_raise_gp),
        T(test_msr_read_splits_into_edx_eax),
        T(test_extension_msrs_reach_the_extension),
        T(test_hlt_interrupts_off_last_vcpu_ends_halted),
        T(test_hlt_interrupts_off_parks_while_others_run),
        T(test_hlt_interrupts_on_waits_for_an_interrupt),
        T(test_vmcall_without_a_hook_is_enosys),
        T(test_vmcall_calls_the_hook),
        T(test_xsetbv_faults),
        T(test_unclaimed_mmio_ends_the_vcpu),
        T(test_claimed_mmio_is_emulated),
        T(test_mmio_by_an_unknown_instruction_ends),
        T(test_mmio_with_rip_outside_ram_ends),
        T(test_window_sets_intr_maybe_pending),
        T(test_triple_fault_ends),
        T(test_failed_ends_with_the_records_text),
        T(test_first_end_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
