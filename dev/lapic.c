/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC model (pure): runs at its vCPU's MMIO/MSR exits and in the VM's message routing, serialized per LAPIC by the VM; time = guest TSC. SDM Vol. 3A ch. 11. */
#include <string.h>
#include "dev/lapic.h"
#include "lib/muldiv.h"

/* Register index = MMIO offset >> 4 = x2APIC MSR - 0x800 (table 11-6). */
#define IDX(off)        ((off) >> 4)
#define I_ID            IDX(LAPIC_REG_ID)
#define I_VERSION       IDX(LAPIC_REG_VERSION)
#define I_TPR           IDX(LAPIC_REG_TPR)
#define I_APR           IDX(LAPIC_REG_APR)
#define I_PPR           IDX(LAPIC_REG_PPR)
#define I_EOI           IDX(LAPIC_REG_EOI)
#define I_RRD           IDX(LAPIC_REG_RRD)
#define I_LDR           IDX(LAPIC_REG_LDR)
#define I_DFR           IDX(LAPIC_REG_DFR)
#define I_SVR           IDX(LAPIC_REG_SVR)
#define I_ISR0          IDX(LAPIC_REG_ISR0)
#define I_TMR0          IDX(LAPIC_REG_TMR0)
#define I_IRR0          IDX(LAPIC_REG_IRR0)
#define I_ESR           IDX(LAPIC_REG_ESR)
#define I_LVT_CMCI      IDX(LAPIC_REG_LVT_CMCI)
#define I_ICR_LO        IDX(LAPIC_REG_ICR_LO)
#define I_ICR_HI        IDX(LAPIC_REG_ICR_HI)
#define I_LVT_TIMER     IDX(LAPIC_REG_LVT_TIMER)
#define I_LVT_ERROR     IDX(LAPIC_REG_LVT_ERROR)
#define I_TIMER_ICR     IDX(LAPIC_REG_TIMER_ICR)
#define I_TIMER_CCR     IDX(LAPIC_REG_TIMER_CCR)
#define I_TIMER_DCR     IDX(LAPIC_REG_TIMER_DCR)
#define I_SELF_IPI      IDX(LAPIC_REG_SELF_IPI)

/* Stored ICR low bits: vector, delivery mode, destination mode, level,
 * trigger, shorthand. Bit 12 (delivery status) reads 0: a send completes
 * within the write. */
#define ICR_LO_WRITABLE     0x000ccfffu
/* x2APIC ICR reserved bits (figure 11-28): 13, 16, 17, 31:20; bit 12 is
 * ignored on WRMSR. */
#define X2APIC_ICR_RESERVED 0xfff32000u
#define DCR_WRITABLE        0x0000000bu     /* bits 0, 1, 3 (figure 11-10) */
#define XAPIC_ID_SHIFT      24

/* ---- Small helpers ------------------------------------------------------- */


static int highest_bit(const uint32_t bank[8])
{
    for (int i = 7; i >= 0; i--)
        if (bank[i])
            return i * 32 + 31 - __builtin_clz(bank[i]);
    return -1;
}

static bool test_vec(const uint32_t bank[8], uint8_t v)
{
    return (bank[v >> 5] >> (v & 31)) & 1;
}

static void set_vec(uint32_t bank[8], uint8_t v)
{
    bank[v >> 5] |= 1u << (v & 31);
}

static void clear_vec(uint32_t bank[8], uint8_t v)
{
    bank[v >> 5] &= ~(1u << (v & 31));
}

static uint32_t x2apic_ldr(uint32_t id)
{
    /* 11.12.10.2: cluster ID = x2APIC ID[19:4] in bits 31:16, one bit of
     * the 16-bit mask per ID[3:0]. */
    return ((id >> 4) << 16) | (1u << (id & 15));
}

static uint32_t version(const struct lapic *a)
{
    return LAPIC_VERSION | (a->cfg.eoi_suppression ? LAPIC_VERSION_EOI_SUPP : 0);
}

static uint32_t svr_writable(const struct lapic *a)
{
    /* 11.9: vector 7:0 (all 8 bits writable on P4 and later), enable,
     * focus-check disable, EOI-broadcast suppression when offered. */
    return 0x3ffu | (a->cfg.eoi_suppression ? LAPIC_SVR_EOI_SUPP : 0);
}

static uint32_t lvt_writable(unsigned i)
{
    /* Figure 11-8: which fields each LVT entry has. */
    switch (i) {
    case LAPIC_LVTI_TIMER:
        return LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_MODE;
    case LAPIC_LVTI_LINT0:
    case LAPIC_LVTI_LINT1:
        return LAPIC_LVT_VECTOR | LAPIC_LVT_DM_MASK | LAPIC_LVT_POLARITY |
               LAPIC_LVT_LEVEL | LAPIC_LVT_MASKED;
    case LAPIC_LVTI_ERROR:
        return LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED;
    default:                                /* CMCI, thermal, performance counters */
        return LAPIC_LVT_VECTOR | LAPIC_LVT_DM_MASK | LAPIC_LVT_MASKED;
    }
}

/* Read-only fields: writing them is not a reserved-bit violation. */
static uint32_t lvt_readonly(unsigned i)
{
    if (i == LAPIC_LVTI_LINT0 || i == LAPIC_LVTI_LINT1)
        return LAPIC_LVT_STATUS | LAPIC_LVT_REMOTE_IRR;
    return LAPIC_LVT_STATUS;
}

/* ---- State queries ------------------------------------------------------- */

bool lapic_enabled(const struct lapic *a)
{
    return (a->base & LAPIC_BASE_EN) != 0;
}

bool lapic_x2apic_mode(const struct lapic *a)
{
    return lapic_enabled(a) && (a->base & LAPIC_BASE_EXTD) != 0;
}

bool lapic_sw_enabled(const struct lapic *a)
{
    return lapic_enabled(a) && (a->svr & LAPIC_SVR_ENABLE) != 0;
}

uint32_t lapic_id(const struct lapic *a)
{
    return a->cfg.apic_id;
}

uint64_t lapic_base_msr(const struct lapic *a)
{
    return a->base;
}

uint8_t lapic_ppr(const struct lapic *a)
{
    /* 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
    int isrv = highest_bit(a->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    uint8_t tpr = (uint8_t)a->tpr;
    return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* ---- Local delivery and errors ------------------------------------------ */

static void set_irr(struct lapic *a, uint8_t vector, bool level)
{
    set_vec(a->irr, vector);
    if (level)
        set_vec(a->tmr, vector);
    else
        clear_vec(a->tmr, vector);
}

/* 11.5.3: log the error and signal it through LVT error. An illegal error
 * vector only logs "receive illegal vector" (no recursion). */
static void lapic_error(struct lapic *a, uint32_t bits)
{
    a->esr_pending |= bits;
    uint32_t lvt = a->lvt[LAPIC_LVTI_ERROR];
    if (lvt & LAPIC_LVT_MASKED)
        return;
    uint8_t v = (uint8_t)(lvt & LAPIC_LVT_VECTOR);
    if (v < 16)
        a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL_VECTOR;
    else
        set_irr(a, v, false);
}

/* A fixed, edge interrupt from a local source (timer). */
static void local_deliver(struct lapic *a, uint8_t vector)
{
    if (vector < 16)
        lapic_error(a, LAPIC_ESR_RECV_ILLEGAL_VECTOR);  /* 11.5.2: never set IRR 0-15 */
    else
        set_irr(a, vector, false);
}

/* ---- Timer (11.5.4) ------------------------------------------------------ */

static unsigned timer_mode(const struct lapic *a)
{
    return (a->lvt[LAPIC_LVTI_TIMER] & LAPIC_LVT_TIMER_MODE) >> LAPIC_LVT_TIMER_SHIFT;
}

static bool timer_periodic(const struct lapic *a)
{
    return timer_mode(a) == LAPIC_TIMER_PERIODIC;
}

static bool timer_deadline_mode(const struct lapic *a)
{
    return timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE;
}

/* Figure 11-10: DCR bits 3,1,0 = 000 -> 2, 001 -> 4, ... 110 -> 128, 111 -> 1. */
static uint64_t timer_divisor(uint32_t dcr)
{
    unsigned v = ((dcr >> 1) & 4) | (dcr & 3);
    return v == 7 ? 1 : 2ull << v;
}

/* TSC cycles per timer tick = tsc_per_tick_num / bus_hz. */
static uint64_t tsc_per_tick_num(const struct lapic *a)
{
    return a->cfg.tsc_hz * timer_divisor(a->timer_dcr);
}

/* Whole timer ticks since timer_start. bus ticks = floor(dTSC * bus / tsc);
 * timer ticks = floor(bus ticks / div) = floor(dTSC * bus / (tsc * div)). */
static uint64_t timer_ticks(const struct lapic *a, uint64_t now)
{
    uint64_t num = tsc_per_tick_num(a);
    if (now <= a->timer_start || num == 0 || a->cfg.bus_hz == 0)
        return 0;                           /* no clock: the count never moves */
    return muldiv64(now - a->timer_start, a->cfg.bus_hz, num);
}

/* First TSC at which timer_ticks() >= ticks. */
static uint64_t timer_tsc_at(const struct lapic *a, uint64_t ticks)
{
    uint64_t num = tsc_per_tick_num(a);
    if (num == 0 || a->cfg.bus_hz == 0)
        return UINT64_MAX;
    uint64_t d = muldiv64_ceil(ticks, num, a->cfg.bus_hz);
    if (d > UINT64_MAX - a->timer_start)
        return UINT64_MAX;
    return a->timer_start + d;
}

/* Tick count at which the next expiry happens (timer armed). */
static uint64_t timer_next_ticks(const struct lapic *a)
{
    return a->timer_base + a->timer_fired * (uint64_t)a->timer_icr;
}

static uint32_t timer_current(const struct lapic *a, uint64_t now)
{
    if (!a->timer_armed || timer_deadline_mode(a))
        return 0;
    uint64_t t = timer_ticks(a, now), next = timer_next_ticks(a);
    if (t < next)
        return (uint32_t)(next - t);
    if (timer_periodic(a))                  /* not yet caught up by lapic_update */
        return (uint32_t)(a->timer_icr - (t - a->timer_base) % a->timer_icr);
    return 0;
}

static void timer_start(struct lapic *a, uint64_t count, uint64_t now)
{
    a->timer_armed = count != 0;
    a->timer_start = now;
    a->timer_base = count;
    a->timer_fired = 0;
}

static void timer_fire(struct lapic *a)
{
    uint32_t lvt = a->lvt[LAPIC_LVTI_TIMER];
    if (!(lvt & LAPIC_LVT_MASKED))          /* masked: counts on, no interrupt */
        local_deliver(a, (uint8_t)(lvt & LAPIC_LVT_VECTOR));
}

void lapic_update(struct lapic *a, uint64_t now)
{
    if (!lapic_enabled(a))
        return;
    if (timer_deadline_mode(a)) {
        if (a->tsc_deadline != 0 && now >= a->tsc_deadline) {
            a->tsc_deadline = 0;            /* 11.5.4.1: fires once, then disarmed */
            timer_fire(a);
        }
        return;
    }
    if (!a->timer_armed)
        return;
    uint64_t t = timer_ticks(a, now);
    if (t < timer_next_ticks(a))
        return;
    if (timer_periodic(a))
        a->timer_fired = 1 + (t - a->timer_base) / a->timer_icr;    /* missed periods coalesce */
    else
        a->timer_armed = false;             /* one-shot: stays at 0 */
    timer_fire(a);
}

uint64_t lapic_next_event_tsc(const struct lapic *a)
{
    if (!lapic_enabled(a))
        return UINT64_MAX;
    if (timer_deadline_mode(a))             /* even masked: firing clears the MSR */
        return a->tsc_deadline ? a->tsc_deadline : UINT64_MAX;
    if (!a->timer_armed || (a->lvt[LAPIC_LVTI_TIMER] & LAPIC_LVT_MASKED))
        return UINT64_MAX;
    return timer_tsc_at(a, timer_next_ticks(a));
}

uint64_t lapic_tsc_deadline(const struct lapic *a)
{
    /* 11.5.4.1: reads 0 in other timer modes */
    return lapic_enabled(a) && timer_deadline_mode(a) ? a->tsc_deadline : 0;
}

void lapic_set_tsc_deadline(struct lapic *a, uint64_t val, uint64_t now)
{
    if (!lapic_enabled(a) || !timer_deadline_mode(a))
        return;                             /* ignored outside TSC-deadline mode */
    lapic_update(a, now);
    a->tsc_deadline = val;                  /* 0 disarms */
    lapic_update(a, now);                   /* a deadline already passed fires now */
}

static void timer_write_icr(struct lapic *a, uint32_t val, uint64_t now)
{
    if (timer_deadline_mode(a))
        return;                             /* 11.5.4.1: ignored in TSC-deadline mode */
    a->timer_icr = val;
    timer_start(a, val, now);               /* 0 stops the timer */
}

static void timer_write_dcr(struct lapic *a, uint32_t val, uint64_t now)
{
    /* The tick length changes: restart the count from its current value,
     * so a divide change while counting keeps the count but drops the
     * partial tick (hardware leaves this unspecified). */
    uint32_t cur = timer_current(a, now);
    bool armed = a->timer_armed && !timer_deadline_mode(a);
    a->timer_dcr = val & DCR_WRITABLE;
    if (armed)
        timer_start(a, cur, now);
}

static void timer_write_lvt(struct lapic *a, uint32_t newval)
{
    bool was_deadline = timer_deadline_mode(a);
    bool to_deadline = ((newval & LAPIC_LVT_TIMER_MODE) >> LAPIC_LVT_TIMER_SHIFT) ==
                       LAPIC_TIMER_TSC_DEADLINE;
    a->lvt[LAPIC_LVTI_TIMER] = newval;
    if (was_deadline != to_deadline) {
        /* 11.5.4.1: moving into or out of TSC-deadline mode disarms the
         * timer: no count, no deadline. One-shot <-> periodic keeps the
         * running count; the new mode applies at its expiry. */
        a->timer_armed = false;
        a->timer_icr = 0;
        a->tsc_deadline = 0;
    }
}

/* ---- Reset ---------------------------------------------------------------- */

/* Register reset values (11.4.7.1, 11.12.5.1); base MSR and events untouched. */
static void regs_reset(struct lapic *a)
{
    a->tpr = 0;
    a->ldr = (a->base & LAPIC_BASE_EXTD) ? x2apic_ldr(a->cfg.apic_id) : 0;
    a->dfr = 0xffffffffu;
    a->svr = 0xff;
    memset(a->isr, 0, sizeof a->isr);
    memset(a->tmr, 0, sizeof a->tmr);
    memset(a->irr, 0, sizeof a->irr);
    a->esr = a->esr_pending = 0;
    a->icr_lo = a->icr_hi = 0;
    for (unsigned i = 0; i < LAPIC_NR_LVT; i++)
        a->lvt[i] = LAPIC_LVT_MASKED;
    a->timer_icr = a->timer_dcr = 0;
    timer_start(a, 0, 0);
    a->tsc_deadline = 0;
}

void lapic_init(struct lapic *a, const struct lapic_config *cfg, const struct apic_bus *bus,
                void (*eoi_broadcast)(void *ctx, uint8_t vector), void *eoi_ctx)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    if (bus)
        a->bus = *bus;
    a->eoi_broadcast = eoi_broadcast;
    a->eoi_ctx = eoi_ctx;
    a->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (cfg->bsp ? LAPIC_BASE_BSP : 0);
    regs_reset(a);
}

void lapic_init_reset(struct lapic *a)
{
    if (lapic_enabled(a))                   /* INIT leaves a disabled APIC disabled */
        regs_reset(a);
}

void lapic_setup_virtual_wire(struct lapic *a)
{
    if (!lapic_enabled(a))
        return;
    a->svr |= LAPIC_SVR_ENABLE;
    a->lvt[LAPIC_LVTI_LINT0] = (uint32_t)APIC_DM_EXTINT << LAPIC_LVT_DM_SHIFT;
    a->lvt[LAPIC_LVTI_LINT1] = (uint32_t)APIC_DM_NMI << LAPIC_LVT_DM_SHIFT;
}

int lapic_set_base_msr(struct lapic *a, uint64_t val, uint64_t now)
{
    unsigned maxpa = a->cfg.maxphyaddr ? a->cfg.maxphyaddr : 52;
    if (maxpa > 52)
        maxpa = 52;
    if (maxpa < 32)
        maxpa = 32;
    uint64_t reserved = 0xffull | (1ull << 9) | (~0ull << maxpa);
    if (val & reserved)
        return -1;
    bool en = (val & LAPIC_BASE_EN) != 0, extd = (val & LAPIC_BASE_EXTD) != 0;
    bool was_en = lapic_enabled(a), was_x2 = lapic_x2apic_mode(a);
    if (extd && !en)
        return -1;                          /* the invalid state */
    if (was_x2 && en && !extd)
        return -1;                          /* x2APIC -> xAPIC must pass through disabled */
    if (!was_en && en && extd)
        return -1;                          /* disabled -> x2APIC must pass through xAPIC */

    lapic_update(a, now);
    a->base = (val & ~LAPIC_BASE_BSP) | (a->cfg.bsp ? LAPIC_BASE_BSP : 0);
    if (was_en && !en) {
        /* Disabled: the APIC is gone; coming back gives reset state. */
        regs_reset(a);
        a->nmi_pending = a->init_pending = a->sipi_pending = a->extint_pending = false;
    } else if (en && extd && !was_x2) {
        /* xAPIC -> x2APIC: registers kept, logical ID set by hardware
         * (11.12.5.1); the destination moves to its x2APIC place. */
        a->ldr = x2apic_ldr(a->cfg.apic_id);
        a->icr_hi >>= XAPIC_ID_SHIFT;
    }
    return 0;
}

/* ---- Interrupt acceptance and priority ---------------------------------- */

bool lapic_match_dest(const struct lapic *a, const struct apic_msg *m)
{
    if (!lapic_enabled(a))
        return false;
    uint32_t id = a->cfg.apic_id;
    switch (m->shorthand) {
    case APIC_SH_SELF:
        return m->source_apic_id == id;
    case APIC_SH_ALL_INCLUDING_SELF:
        return true;
    case APIC_SH_ALL_EXCLUDING_SELF:
        return m->source_apic_id != id;
    default:
        break;
    }
    if (lapic_x2apic_mode(a)) {
        /* 11.12.9 / 11.12.10.2: 0xffffffff broadcast; logical = cluster
         * in 31:16 plus a 16-bit mask. */
        if (m->dest == 0xffffffffu)
            return true;
        if (!m->logical)
            return m->dest == id;
        return (m->dest >> 16) == (a->ldr >> 16) && (m->dest & a->ldr & 0xffff) != 0;
    }
    /* xAPIC: 8-bit destinations (11.6.2). */
    uint8_t d = (uint8_t)m->dest;
    if (d == 0xff)
        return true;                        /* broadcast, physical or logical */
    if (!m->logical)
        return d == (uint8_t)id;
    uint8_t ldr = (uint8_t)(a->ldr >> 24);
    if ((a->dfr >> 28) == 0) {
        /* Cluster model: cluster in the high nibble (0xf = all clusters),
         * up to four APICs per cluster in the low nibble. */
        uint8_t cluster = d >> 4;
        if (cluster != 0xf && cluster != (ldr >> 4))
            return false;
        return (d & ldr & 0x0f) != 0;
    }
    return (d & ldr) != 0;                  /* flat model (DFR 0xf; other values taken as flat) */
}

void lapic_accept(struct lapic *a, const struct apic_msg *m)
{
    if (!lapic_enabled(a))
        return;
    switch (m->delivery) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (!lapic_sw_enabled(a))
            return;                         /* 11.4.7.2: software-disabled takes no fixed interrupts */
        if (m->vector < 16) {
            lapic_error(a, LAPIC_ESR_RECV_ILLEGAL_VECTOR);
            return;
        }
        set_irr(a, m->vector, m->level_triggered);
        break;
    case APIC_DM_NMI:
        a->nmi_pending = true;
        break;
    case APIC_DM_INIT:
        if (m->level_triggered && !m->assert)
            return;                         /* INIT level de-assert: no effect */
        a->init_pending = true;
        a->sipi_pending = false;            /* a SIPI before this INIT is stale */
        break;
    case APIC_DM_STARTUP:
        a->sipi_pending = true;
        a->sipi_vector = m->vector;
        break;
    case APIC_DM_EXTINT:
        a->extint_pending = true;
        break;
    default:                                /* SMI: no SMM in guests */
        break;
    }
}

int lapic_pending_vector(const struct lapic *a)
{
    if (!lapic_enabled(a))
        return -1;
    int v = highest_bit(a->irr);
    if (v < 0 || (v & 0xf0) <= (lapic_ppr(a) & 0xf0))
        return -1;
    return v;
}

void lapic_ack(struct lapic *a, uint8_t vector)
{
    if (!test_vec(a->irr, vector))
        return;
    clear_vec(a->irr, vector);
    set_vec(a->isr, vector);
}

bool lapic_take_nmi(struct lapic *a)
{
    bool p = a->nmi_pending;
    a->nmi_pending = false;
    return p;
}

bool lapic_take_init(struct lapic *a)
{
    bool p = a->init_pending;
    a->init_pending = false;
    return p;
}

int lapic_take_sipi(struct lapic *a)
{
    if (!a->sipi_pending)
        return -1;
    a->sipi_pending = false;
    return a->sipi_vector;
}

bool lapic_take_extint(struct lapic *a)
{
    bool p = a->extint_pending;
    a->extint_pending = false;
    return p;
}

bool lapic_accepts_pic_interrupts(const struct lapic *a)
{
    if (!lapic_enabled(a))
        return true;                        /* LINT0 is the INTR pin */
    uint32_t lvt = a->lvt[LAPIC_LVTI_LINT0];
    return !(lvt & LAPIC_LVT_MASKED) &&
           ((lvt & LAPIC_LVT_DM_MASK) >> LAPIC_LVT_DM_SHIFT) == APIC_DM_EXTINT;
}

/* 11.8.5: EOI retires the highest ISR bit; a level-triggered one (TMR) is
 * broadcast to the IOAPICs unless suppression is on (11.8.5, SVR bit 12).
 * The callback comes last: it may re-enter through the bus. */
static void do_eoi(struct lapic *a)
{
    int v = highest_bit(a->isr);
    if (v < 0)
        return;
    clear_vec(a->isr, (uint8_t)v);
    if (!test_vec(a->tmr, (uint8_t)v))
        return;
    if (a->cfg.eoi_suppression && (a->svr & LAPIC_SVR_EOI_SUPP))
        return;
    if (a->eoi_broadcast)
        a->eoi_broadcast(a->eoi_ctx, (uint8_t)v);
}

/* ---- IPIs (11.6.1) -------------------------------------------------------- */

static void send_ipi(struct lapic *a, uint32_t lo, uint32_t dest)
{
    unsigned dm = (lo >> LAPIC_ICR_DM_SHIFT) & 7;
    uint8_t vector = (uint8_t)(lo & LAPIC_ICR_VECTOR);
    if (dm == 3 || dm == APIC_DM_EXTINT)
        return;                             /* reserved ICR delivery modes */
    if (dm == APIC_DM_INIT && (lo & LAPIC_ICR_LEVEL) && !(lo & LAPIC_ICR_ASSERT))
        return;                             /* INIT level de-assert: arbitration ID sync, nothing to do */
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        lapic_error(a, LAPIC_ESR_SEND_ILLEGAL_VECTOR);  /* not sent */
        return;
    }
    /* The trigger mode and level flags only mean something for INIT
     * de-assert (figure 11-12): every IPI sent is an asserted edge. */
    struct apic_msg m = {
        .dest = dest,
        .logical = (lo & LAPIC_ICR_LOGICAL) != 0,
        .vector = vector,
        .delivery = (enum apic_delivery)dm,
        .level_triggered = false,
        .assert = true,
        .shorthand = (enum apic_shorthand)((lo >> LAPIC_ICR_SH_SHIFT) & 3),
        .source_apic_id = a->cfg.apic_id,
    };
    if (a->bus.send)
        a->bus.send(a->bus.ctx, &m);
}

/* ---- Register file -------------------------------------------------------- */

/* Registers read the same way in both modes; false if idx is not one. */
static bool common_read(struct lapic *a, unsigned idx, uint32_t *v, uint64_t now)
{
    if (idx >= I_ISR0 && idx < I_ISR0 + 8) {
        *v = a->isr[idx - I_ISR0];
    } else if (idx >= I_TMR0 && idx < I_TMR0 + 8) {
        *v = a->tmr[idx - I_TMR0];
    } else if (idx >= I_IRR0 && idx < I_IRR0 + 8) {
        *v = a->irr[idx - I_IRR0];
    } else if (idx == I_LVT_CMCI) {
        *v = a->lvt[LAPIC_LVTI_CMCI];
    } else if (idx >= I_LVT_TIMER && idx <= I_LVT_ERROR) {
        *v = a->lvt[LAPIC_LVTI_TIMER + idx - I_LVT_TIMER];
    } else {
        switch (idx) {
        case I_VERSION:   *v = version(a); break;
        case I_TPR:       *v = a->tpr; break;
        case I_PPR:       *v = lapic_ppr(a); break;
        case I_LDR:       *v = a->ldr; break;
        case I_SVR:       *v = a->svr; break;
        case I_ESR:       *v = a->esr; break;
        case I_TIMER_ICR: *v = a->timer_icr; break;
        case I_TIMER_CCR: *v = timer_current(a, now); break;
        case I_TIMER_DCR: *v = a->timer_dcr; break;
        default:          return false;
        }
    }
    return true;
}

static int lvt_index(unsigned idx)
{
    if (idx == I_LVT_CMCI)
        return LAPIC_LVTI_CMCI;
    if (idx >= I_LVT_TIMER && idx <= I_LVT_ERROR)
        return LAPIC_LVTI_TIMER + (int)(idx - I_LVT_TIMER);
    return -1;
}

static void lvt_write(struct lapic *a, unsigned i, uint32_t v)
{
    v &= lvt_writable(i);
    if (!lapic_sw_enabled(a))
        v |= LAPIC_LVT_MASKED;              /* 11.4.7.2: masks stay set while software-disabled */
    if (i == LAPIC_LVTI_TIMER)
        timer_write_lvt(a, v);
    else
        a->lvt[i] = v;
}

static void svr_write(struct lapic *a, uint32_t v)
{
    a->svr = v & svr_writable(a);
    if (!(a->svr & LAPIC_SVR_ENABLE))
        for (unsigned i = 0; i < LAPIC_NR_LVT; i++)
            a->lvt[i] |= LAPIC_LVT_MASKED;
}

/* Writes that behave the same in both modes (values already checked for
 * x2APIC reserved bits); false if idx is not one. */
static bool common_write(struct lapic *a, unsigned idx, uint32_t v, uint64_t now)
{
    int lvt = lvt_index(idx);
    if (lvt >= 0) {
        lvt_write(a, (unsigned)lvt, v);
        return true;
    }
    switch (idx) {
    case I_TPR:
        a->tpr = v & 0xff;
        break;
    case I_EOI:
        do_eoi(a);
        break;
    case I_SVR:
        svr_write(a, v);
        break;
    case I_ESR:                             /* 11.5.3: a write latches the errors since the last one */
        a->esr = a->esr_pending;
        a->esr_pending = 0;
        break;
    case I_TIMER_ICR:
        timer_write_icr(a, v, now);
        break;
    case I_TIMER_DCR:
        timer_write_dcr(a, v, now);
        break;
    default:
        return false;
    }
    return true;
}

/* Read-only in both modes: xAPIC ignores writes, x2APIC #GPs. */
static bool is_readonly(unsigned idx)
{
    return idx == I_ID || idx == I_VERSION || idx == I_PPR || idx == I_TIMER_CCR ||
           (idx >= I_ISR0 && idx < I_IRR0 + 8);
}

uint32_t lapic_mmio_read(struct lapic *a, uint32_t offset, uint64_t now)
{
    if (!lapic_enabled(a) || lapic_x2apic_mode(a) || (offset & 0xf) || offset > LAPIC_REG_SELF_IPI)
        return 0;
    lapic_update(a, now);
    unsigned idx = IDX(offset);
    uint32_t v = 0;
    if (common_read(a, idx, &v, now))
        return v;
    switch (idx) {
    case I_ID:     return (a->cfg.apic_id & 0xff) << XAPIC_ID_SHIFT;
    case I_APR:    return 0;
    case I_EOI:    return 0;                /* write-only */
    case I_RRD:    return 0;
    case I_DFR:    return a->dfr;
    case I_ICR_LO: return a->icr_lo;
    case I_ICR_HI: return a->icr_hi;
    default:
        lapic_error(a, LAPIC_ESR_ILLEGAL_REG_ADDRESS);
        return 0;
    }
}

void lapic_mmio_write(struct lapic *a, uint32_t offset, uint32_t val, uint64_t now)
{
    if (!lapic_enabled(a) || lapic_x2apic_mode(a) || (offset & 0xf) || offset > LAPIC_REG_SELF_IPI)
        return;
    lapic_update(a, now);
    unsigned idx = IDX(offset);
    if (common_write(a, idx, val, now))
        return;
    switch (idx) {
    case I_LDR:
        a->ldr = val & 0xff000000u;         /* logical APIC ID in 31:24 */
        break;
    case I_DFR:
        a->dfr = (val & 0xf0000000u) | 0x0fffffffu;     /* model in 31:28, rest reads 1 */
        break;
    case I_ICR_HI:
        a->icr_hi = val & 0xff000000u;
        break;
    case I_ICR_LO:
        a->icr_lo = val & ICR_LO_WRITABLE;
        send_ipi(a, a->icr_lo, a->icr_hi >> XAPIC_ID_SHIFT);
        break;
    case I_APR:
    case I_RRD:
        break;
    default:
        /* The ID register is read-only here (model-specific on hardware;
         * fixed IDs keep the MADT and IOAPIC routing consistent). */
        if (!is_readonly(idx))
            lapic_error(a, LAPIC_ESR_ILLEGAL_REG_ADDRESS);
        break;
    }
}

int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now)
{
    if (!lapic_x2apic_mode(a) || msr < LAPIC_MSR_X2APIC_FIRST || msr > LAPIC_MSR_X2APIC_LAST)
        return -1;
    unsigned idx = msr - LAPIC_MSR_X2APIC_FIRST;
    lapic_update(a, now);
    uint32_t v;
    if (idx == I_ID) {
        *val = a->cfg.apic_id;
    } else if (idx == I_ICR_LO) {
        *val = ((uint64_t)a->icr_hi << 32) | a->icr_lo;
    } else if (common_read(a, idx, &v, now)) {
        *val = v;
    } else {
        return -1;                          /* reserved, or write-only (EOI, SELF IPI) */
    }
    return 0;
}

/* x2APIC reserved bits (11.12.1.3): a write setting any of them #GPs. */
static uint64_t x2apic_reserved(const struct lapic *a, unsigned idx)
{
    int lvt = lvt_index(idx);
    if (lvt >= 0)
        return ~(uint64_t)(lvt_writable((unsigned)lvt) | lvt_readonly((unsigned)lvt));
    switch (idx) {
    case I_TPR:       return ~0xffull;
    case I_EOI:       return ~0ull;         /* only 0 may be written */
    case I_ESR:       return ~0ull;         /* only 0 may be written */
    case I_SVR:       return ~(uint64_t)svr_writable(a);
    case I_TIMER_ICR: return ~0xffffffffull;
    case I_TIMER_DCR: return ~(uint64_t)DCR_WRITABLE;
    case I_SELF_IPI:  return ~0xffull;
    case I_ICR_LO:    return X2APIC_ICR_RESERVED;
    default:          return ~0ull;
    }
}

int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now)
{
    if (!lapic_x2apic_mode(a) || msr < LAPIC_MSR_X2APIC_FIRST || msr > LAPIC_MSR_X2APIC_LAST)
        return -1;
    unsigned idx = msr - LAPIC_MSR_X2APIC_FIRST;
    bool known = idx == I_TPR || idx == I_EOI || idx == I_SVR || idx == I_ESR ||
                 idx == I_ICR_LO || idx == I_SELF_IPI || lvt_index(idx) >= 0 ||
                 idx == I_TIMER_ICR || idx == I_TIMER_DCR;
    if (!known || (val & x2apic_reserved(a, idx)))
        return -1;                          /* reserved MSR, read-only register, reserved bits */
    lapic_update(a, now);
    uint32_t lo = (uint32_t)val;
    if (idx == I_ICR_LO) {
        a->icr_lo = lo & ICR_LO_WRITABLE;
        a->icr_hi = (uint32_t)(val >> 32);
        send_ipi(a, a->icr_lo, a->icr_hi);
    } else if (idx == I_SELF_IPI) {
        /* 11.12.11: fixed, edge, to self */
        send_ipi(a, lo | ((uint32_t)APIC_SH_SELF << LAPIC_ICR_SH_SHIFT), a->cfg.apic_id);
    } else {
        common_write(a, idx, lo, now);
    }
    return 0;
}
