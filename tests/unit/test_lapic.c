/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for dev/lapic.c: reset state, priorities, EOI, timer modes in exact TSC time, x2APIC rules, IPIs, destination matching, errors, fuzz. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "dev/lapic.h"

__extension__ typedef unsigned __int128 u128;

/* ---- Recording fake bus and EOI sink -------------------------------------- */

#define MAX_REC 256

static struct rec {
    struct apic_msg msg[MAX_REC];
    int nmsg;
    uint8_t eoi[MAX_REC];
    int neoi;
} R;

static void rec_send(void *ctx, const struct apic_msg *m)
{
    struct rec *r = ctx;
    if (r->nmsg < MAX_REC)
        r->msg[r->nmsg] = *m;
    r->nmsg++;
}

static void rec_eoi(void *ctx, uint8_t v)
{
    struct rec *r = ctx;
    if (r->neoi < MAX_REC)
        r->eoi[r->neoi] = v;
    r->neoi++;
}

static uint64_t T;      /* the simulated guest TSC every access uses */

#define TSC_HZ 2500000000ull    /* 25 TSC cycles per bus clock */
#define BUS_HZ 100000000ull

static void mk_cfg(struct lapic *a, const struct lapic_config *c)
{
    memset(&R, 0, sizeof R);
    T = 0;
    struct apic_bus b = { rec_send, &R };
    lapic_init(a, c, &b, rec_eoi, &R);
}

static void mk(struct lapic *a, uint32_t id, bool bsp)
{
    struct lapic_config c = { .apic_id = id, .bsp = bsp, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ };
    mk_cfg(a, &c);
}

static uint32_t rd(struct lapic *a, uint32_t off)
{
    return lapic_mmio_read(a, off, T);
}

static void wr(struct lapic *a, uint32_t off, uint32_t v)
{
    lapic_mmio_write(a, off, v, T);
}

static uint64_t mrd(struct lapic *a, uint32_t msr)
{
    uint64_t v = 0xdeadbeef;
    assert_int_equal(lapic_msr_read(a, msr, &v, T), 0);
    return v;
}

static bool irr_has(struct lapic *a, uint8_t v)
{
    return (rd(a, LAPIC_REG_IRR0 + 0x10 * (v >> 5)) >> (v & 31)) & 1;
}

static bool isr_has(struct lapic *a, uint8_t v)
{
    return (rd(a, LAPIC_REG_ISR0 + 0x10 * (v >> 5)) >> (v & 31)) & 1;
}

static bool tmr_has(struct lapic *a, uint8_t v)
{
    return (rd(a, LAPIC_REG_TMR0 + 0x10 * (v >> 5)) >> (v & 31)) & 1;
}

static void sw_enable(struct lapic *a)
{
    wr(a, LAPIC_REG_SVR, 0x1ff);
}

static struct apic_msg fixed(uint8_t vector, bool level)
{
    return (struct apic_msg){ .dest = 0xffffffff, .vector = vector, .delivery = APIC_DM_FIXED,
                              .level_triggered = level, .assert = true };
}

static void inject(struct lapic *a, uint8_t vector, bool level)
{
    struct apic_msg m = fixed(vector, level);
    assert_true(lapic_match_dest(a, &m));
    lapic_accept(a, &m);
}

/* Deliver the highest pending vector the way a vCPU does; returns it. */
static int take(struct lapic *a)
{
    int v = lapic_pending_vector(a);
    if (v >= 0)
        lapic_ack(a, (uint8_t)v);
    return v;
}

static void to_x2apic(struct lapic *a)
{
    uint64_t b = lapic_base_msr(a);
    assert_int_equal(lapic_set_base_msr(a, b | LAPIC_BASE_EXTD, T), 0);
    assert_true(lapic_x2apic_mode(a));
}

/* ---- Reset state ---------------------------------------------------------- */

static void check_reset_regs(struct lapic *a)
{
    assert_int_equal(rd(a, LAPIC_REG_VERSION), 0x00050014);
    assert_int_equal(rd(a, LAPIC_REG_TPR), 0);
    assert_int_equal(rd(a, LAPIC_REG_APR), 0);
    assert_int_equal(rd(a, LAPIC_REG_PPR), 0);
    assert_int_equal(rd(a, LAPIC_REG_LDR), 0);
    assert_int_equal(rd(a, LAPIC_REG_DFR), 0xffffffff);
    assert_int_equal(rd(a, LAPIC_REG_SVR), 0xff);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(rd(a, LAPIC_REG_ISR0 + 0x10 * i), 0);
        assert_int_equal(rd(a, LAPIC_REG_TMR0 + 0x10 * i), 0);
        assert_int_equal(rd(a, LAPIC_REG_IRR0 + 0x10 * i), 0);
    }
    assert_int_equal(rd(a, LAPIC_REG_ESR), 0);
    assert_int_equal(rd(a, LAPIC_REG_ICR_LO), 0);
    assert_int_equal(rd(a, LAPIC_REG_ICR_HI), 0);
    assert_int_equal(rd(a, LAPIC_REG_LVT_CMCI), 0x10000);
    for (uint32_t off = LAPIC_REG_LVT_TIMER; off <= LAPIC_REG_LVT_ERROR; off += 0x10)
        assert_int_equal(rd(a, off), 0x10000);
    assert_int_equal(rd(a, LAPIC_REG_TIMER_ICR), 0);
    assert_int_equal(rd(a, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(rd(a, LAPIC_REG_TIMER_DCR), 0);
    assert_false(lapic_sw_enabled(a));
    assert_int_equal(lapic_pending_vector(a), -1);
    assert_int_equal(lapic_next_event_tsc(a), UINT64_MAX);
}

static void test_reset_state(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    assert_int_equal(lapic_base_msr(&a), 0xfee00900);
    assert_true(lapic_enabled(&a));
    assert_false(lapic_x2apic_mode(&a));
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0);
    check_reset_regs(&a);
    assert_false(lapic_take_nmi(&a));
    assert_false(lapic_take_init(&a));
    assert_int_equal(lapic_take_sipi(&a), -1);
    assert_false(lapic_take_extint(&a));
    assert_false(lapic_accepts_pic_interrupts(&a));

    mk(&a, 3, false);
    assert_int_equal(lapic_base_msr(&a), 0xfee00800);
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0x03000000);
    assert_int_equal(lapic_id(&a), 3);
    check_reset_regs(&a);

    /* The xAPIC ID is the low 8 bits of a wider x2APIC ID. */
    mk(&a, 0x1ab, false);
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0xab000000);
}

static void test_version_eoi_suppression_option(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    wr(&a, LAPIC_REG_SVR, 0x11ff);
    assert_int_equal(rd(&a, LAPIC_REG_SVR), 0x1ff);     /* bit 12 not offered */

    struct lapic_config c = { .apic_id = 0, .bsp = true, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ,
                              .eoi_suppression = true };
    mk_cfg(&a, &c);
    assert_int_equal(rd(&a, LAPIC_REG_VERSION), 0x01050014);
    wr(&a, LAPIC_REG_SVR, 0xffffffff);
    assert_int_equal(rd(&a, LAPIC_REG_SVR), 0x13ff);
}

/* ---- Software enable (11.4.7.2) --------------------------------------------- */

static void test_software_disabled(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);

    /* LVT masks cannot be cleared while disabled. */
    wr(&a, LAPIC_REG_LVT_TIMER, 0x20);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_TIMER), 0x10020);
    wr(&a, LAPIC_REG_LVT_LINT0, 0x700);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_LINT0), 0x10700);
    assert_false(lapic_accepts_pic_interrupts(&a));

    /* No fixed interrupts; INIT, NMI, SIPI still accepted. */
    inject(&a, 0x40, false);
    assert_false(irr_has(&a, 0x40));
    struct apic_msg m = { .dest = 0, .delivery = APIC_DM_LOWEST, .vector = 0x41 };
    lapic_accept(&a, &m);
    assert_int_equal(lapic_pending_vector(&a), -1);
    m.delivery = APIC_DM_NMI;
    lapic_accept(&a, &m);
    m.delivery = APIC_DM_INIT;
    m.level_triggered = true;
    m.assert = true;
    lapic_accept(&a, &m);
    m = (struct apic_msg){ .dest = 0, .delivery = APIC_DM_STARTUP, .vector = 0x9a };
    lapic_accept(&a, &m);
    assert_true(lapic_take_nmi(&a));
    assert_false(lapic_take_nmi(&a));
    assert_true(lapic_take_init(&a));
    assert_int_equal(lapic_take_sipi(&a), 0x9a);
    assert_int_equal(lapic_take_sipi(&a), -1);

    /* IPIs can still be sent. */
    wr(&a, LAPIC_REG_ICR_HI, 0x01000000);
    wr(&a, LAPIC_REG_ICR_LO, 0x30);
    assert_int_equal(R.nmsg, 1);

    /* Enable: fixed accepted, masks now clearable. */
    sw_enable(&a);
    assert_true(lapic_sw_enabled(&a));
    assert_int_equal(rd(&a, LAPIC_REG_LVT_TIMER), 0x10020);    /* enabling leaves masks set */
    wr(&a, LAPIC_REG_LVT_TIMER, 0x20);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_TIMER), 0x20);
    wr(&a, LAPIC_REG_LVT_ERROR, 0xfe);
    inject(&a, 0x40, false);
    assert_int_equal(lapic_pending_vector(&a), 0x40);

    /* Disable again: every LVT masked, IRR held and still deliverable. */
    wr(&a, LAPIC_REG_SVR, 0xff);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_TIMER), 0x10020);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_ERROR), 0x100fe);
    for (uint32_t off = LAPIC_REG_LVT_TIMER; off <= LAPIC_REG_LVT_ERROR; off += 0x10)
        assert_true(rd(&a, off) & LAPIC_LVT_MASKED);
    assert_true(rd(&a, LAPIC_REG_LVT_CMCI) & LAPIC_LVT_MASKED);
    assert_int_equal(take(&a), 0x40);
    inject(&a, 0x50, false);
    assert_int_equal(lapic_pending_vector(&a), -1);
}

/* ---- Priorities, ack, EOI -------------------------------------------------- */

static void test_tpr_ppr_gating(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);
    inject(&a, 0x45, false);
    assert_int_equal(lapic_pending_vector(&a), 0x45);

    wr(&a, LAPIC_REG_TPR, 0x50);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x50);
    assert_int_equal(lapic_pending_vector(&a), -1);
    wr(&a, LAPIC_REG_TPR, 0x40);                /* same class: still blocked */
    assert_int_equal(lapic_pending_vector(&a), -1);
    wr(&a, LAPIC_REG_TPR, 0x3f);
    assert_int_equal(lapic_pending_vector(&a), 0x45);
    wr(&a, LAPIC_REG_TPR, 0xfff);
    assert_int_equal(rd(&a, LAPIC_REG_TPR), 0xff);   /* only bits 7:0 */
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* PPR = max(TPR, ISR class) with the TPR sub-class kept when TPR wins. */
    wr(&a, LAPIC_REG_TPR, 0);
    assert_int_equal(take(&a), 0x45);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x40);
    wr(&a, LAPIC_REG_TPR, 0x37);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x40);
    wr(&a, LAPIC_REG_TPR, 0x47);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x47);
    wr(&a, LAPIC_REG_TPR, 0x52);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x52);
    assert_int_equal(lapic_ppr(&a), 0x52);
}

static void test_irr_isr_eoi_nesting(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);

    inject(&a, 0x30, false);
    assert_int_equal(take(&a), 0x30);
    assert_true(isr_has(&a, 0x30));
    assert_false(irr_has(&a, 0x30));

    inject(&a, 0x31, false);                    /* same class as in service: waits */
    assert_int_equal(lapic_pending_vector(&a), -1);
    inject(&a, 0x50, false);                    /* higher class nests */
    assert_int_equal(take(&a), 0x50);
    inject(&a, 0x45, false);
    assert_int_equal(lapic_pending_vector(&a), -1);
    assert_int_equal(rd(&a, LAPIC_REG_PPR), 0x50);

    wr(&a, LAPIC_REG_EOI, 0);                   /* retires 0x50, the highest */
    assert_false(isr_has(&a, 0x50));
    assert_true(isr_has(&a, 0x30));
    assert_int_equal(take(&a), 0x45);
    wr(&a, LAPIC_REG_EOI, 0);                   /* 0x45 */
    assert_int_equal(lapic_pending_vector(&a), -1);     /* 0x31 vs ISR 0x30 */
    wr(&a, LAPIC_REG_EOI, 0x1234);              /* xAPIC: any value works */
    assert_int_equal(rd(&a, LAPIC_REG_ISR0 + 0x10), 0);
    assert_int_equal(take(&a), 0x31);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(lapic_pending_vector(&a), -1);
    wr(&a, LAPIC_REG_EOI, 0);                   /* nothing in service: harmless */
    assert_int_equal(R.neoi, 0);

    /* An IRR bit merges repeats; ack of a vector not in IRR does nothing. */
    inject(&a, 0x60, false);
    inject(&a, 0x60, false);
    assert_int_equal(take(&a), 0x60);
    assert_int_equal(lapic_pending_vector(&a), -1);
    lapic_ack(&a, 0x70);
    assert_false(isr_has(&a, 0x70));
    /* Vector 255 and EOI reads. */
    inject(&a, 0xff, false);
    assert_int_equal(take(&a), 0xff);
    assert_true(isr_has(&a, 0xff));
    assert_int_equal(rd(&a, LAPIC_REG_EOI), 0);
}

static void test_eoi_broadcast_level(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);

    inject(&a, 0x61, true);
    assert_true(tmr_has(&a, 0x61));
    inject(&a, 0x62, false);
    assert_false(tmr_has(&a, 0x62));
    assert_int_equal(take(&a), 0x62);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(R.neoi, 0);                /* edge: no broadcast */
    assert_int_equal(take(&a), 0x61);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(R.neoi, 1);
    assert_int_equal(R.eoi[0], 0x61);

    /* An edge interrupt on the same vector clears its TMR bit. */
    inject(&a, 0x61, false);
    assert_false(tmr_has(&a, 0x61));
    assert_int_equal(take(&a), 0x61);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(R.neoi, 1);

    /* Suppression (when offered and enabled in SVR bit 12). */
    struct lapic_config c = { .apic_id = 0, .bsp = true, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ,
                              .eoi_suppression = true };
    mk_cfg(&a, &c);
    wr(&a, LAPIC_REG_SVR, 0x11ff);
    inject(&a, 0x70, true);
    assert_int_equal(take(&a), 0x70);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(R.neoi, 0);
    wr(&a, LAPIC_REG_SVR, 0x1ff);
    inject(&a, 0x70, true);
    assert_int_equal(take(&a), 0x70);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(R.neoi, 1);

    /* x2APIC EOI MSR. */
    to_x2apic(&a);
    inject(&a, 0x71, true);
    assert_int_equal(take(&a), 0x71);
    assert_int_equal(lapic_msr_write(&a, 0x80b, 0, T), 0);
    assert_int_equal(R.neoi, 2);
    assert_int_equal(R.eoi[1], 0x71);
}

/* ---- Timer ----------------------------------------------------------------- */

/* 25 TSC per bus clock; DCR 3 = divide by 16 -> 400 TSC per tick. */
static void test_timer_oneshot_exact(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);
    wr(&a, LAPIC_REG_TIMER_DCR, 3);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x40);
    T = 1000;
    wr(&a, LAPIC_REG_TIMER_ICR, 100);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_ICR), 100);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 100);
    assert_int_equal(lapic_next_event_tsc(&a), 41000);
    T = 1399;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 100);
    T = 1400;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 99);
    T = 1000 + 400 * 50 + 399;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 50);
    T = 40999;
    lapic_update(&a, T);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 1);
    assert_false(irr_has(&a, 0x40));
    T = 41000;
    lapic_update(&a, T);
    assert_true(irr_has(&a, 0x40));
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_ICR), 100);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);
    assert_int_equal(take(&a), 0x40);
    wr(&a, LAPIC_REG_EOI, 0);
    T = 10000000;                               /* fires once only */
    lapic_update(&a, T);
    assert_int_equal(lapic_pending_vector(&a), -1);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);

    /* Rewriting the initial count restarts; 0 stops. */
    wr(&a, LAPIC_REG_TIMER_ICR, 10);
    assert_int_equal(lapic_next_event_tsc(&a), T + 4000);
    T += 2000;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 5);
    wr(&a, LAPIC_REG_TIMER_ICR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);
    T += 100000;
    lapic_update(&a, T);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* Late update: fires at the first look after the deadline. */
    wr(&a, LAPIC_REG_TIMER_ICR, 1);
    T += 1000000;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(lapic_pending_vector(&a), 0x40);
}

/* Non-integer TSC per tick: 3 GHz TSC, 7 MHz bus, divide by 1:
 * 3000/7 TSC per tick. Period 3 ticks = 9000/7 TSC, no drift. */
static void test_timer_periodic_exact_no_drift(void **state)
{
    (void)state;
    struct lapic a;
    struct lapic_config c = { .apic_id = 0, .bsp = true, .tsc_hz = 3000000000ull, .bus_hz = 7000000 };
    mk_cfg(&a, &c);
    sw_enable(&a);
    wr(&a, LAPIC_REG_TIMER_DCR, 0xb);
    wr(&a, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x41);
    T = 5;
    wr(&a, LAPIC_REG_TIMER_ICR, 3);
    for (uint64_t k = 1; k <= 3000; k++) {
        uint64_t due = 5 + (k * 9000 + 6) / 7;  /* ceil */
        assert_int_equal(lapic_next_event_tsc(&a), due);
        T = due - 1;
        lapic_update(&a, T);
        assert_int_equal(lapic_pending_vector(&a), -1);
        assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 1);
        T = due;
        lapic_update(&a, T);
        assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 3);     /* reloaded */
        assert_int_equal(take(&a), 0x41);
        wr(&a, LAPIC_REG_EOI, 0);
    }
    /* Missed periods coalesce into one IRR bit and the phase is kept. */
    T = 5 + (3000ull + 10) * 9000 / 7 + 1;      /* inside period 3011 */
    lapic_update(&a, T);
    assert_int_equal(take(&a), 0x41);
    assert_int_equal(lapic_pending_vector(&a), -1);
    assert_int_equal(lapic_next_event_tsc(&a), 5 + (3011ull * 9000 + 6) / 7);
}

static void test_timer_tsc_deadline(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);

    /* Not in deadline mode: the MSR reads 0 and ignores writes. */
    lapic_set_tsc_deadline(&a, 5000, T);
    assert_int_equal(lapic_tsc_deadline(&a), 0);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);

    wr(&a, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_TIMER), 0x40042);
    T = 1000;
    wr(&a, LAPIC_REG_TIMER_ICR, 100);           /* ignored in this mode */
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_ICR), 0);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    lapic_set_tsc_deadline(&a, 5000, T);
    assert_int_equal(lapic_tsc_deadline(&a), 5000);
    assert_int_equal(lapic_next_event_tsc(&a), 5000);
    lapic_update(&a, 4999);
    assert_int_equal(lapic_pending_vector(&a), -1);
    lapic_update(&a, 5000);
    assert_int_equal(lapic_pending_vector(&a), 0x42);
    assert_int_equal(lapic_tsc_deadline(&a), 0);        /* cleared on firing */
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);
    assert_int_equal(take(&a), 0x42);
    wr(&a, LAPIC_REG_EOI, 0);
    lapic_update(&a, 100000);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* A deadline in the past fires at once; 0 disarms. */
    T = 6000;
    lapic_set_tsc_deadline(&a, 10, T);
    assert_int_equal(lapic_pending_vector(&a), 0x42);
    assert_int_equal(take(&a), 0x42);
    wr(&a, LAPIC_REG_EOI, 0);
    lapic_set_tsc_deadline(&a, 9000, T);
    lapic_set_tsc_deadline(&a, 0, T);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);
    lapic_update(&a, 20000);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* Masked: the deadline still passes (and clears) without an interrupt. */
    wr(&a, LAPIC_REG_LVT_TIMER, (2u << 17) | LAPIC_LVT_MASKED | 0x42);
    lapic_set_tsc_deadline(&a, 30000, T);
    assert_int_equal(lapic_next_event_tsc(&a), 30000);
    lapic_update(&a, 30000);
    assert_int_equal(lapic_tsc_deadline(&a), 0);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* Leaving deadline mode disarms it. */
    wr(&a, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    lapic_set_tsc_deadline(&a, 50000, T);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x42);
    assert_int_equal(lapic_tsc_deadline(&a), 0);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);
    wr(&a, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    assert_int_equal(lapic_tsc_deadline(&a), 0);
    lapic_update(&a, 60000);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* Entering deadline mode stops a running count (initial count cleared). */
    T = 70000;
    wr(&a, LAPIC_REG_LVT_TIMER, 0x42);
    wr(&a, LAPIC_REG_TIMER_ICR, 1000);
    T = 71000;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 1000 - 1000 / 50);
    wr(&a, LAPIC_REG_LVT_TIMER, (2u << 17) | 0x42);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_ICR), 0);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x42);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    T = 10000000;
    lapic_update(&a, T);
    assert_int_equal(lapic_pending_vector(&a), -1);
}

/* A masked LVT timer keeps counting (11.5.4): no IRR, same phase. DCR 0xb
 * (divide by 1): 25 TSC per tick. */
static void test_timer_masked_counts(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);
    wr(&a, LAPIC_REG_TIMER_DCR, 0xb);
    wr(&a, LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | 0x43);
    wr(&a, LAPIC_REG_TIMER_ICR, 10);
    T = 100;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 6);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);    /* nothing to wake for */
    T = 250;
    lapic_update(&a, T);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    assert_false(irr_has(&a, 0x43));
    wr(&a, LAPIC_REG_LVT_TIMER, 0x43);          /* unmask after expiry: nothing */
    T = 1000;
    lapic_update(&a, T);
    assert_false(irr_has(&a, 0x43));

    /* Periodic, masked: the count cycles; unmasking fires at the next reload. */
    T = 0;
    wr(&a, LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | (1u << 17) | 0x43);
    wr(&a, LAPIC_REG_TIMER_ICR, 10);
    T = 600;                                    /* 24 ticks */
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 6);
    assert_false(irr_has(&a, 0x43));
    wr(&a, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x43);
    assert_int_equal(lapic_next_event_tsc(&a), 750);
    lapic_update(&a, 749);
    assert_false(irr_has(&a, 0x43));
    T = 750;
    lapic_update(&a, T);
    assert_int_equal(take(&a), 0x43);
    assert_int_equal(lapic_pending_vector(&a), -1);
    assert_int_equal(lapic_next_event_tsc(&a), 1000);
}

static void test_timer_divide_config(void **state)
{
    (void)state;
    static const struct { uint32_t dcr; uint32_t div; } tab[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    for (unsigned i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        for (uint32_t junk = 0; junk < 2; junk++) {
            struct lapic a;
            mk(&a, 0, true);
            sw_enable(&a);
            uint32_t dcr = tab[i].dcr | (junk ? 0xfffffff4u : 0);   /* bit 2, 31:4 are reserved */
            wr(&a, LAPIC_REG_TIMER_DCR, dcr);
            assert_int_equal(rd(&a, LAPIC_REG_TIMER_DCR), tab[i].dcr);
            wr(&a, LAPIC_REG_LVT_TIMER, 0x44);
            T = 7;
            wr(&a, LAPIC_REG_TIMER_ICR, 1000000);
            T = 7 + 25 * 128 * 10;
            assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 1000000 - 1280 / tab[i].div);
            assert_int_equal(lapic_next_event_tsc(&a), 7 + 25ull * tab[i].div * 1000000);
        }
    }
}

static void test_timer_dcr_and_mode_changes_midcount(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);

    /* Divide change keeps the count and runs it at the new rate. */
    wr(&a, LAPIC_REG_TIMER_DCR, 0xb);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x45);
    wr(&a, LAPIC_REG_TIMER_ICR, 1000);
    T = 2500;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 900);
    wr(&a, LAPIC_REG_TIMER_DCR, 0);             /* divide by 2: 50 TSC per tick */
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 900);
    T = 2549;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 900);
    T = 2550;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 899);
    assert_int_equal(lapic_next_event_tsc(&a), 2500 + 900 * 50);

    /* One-shot -> periodic while counting: same expiry, then reloads. */
    T = 0;
    wr(&a, LAPIC_REG_TIMER_DCR, 0xb);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x45);
    wr(&a, LAPIC_REG_TIMER_ICR, 100);
    T = 500;
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 80);
    wr(&a, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x45);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 80);
    assert_int_equal(lapic_next_event_tsc(&a), 2500);
    T = 2500;
    lapic_update(&a, T);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 100);
    assert_int_equal(take(&a), 0x45);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(lapic_next_event_tsc(&a), 5000);

    /* Periodic -> one-shot: this period ends, no reload. */
    T = 3000;
    wr(&a, LAPIC_REG_LVT_TIMER, 0x45);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 80);
    assert_int_equal(lapic_next_event_tsc(&a), 5000);
    T = 5000;
    lapic_update(&a, T);
    assert_int_equal(take(&a), 0x45);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
    assert_int_equal(lapic_next_event_tsc(&a), UINT64_MAX);

    /* Changing the mode of an expired timer does not start it. */
    wr(&a, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x45);
    T = 100000;
    lapic_update(&a, T);
    assert_int_equal(lapic_pending_vector(&a), -1);
    assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0);
}

/* Big TSC values and long periods take the 128-bit paths of the a*b/c helper. */
static void test_timer_large_values(void **state)
{
    (void)state;
    struct lapic a;
    struct lapic_config c = { .apic_id = 0, .bsp = true, .tsc_hz = 2999999999ull, .bus_hz = 1000000007ull };
    mk_cfg(&a, &c);
    sw_enable(&a);
    wr(&a, LAPIC_REG_TIMER_DCR, 0xa);           /* /128 */
    wr(&a, LAPIC_REG_LVT_TIMER, (1u << 17) | 0x46);
    const uint64_t start = 1ull << 62;
    const uint64_t n = 0xffffffffu;
    T = start;
    wr(&a, LAPIC_REG_TIMER_ICR, (uint32_t)n);
    const u128 num = (u128)c.tsc_hz * 128;
    for (uint64_t k = 1; k <= 2000; k += 37) {
        T = start + (uint64_t)(((u128)k * n * num + c.bus_hz - 1) / c.bus_hz);
        uint64_t before = T - 1;
        /* The count just before the k-th expiry is 1, and 0xffffffff after it. */
        uint64_t ticks = (uint64_t)((u128)(before - start) * c.bus_hz / num);
        assert_int_equal(ticks, k * n - 1);
        lapic_update(&a, before);
        assert_int_equal(lapic_mmio_read(&a, LAPIC_REG_TIMER_CCR, before), 1);
        assert_int_equal(lapic_next_event_tsc(&a), T);
        lapic_update(&a, T);
        assert_int_equal(rd(&a, LAPIC_REG_TIMER_CCR), 0xffffffffu);
        assert_int_equal(take(&a), 0x46);
        wr(&a, LAPIC_REG_EOI, 0);
    }
}

/* ---- IA32_APIC_BASE and x2APIC --------------------------------------------- */

static void test_base_msr_transitions(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0x12, true);
    const uint64_t B = 0xfee00000, EN = 1u << 11, EXTD = 1u << 10, BSP = 1u << 8;

    /* Reserved bits. */
    assert_int_equal(lapic_set_base_msr(&a, B | EN | 1, T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | 0x80, T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | (1u << 9), T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | (1ull << 52), T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | (1ull << 63), T), -1);
    assert_int_equal(lapic_base_msr(&a), B | EN | BSP);

    /* EXTD without EN: the invalid state. */
    assert_int_equal(lapic_set_base_msr(&a, B | EXTD, T), -1);

    /* xAPIC -> x2APIC keeps registers, derives the LDR. */
    sw_enable(&a);
    wr(&a, LAPIC_REG_TPR, 0x20);
    wr(&a, LAPIC_REG_LDR, 0x01000000);
    wr(&a, LAPIC_REG_ICR_HI, 0x07000000);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | EXTD, T), 0);
    assert_true(lapic_x2apic_mode(&a));
    assert_int_equal(lapic_base_msr(&a), B | EN | EXTD | BSP);
    assert_int_equal(mrd(&a, 0x808), 0x20);
    assert_int_equal(mrd(&a, 0x80f), 0x1ff);
    assert_int_equal(mrd(&a, 0x80d), 0x10004);
    assert_int_equal(mrd(&a, 0x802), 0x12);
    assert_int_equal(mrd(&a, 0x830) >> 32, 7);
    /* MMIO is not decoded now. */
    assert_int_equal(rd(&a, LAPIC_REG_TPR), 0);
    wr(&a, LAPIC_REG_TPR, 0x80);
    assert_int_equal(mrd(&a, 0x808), 0x20);

    /* x2APIC -> xAPIC directly: #GP. Staying in x2APIC (same value): fine. */
    assert_int_equal(lapic_set_base_msr(&a, B | EN, T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | EXTD, T), 0);
    assert_int_equal(lapic_set_base_msr(&a, B | EXTD, T), -1);

    /* x2APIC -> disabled: everything reset, nothing decoded or accepted. */
    inject(&a, 0x40, false);
    struct apic_msg nmi = { .dest = 0xffffffff, .delivery = APIC_DM_NMI };
    lapic_accept(&a, &nmi);
    assert_int_equal(lapic_set_base_msr(&a, B, T), 0);
    assert_false(lapic_enabled(&a));
    assert_int_equal(lapic_base_msr(&a), B | BSP);
    assert_false(lapic_take_nmi(&a));
    assert_int_equal(lapic_pending_vector(&a), -1);
    uint64_t v;
    assert_int_equal(lapic_msr_read(&a, 0x802, &v, T), -1);
    assert_int_equal(rd(&a, LAPIC_REG_VERSION), 0);
    struct apic_msg all = fixed(0x40, false);
    all.shorthand = APIC_SH_ALL_INCLUDING_SELF;
    assert_false(lapic_match_dest(&a, &all));
    lapic_accept(&a, &nmi);
    assert_false(lapic_take_nmi(&a));
    lapic_init_reset(&a);                       /* INIT keeps it disabled */
    assert_false(lapic_enabled(&a));

    /* disabled -> x2APIC: #GP; disabled -> xAPIC: reset state. */
    assert_int_equal(lapic_set_base_msr(&a, B | EN | EXTD, T), -1);
    assert_int_equal(lapic_set_base_msr(&a, B | EN, T), 0);
    assert_false(lapic_x2apic_mode(&a));
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0x12000000);
    check_reset_regs(&a);

    /* xAPIC -> disabled -> xAPIC also resets. */
    sw_enable(&a);
    wr(&a, LAPIC_REG_TPR, 0x33);
    assert_int_equal(lapic_set_base_msr(&a, B, T), 0);
    assert_int_equal(lapic_set_base_msr(&a, B | EN, T), 0);
    check_reset_regs(&a);

    /* The BSP flag is not writable; relocation within MAXPHYADDR is. */
    mk(&a, 1, false);
    assert_int_equal(lapic_set_base_msr(&a, B | EN | BSP, T), 0);
    assert_int_equal(lapic_base_msr(&a), B | EN);
    struct lapic_config c = { .apic_id = 1, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ, .maxphyaddr = 36 };
    mk_cfg(&a, &c);
    assert_int_equal(lapic_set_base_msr(&a, (1ull << 36) | EN, T), -1);
    assert_int_equal(lapic_set_base_msr(&a, (1ull << 35) | 0x1000 | EN, T), 0);
    assert_int_equal(lapic_base_msr(&a), (1ull << 35) | 0x1000 | EN);
}

static void test_x2apic_msr_gp(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0x23, true);
    uint64_t v;

    /* Not in x2APIC mode: every x2APIC MSR #GPs. */
    for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
        assert_int_equal(lapic_msr_read(&a, msr, &v, T), -1);
        assert_int_equal(lapic_msr_write(&a, msr, 0, T), -1);
    }
    to_x2apic(&a);
    sw_enable(&a);                              /* MMIO is off: use the MSR */
    assert_int_equal(lapic_msr_write(&a, 0x80f, 0x1ff, T), 0);

    /* Readable exactly per table 11-6. */
    for (uint32_t msr = 0x7f0; msr <= 0x90f; msr++) {
        bool readable = msr == 0x802 || msr == 0x803 || msr == 0x808 || msr == 0x80a ||
                        msr == 0x80d || msr == 0x80f || (msr >= 0x810 && msr <= 0x828) ||
                        msr == 0x82f || msr == 0x830 || (msr >= 0x832 && msr <= 0x839) ||
                        msr == 0x83e;
        assert_int_equal(lapic_msr_read(&a, msr, &v, T), readable ? 0 : -1);
    }
    /* Writable (with 0) exactly: TPR, EOI, SVR, ESR, CMCI, ICR, LVTs, TMICT, DCR, SELF IPI. */
    for (uint32_t msr = 0x7f0; msr <= 0x90f; msr++) {
        bool writable = msr == 0x808 || msr == 0x80b || msr == 0x80f || msr == 0x828 ||
                        msr == 0x82f || msr == 0x830 || (msr >= 0x832 && msr <= 0x838) ||
                        msr == 0x83e || msr == 0x83f;
        uint64_t val = msr == 0x80f ? 0x1ff : 0;    /* keep the APIC enabled */
        assert_int_equal(lapic_msr_write(&a, msr, val, T), writable ? 0 : -1);
    }

    /* Reserved bits. */
    struct { uint32_t msr; uint64_t val; int rc; } tab[] = {
        { 0x808, 0xff, 0 }, { 0x808, 0x100, -1 }, { 0x808, 1ull << 32, -1 },
        { 0x80b, 1, -1 }, { 0x80b, 1ull << 40, -1 },
        { 0x828, 1, -1 }, { 0x828, 0x80, -1 },
        { 0x80f, 0x3ff, 0 }, { 0x80f, 0x5ff, -1 }, { 0x80f, 0x11ff, -1 }, { 0x80f, 0x1ff | (1ull << 32), -1 },
        { 0x830, (0xffffffffull << 32) | 0xccfff, 0 },
        { 0x830, 1u << 12, 0 },                 /* delivery status: ignored */
        { 0x830, 1u << 13, -1 }, { 0x830, 1u << 16, -1 }, { 0x830, 1u << 17, -1 },
        { 0x830, 1u << 20, -1 }, { 0x830, 1u << 31, -1 },
        { 0x832, 0x700ff, 0 }, { 0x832, 0x100, -1 }, { 0x832, 1u << 19, -1 }, { 0x832, 1u << 12, 0 },
        { 0x833, 0x107ff, 0 }, { 0x833, 0x2000, -1 },
        { 0x834, 0x107ff, 0 }, { 0x834, 0x8000, -1 },
        { 0x835, 0x1f7ff, 0 }, { 0x835, 1u << 17, -1 },  /* LINT0: remote IRR / status ignored */
        { 0x836, 0x1f7ff, 0 },
        { 0x837, 0x100ff, 0 }, { 0x837, 0x700, -1 },
        { 0x82f, 0x107ff, 0 }, { 0x82f, 0x8000, -1 },
        { 0x838, 0xffffffff, 0 }, { 0x838, 1ull << 32, -1 }, { 0x838, 0, 0 },
        { 0x83e, 0xb, 0 }, { 0x83e, 0x4, -1 }, { 0x83e, 0x10, -1 },
        { 0x83f, 0xff, 0 }, { 0x83f, 0x100, -1 },
        { 0x802, 0x23, -1 }, { 0x803, 0x50014, -1 }, { 0x80a, 0, -1 }, { 0x80d, 0x20008, -1 },
        { 0x810, 0, -1 }, { 0x820, 0, -1 }, { 0x839, 0, -1 },
        { 0x80e, 0xffffffff, -1 }, { 0x831, 0, -1 }, { 0x809, 0, -1 }, { 0x80c, 0, -1 },
    };
    for (unsigned i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        int rc = lapic_msr_write(&a, tab[i].msr, tab[i].val, T);
        if (rc != tab[i].rc)
            fail_msg("WRMSR 0x%x <- 0x%llx: got %d, want %d", tab[i].msr,
                     (unsigned long long)tab[i].val, rc, tab[i].rc);
    }
    /* Read-back of a few. */
    assert_int_equal(lapic_msr_write(&a, 0x830, (5ull << 32) | (1u << 12) | 0x4051, T), 0);
    assert_int_equal(mrd(&a, 0x830), (5ull << 32) | 0x4051);
    assert_int_equal(lapic_msr_write(&a, 0x835, 0x1f7ff, T), 0);
    assert_int_equal(mrd(&a, 0x835), 0x1a7ff);
    assert_int_equal(mrd(&a, 0x802), 0x23);
    assert_int_equal(mrd(&a, 0x803), 0x50014);
    assert_int_equal(lapic_msr_read(&a, 0x80b, &v, T), -1);
    assert_int_equal(lapic_msr_read(&a, 0x83f, &v, T), -1);
}

static void test_ldr_derivation(void **state)
{
    (void)state;
    static const struct { uint32_t id, ldr; } tab[] = {
        { 0, 0x00000001 }, { 1, 0x00000002 }, { 15, 0x00008000 }, { 16, 0x00010001 },
        { 0x23, 0x00020008 }, { 0x12345, 0x12340020 },
    };
    for (unsigned i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        struct lapic a;
        mk(&a, tab[i].id, false);
        to_x2apic(&a);
        assert_int_equal(mrd(&a, 0x80d), tab[i].ldr);
        assert_int_equal(mrd(&a, 0x802), tab[i].id);
        assert_int_equal(lapic_msr_write(&a, 0x80d, 0, T), -1);
        lapic_init_reset(&a);                   /* INIT: mode kept, LDR re-derived */
        assert_true(lapic_x2apic_mode(&a));
        assert_int_equal(mrd(&a, 0x80d), tab[i].ldr);
    }

    /* xAPIC LDR and DFR writable bits. */
    struct lapic a;
    mk(&a, 0, true);
    wr(&a, LAPIC_REG_LDR, 0xffffffff);
    assert_int_equal(rd(&a, LAPIC_REG_LDR), 0xff000000);
    wr(&a, LAPIC_REG_DFR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_DFR), 0x0fffffff);
    wr(&a, LAPIC_REG_DFR, 0x12345678);
    assert_int_equal(rd(&a, LAPIC_REG_DFR), 0x1fffffff);
    wr(&a, LAPIC_REG_DFR, 0xffffffff);
    assert_int_equal(rd(&a, LAPIC_REG_DFR), 0xffffffff);
    /* The xAPIC ID register is read-only here. */
    wr(&a, LAPIC_REG_ID, 0x05000000);
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0);
    wr(&a, LAPIC_REG_VERSION, 0);
    assert_int_equal(rd(&a, LAPIC_REG_VERSION), 0x50014);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), 0);     /* read-only writes are no error */
}

/* ---- IPIs ------------------------------------------------------------------ */

static void expect_msg(int i, uint32_t dest, bool logical, uint8_t vector, enum apic_delivery dm,
                       enum apic_shorthand sh, uint32_t src)
{
    assert_true(i < R.nmsg);
    const struct apic_msg *m = &R.msg[i];
    assert_int_equal(m->dest, dest);
    assert_int_equal(m->logical, logical);
    assert_int_equal(m->delivery, dm);
    if (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST || dm == APIC_DM_STARTUP)
        assert_int_equal(m->vector, vector);
    assert_int_equal(m->shorthand, sh);
    assert_int_equal(m->source_apic_id, src);
    assert_false(m->level_triggered);
    assert_true(m->assert);
}

static void test_icr_ipis_xapic(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 2, true);
    sw_enable(&a);

    wr(&a, LAPIC_REG_ICR_HI, 0x01ffffff);
    assert_int_equal(rd(&a, LAPIC_REG_ICR_HI), 0x01000000);
    wr(&a, LAPIC_REG_ICR_LO, 0x000010f0);       /* status bit written: reads 0 */
    assert_int_equal(rd(&a, LAPIC_REG_ICR_LO), 0xf0);
    expect_msg(0, 1, false, 0xf0, APIC_DM_FIXED, APIC_SH_NONE, 2);

    wr(&a, LAPIC_REG_ICR_HI, 0x03000000);
    wr(&a, LAPIC_REG_ICR_LO, 0x831);            /* logical */
    expect_msg(1, 3, true, 0x31, APIC_DM_FIXED, APIC_SH_NONE, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x40033);
    expect_msg(2, 3, false, 0x33, APIC_DM_FIXED, APIC_SH_SELF, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x80034);
    expect_msg(3, 3, false, 0x34, APIC_DM_FIXED, APIC_SH_ALL_INCLUDING_SELF, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0xc0035);
    expect_msg(4, 3, false, 0x35, APIC_DM_FIXED, APIC_SH_ALL_EXCLUDING_SELF, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x8c0035);         /* bits above 19 are not stored */
    assert_int_equal(rd(&a, LAPIC_REG_ICR_LO), 0xc0035);
    wr(&a, LAPIC_REG_ICR_LO, 0x0400);           /* NMI */
    expect_msg(6, 3, false, 0, APIC_DM_NMI, APIC_SH_NONE, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x0140);           /* lowest priority */
    expect_msg(7, 3, false, 0x40, APIC_DM_LOWEST, APIC_SH_NONE, 2);

    /* Linux's INIT / INIT de-assert / SIPI x2 sequence. */
    int n = R.nmsg;
    wr(&a, LAPIC_REG_ICR_HI, 0x01000000);
    wr(&a, LAPIC_REG_ICR_LO, 0xc500);           /* INIT, level, assert */
    expect_msg(n, 1, false, 0, APIC_DM_INIT, APIC_SH_NONE, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x8500);           /* INIT level de-assert: not sent */
    assert_int_equal(R.nmsg, n + 1);
    wr(&a, LAPIC_REG_ICR_LO, 0x0609);
    expect_msg(n + 1, 1, false, 0x09, APIC_DM_STARTUP, APIC_SH_NONE, 2);
    wr(&a, LAPIC_REG_ICR_LO, 0x0609);
    assert_int_equal(R.nmsg, n + 3);

    /* Reserved delivery modes are not sent; SMI goes out (receivers drop it). */
    wr(&a, LAPIC_REG_ICR_LO, 0x0340);
    wr(&a, LAPIC_REG_ICR_LO, 0x0740);
    assert_int_equal(R.nmsg, n + 3);
    wr(&a, LAPIC_REG_ICR_LO, 0x0200);
    assert_int_equal(R.nmsg, n + 4);
    assert_int_equal(R.msg[n + 3].delivery, APIC_DM_SMI);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), 0);
}

static void test_icr_ipis_x2apic(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0x23, false);
    to_x2apic(&a);
    assert_int_equal(lapic_msr_write(&a, 0x80f, 0x1ff, T), 0);

    assert_int_equal(lapic_msr_write(&a, 0x830, (0x12345ull << 32) | 0x0ef, T), 0);
    expect_msg(0, 0x12345, false, 0xef, APIC_DM_FIXED, APIC_SH_NONE, 0x23);
    assert_int_equal(lapic_msr_write(&a, 0x830, (0x10003ull << 32) | 0x8f1, T), 0);
    expect_msg(1, 0x10003, true, 0xf1, APIC_DM_FIXED, APIC_SH_NONE, 0x23);
    assert_int_equal(lapic_msr_write(&a, 0x830, (0xffffffffull << 32) | 0x400, T), 0);
    expect_msg(2, 0xffffffff, false, 0, APIC_DM_NMI, APIC_SH_NONE, 0x23);
    assert_int_equal(lapic_msr_write(&a, 0x830, (7ull << 32) | 0xc500, T), 0);
    expect_msg(3, 7, false, 0, APIC_DM_INIT, APIC_SH_NONE, 0x23);
    assert_int_equal(lapic_msr_write(&a, 0x830, (7ull << 32) | 0x8500, T), 0);
    assert_int_equal(R.nmsg, 4);
    assert_int_equal(lapic_msr_write(&a, 0x830, 0xc00fd, T), 0);
    expect_msg(4, 0, false, 0xfd, APIC_DM_FIXED, APIC_SH_ALL_EXCLUDING_SELF, 0x23);

    /* SELF IPI MSR: fixed, edge, self. */
    assert_int_equal(lapic_msr_write(&a, 0x83f, 0x66, T), 0);
    expect_msg(5, 0x23, false, 0x66, APIC_DM_FIXED, APIC_SH_SELF, 0x23);
    assert_true(lapic_match_dest(&a, &R.msg[5]));
    lapic_accept(&a, &R.msg[5]);
    assert_int_equal(lapic_pending_vector(&a), 0x66);
}

/* Two LAPICs on a routing bus: the AP start-up sequence and an IPI round trip. */
struct sys {
    struct lapic *cpu[2];
};

static void sys_send(void *ctx, const struct apic_msg *m)
{
    struct sys *s = ctx;
    if (m->delivery == APIC_DM_LOWEST) {        /* lowest priority: one target */
        struct lapic *best = NULL;
        for (int i = 0; i < 2; i++)
            if (lapic_match_dest(s->cpu[i], m) &&
                (!best || lapic_ppr(s->cpu[i]) < lapic_ppr(best)))
                best = s->cpu[i];
        if (best)
            lapic_accept(best, m);
        return;
    }
    for (int i = 0; i < 2; i++)
        if (lapic_match_dest(s->cpu[i], m))
            lapic_accept(s->cpu[i], m);
}

static void test_two_cpu_bus(void **state)
{
    (void)state;
    struct lapic bsp, ap;
    struct sys s = { { &bsp, &ap } };
    struct apic_bus bus = { sys_send, &s };
    struct lapic_config c0 = { .apic_id = 0, .bsp = true, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ };
    struct lapic_config c1 = { .apic_id = 1, .bsp = false, .tsc_hz = TSC_HZ, .bus_hz = BUS_HZ };
    lapic_init(&bsp, &c0, &bus, NULL, NULL);
    lapic_init(&ap, &c1, &bus, NULL, NULL);
    T = 0;
    lapic_setup_virtual_wire(&bsp);
    assert_true(lapic_accepts_pic_interrupts(&bsp));
    assert_false(lapic_accepts_pic_interrupts(&ap));

    wr(&bsp, LAPIC_REG_ICR_HI, 0x01000000);
    wr(&bsp, LAPIC_REG_ICR_LO, 0xc500);
    wr(&bsp, LAPIC_REG_ICR_LO, 0x8500);
    wr(&bsp, LAPIC_REG_ICR_LO, 0x0610);
    assert_false(lapic_take_init(&bsp));
    assert_true(lapic_take_init(&ap));
    lapic_init_reset(&ap);
    assert_int_equal(lapic_take_sipi(&ap), 0x10);

    /* Flat logical: BSP LDR bit 0, AP LDR bit 1. */
    sw_enable(&ap);
    wr(&bsp, LAPIC_REG_LDR, 0x01000000);
    wr(&ap, LAPIC_REG_LDR, 0x02000000);
    wr(&bsp, LAPIC_REG_ICR_HI, 0x02000000);
    wr(&bsp, LAPIC_REG_ICR_LO, 0x8fb);
    assert_int_equal(lapic_pending_vector(&ap), 0xfb);
    assert_int_equal(lapic_pending_vector(&bsp), -1);
    /* All including self. */
    wr(&bsp, LAPIC_REG_ICR_LO, 0x800fc);
    assert_int_equal(lapic_pending_vector(&ap), 0xfc);
    assert_int_equal(lapic_pending_vector(&bsp), 0xfc);
    /* Lowest priority to both: the lower PPR wins. */
    wr(&ap, LAPIC_REG_TPR, 0x80);
    wr(&bsp, LAPIC_REG_ICR_HI, 0x03000000);
    wr(&bsp, LAPIC_REG_ICR_LO, 0x950);
    assert_true(irr_has(&bsp, 0x50));
    assert_false(irr_has(&ap, 0x50));
    /* NMI to all excluding self. */
    wr(&bsp, LAPIC_REG_ICR_LO, 0xc0400);
    assert_true(lapic_take_nmi(&ap));
    assert_false(lapic_take_nmi(&bsp));
}

/* ---- Destination matching --------------------------------------------------- */

struct match_row {
    bool x2apic;
    uint32_t dfr, ldr;          /* xAPIC registers */
    uint32_t dest;
    bool logical;
    enum apic_shorthand sh;
    uint32_t src;
    bool want;
};

static void test_dest_matching_table(void **state)
{
    (void)state;
    /* xAPIC APIC ID 5; x2APIC ID 0x23 (LDR 0x20008). */
    static const struct match_row rows[] = {
        /* xAPIC physical */
        { false, ~0u, 0, 5, false, APIC_SH_NONE, 0, true },
        { false, ~0u, 0, 4, false, APIC_SH_NONE, 0, false },
        { false, ~0u, 0, 0xff, false, APIC_SH_NONE, 0, true },
        { false, ~0u, 0, 0xffffffff, false, APIC_SH_NONE, 0, true },
        /* flat logical, LDR bits 2 and 5 */
        { false, ~0u, 0x24000000, 0x04, true, APIC_SH_NONE, 0, true },
        { false, ~0u, 0x24000000, 0x20, true, APIC_SH_NONE, 0, true },
        { false, ~0u, 0x24000000, 0x03, true, APIC_SH_NONE, 0, false },
        { false, ~0u, 0x24000000, 0x00, true, APIC_SH_NONE, 0, false },
        { false, ~0u, 0x24000000, 0xff, true, APIC_SH_NONE, 0, true },
        { false, ~0u, 0x00000000, 0x7f, true, APIC_SH_NONE, 0, false },
        { false, ~0u, 0x24000000, 0x05, false, APIC_SH_NONE, 0, true },    /* physical ignores LDR */
        /* cluster logical: cluster 3, member bit 1 */
        { false, 0x0fffffff, 0x32000000, 0x32, true, APIC_SH_NONE, 0, true },
        { false, 0x0fffffff, 0x32000000, 0x3f, true, APIC_SH_NONE, 0, true },
        { false, 0x0fffffff, 0x32000000, 0x31, true, APIC_SH_NONE, 0, false },
        { false, 0x0fffffff, 0x32000000, 0x22, true, APIC_SH_NONE, 0, false },
        { false, 0x0fffffff, 0x32000000, 0xf2, true, APIC_SH_NONE, 0, true },
        { false, 0x0fffffff, 0x32000000, 0xf1, true, APIC_SH_NONE, 0, false },
        { false, 0x0fffffff, 0x32000000, 0xff, true, APIC_SH_NONE, 0, true },
        { false, 0x0fffffff, 0x32000000, 0x02, true, APIC_SH_NONE, 0, false },
        /* shorthands (dest ignored) */
        { false, ~0u, 0, 9, false, APIC_SH_SELF, 5, true },
        { false, ~0u, 0, 5, false, APIC_SH_SELF, 6, false },
        { false, ~0u, 0, 9, false, APIC_SH_ALL_INCLUDING_SELF, 6, true },
        { false, ~0u, 0, 5, false, APIC_SH_ALL_EXCLUDING_SELF, 5, false },
        { false, ~0u, 0, 9, false, APIC_SH_ALL_EXCLUDING_SELF, 6, true },
        /* x2APIC physical */
        { true, 0, 0, 0x23, false, APIC_SH_NONE, 0, true },
        { true, 0, 0, 0x24, false, APIC_SH_NONE, 0, false },
        { true, 0, 0, 0xff, false, APIC_SH_NONE, 0, false },
        { true, 0, 0, 0xffffffff, false, APIC_SH_NONE, 0, true },
        /* x2APIC logical: cluster 2, bit 3 */
        { true, 0, 0, 0x20008, true, APIC_SH_NONE, 0, true },
        { true, 0, 0, 0x2000c, true, APIC_SH_NONE, 0, true },
        { true, 0, 0, 0x20004, true, APIC_SH_NONE, 0, false },
        { true, 0, 0, 0x10008, true, APIC_SH_NONE, 0, false },
        { true, 0, 0, 0x0008, true, APIC_SH_NONE, 0, false },
        { true, 0, 0, 0xffffffff, true, APIC_SH_NONE, 0, true },
        { true, 0, 0, 0x0, false, APIC_SH_SELF, 0x23, true },
        { true, 0, 0, 0x0, false, APIC_SH_ALL_EXCLUDING_SELF, 0x23, false },
    };
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct match_row *r = &rows[i];
        struct lapic a;
        mk(&a, r->x2apic ? 0x23 : 5, false);
        if (r->x2apic) {
            to_x2apic(&a);
        } else {
            wr(&a, LAPIC_REG_DFR, r->dfr);
            wr(&a, LAPIC_REG_LDR, r->ldr);
        }
        struct apic_msg m = { .dest = r->dest, .logical = r->logical, .vector = 0x40,
                              .delivery = APIC_DM_FIXED, .shorthand = r->sh, .source_apic_id = r->src };
        bool got = lapic_match_dest(&a, &m);
        if (got != r->want)
            fail_msg("row %u: dest 0x%x logical %d sh %d: got %d", i, r->dest, r->logical, r->sh, got);
        /* A globally disabled APIC matches nothing. */
        assert_int_equal(lapic_set_base_msr(&a, LAPIC_DEFAULT_BASE, T), 0);
        assert_false(lapic_match_dest(&a, &m));
    }
}

/* ---- Errors (11.5.3) -------------------------------------------------------- */

static void test_illegal_vector_esr(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 0, true);
    sw_enable(&a);
    wr(&a, LAPIC_REG_LVT_ERROR, 0xfe);

    /* Send illegal vector: not sent; logged; error interrupt. */
    wr(&a, LAPIC_REG_ICR_LO, 0x05);
    assert_int_equal(R.nmsg, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), 0);     /* not latched until written */
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
    assert_int_equal(take(&a), 0xfe);
    wr(&a, LAPIC_REG_EOI, 0);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), 0);
    wr(&a, LAPIC_REG_ICR_LO, 0x10f);            /* lowest priority too */
    assert_int_equal(R.nmsg, 0);
    wr(&a, LAPIC_REG_ICR_LO, 0x402);            /* NMI: the vector field does not matter */
    assert_int_equal(R.nmsg, 1);
    wr(&a, LAPIC_REG_ICR_LO, 0x600);            /* SIPI vector 0 is legal */
    assert_int_equal(R.nmsg, 2);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
    assert_int_equal(take(&a), 0xfe);
    wr(&a, LAPIC_REG_EOI, 0);

    /* Receive illegal vector: IRR untouched. */
    inject(&a, 3, false);
    assert_int_equal(rd(&a, LAPIC_REG_IRR0), 0);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
    assert_int_equal(take(&a), 0xfe);
    wr(&a, LAPIC_REG_EOI, 0);

    /* A timer with an illegal vector. */
    wr(&a, LAPIC_REG_TIMER_DCR, 0xb);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x07);
    wr(&a, LAPIC_REG_TIMER_ICR, 1);
    T += 25;
    lapic_update(&a, T);
    assert_int_equal(rd(&a, LAPIC_REG_IRR0), 0);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
    assert_int_equal(take(&a), 0xfe);
    wr(&a, LAPIC_REG_EOI, 0);

    /* Illegal register address (aligned, unimplemented); unaligned is ignored. */
    assert_int_equal(rd(&a, 0x040), 0);
    wr(&a, 0x3f0, 0x40);                        /* SELF IPI is x2APIC only */
    assert_int_equal(R.nmsg, 2);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_ILLEGAL_REG_ADDRESS);
    assert_int_equal(take(&a), 0xfe);
    wr(&a, LAPIC_REG_EOI, 0);
    assert_int_equal(rd(&a, LAPIC_REG_TPR + 4), 0);
    wr(&a, LAPIC_REG_TPR + 4, 0xff);
    assert_int_equal(rd(&a, LAPIC_REG_TPR), 0);
    assert_int_equal(rd(&a, 0x400), 0);
    assert_int_equal(rd(&a, 0xff0), 0);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), 0);

    /* An illegal error vector only logs; masked error LVT logs silently. */
    wr(&a, LAPIC_REG_LVT_ERROR, 0x01);
    wr(&a, LAPIC_REG_ICR_LO, 0x05);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR | LAPIC_ESR_RECV_ILLEGAL_VECTOR);
    assert_int_equal(lapic_pending_vector(&a), -1);
    wr(&a, LAPIC_REG_LVT_ERROR, LAPIC_LVT_MASKED | 0xfe);
    wr(&a, LAPIC_REG_ICR_LO, 0x05);
    wr(&a, LAPIC_REG_ESR, 0);
    assert_int_equal(rd(&a, LAPIC_REG_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* x2APIC SELF IPI with an illegal vector. */
    to_x2apic(&a);
    assert_int_equal(lapic_msr_write(&a, 0x83f, 0x0a, T), 0);
    assert_int_equal(lapic_msr_write(&a, 0x828, 0, T), 0);
    assert_int_equal(mrd(&a, 0x828), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
}

/* ---- Events, LINT0, INIT --------------------------------------------------- */

static void test_events_and_lint0(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 1, false);
    struct apic_msg m = { .dest = 1, .delivery = APIC_DM_INIT, .level_triggered = true, .assert = false };
    lapic_accept(&a, &m);                       /* de-assert: nothing */
    assert_false(lapic_take_init(&a));
    m = (struct apic_msg){ .dest = 1, .delivery = APIC_DM_STARTUP, .vector = 0x11 };
    lapic_accept(&a, &m);
    m = (struct apic_msg){ .dest = 1, .delivery = APIC_DM_INIT };      /* edge INIT counts */
    lapic_accept(&a, &m);
    assert_int_equal(lapic_take_sipi(&a), -1);  /* the older SIPI is stale */
    assert_true(lapic_take_init(&a));
    assert_false(lapic_take_init(&a));
    m = (struct apic_msg){ .dest = 1, .delivery = APIC_DM_STARTUP, .vector = 0x12 };
    lapic_accept(&a, &m);
    m.vector = 0x13;
    lapic_accept(&a, &m);
    assert_int_equal(lapic_take_sipi(&a), 0x13);
    m = (struct apic_msg){ .dest = 1, .delivery = APIC_DM_EXTINT };
    lapic_accept(&a, &m);
    assert_true(lapic_take_extint(&a));
    assert_false(lapic_take_extint(&a));
    m = (struct apic_msg){ .dest = 1, .delivery = APIC_DM_SMI };
    lapic_accept(&a, &m);
    assert_false(lapic_take_nmi(&a));
    assert_false(lapic_take_extint(&a));
    assert_int_equal(lapic_pending_vector(&a), -1);

    /* LINT0 / PIC. */
    assert_false(lapic_accepts_pic_interrupts(&a));
    lapic_setup_virtual_wire(&a);
    assert_true(lapic_sw_enabled(&a));
    assert_int_equal(rd(&a, LAPIC_REG_LVT_LINT0), 0x700);
    assert_int_equal(rd(&a, LAPIC_REG_LVT_LINT1), 0x400);
    assert_true(lapic_accepts_pic_interrupts(&a));
    wr(&a, LAPIC_REG_LVT_LINT0, 0x10700);
    assert_false(lapic_accepts_pic_interrupts(&a));
    wr(&a, LAPIC_REG_LVT_LINT0, 0x00000);       /* fixed, not ExtINT */
    assert_false(lapic_accepts_pic_interrupts(&a));
    wr(&a, LAPIC_REG_LVT_LINT0, 0x0700);
    wr(&a, LAPIC_REG_SVR, 0xff);                /* software disable masks it */
    assert_false(lapic_accepts_pic_interrupts(&a));
    assert_int_equal(lapic_set_base_msr(&a, LAPIC_DEFAULT_BASE, T), 0);
    assert_true(lapic_accepts_pic_interrupts(&a));      /* globally disabled: LINT0 is INTR */
}

static void test_init_reset(void **state)
{
    (void)state;
    struct lapic a;
    mk(&a, 4, false);
    sw_enable(&a);
    wr(&a, LAPIC_REG_TPR, 0x10);
    wr(&a, LAPIC_REG_LDR, 0x10000000);
    wr(&a, LAPIC_REG_DFR, 0x0fffffff);
    wr(&a, LAPIC_REG_LVT_TIMER, 0x40);
    wr(&a, LAPIC_REG_TIMER_ICR, 1000);
    inject(&a, 0x80, false);
    take(&a);
    inject(&a, 0x90, true);
    struct apic_msg nmi = { .dest = 4, .delivery = APIC_DM_NMI };
    lapic_accept(&a, &nmi);
    lapic_init_reset(&a);
    assert_int_equal(lapic_base_msr(&a), 0xfee00800);
    assert_int_equal(rd(&a, LAPIC_REG_ID), 0x04000000);
    check_reset_regs(&a);
    assert_true(lapic_take_nmi(&a));            /* events are the vCPU's */

    to_x2apic(&a);
    assert_int_equal(lapic_msr_write(&a, 0x80f, 0x1ff, T), 0);
    lapic_init_reset(&a);
    assert_true(lapic_x2apic_mode(&a));
    assert_int_equal(mrd(&a, 0x80f), 0xff);
    assert_int_equal(mrd(&a, 0x80d), 0x10);
}

/* ---- Fuzz ------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void fuzz_send(void *ctx, const struct apic_msg *m)
{
    struct rec *r = ctx;
    if ((m->delivery == APIC_DM_FIXED || m->delivery == APIC_DM_LOWEST) && m->vector < 16)
        fail_msg("illegal vector 0x%x sent", m->vector);
    r->nmsg++;
}

static void check_invariants(struct lapic *a)
{
    assert_int_equal(a->irr[0] & 0xffff, 0);
    assert_int_equal(a->isr[0] & 0xffff, 0);
    assert_int_equal(a->tmr[0] & 0xffff, 0);
    assert_int_equal(a->dfr & 0x0fffffff, 0x0fffffff);
    assert_int_equal(a->tpr & ~0xffu, 0);
    assert_int_equal(a->timer_dcr & ~0xbu, 0);
    if (!lapic_enabled(a)) {
        for (int i = 0; i < 8; i++)
            assert_int_equal(a->irr[i] | a->isr[i], 0);
        assert_int_equal(lapic_next_event_tsc(a), UINT64_MAX);
        assert_int_equal(lapic_pending_vector(a), -1);
        assert_false(a->base & LAPIC_BASE_EXTD);
        return;
    }
    if (!lapic_sw_enabled(a))
        for (int i = 0; i < LAPIC_NR_LVT; i++)
            assert_true(a->lvt[i] & LAPIC_LVT_MASKED);
    if (lapic_x2apic_mode(a)) {
        uint64_t v;
        assert_int_equal(lapic_msr_read(a, 0x80d, &v, T), 0);
        assert_int_equal(v, ((a->cfg.apic_id >> 4) << 16) | (1u << (a->cfg.apic_id & 15)));
        assert_int_equal(lapic_msr_read(a, 0x803, &v, T), 0);
        assert_int_equal(v, 0x50014);
    } else {
        assert_int_equal(lapic_mmio_read(a, LAPIC_REG_VERSION, T), 0x50014);
    }
    int p = lapic_pending_vector(a);
    if (p >= 0) {
        assert_true(p >= 16);
        assert_true((p & 0xf0) > (lapic_ppr(a) & 0xf0));
        assert_true((a->irr[p >> 5] >> (p & 31)) & 1);
    }
    /* After an update, the next event is in the future. */
    lapic_update(a, T);
    uint64_t next = lapic_next_event_tsc(a);
    assert_true(next == UINT64_MAX || next > T);
    if (((a->lvt[LAPIC_LVTI_TIMER] >> 17) & 3) != 2) {
        assert_int_equal(lapic_tsc_deadline(a), 0);
        uint32_t ccr = lapic_x2apic_mode(a) ? 0 : lapic_mmio_read(a, LAPIC_REG_TIMER_CCR, T);
        assert_true(ccr <= a->timer_icr);
    } else {
        assert_int_equal(a->timer_icr, 0);
        assert_false(a->timer_armed);
    }
}

static const uint32_t fuzz_offsets[] = {
    0x020, 0x030, 0x080, 0x090, 0x0a0, 0x0b0, 0x0c0, 0x0d0, 0x0e0, 0x0f0, 0x100, 0x170,
    0x180, 0x200, 0x270, 0x280, 0x2f0, 0x300, 0x310, 0x320, 0x330, 0x340, 0x350, 0x360,
    0x370, 0x380, 0x390, 0x3e0, 0x3f0,
};

static uint32_t fuzz_value(void)
{
    uint64_t r = rnd();
    switch (r % 8) {
    case 0: return 0;
    case 1: return (uint32_t)(r >> 32);
    case 2: return 0x100 | (uint32_t)((r >> 16) & 0xff);    /* enabled SVR-ish */
    case 3: return (uint32_t)((r >> 20) & 0xff);
    case 4: return (uint32_t)((r >> 8) & 0xffff);
    case 5: return (uint32_t)((r >> 24) & 0x3ffff);         /* LVT-ish */
    case 6: return (uint32_t)(r >> 40) & 0xccfff;           /* ICR-ish */
    default: return 0xffffffff;
    }
}

static void test_fuzz(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        rng_state = seed * 0x9e3779b97f4a7c15ull;
        struct lapic a;
        struct lapic_config c = {
            .apic_id = (uint32_t)(rnd() % 3 ? rnd() % 8 : rnd()), .bsp = seed & 1,
            .tsc_hz = 1000000 + rnd() % 5000000000ull, .bus_hz = 1 + rnd() % 2000000000ull,
        };
        memset(&R, 0, sizeof R);
        struct apic_bus b = { fuzz_send, &R };
        lapic_init(&a, &c, &b, rec_eoi, &R);
        T = rnd() % 1000000;
        for (int step = 0; step < 5000; step++) {
            uint64_t r = rnd();
            T += (r & 1) ? rnd() % 50000 : rnd() % 100;
            switch ((r >> 8) % 14) {
            case 0: case 1: case 2: {
                uint32_t off = (r >> 16) % 7 ? fuzz_offsets[(r >> 24) % (sizeof fuzz_offsets / 4)]
                                            : (uint32_t)((r >> 24) & 0xfff);
                lapic_mmio_write(&a, off, fuzz_value(), T);
                break;
            }
            case 3: {
                uint32_t off = (uint32_t)((r >> 16) & 0xfff);
                (void)lapic_mmio_read(&a, off, T);
                break;
            }
            case 4: case 5: {
                uint32_t msr = (r >> 16) % 5 ? 0x800 + fuzz_offsets[(r >> 24) % (sizeof fuzz_offsets / 4)] / 16
                                             : 0x800 + (uint32_t)((r >> 24) & 0xff);
                uint64_t val = (r >> 40) % 4 ? fuzz_value() : rnd();
                if (msr == 0x830 && (r >> 50) & 1)
                    val |= rnd() << 32;
                (void)lapic_msr_write(&a, msr, val, T);
                break;
            }
            case 6: {
                uint64_t v;
                (void)lapic_msr_read(&a, 0x800 + (uint32_t)((r >> 16) & 0xff), &v, T);
                break;
            }
            case 7: {
                static const uint64_t bases[] = { 0xfee00800, 0xfee00c00, 0xfee00000, 0xfee00400,
                                                  0xfee00900, 0xfee00801, 0xfee00a00, 0xfed00800 };
                uint64_t v = (r >> 16) % 9 ? bases[(r >> 24) % 8] : rnd();
                (void)lapic_set_base_msr(&a, v, T);
                break;
            }
            case 8:
                lapic_set_tsc_deadline(&a, (r >> 16) & 1 ? T + rnd() % 100000 : rnd() % (T + 1), T);
                break;
            case 9: case 10: {
                struct apic_msg m = {
                    .dest = (r >> 16) & 1 ? 0xff : (uint32_t)rnd(), .logical = (r >> 17) & 1,
                    .vector = (uint8_t)(r >> 24), .delivery = (enum apic_delivery)((r >> 32) % 8),
                    .level_triggered = (r >> 35) & 1, .assert = (r >> 36) & 1,
                    .shorthand = (enum apic_shorthand)((r >> 37) % 4), .source_apic_id = (uint32_t)(r >> 40) % 4,
                };
                if (lapic_match_dest(&a, &m))
                    lapic_accept(&a, &m);
                break;
            }
            case 11: {
                int v = lapic_pending_vector(&a);
                if (v >= 0)
                    lapic_ack(&a, (uint8_t)v);
                break;
            }
            case 12:
                (void)lapic_take_nmi(&a);
                (void)lapic_take_init(&a);
                (void)lapic_take_sipi(&a);
                (void)lapic_take_extint(&a);
                if ((r >> 16) % 50 == 0)
                    lapic_init_reset(&a);
                break;
            default: {
                uint64_t next = lapic_next_event_tsc(&a);
                if (next != UINT64_MAX && next > T && next - T < 10000000)
                    T = next;
                lapic_update(&a, T);
                break;
            }
            }
            check_invariants(&a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_state),
        cmocka_unit_test(test_version_eoi_suppression_option),
        cmocka_unit_test(test_software_disabled),
        cmocka_unit_test(test_tpr_ppr_gating),
        cmocka_unit_test(test_irr_isr_eoi_nesting),
        cmocka_unit_test(test_eoi_broadcast_level),
        cmocka_unit_test(test_timer_oneshot_exact),
        cmocka_unit_test(test_timer_periodic_exact_no_drift),
        cmocka_unit_test(test_timer_tsc_deadline),
        cmocka_unit_test(test_timer_masked_counts),
        cmocka_unit_test(test_timer_divide_config),
        cmocka_unit_test(test_timer_dcr_and_mode_changes_midcount),
        cmocka_unit_test(test_timer_large_values),
        cmocka_unit_test(test_base_msr_transitions),
        cmocka_unit_test(test_x2apic_msr_gp),
        cmocka_unit_test(test_ldr_derivation),
        cmocka_unit_test(test_icr_ipis_xapic),
        cmocka_unit_test(test_icr_ipis_x2apic),
        cmocka_unit_test(test_two_cpu_bus),
        cmocka_unit_test(test_dest_matching_table),
        cmocka_unit_test(test_illegal_vector_esr),
        cmocka_unit_test(test_events_and_lint0),
        cmocka_unit_test(test_init_reset),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
