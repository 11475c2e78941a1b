/* SPDX-License-Identifier: BSD-2-Clause */
/* A simulated PCI configuration space behind mechanism #1 ports, for host
 * unit tests of drivers/pci.c and of drivers that need their device's
 * COMMAND bits (tests/unit/test_pci.c, test_e1000.c). */
#ifndef KEEL_TESTS_FAKE_PCI_H
#define KEEL_TESTS_FAKE_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "drivers/pci.h"

#define FAKE_PCI_MAX_FNS 16

/* One function: config bytes, which bits software may write, and which are
 * write-one-to-clear (STATUS error bits). */
struct fake_pci_fn {
    uint8_t bus, dev, fn;
    bool ignores_fn; /* answers at every function number of its device */
    uint8_t cfg[256];
    uint8_t wmask[256];
    uint8_t w1c[256];
    bool sized_while_decoding; /* a BAR got all-ones while COMMAND.MEMORY was on */
};

/* Ports 0xcf8/0xcfc as the driver's struct host_pci_io sees them. */
extern const struct host_pci_io fake_pci_io;
extern unsigned long fake_pci_reads, fake_pci_writes; /* CONFIG_DATA accesses */

void fake_pci_reset(void);
/* A type-0 function with these IDs, COMMAND's IO/MEMORY/MASTER writable. */
struct fake_pci_fn *fake_pci_add(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor,
                                 uint16_t device);
/* A dword of config space and which of its bits are writable. */
void fake_pci_set32(struct fake_pci_fn *f, unsigned off, uint32_t val, uint32_t wmask);
uint32_t fake_pci_get32(const struct fake_pci_fn *f, unsigned off);
uint16_t fake_pci_command(const struct fake_pci_fn *f);

#endif
