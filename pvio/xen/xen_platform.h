/* SPDX-License-Identifier: BSD-2-Clause */
/* The Xen platform PCI device (5853:0001) that stock Linux's platform-pci
 * driver binds, and the emulated-device unplug protocol on ports 0x10-0x1F
 * (Xen docs/misc/hvm-emulated-unplug.pandoc; QEMU hw/i386/xen/xen_platform.c).
 * Pure config-space and port model; vCPU's CPU, under the VM's lock. */
#ifndef KEEL_PVIO_XEN_PLATFORM_H
#define KEEL_PVIO_XEN_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/pci_host.h"

#define XEN_PLATFORM_SLOT       3               /* 00:03.0, INTA */
#define XEN_PLATFORM_IO_BAR     0xc000u         /* BAR0: 256 ports (only assigned, never used) */
#define XEN_PLATFORM_IO_SIZE    0x100u
#define XEN_PLATFORM_MMIO_BAR   0xf1000000u     /* BAR1: 16 MiB, grant frames at its start */
#define XEN_PLATFORM_MMIO_SIZE  0x1000000u
#define XEN_PLATFORM_GRANT_BAR  1               /* the BAR that carries the grant frames */

#define XEN_UNPLUG_PORT_FIRST   0x10
#define XEN_UNPLUG_PORT_LAST    0x1f

/* Unplug mask bits (what the guest asks Keel to remove). */
#define XEN_UNPLUG_IDE_DISKS    (1u << 0)
#define XEN_UNPLUG_NICS         (1u << 1)
#define XEN_UNPLUG_AUX_IDE      (1u << 2)
#define XEN_UNPLUG_NVME         (1u << 3)

struct xen_platform_dev {
    struct pci_function *pci;
    uint16_t unplugged;         /* union of the masks the guest wrote */
    uint16_t product;           /* 3 = Linux */
    uint32_t build;
};

/* Add the device to bus 0 of `host`, its BARs assigned and decoding (as
 * firmware leaves them). 0, or -1 when the bus is full. */
int xen_platform_init(struct xen_platform_dev *d, struct pci_host *host);
uint32_t xen_unplug_read(struct xen_platform_dev *d, uint16_t port, unsigned size);
void xen_unplug_write(struct xen_platform_dev *d, uint16_t port, unsigned size, uint32_t val);

#endif
