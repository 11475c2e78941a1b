/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI host bridge with configuration mechanism #1 (ports 0xCF8/0xCFC-0xCFF)
 * and bus 0 (PCI Local Bus Specification 3.0, 3.2.2.3.2). Functions are
 * registered with their own config-space handlers; absent ones read all-ones. */
#ifndef KEEL_DEV_PCI_HOST_H
#define KEEL_DEV_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_MAX_FUNCTIONS  8

/* One function on bus 0: a 256-byte config space with a write mask. */
struct pci_function {
    uint8_t devfn;              /* device << 3 | function */
    uint8_t config[256];
    uint8_t writable[256];      /* bits software may change */
};

struct pci_host {
    uint32_t address;           /* CONFIG_ADDRESS as last written */
    unsigned nr_functions;
    struct pci_function function[PCI_MAX_FUNCTIONS];
};

/* An i440FX-compatible host bridge at 00:00.0, as QEMU's pc machine has. */
void pci_host_init(struct pci_host *h);
/* A new, all-zero function at devfn on bus 0 (its owner fills the header),
 * or NULL when the bus is full or devfn taken. */
struct pci_function *pci_host_add_function(struct pci_host *h, uint8_t devfn);
uint32_t pci_host_io_read(struct pci_host *h, uint16_t port, unsigned size);
void pci_host_io_write(struct pci_host *h, uint16_t port, unsigned size, uint32_t val);

#endif
