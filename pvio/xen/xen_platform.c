/* SPDX-License-Identifier: BSD-2-Clause */
/* Xen platform PCI device and the port-0x10 unplug protocol (pure; vCPU's
 * CPU under the VM's lock). Keel emulates no IDE disk or NIC, so an unplug
 * request only needs recording: the guest's PV drivers are then allowed to
 * bind (Linux arch/x86/xen/platform-pci-unplug.c checks the magic first). */
#include <string.h>
#include "pvio/xen/xen_platform.h"

#define XEN_PCI_VENDOR          0x5853
#define XEN_PCI_DEVICE          0x0001
#define XEN_PCI_CLASS           0xff    /* unassigned class */
#define XEN_PCI_SUBCLASS        0x80
#define XEN_PCI_REVISION        1

#define UNPLUG_MAGIC            0x49d2  /* inw(0x10): the protocol is there */
#define UNPLUG_PROTOCOL_VERSION 1       /* inb(0x12) */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

int xen_platform_init(struct xen_platform_dev *d, struct pci_host *host)
{
    memset(d, 0, sizeof(*d));
    struct pci_function *f = pci_host_add_function(host, XEN_PLATFORM_SLOT << 3);
    if (!f)
        return -1;
    put16(&f->config[0x00], XEN_PCI_VENDOR);
    put16(&f->config[0x02], XEN_PCI_DEVICE);
    f->config[0x08] = XEN_PCI_REVISION;
    f->config[0x0a] = XEN_PCI_SUBCLASS;
    f->config[0x0b] = XEN_PCI_CLASS;
    f->writable[PCI_COMMAND] = 0x07;            /* command: I/O, memory, bus master */
    f->config[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;  /* firmware enabled them */
    /* BARs as firmware assigned them; the writable bits give their sizes
     * (PCI 3.0, 6.2.5.1: software writes all-ones and reads the size back). */
    put32(&f->config[0x10], XEN_PLATFORM_IO_BAR | 0x1);
    put32(&f->writable[0x10], ~(XEN_PLATFORM_IO_SIZE - 1) & 0xfffcu);
    put32(&f->config[0x14], XEN_PLATFORM_MMIO_BAR | 0x8);      /* 32-bit, prefetchable */
    put32(&f->writable[0x14], ~(XEN_PLATFORM_MMIO_SIZE - 1));
    put16(&f->config[0x2c], XEN_PCI_VENDOR);    /* subsystem */
    put16(&f->config[0x2e], XEN_PCI_DEVICE);
    f->config[0x3d] = 1;                        /* INTA */
    f->writable[0x3c] = 0xff;                   /* interrupt line: scratch for the OS */
    d->pci = f;
    return 0;
}

uint32_t xen_unplug_read(struct xen_platform_dev *d, uint16_t port, unsigned size)
{
    (void)d;
    if (port == 0x10 && size == 2)
        return UNPLUG_MAGIC;
    if (port == 0x12 && size == 1)
        return UNPLUG_PROTOCOL_VERSION;
    return 0xffffffffu;
}

void xen_unplug_write(struct xen_platform_dev *d, uint16_t port, unsigned size, uint32_t val)
{
    if (port == 0x10 && size == 2)
        d->unplugged |= (uint16_t)val;
    else if (port == 0x10 && size == 4)
        d->build = val;
    else if (port == 0x12 && size == 2)
        d->product = (uint16_t)val;
    /* outb(0x12) is the guest's log channel: dropped. */
}
