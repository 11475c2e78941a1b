/* SPDX-License-Identifier: BSD-2-Clause */
/* pci.h — PCI configuration mechanism 1 (address at 0xCF8, data at 0xCFC-0xCFF). */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include <stdint.h>
#include "cpu.h"

#define PCI_CONFIG_ADDR 0xCF8
#define PCI_CONFIG_DATA 0xCFC

static inline uint32_t pci_cfg_addr(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    return 0x80000000u | (bus & 0xFF) << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8 | (off & 0xFC);
}

static inline uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_CONFIG_ADDR, pci_cfg_addr(bus, dev, fn, off));
    return inl(PCI_CONFIG_DATA);
}

static inline uint16_t pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_CONFIG_ADDR, pci_cfg_addr(bus, dev, fn, off));
    return inw((uint16_t)(PCI_CONFIG_DATA + (off & 2)));
}

static inline void pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
    outl(PCI_CONFIG_ADDR, pci_cfg_addr(bus, dev, fn, off));
    outl(PCI_CONFIG_DATA, v);
}

static inline void pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint16_t v)
{
    outl(PCI_CONFIG_ADDR, pci_cfg_addr(bus, dev, fn, off));
    outw((uint16_t)(PCI_CONFIG_DATA + (off & 2)), v);
}

static inline uint8_t pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_CONFIG_ADDR, pci_cfg_addr(bus, dev, fn, off));
    return inb((uint16_t)(PCI_CONFIG_DATA + (off & 3)));
}

#endif
