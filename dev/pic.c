/* SPDX-License-Identifier: BSD-2-Clause */
/* i8259A PIC pair model (whichever CPU runs the VMM's I/O and injection paths; no hardware access). Semantics: Intel 8259A datasheet. */
#include "dev/pic.h"

#define MASTER 0
#define SLAVE  1

/* Edge-to-level lock-outs from the PC wiring: timer, keyboard, cascade; RTC, FPU error. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE  0xde

static uint8_t level_inputs(const struct pic_chip *c)
{
    return (c->icw1 & PIC_ICW1_LTIM) ? 0xff : c->elcr;
}

/* An IR input changes level: a rising edge latches an edge request; a level
 * input's request follows the line. */
static void chip_set_input(struct pic_chip *c, unsigned n, bool level)
{
    uint8_t bit = (uint8_t)(1u << n);
    bool was = c->lines & bit;

    if (level)
        c->lines |= bit;
    else
        c->lines &= (uint8_t)~bit;

    if (level_inputs(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !was) {
        c->irr |= bit;
    }
}

static unsigned priority_to_ir(const struct pic_chip *c, unsigned rank)
{
    return (c->lowest + 1 + rank) & 7;     /* rank 0 is the highest priority */
}

static bool is_cascade_input(const struct pic_chip *c, unsigned n, bool master)
{
    return master && !(c->icw1 & PIC_ICW1_SNGL) && (c->icw3 & (1u << n));
}

/* Priority resolver: the IR to interrupt with, or -1. An in-service level
 * blocks itself and everything below it, except that special mask mode lets
 * masked in-service levels stop blocking, and special fully nested mode lets a
 * slave's input through while it is in service. */
static int chip_resolve(const struct pic_chip *c, bool master)
{
    uint8_t pending = c->irr & (uint8_t)~c->imr;
    uint8_t blocking = c->isr;

    if (c->special_mask)
        blocking &= (uint8_t)~c->imr;
    for (unsigned rank = 0; rank < 8; rank++) {
        unsigned n = priority_to_ir(c, rank);
        uint8_t bit = (uint8_t)(1u << n);
        if (blocking & bit) {
            if ((c->icw4 & PIC_ICW4_SFNM) && (pending & bit) && is_cascade_input(c, n, master))
                return (int)n;
            return -1;
        }
        if (pending & bit)
            return (int)n;
    }
    return -1;
}

/* The chip's part of INTA (or of a poll read) for level n. */
static void chip_ack(struct pic_chip *c, unsigned n)
{
    uint8_t bit = (uint8_t)(1u << n);

    if (!(level_inputs(c) & bit))
        c->irr &= (uint8_t)~bit;    /* a level request stays while the line is high */
    if (c->icw4 & PIC_ICW4_AEOI) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)n;
    } else {
        c->isr |= bit;
    }
}

/* The highest-priority level in service, or -1. */
static int chip_highest_isr(const struct pic_chip *c)
{
    for (unsigned rank = 0; rank < 8; rank++) {
        unsigned n = priority_to_ir(c, rank);
        if (c->isr & (1u << n))
            return (int)n;
    }
    return -1;
}

/* The slave's INT output is the master's IR2 input. With reassert, the line is
 * dropped first so that a master edge input sees a fresh request (INTA). */
static void update_cascade(struct pic *p, bool reassert)
{
    bool slave_int = chip_resolve(&p->chip[SLAVE], false) >= 0;

    if (reassert)
        chip_set_input(&p->chip[MASTER], PIC_CASCADE_IRQ, false);
    chip_set_input(&p->chip[MASTER], PIC_CASCADE_IRQ, slave_int);
}

static void chip_reset(struct pic_chip *c, uint8_t elcr_mask)
{
    *c = (struct pic_chip){
        .imr = 0xff,
        .elcr_mask = elcr_mask,
        .icw1 = PIC_ICW1 | PIC_ICW1_IC4,
        .icw4 = PIC_ICW4_8086,
        .lowest = 7,
    };
}

void pic_init(struct pic *p)
{
    chip_reset(&p->chip[MASTER], ELCR_MASK_MASTER);
    chip_reset(&p->chip[SLAVE], ELCR_MASK_SLAVE);
    p->chip[MASTER].vector_base = 0x08;
    p->chip[MASTER].icw3 = 1u << PIC_CASCADE_IRQ;
    p->chip[SLAVE].vector_base = 0x70;
    p->chip[SLAVE].icw3 = PIC_CASCADE_IRQ;
}

/* ICW1 (datasheet "Initialization Command Words"): edge sense reset, IMR
 * cleared, IR7 lowest priority, special mask mode off, IRR selected for
 * reading, ICW4 functions zeroed when IC4=0. */
static void write_icw1(struct pic_chip *c, uint8_t val)
{
    c->icw1 = val;
    c->init_next = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = c->lines & level_inputs(c);    /* only levels survive the edge-sense reset */
    c->lowest = 7;
    c->rotate_aeoi = false;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    if (!(val & PIC_ICW1_IC4))
        c->icw4 = 0;
}

static void write_data(struct pic_chip *c, uint8_t val)
{
    switch (c->init_next) {
    case 2:
        c->vector_base = val & 0xf8;
        if (!(c->icw1 & PIC_ICW1_SNGL))
            c->init_next = 3;
        else
            c->init_next = (c->icw1 & PIC_ICW1_IC4) ? 4 : 0;
        break;
    case 3:
        c->icw3 = val;
        c->init_next = (c->icw1 & PIC_ICW1_IC4) ? 4 : 0;
        break;
    case 4:
        c->icw4 = val;
        c->init_next = 0;
        break;
    default:
        c->imr = val;   /* OCW1 */
        break;
    }
}

static void write_ocw2(struct pic_chip *c, uint8_t val)
{
    unsigned level = val & 7;
    int n;

    switch (val >> 5) {
    case 0:                         /* rotate in AEOI mode (clear) */
        c->rotate_aeoi = false;
        break;
    case 4:                         /* rotate in AEOI mode (set) */
        c->rotate_aeoi = true;
        break;
    case 1:                         /* non-specific EOI */
    case 5:                         /* rotate on non-specific EOI */
        n = chip_highest_isr(c);
        if (n >= 0) {
            c->isr &= (uint8_t)~(1u << n);
            if (val & 0x80)
                c->lowest = (uint8_t)n;
        }
        break;
    case 3:                         /* specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 7:                         /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6:                         /* set priority */
        c->lowest = (uint8_t)level;
        break;
    default:                        /* 2: no operation */
        break;
    }
}

static void write_ocw3(struct pic_chip *c, uint8_t val)
{
    if (val & PIC_OCW3_ESMM)
        c->special_mask = val & PIC_OCW3_SMM;
    if (val & PIC_OCW3_RR)
        c->read_isr = val & PIC_OCW3_RIS;
    c->poll = val & PIC_OCW3_POLL;
}

static void write_cmd(struct pic_chip *c, uint8_t val)
{
    if (val & PIC_ICW1)
        write_icw1(c, val);
    else if (val & PIC_OCW3)
        write_ocw3(c, val);
    else
        write_ocw2(c, val);
}

/* Poll command: the read acts as INTA for this chip alone and returns
 * I (D7, a request was found) and W2-W0 (its level). */
static uint8_t poll_read(struct pic_chip *c, bool master)
{
    int n = chip_resolve(c, master);

    c->poll = false;
    if (n < 0)
        return 0;
    chip_ack(c, (unsigned)n);
    return (uint8_t)(0x80 | n);
}

static void write_elcr(struct pic_chip *c, uint8_t val)
{
    c->elcr = val & c->elcr_mask;
    uint8_t level = level_inputs(c);
    c->irr = (uint8_t)((c->irr & ~level) | (c->lines & level));
}

uint8_t pic_io_read(struct pic *p, uint16_t port)
{
    uint8_t val;

    switch (port) {
    case PIC_MASTER_CMD:
    case PIC_MASTER_DATA:
    case PIC_SLAVE_CMD:
    case PIC_SLAVE_DATA: {
        bool master = port < PIC_SLAVE_CMD;
        struct pic_chip *c = &p->chip[master ? MASTER : SLAVE];
        if (c->poll)
            val = poll_read(c, master);
        else if (port & 1)
            val = c->imr;
        else
            val = c->read_isr ? c->isr : c->irr;
        update_cascade(p, false);
        return val;
    }
    case PIC_ELCR_MASTER:
        return p->chip[MASTER].elcr;
    case PIC_ELCR_SLAVE:
        return p->chip[SLAVE].elcr;
    default:
        return 0xff;
    }
}

void pic_io_write(struct pic *p, uint16_t port, uint8_t val)
{
    switch (port) {
    case PIC_MASTER_CMD:
        write_cmd(&p->chip[MASTER], val);
        break;
    case PIC_MASTER_DATA:
        write_data(&p->chip[MASTER], val);
        break;
    case PIC_SLAVE_CMD:
        write_cmd(&p->chip[SLAVE], val);
        break;
    case PIC_SLAVE_DATA:
        write_data(&p->chip[SLAVE], val);
        break;
    case PIC_ELCR_MASTER:
        write_elcr(&p->chip[MASTER], val);
        break;
    case PIC_ELCR_SLAVE:
        write_elcr(&p->chip[SLAVE], val);
        break;
    default:
        return;
    }
    update_cascade(p, false);
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
    if (irq > 15 || irq == PIC_CASCADE_IRQ)
        return;
    if (irq < 8) {
        chip_set_input(&p->chip[MASTER], irq, level);
    } else {
        chip_set_input(&p->chip[SLAVE], irq - 8, level);
        update_cascade(p, false);
    }
}

void pic_irq_line_set(void *ctx, unsigned line, bool level)
{
    pic_set_irq(ctx, line, level);
}

bool pic_has_interrupt(const struct pic *p)
{
    return chip_resolve(&p->chip[MASTER], true) >= 0;
}

int pic_acknowledge(struct pic *p)
{
    struct pic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
    int n = chip_resolve(m, true);
    int vector;

    if (n < 0)
        return m->vector_base | 7;              /* spurious IRQ 7: no ISR bit */
    chip_ack(m, (unsigned)n);
    if (!is_cascade_input(m, (unsigned)n, true)) {
        vector = m->vector_base | n;
    } else if (n != PIC_CASCADE_IRQ || (s->icw1 & PIC_ICW1_SNGL) ||
               (s->icw3 & 7) != PIC_CASCADE_IRQ) {
        vector = 0xff;                          /* no slave answers: the bus floats */
    } else {
        int sn = chip_resolve(s, false);
        if (sn < 0) {
            vector = s->vector_base | 7;        /* spurious IRQ 15; master ISR2 is set */
        } else {
            chip_ack(s, (unsigned)sn);
            vector = s->vector_base | sn;
        }
    }
    update_cascade(p, n == PIC_CASCADE_IRQ);
    return vector;
}
