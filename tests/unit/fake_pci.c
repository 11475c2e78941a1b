/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulated PCI configuration space for host unit tests (see fake_pci.h). */
#include <string.h>
#include "hw/pci.h"
#include "tests/unit/fake_pci.h"

static struct fake_pci_fn fns[FAKE_PCI_MAX_FNS];
static unsigned nr_fns;
static uint32_t address;
unsigned long fake_pci_reads, fake_pci_writes;

void fake_pci_reset(void)
{
    memset(fns, 0, sizeof(fns));
    nr_fns = 0;
    address = 0;
    fake_pci_reads = fake_pci_writes = 0;
}

void fake_pci_set32(struct fake_pci_fn *f, unsigned off, uint32_t val, uint32_t wmask)
{
    for (unsigned i = 0; i < 4; i++) {
        f->cfg[off + i] = (uint8_t)(val >> (8 * i));
        f->wmask[off + i] = (uint8_t)(wmask >> (8 * i));
    }
}

uint32_t fake_pci_get32(const struct fake_pci_fn *f, unsigned off)
{
    return (uint32_t)f->cfg[off] | (uint32_t)f->cfg[off + 1] << 8 |
           (uint32_t)f->cfg[off + 2] << 16 | (uint32_t)f->cfg[off + 3] << 24;
}

uint16_t fake_pci_command(const struct fake_pci_fn *f)
{
    return (uint16_t)(f->cfg[PCI_COMMAND] | f->cfg[PCI_COMMAND + 1] << 8);
}

struct fake_pci_fn *fake_pci_add(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device)
{
    if (nr_fns >= FAKE_PCI_MAX_FNS)
        return NULL;
    struct fake_pci_fn *f = &fns[nr_fns++];
    memset(f, 0, sizeof(*f));
    f->bus = bus;
    f->dev = dev;
    f->fn = fn;
    fake_pci_set32(f, PCI_VENDOR_ID, (uint32_t)device << 16 | vendor, 0);
    fake_pci_set32(f, PCI_COMMAND, 0,
                   PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    f->w1c[PCI_STATUS + 1] = 0xf9; /* STATUS 15:11 and 8: error bits */
    return f;
}

static struct fake_pci_fn *selected(void)
{
    if (!(address & PCI_CONFIG_ENABLE))
        return NULL;
    unsigned bus = (address >> 16) & 0xff, dev = (address >> 11) & 0x1f, fn = (address >> 8) & 7;
    for (unsigned i = 0; i < nr_fns; i++) {
        struct fake_pci_fn *f = &fns[i];
        if (f->bus == bus && f->dev == dev && (f->fn == fn || f->ignores_fn))
            return f;
    }
    return NULL;
}

static uint32_t fake_inl(void *ctx, uint16_t port)
{
    (void)ctx;
    if (port == PCI_CONFIG_ADDRESS)
        return address;
    if (port != PCI_CONFIG_DATA)
        return 0xffffffffu;
    fake_pci_reads++;
    struct fake_pci_fn *f = selected();
    return f ? fake_pci_get32(f, address & 0xfc) : 0xffffffffu;
}

static void fake_outl(void *ctx, uint16_t port, uint32_t v)
{
    (void)ctx;
    if (port == PCI_CONFIG_ADDRESS) {
        address = v & 0x80fffffcu;
        return;
    }
    if (port != PCI_CONFIG_DATA)
        return;
    fake_pci_writes++;
    struct fake_pci_fn *f = selected();
    if (!f)
        return;
    unsigned off = address & 0xfc;
    bool decoding = fake_pci_command(f) & PCI_COMMAND_MEMORY;
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_BARS && v == 0xffffffffu && decoding)
        f->sized_while_decoding = true;
    for (unsigned i = 0; i < 4; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i)), m = f->wmask[off + i], c = f->w1c[off + i];
        uint8_t old = f->cfg[off + i];
        f->cfg[off + i] = (uint8_t)(((old & ~m) | (b & m)) & ~(b & c));
    }
}

const struct host_pci_io fake_pci_io = { .inl = fake_inl, .outl = fake_outl };
