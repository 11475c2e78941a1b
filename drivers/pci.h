/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's own PCI configuration space: find a function, decode a memory BAR, enable it. */
#ifndef KEEL_DRIVERS_PCI_H
#define KEEL_DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How configuration space is reached: dword port I/O at 0xcf8/0xcfc.
 * Keel's own (host_pci_ports) uses in/out instructions; a host unit test
 * attaches a simulated bus. */
struct host_pci_io {
    uint32_t (*inl)(void *ctx, uint16_t port);
    void (*outl)(void *ctx, uint16_t port, uint32_t v);
    void *ctx;
};

extern const struct host_pci_io host_pci_ports;

/* Where a function sits. */
struct host_pci_fn {
    uint8_t bus, dev, fn;
};

/* A memory BAR as decoded (and sized) by host_pci_mem_bar. */
struct host_pci_bar {
    uint64_t base; /* bus address, as the BIOS assigned it */
    uint64_t size; /* bytes it decodes, a power of two */
    bool is64;     /* it took two BAR registers */
    bool prefetchable;
};

/* One configuration dword; reg is rounded down to a multiple of 4. An
 * absent function reads all-ones. The address/data pair is one critical
 * section, so CPUs may call these at once. */
uint32_t host_pci_read32(const struct host_pci_io *io, struct host_pci_fn f, uint8_t reg);
void host_pci_write32(const struct host_pci_io *io, struct host_pci_fn f, uint8_t reg, uint32_t v);

/* The first function (in bus, device, function order) with this vendor and
 * device ID: every bus 0-255 and device 0-31 is probed at function 0, and
 * functions 1-7 only where function 0's header says multi-function. 0 and
 * *out, or -1 when none answers. */
int host_pci_find(const struct host_pci_io *io, uint16_t vendor, uint16_t device,
                  struct host_pci_fn *out);

/* BAR `bar` (0-5) of a type-0 function as a memory BAR: base, size and type.
 * Sizing writes all-ones to the BAR with memory decoding briefly off (PCI
 * 3.0, 6.2.5.1) and restores both. Refuses, with a reason in why: a header
 * that is not type 0, an I/O BAR, a BAR that decodes nothing (reads back 0
 * when sized), a 64-bit BAR in the last register, and a BAR the BIOS left
 * unassigned (base 0). */
int host_pci_mem_bar(const struct host_pci_io *io, struct host_pci_fn f, unsigned bar,
                     struct host_pci_bar *out, char *why, size_t why_size);

/* Set Memory Space and Bus Master in COMMAND (a device that DMAs needs
 * both; QEMU's e1000 refuses to receive without Bus Master); other bits
 * are kept. */
void host_pci_enable_mem_master(const struct host_pci_io *io, struct host_pci_fn f);

#endif
