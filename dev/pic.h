/* SPDX-License-Identifier: BSD-2-Clause */
/* Emulated i8259A PIC pair (master + slave on IR2) with the ELCR; pure model driven by the VMM at port I/O, device IRQ changes and interrupt injection. */
#ifndef KEEL_DEV_PIC_H
#define KEEL_DEV_PIC_H

/*
 * Register formats from the Intel 8259A datasheet (order no. 231468),
 * "Programming the 8259A"; ELCR from the Intel PIIX/ICH datasheets
 * (Edge/Level Control Registers, I/O 4D0h/4D1h).
 *
 *   even port (0x20/0xA0) write, D4=1   ICW1: D0 IC4, D1 SNGL, D2 ADI, D3 LTIM
 *   odd port  (0x21/0xA1) write         ICW2 (T7-T3 vector base), ICW3, ICW4 while
 *                                       initializing; OCW1 (IMR) otherwise
 *   ICW3: master - bit n set: a slave on IR n; slave - D2-D0 its cascade ID
 *   ICW4: D0 uPM (8086), D1 AEOI, D2 M/S, D3 BUF, D4 SFNM
 *   even port write, D4=0 D3=0          OCW2: D7 R, D6 SL, D5 EOI, D2-D0 level
 *   even port write, D4=0 D3=1          OCW3: D6 ESMM, D5 SMM, D2 P(oll), D1 RR, D0 RIS
 *   even port read                      IRR or ISR (OCW3 RR/RIS), or the poll byte
 *   odd port read                       IMR
 *   0x4D0 / 0x4D1                       ELCR, bit n: IRQ n (n+8) level-triggered
 *
 * The pair is wired as on a PC: the slave's INT drives the master's IR2, so
 * pic_set_irq() ignores IRQ 2; IRQ 0, 1, 2, 8 and 13 are always edge-triggered
 * in the ELCR (their bits read as 0). The INTR output is not pushed anywhere:
 * whoever owns the model asks pic_has_interrupt() after changing its state.
 *
 * Deviations from the silicon, on purpose:
 *  - An edge-triggered request stays latched in the IRR after its line drops
 *    (device models pulse lines with irq_pulse()); on the chip the line must
 *    stay high until INTA. Level-triggered requests still vanish with the line,
 *    and an INTA with nothing left to deliver returns the spurious IR7 vector.
 *  - MCS-80/85 mode (ICW4 uPM=0 or no ICW4) and ADI are not modelled: INTA
 *    always returns the 8086-style vector (ICW2 & 0xF8) | level.
 *  - BUF and M/S in ICW4 are stored but the wiring is fixed (chip 0 master).
 *  - ICW1 also clears the ISR (the datasheet lists IMR, edge sense, priority,
 *    SMM and the read select), and the poll command answers the next read of
 *    either port of the chip.
 *  - A master IR that ICW3 marks as a cascade input other than IR2, or a
 *    slave whose ICW3 ID is not 2, leaves the data bus floating: vector 0xFF.
 *  - After an INTA through the cascade the master's IR2 sees the slave's INT
 *    afresh, so a slave request still pending behind the acknowledged one
 *    (AEOI, special mask mode) is not lost on an edge-triggered master IR2.
 */

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD   0x20
#define PIC_MASTER_DATA  0x21
#define PIC_SLAVE_CMD    0xa0
#define PIC_SLAVE_DATA   0xa1
#define PIC_ELCR_MASTER  0x4d0
#define PIC_ELCR_SLAVE   0x4d1
#define PIC_CASCADE_IRQ  2

#define PIC_ICW1         0x10   /* D4 marks ICW1 on the even port */
#define PIC_ICW1_IC4     0x01
#define PIC_ICW1_SNGL    0x02
#define PIC_ICW1_ADI     0x04
#define PIC_ICW1_LTIM    0x08
#define PIC_ICW4_8086    0x01
#define PIC_ICW4_AEOI    0x02
#define PIC_ICW4_MS      0x04
#define PIC_ICW4_BUF     0x08
#define PIC_ICW4_SFNM    0x10
#define PIC_OCW3         0x08   /* D3 marks OCW3 (with D4 clear) */
#define PIC_OCW3_RIS     0x01
#define PIC_OCW3_RR      0x02
#define PIC_OCW3_POLL    0x04
#define PIC_OCW3_SMM     0x20
#define PIC_OCW3_ESMM    0x40
#define PIC_OCW2_EOI     0x20   /* non-specific EOI; OR 0x40 | level for specific */

/* One 8259A. */
struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t lines;          /* IR input levels now */
    uint8_t elcr;           /* level-triggered inputs selected by the ELCR */
    uint8_t elcr_mask;      /* ELCR bits that exist (the rest read 0) */
    uint8_t icw1, icw3, icw4;
    uint8_t vector_base;    /* ICW2 & 0xF8 */
    uint8_t init_next;      /* next ICW expected on the odd port: 2, 3, 4; 0 when done */
    uint8_t lowest;         /* the IR with the lowest priority (rotation) */
    bool rotate_aeoi;       /* OCW2 "rotate in automatic EOI mode" */
    bool special_mask;      /* OCW3 SMM */
    bool read_isr;          /* OCW3 RR/RIS: even-port reads return the ISR */
    bool poll;              /* OCW3 P: the next read is a poll */
};

struct pic {
    struct pic_chip chip[2];    /* [0] master, [1] slave */
};

/* The state a PC BIOS leaves: vectors 0x08 and 0x70, cascade on IR2, 8086
 * mode, every IRQ masked, all inputs edge-triggered. */
void pic_init(struct pic *p);

/* Ports 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1; others read 0xFF and ignore writes. */
uint8_t pic_io_read(struct pic *p, uint16_t port);
void pic_io_write(struct pic *p, uint16_t port, uint8_t val);

/* Drive ISA IRQ line irq (0-15) to level; IRQ 2 and irq > 15 are ignored. */
void pic_set_irq(struct pic *p, unsigned irq, bool level);
/* The same, shaped as irq_line.set (dev/irq.h) with ctx a struct pic. */
void pic_irq_line_set(void *ctx, unsigned line, bool level);

/* The master's INT output: an unmasked request outranks everything in service. */
bool pic_has_interrupt(const struct pic *p);

/* One INTA sequence: returns the vector the CPU receives (0-255). Sets the ISR
 * bit (unless AEOI) and clears an edge request; a request that went away
 * returns the IR7 vector of the chip asked (IRQ 7 or 15) without setting ISR. */
int pic_acknowledge(struct pic *p);

#endif
