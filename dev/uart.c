/* SPDX-License-Identifier: BSD-2-Clause */
/* 16550 UART model (vCPU's CPU, at I/O exits). Register semantics from the
 * PC16550D datasheet; transmission is instantaneous, so THR is always empty. */
#include "dev/uart.h"
#include "hw/uart_16550.h"
#include "arch/x86/x86.h"

void uart_reset(struct uart *u, const struct irq_line *irq, const struct uart_console *console)
{
    *u = (struct uart){ .dll = 12 };    /* 9600 baud, the power-on divisor */
    if (irq)
        u->irq = *irq;
    if (console)
        u->console = *console;
}

/* The interrupt output: an enabled condition, through the OUT2 gate PC boards
 * put between the UART and the interrupt controller. */
static void update_irq(struct uart *u)
{
    bool pending = ((u->ier & UART_IER_RDI) && u->rx_count) ||
                   ((u->ier & UART_IER_THRI) && u->thri_pending);
    irq_set(&u->irq, pending && (u->mcr & UART_MCR_OUT2));
}

static void rx_push(struct uart *u, uint8_t c)
{
    if (u->rx_count == UART_RX_FIFO)
        return;                         /* overrun: the byte is lost, as on hardware */
    u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO] = c;
    u->rx_count++;
}

/* Input typed at Keel's console reaches the guest when it looks for it. A
 * physical port read costs about a microsecond, and guests read LSR in tight
 * loops while sending, so the console is polled at most once per interval. */
#define CONSOLE_POLL_INTERVAL_CYCLES 100000

static void poll_console(struct uart *u)
{
    if (u->rx_count == UART_RX_FIFO || (u->mcr & UART_MCR_LOOP))
        return;
    uint64_t now = rdtsc();
    if (now - u->last_console_poll < CONSOLE_POLL_INTERVAL_CYCLES)
        return;
    u->last_console_poll = now;
    if (!u->console.getc)
        return;
    for (int c; u->rx_count < UART_RX_FIFO && (c = u->console.getc(u->console.ctx)) >= 0;)
        rx_push(u, (uint8_t)c);
}

static uint8_t modem_status(const struct uart *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    /* Loopback wires MCR outputs to MSR inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
                     ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_RBR:
        if (dlab)
            return u->dll;
        poll_console(u);
        if (!u->rx_count)
            return 0;
        uint8_t c = u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % UART_RX_FIFO;
        u->rx_count--;
        return c;
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR: {
        uint8_t fifo = u->fifo_enabled ? UART_IIR_FIFO_ON : 0;
        poll_console(u);
        if ((u->ier & UART_IER_RDI) && u->rx_count)
            return fifo | UART_IIR_RDI;
        if ((u->ier & UART_IER_THRI) && u->thri_pending) {
            u->thri_pending = false;    /* reading IIR clears this source */
            return fifo | UART_IIR_THRI;
        }
        return fifo | UART_IIR_NO_INT;
    }
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        poll_console(u);
        return UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0);
    case UART_MSR:
        return modem_status(u);
    default:
        return u->scr;
    }
}

static void write_reg(struct uart *u, unsigned reg, uint8_t val)
{
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (reg) {
    case UART_THR:
        if (dlab) {
            u->dll = val;
        } else if (u->mcr & UART_MCR_LOOP) {
            rx_push(u, val);
        } else {
            if (u->console.putc)
                u->console.putc(u->console.ctx, (char)val);
            u->thri_pending = true;
        }
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = val;
        } else {
            /* Enabling THRI with THR empty raises that interrupt condition. */
            if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
                u->thri_pending = true;
            u->ier = val & UART_IER_MASK;
        }
        break;
    case UART_FCR:
        u->fifo_enabled = val & UART_FCR_ENABLE;
        if (val & 0x02)
            u->rx_count = 0;
        break;
    case UART_LCR:
        u->lcr = val;
        break;
    case UART_MCR:
        u->mcr = val & UART_MCR_MASK;
        break;
    case UART_LSR:
    case UART_MSR:
        break;                          /* read-only */
    default:
        u->scr = val;
        break;
    }
}

bool uart_poll(struct uart *u)
{
    poll_console(u);
    update_irq(u);
    return (u->ier & UART_IER_RDI) != 0;
}

static uint32_t uart_io_read(void *ctx, uint16_t port, unsigned size)
{
    struct uart *u = ctx;
    /* Wider accesses read consecutive registers, as the ISA bus splits them. */
    uint32_t val = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (port + i - UART_COM1_BASE) & 7;
        val |= (uint32_t)read_reg(u, reg) << (8 * i);
    }
    update_irq(u);
    return val;
}

static void uart_io_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                          struct dev_reply *reply)
{
    struct uart *u = ctx;
    (void)reply;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (port + i - UART_COM1_BASE) & 7;
        write_reg(u, reg, (uint8_t)(val >> (8 * i)));
    }
    update_irq(u);
}

const struct io_ops uart_io = { .read = uart_io_read, .write = uart_io_write };
