/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration mechanism #1 and bus-0 config spaces (vCPU's CPU, at I/O
 * exits; pure). Header layout: PCI Local Bus Specification 3.0, 6.1. */
#include <string.h>
#include "dev/pci_host.h"

#define ADDR_BUS(a)     (((a) >> 16) & 0xff)
#define ADDR_DEVFN(a)   (((a) >> 8) & 0xff)
#define ADDR_REG(a)     ((a) & 0xfc)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void pci_host_init(struct pci_host *h)
{
    memset(h, 0, sizeof(*h));
    struct pci_function *f = &h->function[h->nr_functions++];
    f->devfn = 0;
    put16(&f->config[0x00], 0x8086);    /* Intel */
    put16(&f->config[0x02], 0x1237);    /* 82441FX PMC (i440FX) */
    put16(&f->config[0x06], 0x0000);    /* status */
    f->config[0x08] = 0x02;             /* revision */
    f->config[0x0b] = 0x06;             /* class: bridge */
    f->config[0x0a] = 0x00;             /* subclass: host bridge */
    f->writable[0x04] = 0x06;           /* command: memory and bus-master enable */
}

struct pci_function *pci_host_add_function(struct pci_host *h, uint8_t devfn)
{
    if (h->nr_functions >= PCI_MAX_FUNCTIONS)
        return NULL;
    for (unsigned i = 0; i < h->nr_functions; i++)
        if (h->function[i].devfn == devfn)
            return NULL;
    struct pci_function *f = &h->function[h->nr_functions++];
    memset(f, 0, sizeof(*f));
    f->devfn = devfn;
    return f;
}

/* --- BARs ------------------------------------------------------------------------------ */

static bool bar_is_64(const struct pci_function *f, unsigned bar)
{
    uint32_t reg = get32(&f->config[PCI_BAR0 + 4 * bar]);
    return !(reg & PCI_BAR_IO) && (reg & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64 && bar + 1 < PCI_BARS;
}

/* The upper register of a 64-bit BAR below it. */
static bool bar_is_upper_half(const struct pci_function *f, unsigned bar)
{
    return bar > 0 && bar_is_64(f, bar - 1);
}

uint64_t pci_bar_decoded(const struct pci_function *f, unsigned bar)
{
    if (bar >= PCI_BARS || bar_is_upper_half(f, bar))
        return PCI_BAR_NONE;
    unsigned off = PCI_BAR0 + 4 * bar;
    uint64_t val = get32(&f->config[off]), mask = get32(&f->writable[off]);
    uint64_t all = mask;    /* the sizing pattern: every writable bit set, in either half */
    bool sizing = mask && (val & mask) == mask;
    if (bar_is_64(f, bar)) {
        uint64_t hi = get32(&f->config[off + 4]), hi_mask = get32(&f->writable[off + 4]);
        sizing |= hi_mask && (hi & hi_mask) == hi_mask;
        val |= hi << 32;
        all |= hi_mask << 32;
    }
    uint32_t decode = (val & PCI_BAR_IO) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    uint64_t base = val & all;
    if (!all || !(f->config[PCI_COMMAND] & decode) || !base || sizing)
        return PCI_BAR_NONE;
    return base;
}

static void report_bars(struct pci_function *f)
{
    for (unsigned i = 0; f->bar_moved && i < PCI_BARS; i++) {
        uint64_t now = pci_bar_decoded(f, i), was = f->bar_base[i];
        if (now == was)
            continue;
        f->bar_base[i] = now;
        f->bar_moved(f->bar_ctx, i, was, now);
    }
}

void pci_function_watch_bars(struct pci_function *f, pci_bar_moved_fn moved, void *ctx)
{
    f->bar_moved = moved;
    f->bar_ctx = ctx;
    for (unsigned i = 0; i < PCI_BARS; i++)
        f->bar_base[i] = PCI_BAR_NONE;
    report_bars(f);
}

/* --- configuration mechanism #1 -------------------------------------------------------- */

static bool overlaps(unsigned off, unsigned size, unsigned first, unsigned len)
{
    return off < first + len && first < off + size;
}

static struct pci_function *lookup(struct pci_host *h)
{
    if (!(h->address & PCI_CONFIG_ENABLE) || ADDR_BUS(h->address) != 0)
        return NULL;
    for (unsigned i = 0; i < h->nr_functions; i++)
        if (h->function[i].devfn == ADDR_DEVFN(h->address))
            return &h->function[i];
    return NULL;
}

uint32_t pci_host_io_read(struct pci_host *h, uint16_t port, unsigned size)
{
    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return h->address;
    if (port < PCI_CONFIG_DATA)
        return 0xffffffffu;             /* byte/word reads of the address port */
    unsigned off = ADDR_REG(h->address) + (port - PCI_CONFIG_DATA);
    struct pci_function *f = lookup(h);
    uint32_t val = 0;
    for (unsigned i = 0; i < size; i++)
        val |= (uint32_t)(f && off + i < 256 ? f->config[off + i] : 0xff) << (8 * i);
    return val;
}

void pci_host_io_write(struct pci_host *h, uint16_t port, unsigned size, uint32_t val)
{
    if (port == PCI_CONFIG_ADDRESS && size == 4) {
        h->address = val & 0x80fffffcu;
        return;
    }
    if (port < PCI_CONFIG_DATA)
        return;
    unsigned off = ADDR_REG(h->address) + (port - PCI_CONFIG_DATA);
    struct pci_function *f = lookup(h);
    for (unsigned i = 0; f && i < size && off + i < 256; i++) {
        uint8_t m = f->writable[off + i];
        f->config[off + i] = (uint8_t)((f->config[off + i] & ~m) | ((uint8_t)(val >> (8 * i)) & m));
    }
    /* The command register or a BAR: where the BARs decode may have changed. */
    if (f && f->bar_moved && (overlaps(off, size, PCI_COMMAND, 2) ||
                              overlaps(off, size, PCI_BAR0, 4 * PCI_BARS)))
        report_bars(f);
}
