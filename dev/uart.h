/* SPDX-License-Identifier: BSD-2-Clause */
/* Emulated 16550 UART on COM1: polled output and input, loopback, scratch and
 * divisor registers. Output goes to Keel's console through the VM. */
#ifndef KEEL_DEV_UART_H
#define KEEL_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"
#include "vcpu/vcpu.h"

#define UART_COM1_BASE 0x3f8
#define UART_RX_FIFO   16

struct uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    bool fifo_enabled;
    bool thri_pending;          /* "THR empty" interrupt condition not yet read */
    uint8_t rx[UART_RX_FIFO];
    unsigned rx_head, rx_count;
    uint64_t last_console_poll;     /* TSC of the last look at Keel's console */
    struct irq_line irq;            /* IRQ 4 on a PC, gated by MCR.OUT2 */
};

void uart_reset(struct uart *u, const struct irq_line *irq);
/* Look at Keel's console for input (rate-limited); true while the guest has
 * the received-data interrupt enabled, i.e. wants to be told of input. */
bool uart_poll(struct uart *u);
uint32_t uart_io_read(struct vcpu *v, uint16_t port, unsigned size);
void uart_io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
