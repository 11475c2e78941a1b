/* SPDX-License-Identifier: BSD-2-Clause */
/* serial.h — polled COM1 output (16550 at 0x3F8), the guests' only console. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#define COM1        0x3F8
#define UART_THR    0   /* transmit holding (DLAB=0) / divisor low (DLAB=1) */
#define UART_IER    1   /* interrupt enable (DLAB=0) / divisor high (DLAB=1) */
#define UART_LCR    3
#define UART_LSR    5
#define UART_SCR    7
#define LCR_DLAB    0x80
#define LSR_THRE    0x20
#define LSR_TEMT    0x40

void serial_putc(char c);
void serial_write(const char *s, unsigned long len);
void serial_puts(const char *s);

#endif
