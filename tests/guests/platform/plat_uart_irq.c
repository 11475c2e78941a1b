/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_uart_irq.c — test guest: the COM1 16550's transmitter interrupt on IRQ4 through
 * the 8259. With MCR.OUT2 set and the THR empty, enabling IER.ETBEI raises IRQ4 (seen in
 * the PIC's IRR while IF=0); in the handler IIR reads 0x02 (THR empty) and then 0x01 (none:
 * reading IIR cleared it); the handler then sends a line one byte per THRE interrupt, so
 * each byte written produces exactly one more interrupt. IER=0 leaves IIR at 0x01.
 * Nothing is printed while the interrupt is enabled (every byte would raise another). */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_uart_irq";

#define UART_IIR    2       /* read */
#define UART_FCR    2       /* write */
#define UART_MCR    4
#define IER_ETBEI   0x02
#define MCR_DTR     0x01
#define MCR_RTS     0x02
#define MCR_OUT2    0x08
#define IIR_NONE    0x01
#define IIR_THRI    0x02

#define VEC_IRQ4    (PIC_VEC_MASTER + 4)

static const char line[] = "plat_uart_irq: this line was sent by the THRE interrupt handler\n";

static volatile uint32_t irqs, done, sent;
static volatile uint8_t iir_first = 0xFF, iir_second = 0xFF;
static volatile uint32_t not_thri;
static volatile uint16_t isr_first;

static void irq4_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = ++irqs;
    uint8_t iir = inb(COM1 + UART_IIR) & 0x0F;
    if (n == 1) {
        iir_first = iir;
        iir_second = inb(COM1 + UART_IIR) & 0x0F;
        isr_first = pic_read_isr();
    }
    if (iir == IIR_THRI) {
        if (sent < sizeof(line) - 1)
            outb(COM1 + UART_THR, (uint8_t)line[sent++]);
        else
            done = 1;
    } else {
        not_thri++;
    }
    pic_eoi(4);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    plat_init();
    irq_register(VEC_IRQ4, irq4_handler);
    if (lapic_virtual_wire(VEC_APIC_SPURIOUS))
        note("LINT0 was not virtual-wire ExtINT: set it (SVR enable, LINT0 ExtINT, LINT1 NMI)");

    /* Quiet transmitter, no FIFOs, OUT2 (the IRQ gate on PC boards) on, no interrupts yet. */
    for (unsigned i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_TEMT); i++)
        cpu_pause();
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_FCR, 0);
    outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    uint8_t mcr = inb(COM1 + UART_MCR);
    uint8_t iir0 = inb(COM1 + UART_IIR) & 0x0F;
    uint8_t lsr0 = inb(COM1 + UART_LSR);

    /* From here on: no output until IER is 0 again. */
    pic_set_mask((uint16_t)~(1u << 4));
    outb(COM1 + UART_IER, IER_ETBEI);
    uint16_t irr = pic_read_irr();
    uint8_t ier = inb(COM1 + UART_IER);
    bool ok = wait_count_us(&done, 1, 500000);
    outb(COM1 + UART_IER, 0);
    uint8_t iir_end = inb(COM1 + UART_IIR) & 0x0F;
    uint16_t isr_end = pic_read_isr();
    uint32_t n = irqs;
    bool quiet = !wait_count_us(&irqs, n + 1, 5000);
    pic_set_mask(0xFFFF);

    check(mcr == (MCR_DTR | MCR_RTS | MCR_OUT2), "MCR reads back 0x0b (0x%02x)", mcr);
    check(iir0 == IIR_NONE, "IIR 0x%02x with IER=0, want 0x01", iir0);
    check((lsr0 & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT), "LSR 0x%02x: THR and shifter empty", lsr0);
    check(ier == IER_ETBEI, "IER reads back 0x02 (0x%02x)", ier);
    check(irr & (1u << 4), "enabling ETBEI with the THR empty raised IRQ4 (PIC IRR 0x%04x, IF=0)", irr);
    check(iir_first == IIR_THRI, "first IIR read in the handler 0x%02x, want 0x02 (THR empty)", iir_first);
    check(iir_second == IIR_NONE, "second IIR read 0x%02x, want 0x01 (reading IIR cleared it)", iir_second);
    check(isr_first & (1u << 4), "PIC ISR bit 4 set in the handler (0x%04x)", isr_first);
    check(ok, "whole line sent from the interrupt handler (%u of %u bytes)", sent,
          (unsigned)(sizeof(line) - 1));
    check(irqs == sizeof(line), "one THRE interrupt per byte plus the first: %u, want %u", irqs,
          (unsigned)sizeof(line));
    check(not_thri == 0, "every interrupt was a THRE one (%u were not)", not_thri);
    check(iir_end == IIR_NONE, "IIR 0x%02x after IER=0, want 0x01", iir_end);
    check(isr_end == 0, "PIC ISR clear at the end (0x%04x)", isr_end);
    check(quiet, "no IRQ4 after IER=0 (%u more)", irqs - n);
    plat_finish();
}
