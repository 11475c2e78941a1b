/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI host bridge with configuration mechanism #1 (ports 0xCF8/0xCFC-0xCFF)
 * and bus 0 (PCI Local Bus Specification 3.0, 3.2.2.3.2). Functions are
 * registered with their own config-space handlers; absent ones read all-ones. */
#ifndef KEEL_DEV_PCI_HOST_H
#define KEEL_DEV_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/pci.h"

#define PCI_MAX_FUNCTIONS  8

#define PCI_BAR_NONE        UINT64_MAX  /* a BAR that decodes nothing */

/* Where one of a function's BARs decodes changed: the guest wrote the BAR
 * or the command register. from and to are base addresses, or PCI_BAR_NONE
 * (not decoded before, or not any more); the owner moves its ranges. */
typedef void (*pci_bar_moved_fn)(void *ctx, unsigned bar, uint64_t from, uint64_t to);

/* One function on bus 0: a 256-byte config space with a write mask. A BAR
 * is implemented when its register has writable bits (their lowest one is
 * its size); its read-only low bits say I/O (bit 0) or memory, and for
 * memory 32- or 64-bit (bits 2:1 = 10: the next register holds the upper
 * half and is not a BAR itself). */
struct pci_function {
    uint8_t devfn;              /* device << 3 | function */
    uint8_t config[256];
    uint8_t writable[256];      /* bits software may change */
    pci_bar_moved_fn bar_moved; /* or NULL: pci_function_watch_bars */
    void *bar_ctx;
    uint64_t bar_base[PCI_BARS];    /* where each BAR decoded at the last report */
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
/* Where BAR `bar` of f decodes now: its base, or PCI_BAR_NONE when it is
 * not implemented, its space's decode bit in the command register is off
 * (PCI 3.0, 6.2.2), it holds 0, or it holds its sizing pattern (every
 * address bit set, as software leaves it between writing all-ones and
 * restoring it, PCI 3.0, 6.2.5.1; that range would end at the top of the
 * address space). */
uint64_t pci_bar_decoded(const struct pci_function *f, unsigned bar);
/* Call moved for every change of where f's BARs decode from now on; BARs
 * that decode already are reported at once (from PCI_BAR_NONE). NULL stops
 * the reports. */
void pci_function_watch_bars(struct pci_function *f, pci_bar_moved_fn moved, void *ctx);
uint32_t pci_host_io_read(struct pci_host *h, uint16_t port, unsigned size);
void pci_host_io_write(struct pci_host *h, uint16_t port, unsigned size, uint32_t val);

#endif
