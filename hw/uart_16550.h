/* SPDX-License-Identifier: BSD-2-Clause */
/* 16550 UART register map and bits (National Semiconductor PC16550D datasheet). */
#ifndef KEEL_DEV_UART_REGS_H
#define KEEL_DEV_UART_REGS_H

/* Register offsets from the base port; DLL/DLM replace RBR/THR/IER when LCR.DLAB=1. */
#define UART_RBR 0  /* read */
#define UART_THR 0  /* write */
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2  /* read */
#define UART_FCR 2  /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_MASK       0x0f
#define UART_IER_RDI        0x01    /* received data available */
#define UART_IER_THRI       0x02    /* transmitter holding register empty */
#define UART_IIR_NO_INT     0x01
#define UART_IIR_THRI       0x02
#define UART_IIR_RDI        0x04
#define UART_IIR_FIFO_ON    0xc0
#define UART_FCR_ENABLE     0x01
#define UART_FCR_CLEAR      0x06
#define UART_LCR_8N1        0x03
#define UART_LCR_DLAB       0x80
#define UART_MCR_DTR        0x01
#define UART_MCR_RTS        0x02
#define UART_MCR_OUT2       0x08
#define UART_MCR_LOOP       0x10
#define UART_MCR_MASK       0x1f
#define UART_LSR_DR         0x01
#define UART_LSR_THRE       0x20
#define UART_LSR_TEMT       0x40
#define UART_MSR_CTS        0x10
#define UART_MSR_DSR        0x20
#define UART_MSR_DCD        0x80

#endif
