/* SPDX-License-Identifier: BSD-2-Clause */
/* Emulated 16550 UART on COM1: polled output and input, loopback, scratch and
 * divisor registers. Output goes to Keel's console through the VM. */
#ifndef KEEL_DEV_UART_H
#define KEEL_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/io_bus.h"
#include "dev/irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_RX_FIFO   16

/* Where the transmitted bytes go and the received ones come from (Keel's
 * console, through the VM's per-line prefixing). getc: a byte, or -1. */
struct uart_console {
    void (*putc)(void *ctx, char c);
    int (*getc)(void *ctx);
    void *ctx;
};

struct uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    bool fifo_enabled;
    bool thri_pending;          /* "THR empty" interrupt condition not yet read */
    uint8_t rx[UART_RX_FIFO];
    unsigned rx_head, rx_count;
    uint64_t last_console_poll;     /* TSC of the last look at Keel's console */
    struct irq_line irq;            /* IRQ 4 on a PC, gated by MCR.OUT2 */
    struct uart_console console;
};

void uart_reset(struct uart *u, const struct irq_line *irq, const struct uart_console *console);
/* Look at Keel's console for input (rate-limited); true while the guest has
 * the received-data interrupt enabled, i.e. wants to be told of input. */
bool uart_poll(struct uart *u);
/* Its port handlers (UART_COM1_BASE..+7); the context is the struct uart. */
extern const struct io_ops uart_io;

#endif
