/* SPDX-License-Identifier: BSD-2-Clause */
/* Emulated i8254 PIT (channels 0-2) and port 0x61's timer bits; pure model on guest time passed in by the VMM at port I/O and timer expiry. */
#ifndef KEEL_DEV_PIT_H
#define KEEL_DEV_PIT_H

/*
 * Register formats and counter behaviour from the Intel 82C54 datasheet
 * (order no. 231244): "Control Word Format", "Read-Back Command", "Status
 * Byte", "Modes 0-5", "Gate Pin Operations Summary". Port 0x61 is the PC/AT
 * "System Control Port B" (Intel PIIX/ICH NMI Status and Control register):
 *
 *   0x40-0x42  counter 0-2 data: count writes / count reads in the RW format
 *   0x43       control word: D7-D6 SC (3 = read-back), D5-D4 RW (0 = counter
 *              latch, 1 LSB, 2 MSB, 3 LSB then MSB), D3-D1 mode, D0 BCD
 *              read-back: D5 COUNT#, D4 STATUS#, D3-D1 counter 2-0 select
 *              status byte: D7 OUT, D6 NULL COUNT, D5-D0 as in the control word
 *   0x61       D0 gate of counter 2, D1 speaker data, D2-D3 NMI enables
 *              (stored only), D4 refresh toggle (flips every 15.09 us),
 *              D5 OUT of counter 2; D6-D7 read 0
 *
 * Gates of counters 0 and 1 are tied high, as on a PC; counter 0's OUT is
 * IRQ 0. Time is the VMM's nanosecond clock; the counters run at 1193182 Hz
 * from now_ns 0 (tick = floor(now_ns * 1193182 / 10^9)). Time never runs
 * backwards: an older now_ns is treated as the latest one seen.
 *
 * Deviations from the silicon, on purpose:
 *  - Lost ticks are coalesced: each rising edge of OUT0 raises IRQ 0 as an
 *    irq_pulse(), but all edges found by one call (pit_update, or an access to
 *    counter 0) make a single pulse. The VMM keeps the rate by calling
 *    pit_update() at pit_next_event_ns().
 *  - A count is loaded "on the next CLK pulse": OUT timing follows that, but
 *    a read in the very tick of the write already shows the new count where
 *    the chip would show an undefined value.
 *  - Counts of 1 in modes 2 and 3 (illegal per datasheet) give a constant
 *    OUT: low in mode 2, high in mode 3, and so no IRQ 0 edges.
 *  - Invalid BCD digits (A-F) in a count are taken as 9.
 *  - After a new control word the counting element keeps its last value
 *    (undefined on the chip) until a count is loaded.
 *  - pit_init() leaves every counter as after control word 0x36 (LSB/MSB,
 *    mode 3, binary) with no count: OUT high, not counting, gate 2 low.
 */

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"

#define PIT_HZ          1193182u
#define PIT_PORT_CH0    0x40
#define PIT_PORT_CH2    0x42
#define PIT_PORT_CMD    0x43
#define PIT_PORT_B      0x61

#define PIT_B_GATE2     0x01
#define PIT_B_SPEAKER   0x02
#define PIT_B_WRITABLE  0x0f
#define PIT_B_REFRESH   0x10
#define PIT_B_OUT2      0x20

#define PIT_STATUS_OUT       0x80
#define PIT_STATUS_NULL      0x40

struct pit_channel {
    uint8_t ctrl;           /* control word D5-D0 as written (status byte D5-D0) */
    uint8_t mode;           /* 0-5 (6 and 7 are 2 and 3) */
    uint8_t rw;             /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    uint16_t cr;            /* count register, as written */
    uint8_t cr_lsb;         /* first byte of a two-byte count */
    bool cr_valid;          /* a whole count written since the control word */
    bool null_count;        /* CR written but not yet in the counting element */
    bool write_msb;         /* RW=3: the next write is the MSB */
    bool read_msb;          /* RW=3: the next read is the MSB */
    bool count_latched;
    bool status_latched;
    uint16_t latch;         /* output latch, in the read format */
    uint8_t status;

    /* Counting element: not counting (frozen at ce_idle, OUT at out_idle),
     * or counting since tick t0, when it held ce0 (modes 0, 1, 4, 5: count,
     * 1..65536 or 10000 BCD) or started a period of ce0 clocks at phase0
     * (modes 2, 3). */
    uint8_t state;          /* enum in pit.c: idle, paused by the gate, counting */
    bool out_idle;
    uint32_t ce_idle;
    uint64_t t0;
    uint32_t ce0;
    uint32_t phase0;
    bool out0;              /* modes 0, 1: OUT already high at t0 */
    bool armed;             /* modes 4, 5: the strobe is still ahead */
    bool cr_pending;        /* modes 2, 3: a new count waits for the period's end */
    bool switch_low;        /* mode 3: that end is the high-to-low one */
    uint64_t t_switch;      /* tick of that end */
};

struct pit {
    struct pit_channel ch[3];
    struct irq_line irq0;
    uint8_t port_b;         /* 0x61 D3-D0 as written */
    uint64_t last_tick;     /* the latest time seen, in ticks */
    uint64_t irq_tick;      /* OUT0 edges are accounted up to this tick */
    bool irq_edge;          /* an OUT0 rising edge not yet delivered */
};

/* irq0 (copied; may be NULL) is the line counter 0's OUT drives. */
void pit_init(struct pit *p, const struct irq_line *irq0);

/* Ports 0x40-0x43 and 0x61; others read 0xFF and ignore writes. */
uint8_t pit_io_read(struct pit *p, uint16_t port, uint64_t now_ns);
void pit_io_write(struct pit *p, uint16_t port, uint8_t val, uint64_t now_ns);

/* Deliver IRQ 0 for OUT0 rising edges up to now_ns (coalesced to one pulse). */
void pit_update(struct pit *p, uint64_t now_ns);

/* The earliest now_ns at which pit_update() has something to do, UINT64_MAX
 * if nothing is ahead; may be in the past if pit_update() is overdue. */
uint64_t pit_next_event_ns(const struct pit *p);

#endif
