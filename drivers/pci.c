/* SPDX-License-Identifier: BSD-2-Clause */
/* Host PCI configuration access through mechanism #1: lookups by ID, memory
 * BAR decoding and sizing, COMMAND enables. Any CPU; boot-time use. */
#include <string.h>
#include "hw/pci.h"
#include "drivers/pci.h"
#include "lib/print.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/x86.h"

/* CONFIG_ADDRESS is one latch for the whole machine: the address write and
 * the data access that follows must not interleave with another CPU's. */
static struct spinlock config_lock;

uint32_t host_pci_read32(const struct host_pci_io *io, struct host_pci_fn f, uint8_t reg)
{
    spin_lock(&config_lock);
    io->outl(io->ctx, PCI_CONFIG_ADDRESS, pci_config_address(f.bus, f.dev, f.fn, reg));
    uint32_t v = io->inl(io->ctx, PCI_CONFIG_DATA);
    spin_unlock(&config_lock);
    return v;
}

void host_pci_write32(const struct host_pci_io *io, struct host_pci_fn f, uint8_t reg, uint32_t v)
{
    spin_lock(&config_lock);
    io->outl(io->ctx, PCI_CONFIG_ADDRESS, pci_config_address(f.bus, f.dev, f.fn, reg));
    io->outl(io->ctx, PCI_CONFIG_DATA, v);
    spin_unlock(&config_lock);
}

/* ---- lookup -------------------------------------------------------------- */

static uint8_t header_type(const struct host_pci_io *io, struct host_pci_fn f)
{
    return (uint8_t)(host_pci_read32(io, f, PCI_HEADER_TYPE) >> (8 * (PCI_HEADER_TYPE & 3)));
}

static bool present(uint32_t id)
{
    /* An absent function master-aborts and reads all-ones (PCI 3.0, 6.2.1). */
    return (id & 0xffff) != PCI_VENDOR_NONE;
}

int host_pci_find(const struct host_pci_io *io, uint16_t vendor, uint16_t device,
                  struct host_pci_fn *out)
{
    uint32_t want = (uint32_t)device << 16 | vendor;
    for (unsigned bus = 0; bus < PCI_BUSES; bus++) {
        for (unsigned dev = 0; dev < PCI_DEVICES_PER_BUS; dev++) {
            struct host_pci_fn f = { (uint8_t)bus, (uint8_t)dev, 0 };
            uint32_t id = host_pci_read32(io, f, PCI_VENDOR_ID);
            if (!present(id))
                continue;
            /* Functions 1-7 exist only on a multi-function device; a
             * single-function device may not decode the function number
             * at all and would answer there too. */
            bool multi = header_type(io, f) & PCI_HEADER_MULTI_FUNCTION;
            unsigned fns = multi ? PCI_FUNCTIONS_PER_DEVICE : 1;
            for (unsigned fn = 0; fn < fns; fn++) {
                f.fn = (uint8_t)fn;
                if (fn)
                    id = host_pci_read32(io, f, PCI_VENDOR_ID);
                if (present(id) && id == want) {
                    *out = f;
                    return 0;
                }
            }
        }
    }
    return -1;
}

/* ---- BARs ---------------------------------------------------------------- */

static uint16_t read_command(const struct host_pci_io *io, struct host_pci_fn f)
{
    return (uint16_t)host_pci_read32(io, f, PCI_COMMAND);
}

/* COMMAND shares its dword with STATUS, whose error bits are write-one-to-
 * clear (PCI 3.0, 6.2.3): write zeros there so that none is cleared. */
static void write_command(const struct host_pci_io *io, struct host_pci_fn f, uint16_t cmd)
{
    host_pci_write32(io, f, PCI_COMMAND, cmd);
}

int host_pci_mem_bar(const struct host_pci_io *io, struct host_pci_fn f, unsigned bar,
                     struct host_pci_bar *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));
    if (bar >= PCI_BARS) {
        snprintf(why, why_size, "no BAR%u in a type-0 header", bar);
        return -1;
    }
    uint8_t header = header_type(io, f);
    if ((header & PCI_HEADER_LAYOUT_MASK) != PCI_HEADER_LAYOUT_NORMAL) {
        snprintf(why, why_size, "header type 0x%x is not a type-0 device header", header);
        return -1;
    }
    uint8_t reg = (uint8_t)(PCI_BAR0 + 4 * bar);
    uint32_t lo = host_pci_read32(io, f, reg);
    if (lo & PCI_BAR_IO) {
        snprintf(why, why_size, "BAR%u is an I/O BAR (0x%x)", bar, lo);
        return -1;
    }
    bool is64 = (lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64;
    if ((lo & PCI_BAR_MEM_TYPE) != PCI_BAR_MEM_32 && !is64) {
        snprintf(why, why_size, "BAR%u has reserved memory type %u", bar, (lo & PCI_BAR_MEM_TYPE) >> 1);
        return -1;
    }
    if (is64 && bar + 1 >= PCI_BARS) {
        snprintf(why, why_size, "BAR%u claims 64 bits but is the last BAR", bar);
        return -1;
    }
    uint32_t hi = is64 ? host_pci_read32(io, f, (uint8_t)(reg + 4)) : 0;

    /* Size it: all-ones in, the address bits that stick out, old values
     * back. Memory decoding is off meanwhile so that the BAR, briefly at the
     * top of the address space, claims no one else's cycles. */
    uint16_t cmd = read_command(io, f);
    write_command(io, f, (uint16_t)(cmd & ~PCI_COMMAND_MEMORY));
    host_pci_write32(io, f, reg, 0xffffffffu);
    uint32_t mask_lo = host_pci_read32(io, f, reg);
    uint32_t mask_hi = 0xffffffffu;
    if (is64) {
        host_pci_write32(io, f, (uint8_t)(reg + 4), 0xffffffffu);
        mask_hi = host_pci_read32(io, f, (uint8_t)(reg + 4));
        host_pci_write32(io, f, (uint8_t)(reg + 4), hi);
    }
    host_pci_write32(io, f, reg, lo);
    write_command(io, f, cmd);

    uint64_t mask = (uint64_t)mask_hi << 32 | (mask_lo & PCI_BAR_MEM_MASK);
    if (!(mask_lo & PCI_BAR_MEM_MASK) && !(is64 && mask_hi)) {
        snprintf(why, why_size, "BAR%u is not implemented", bar);
        return -1;
    }
    uint64_t base = (uint64_t)hi << 32 | (lo & PCI_BAR_MEM_MASK);
    if (!base) {
        snprintf(why, why_size, "BAR%u is unassigned (0): the BIOS gave it no address", bar);
        return -1;
    }
    out->base = base;
    out->size = mask & -mask; /* the lowest writable address bit */
    out->is64 = is64;
    out->prefetchable = lo & PCI_BAR_MEM_PREFETCH;
    return 0;
}

void host_pci_enable_mem_master(const struct host_pci_io *io, struct host_pci_fn f)
{
    uint16_t cmd = read_command(io, f);
    write_command(io, f, (uint16_t)(cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
}

/* ---- Keel's own port I/O ------------------------------------------------- */

static uint32_t x86_inl(void *ctx, uint16_t port)
{
    (void)ctx;
    return inl(port);
}

static void x86_outl(void *ctx, uint16_t port, uint32_t v)
{
    (void)ctx;
    outl(port, v);
}

const struct host_pci_io host_pci_ports = { .inl = x86_inl, .outl = x86_outl };
