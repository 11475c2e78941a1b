/* SPDX-License-Identifier: BSD-2-Clause */
/* serial.c — polled COM1 transmit: wait for LSR.THRE, write THR. */
#include "serial.h"
#include "cpu.h"

void serial_putc(char c)
{
    /* Bounded wait: a broken UART model must not hang the test silently forever. */
    for (unsigned i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
        __asm__ volatile("pause");
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, unsigned long len)
{
    for (unsigned long i = 0; i < len; i++)
        serial_putc(s[i]);
}

void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}
