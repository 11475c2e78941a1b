/* SPDX-License-Identifier: BSD-2-Clause */
/* pic.h — the i8259 pair: initialisation (remap), masks, EOI, IRR/ISR reads, ELCR. */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdint.h>

#define PIC1_CMD    0x20
#define PIC1_DATA   0x21
#define PIC2_CMD    0xA0
#define PIC2_DATA   0xA1
#define PIC_ELCR1   0x4D0
#define PIC_ELCR2   0x4D1

#define PIC_VEC_MASTER  0x20    /* where pic_init() puts IRQ0-7 */
#define PIC_VEC_SLAVE   0x28    /* and IRQ8-15 */

/* ICW1 0x11 (edge, cascade, ICW4), ICW2 bases, ICW3 4/2 (slave on IRQ2), ICW4 0x01 (8086,
 * normal EOI); then every IRQ masked. */
void pic_init(uint8_t master_base, uint8_t slave_base);

/* Bit n masks IRQ n (bits 0-7 master, 8-15 slave). */
void pic_set_mask(uint16_t mask);
uint16_t pic_get_mask(void);

/* Non-specific EOI for IRQ irq: to the slave (IRQ 8-15) and the master. */
void pic_eoi(unsigned irq);

/* OCW3 register reads (bit n = IRQ n): interrupt request and in-service registers. */
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);

/* Edge/level control (bit n = 1: IRQ n is level triggered). */
uint16_t pic_read_elcr(void);

#endif
