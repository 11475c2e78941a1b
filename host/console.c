/* SPDX-License-Identifier: BSD-2-Clause */
/* COM1 console driver: polled 16550 at 115200 8N1 (boot CPU, interrupts off). */
#include <stdint.h>
#include "host/console.h"
#include "lib/print.h"
#include "hw/uart_16550.h"
#include "arch/x86/x86.h"

#define COM1_BASE 0x3f8

static bool console_enabled;

void console_init(bool enabled)
{
    console_enabled = enabled;
    print_set_sink(console_write);
    if (!enabled)
        return;
    outb(COM1_BASE + UART_IER, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
    outb(COM1_BASE + UART_DLL, 1);          /* 115200 baud */
    outb(COM1_BASE + UART_DLM, 0);
    outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
    outb(COM1_BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
    outb(COM1_BASE + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

void console_putc(char c)
{
    if (!console_enabled)
        return;
    /* Bounded wait: a missing UART must not hang the hypervisor. */
    for (unsigned spin = 0; spin < 100000; spin++) {
        if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
            break;
        cpu_relax();
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            console_putc('\r');
        console_putc(s[i]);
    }
}

/* Typed input waits here: the UART's own FIFO holds only 16 bytes, and Keel
 * looks at it only every few milliseconds. */
#define INPUT_BUFFER 256
static uint8_t input[INPUT_BUFFER];
static unsigned input_head, input_count;

int console_getc(void)
{
    while (console_enabled && input_count < INPUT_BUFFER &&
           (inb(COM1_BASE + UART_LSR) & UART_LSR_DR)) {
        input[(input_head + input_count) % INPUT_BUFFER] = inb(COM1_BASE + UART_RBR);
        input_count++;
    }
    if (!input_count)
        return -1;
    int c = input[input_head];
    input_head = (input_head + 1) % INPUT_BUFFER;
    input_count--;
    return c;
}
