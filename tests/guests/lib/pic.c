/* SPDX-License-Identifier: BSD-2-Clause */
/* pic.c — i8259 pair helpers (see pic.h). */
#include "pic.h"
#include "cpu.h"

#define ICW1_INIT_ICW4  0x11
#define ICW4_8086       0x01
#define OCW2_EOI        0x20
#define OCW3_READ_IRR   0x0A
#define OCW3_READ_ISR   0x0B

void pic_init(uint8_t master_base, uint8_t slave_base)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    outb(PIC1_DATA, master_base);
    outb(PIC1_DATA, 0x04);          /* slave on IRQ2 */
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    outb(PIC2_DATA, slave_base);
    outb(PIC2_DATA, 0x02);          /* cascade identity 2 */
    outb(PIC2_DATA, ICW4_8086);
    pic_set_mask(0xFFFF);
    /* Leave both read-register selectors on IRR (the power-on default). */
    outb(PIC1_CMD, OCW3_READ_IRR);
    outb(PIC2_CMD, OCW3_READ_IRR);
}

void pic_set_mask(uint16_t mask)
{
    outb(PIC1_DATA, (uint8_t)mask);
    outb(PIC2_DATA, (uint8_t)(mask >> 8));
}

uint16_t pic_get_mask(void)
{
    return (uint16_t)(inb(PIC1_DATA) | (inb(PIC2_DATA) << 8));
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI);
}

static uint16_t read_ocw3(uint8_t ocw3)
{
    outb(PIC1_CMD, ocw3);
    outb(PIC2_CMD, ocw3);
    return (uint16_t)(inb(PIC1_CMD) | (inb(PIC2_CMD) << 8));
}

uint16_t pic_read_irr(void)
{
    return read_ocw3(OCW3_READ_IRR);
}

uint16_t pic_read_isr(void)
{
    uint16_t v = read_ocw3(OCW3_READ_ISR);
    outb(PIC1_CMD, OCW3_READ_IRR);
    outb(PIC2_CMD, OCW3_READ_IRR);
    return v;
}

uint16_t pic_read_elcr(void)
{
    return (uint16_t)(inb(PIC_ELCR1) | (inb(PIC_ELCR2) << 8));
}
