/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration mechanism #1 and bus-0 config spaces (vCPU's CPU, at I/O
 * exits; pure). Header layout: PCI Local Bus Specification 3.0, 6.1. */
#include <string.h>
#include "dev/pci_host.h"

#define ADDR_ENABLE     (1u << 31)
#define ADDR_BUS(a)     (((a) >> 16) & 0xff)
#define ADDR_DEVFN(a)   (((a) >> 8) & 0xff)
#define ADDR_REG(a)     ((a) & 0xfc)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

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

static struct pci_function *lookup(struct pci_host *h)
{
    if (!(h->address & ADDR_ENABLE) || ADDR_BUS(h->address) != 0)
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
}
