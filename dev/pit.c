/* SPDX-License-Identifier: BSD-2-Clause */
/* i8254 PIT model (whichever CPU runs the VMM's I/O and timer paths; no hardware access, time passed in). Semantics: Intel 82C54 datasheet. */
#include "dev/pit.h"
#include "lib/muldiv.h"

#define NS_PER_SEC        1000000000ull
#define REFRESH_TICKS     18            /* DRAM refresh period: 15.09 us */

enum { CE_IDLE, CE_PAUSED, CE_COUNTING };

/* ---- counts ------------------------------------------------------------ */

static uint32_t modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint16_t to_bcd(uint32_t v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t from_bcd(uint16_t raw)
{
    uint32_t v = 0;

    for (int shift = 12; shift >= 0; shift -= 4) {
        uint32_t digit = (raw >> shift) & 0xf;
        v = v * 10 + (digit > 9 ? 9 : digit);
    }
    return v;
}

/* The count register as a number of clocks: 0 is the largest count. */
static uint32_t cr_count(const struct pit_channel *c)
{
    uint32_t n = c->bcd ? from_bcd(c->cr) : c->cr;
    return n ? n : modulus(c);
}

/* A counting element value (0..modulus-1) as the guest reads it. */
static uint16_t encode(const struct pit_channel *c, uint32_t v)
{
    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

/* ---- the counting element as a function of time ------------------------ */

static uint64_t elapsed(const struct pit_channel *c, uint64_t t)
{
    return t > c->t0 ? t - c->t0 : 0;
}

/* Mode 3 position in the period: [0, ceil(N/2)) high half, then low half. */
static uint32_t square_pos(const struct pit_channel *c, uint64_t t)
{
    uint32_t n = c->ce0;
    return (uint32_t)((c->phase0 + elapsed(c, t) % n) % n);
}

static uint32_t ce_at(const struct pit_channel *c, uint64_t t)
{
    uint32_t m = modulus(c), n = c->ce0;

    if (c->state != CE_COUNTING)
        return c->ce_idle;
    switch (c->mode) {
    case 2:     /* N, N-1, ..., 1, reload */
        return (n - (uint32_t)(elapsed(c, t) % n)) % m;
    case 3: {   /* by twos from N (even) or N-1 (odd), each half */
        uint32_t pos = square_pos(c, t), high = (n + 1) / 2;
        uint32_t step = pos < high ? pos : pos - high;
        return ((n & 1 ? n - 1 : n) - 2 * step) % m;
    }
    default:    /* down from ce0, wrapping past 0 */
        return (uint32_t)((c->ce0 + m - elapsed(c, t) % m) % m);
    }
}

static bool out_at(const struct pit_channel *c, uint64_t t)
{
    uint32_t n = c->ce0;

    if (c->state != CE_COUNTING)
        return c->out_idle;
    switch (c->mode) {
    case 0:     /* high from terminal count on */
    case 1:
        return c->out0 || elapsed(c, t) >= n;
    case 2:     /* low while the count is 1 */
        return elapsed(c, t) % n != n - 1;
    case 3:
        return square_pos(c, t) < (n + 1) / 2;
    default:    /* 4, 5: low for the clock at terminal count */
        return !(c->armed && elapsed(c, t) == n);
    }
}

/* Periods started (rising edges) in modes 2 and 3 up to tick x. */
static uint64_t periods(const struct pit_channel *c, uint64_t x)
{
    return x <= c->t0 ? 0 : (c->phase0 + (x - c->t0)) / c->ce0;
}

/* Rising edges of OUT at ticks in (a, b] while counting as now. */
static uint64_t rising_edges(const struct pit_channel *c, uint64_t a, uint64_t b)
{
    uint64_t edge;

    if (c->state != CE_COUNTING || b <= a)
        return 0;
    switch (c->mode) {
    case 0:
    case 1:
        if (c->out0)
            return 0;
        edge = c->t0 + c->ce0;
        return a < edge && edge <= b;
    case 2:
    case 3:
        return c->ce0 < 2 ? 0 : periods(c, b) - periods(c, a);
    default:
        if (!c->armed)
            return 0;
        edge = c->t0 + c->ce0 + 1;
        return a < edge && edge <= b;
    }
}

/* The first tick after a with a rising edge of OUT or a pending reload. */
static uint64_t next_edge(const struct pit_channel *c, uint64_t a)
{
    uint64_t edge = UINT64_MAX;

    if (c->state != CE_COUNTING)
        return UINT64_MAX;
    switch (c->mode) {
    case 0:
    case 1:
        if (!c->out0)
            edge = c->t0 + c->ce0;
        break;
    case 2:
    case 3:
        if (c->ce0 >= 2)
            edge = c->t0 + (periods(c, a) + 1) * c->ce0 - c->phase0;
        break;
    default:
        if (c->armed)
            edge = c->t0 + c->ce0 + 1;
        break;
    }
    if (edge <= a)
        edge = UINT64_MAX;
    if (c->cr_pending && c->t_switch < edge)
        edge = c->t_switch;
    return edge;
}

/* ---- state changes ----------------------------------------------------- */

/* Start counting: n is loaded at the clock after tick t. */
static void load(struct pit_channel *c, uint64_t t, uint32_t n)
{
    c->state = CE_COUNTING;
    c->t0 = t + 1;
    c->ce0 = n;
    c->phase0 = 0;
    c->out0 = false;
    c->armed = true;
    c->cr_pending = false;
    c->null_count = false;
}

/* Stop the counting element where it is at tick t. */
static void freeze(struct pit_channel *c, uint64_t t, uint8_t state)
{
    if (c->state == CE_COUNTING) {
        c->ce_idle = ce_at(c, t);
        c->out_idle = out_at(c, t);
        c->armed = c->armed && elapsed(c, t) < c->ce0;
    }
    c->state = state;
}

/* Modes 0 and 4: the gate lets a paused count go on at the next clock. */
static void resume(struct pit_channel *c, uint64_t t)
{
    c->state = CE_COUNTING;
    c->t0 = t;
    c->ce0 = c->ce_idle ? c->ce_idle : modulus(c);
    c->phase0 = 0;
    c->out0 = c->out_idle;
}

/* Modes 2 and 3: a count written while counting is loaded when the current
 * period (mode 2) or half period (mode 3) ends. */
static void schedule_reload(struct pit_channel *c, uint64_t t)
{
    uint32_t n = c->ce0, high = (n + 1) / 2;
    uint64_t base = t > c->t0 ? t : c->t0;
    uint32_t pos = c->mode == 3 ? square_pos(c, base) : (uint32_t)(elapsed(c, base) % n);

    c->cr_pending = true;
    if (c->mode == 3 && pos < high) {
        c->t_switch = base + (high - pos);
        c->switch_low = true;
    } else {
        c->t_switch = base + (n - pos);
        c->switch_low = false;
    }
}

static void apply_reload(struct pit_channel *c)
{
    uint32_t n = cr_count(c);

    c->state = CE_COUNTING;
    c->t0 = c->t_switch;
    c->ce0 = n;
    c->phase0 = c->switch_low ? (n + 1) / 2 % n : 0;
    c->cr_pending = false;
    c->null_count = false;
}

/* Note OUT0 rising edges up to tick t. */
static void account_irq(struct pit *p, uint64_t t)
{
    if (t <= p->irq_tick)
        return;
    if (rising_edges(&p->ch[0], p->irq_tick, t))
        p->irq_edge = true;
    p->irq_tick = t;
}

/* Bring counter i up to tick t: pending reloads, and IRQ 0 bookkeeping. */
static void advance(struct pit *p, unsigned i, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];

    if (c->state == CE_COUNTING && c->cr_pending && t >= c->t_switch) {
        if (i == 0)
            account_irq(p, c->t_switch);
        apply_reload(c);
    }
    if (i == 0)
        account_irq(p, t);
}

/* Bracket a state change at tick t: an OUT0 that a write drives high (a new
 * control word, a gate drop in mode 2 or 3) is a rising edge too. */
static bool change_begin(struct pit *p, unsigned i, uint64_t t)
{
    advance(p, i, t);
    return out_at(&p->ch[i], t);
}

static void change_end(struct pit *p, unsigned i, uint64_t t, bool out_before)
{
    if (i == 0 && !out_before && out_at(&p->ch[0], t))
        p->irq_edge = true;
}

static void deliver_irq(struct pit *p)
{
    if (p->irq_edge) {
        p->irq_edge = false;
        irq_pulse(&p->irq0);
    }
}

static uint64_t tick_of(struct pit *p, uint64_t now_ns)
{
    uint64_t t = muldiv64(now_ns, PIT_HZ, NS_PER_SEC);

    if (t < p->last_tick)
        return p->last_tick;
    p->last_tick = t;
    return t;
}

/* ---- commands ---------------------------------------------------------- */

static void set_mode(struct pit *p, unsigned i, uint8_t val, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];
    bool out_before = change_begin(p, i, t);
    uint32_t ce = ce_at(c, t);
    uint8_t mode = (val >> 1) & 7;

    c->ctrl = val & 0x3f;
    c->rw = (val >> 4) & 3;
    c->mode = mode > 5 ? mode - 4 : mode;
    c->bcd = val & 1;
    c->state = CE_IDLE;
    c->ce_idle = ce % modulus(c);
    c->out_idle = c->mode != 0;
    c->cr_valid = false;
    c->cr_pending = false;
    c->null_count = true;
    c->write_msb = false;
    c->read_msb = false;
    c->count_latched = false;
    c->status_latched = false;
    c->armed = false;
    change_end(p, i, t, out_before);
}

static void latch_count(struct pit *p, unsigned i, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];

    if (c->count_latched)
        return;         /* the first latch holds until read */
    advance(p, i, t);
    c->latch = encode(c, ce_at(c, t));
    c->count_latched = true;
}

static void latch_status(struct pit *p, unsigned i, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];

    if (c->status_latched)
        return;
    advance(p, i, t);
    c->status = (uint8_t)((out_at(c, t) ? PIT_STATUS_OUT : 0) |
                          (c->null_count ? PIT_STATUS_NULL : 0) | c->ctrl);
    c->status_latched = true;
}

static void write_control(struct pit *p, uint8_t val, uint64_t t)
{
    unsigned sc = val >> 6;

    if (sc == 3) {                      /* read-back */
        for (unsigned i = 0; i < 3; i++) {
            if (!(val & (2u << i)))
                continue;
            if (!(val & 0x10))
                latch_status(p, i, t);
            if (!(val & 0x20))
                latch_count(p, i, t);
        }
    } else if (((val >> 4) & 3) == 0) {
        latch_count(p, sc, t);
    } else {
        set_mode(p, sc, val, t);
    }
}

/* A whole count is in the CR. */
static void count_written(struct pit_channel *c, uint64_t t)
{
    uint32_t n = cr_count(c);

    c->cr_valid = true;
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4:                             /* loaded at the next clock */
        if (c->gate) {
            load(c, t, n);
        } else {                        /* loaded, but counting waits for the gate */
            c->state = CE_PAUSED;
            c->ce_idle = n % modulus(c);
            c->out_idle = c->mode != 0;
            c->armed = true;
            c->null_count = false;
        }
        break;
    case 2:
    case 3:
        if (c->state == CE_COUNTING) {
            schedule_reload(c, t);
        } else if (c->state == CE_IDLE) {
            if (c->gate) {
                load(c, t, n);
            } else {
                c->state = CE_PAUSED;
                c->ce_idle = (c->mode == 3 && (n & 1) ? n - 1 : n) % modulus(c);
                c->out_idle = true;
                c->null_count = false;
            }
        }                               /* paused: the next trigger loads it */
        break;
    default:                            /* 1, 5: the next trigger loads it */
        break;
    }
}

static void write_count(struct pit *p, unsigned i, uint8_t val, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];
    bool out_before = change_begin(p, i, t);

    switch (c->rw) {
    case 1:
        c->cr = val;
        count_written(c, t);
        break;
    case 2:
        c->cr = (uint16_t)(val << 8);
        count_written(c, t);
        break;
    default:
        if (!c->write_msb) {
            c->cr_lsb = val;
            c->write_msb = true;
            if (c->mode == 0) {         /* the first byte stops counting, OUT low */
                freeze(c, t, CE_IDLE);
                c->out_idle = false;
            }
        } else {
            c->cr = (uint16_t)(c->cr_lsb | val << 8);
            c->write_msb = false;
            count_written(c, t);
        }
        break;
    }
    change_end(p, i, t, out_before);
}

static uint8_t read_count(struct pit *p, unsigned i, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];
    bool latched = c->count_latched, done = true;
    uint16_t v;
    uint8_t r;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (latched) {
        v = c->latch;
    } else {
        advance(p, i, t);
        v = encode(c, ce_at(c, t));
    }
    switch (c->rw) {
    case 1:
        r = (uint8_t)v;
        break;
    case 2:
        r = (uint8_t)(v >> 8);
        break;
    default:
        r = (uint8_t)(c->read_msb ? v >> 8 : v);
        done = c->read_msb;
        c->read_msb = !c->read_msb;
        break;
    }
    if (latched && done)
        c->count_latched = false;
    return r;
}

static void set_gate(struct pit *p, unsigned i, bool level, uint64_t t)
{
    struct pit_channel *c = &p->ch[i];
    bool out_before = change_begin(p, i, t);

    if (level == c->gate)
        return;
    c->gate = level;
    if (level) {
        if (c->mode == 0 || c->mode == 4) {
            if (c->state == CE_PAUSED)
                resume(c, t);
        } else if (c->cr_valid) {       /* 1, 2, 3, 5: trigger, reload at the next clock */
            load(c, t, cr_count(c));
        }
    } else if (c->state == CE_COUNTING && c->mode != 1 && c->mode != 5) {
        freeze(c, t, CE_PAUSED);
        if (c->mode == 2 || c->mode == 3)
            c->out_idle = true;         /* OUT goes high at once */
    }
    change_end(p, i, t, out_before);
}

/* ---- interface --------------------------------------------------------- */

void pit_init(struct pit *p, const struct irq_line *irq0)
{
    *p = (struct pit){ 0 };
    if (irq0)
        p->irq0 = *irq0;
    for (unsigned i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        c->ctrl = 0x36;
        c->rw = 3;
        c->mode = 3;
        c->gate = i != 2;
        c->state = CE_IDLE;
        c->out_idle = true;
        c->null_count = true;
    }
}

uint8_t pit_io_read(struct pit *p, uint16_t port, uint64_t now_ns)
{
    uint64_t t = tick_of(p, now_ns);
    uint8_t val;

    switch (port) {
    case PIT_PORT_CH0:
    case PIT_PORT_CH0 + 1:
    case PIT_PORT_CH2:
        val = read_count(p, port - PIT_PORT_CH0, t);
        break;
    case PIT_PORT_B:
        advance(p, 2, t);
        val = p->port_b & PIT_B_WRITABLE;
        if (out_at(&p->ch[2], t))
            val |= PIT_B_OUT2;
        if ((t / REFRESH_TICKS) & 1)
            val |= PIT_B_REFRESH;
        break;
    default:                            /* 0x43 reads float */
        return 0xff;
    }
    deliver_irq(p);
    return val;
}

void pit_io_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns)
{
    uint64_t t = tick_of(p, now_ns);

    switch (port) {
    case PIT_PORT_CH0:
    case PIT_PORT_CH0 + 1:
    case PIT_PORT_CH2:
        write_count(p, port - PIT_PORT_CH0, val, t);
        break;
    case PIT_PORT_CMD:
        write_control(p, val, t);
        break;
    case PIT_PORT_B:
        p->port_b = val & PIT_B_WRITABLE;
        set_gate(p, 2, val & PIT_B_GATE2, t);
        break;
    default:
        return;
    }
    deliver_irq(p);
}

void pit_update(struct pit *p, uint64_t now_ns)
{
    advance(p, 0, tick_of(p, now_ns));
    deliver_irq(p);
}

uint64_t pit_next_event_ns(const struct pit *p)
{
    uint64_t tick;

    if (p->irq_edge)
        return 0;
    tick = next_edge(&p->ch[0], p->irq_tick);
    if (tick == UINT64_MAX)
        return UINT64_MAX;
    return muldiv64_ceil(tick, NS_PER_SEC, PIT_HZ);
}
