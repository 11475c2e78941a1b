/* SPDX-License-Identifier: BSD-2-Clause */
/* COM1 console driver: polled 16550 at 115200 8N1 (any CPU, interrupts
 * off; one lock, so each write reaches the line whole). */
#include <stdint.h>
#include "arch/x86/spinlock.h"
#include "host/console.h"
#include "lib/print.h"
#include "hw/uart_16550.h"
#include "arch/x86/x86.h"

#define COM1_BASE 0x3f8

static bool console_enabled;
static struct spinlock lock;

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

static void put_raw(char c)
{
    /* Bounded wait: a missing UART must not hang the hypervisor. */
    for (unsigned spin = 0; spin < 100000; spin++) {
        if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
            break;
        cpu_relax();
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void console_putc(char c)
{
    if (!console_enabled)
        return;
    spin_lock(&lock);
    put_raw(c);
    spin_unlock(&lock);
}

void console_write(const char *s, size_t n)
{
    if (!console_enabled)
        return;
    spin_lock(&lock);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw(s[i]);
    }
    spin_unlock(&lock);
}

/* Typed input waits here: the UART's own FIFO holds only 16 bytes, and Keel
 * looks at it only every few milliseconds. */
#define INPUT_BUFFER 256
static uint8_t input[INPUT_BUFFER];
static unsigned input_head, input_count;

static void pull_locked(void)
{
    while (console_enabled && input_count < INPUT_BUFFER &&
           (inb(COM1_BASE + UART_LSR) & UART_LSR_DR)) {
        input[(input_head + input_count) % INPUT_BUFFER] = inb(COM1_BASE + UART_RBR);
        input_count++;
    }
}

void console_pull(void)
{
    spin_lock(&lock);
    pull_locked();
    spin_unlock(&lock);
}

int console_getc(void)
{
    int c = -1;
    spin_lock(&lock);
    pull_locked();
    if (input_count) {
        c = input[input_head];
        input_head = (input_head + 1) % INPUT_BUFFER;
        input_count--;
    }
    spin_unlock(&lock);
    return c;
}
