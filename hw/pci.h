/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space facts: mechanism #1 ports, the type-0 header, COMMAND and BAR bits. */
#ifndef KEEL_HW_PCI_H
#define KEEL_HW_PCI_H

#include <stdint.h>

/* Source: PCI Local Bus Specification, Revision 3.0 (PCI-SIG, 2004):
 * 3.2.2.3.2 "Software Generation of Configuration Transactions" (mechanism
 * #1), 6.1 "Configuration Space Organization" (the type-0 header), 6.2.1
 * "Device Identification", 6.2.2 "Device Control" (COMMAND), 6.2.5.1
 * "Address Maps" (BARs and how to size them). Used by the host's own PCI
 * access (drivers/pci.c) and by the guests' emulated host bridge
 * (dev/pci_host.c). */

/* Configuration mechanism #1 (3.2.2.3.2): a dword write to CONFIG_ADDRESS
 * selects bus/device/function/register, then CONFIG_DATA (and its three
 * byte lanes 0xcfd-0xcff) reads or writes that dword. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  (1u << 31) /* else the access is not a config cycle */

/* CONFIG_ADDRESS for a dword: bus 23:16, device 15:11, function 10:8,
 * register 7:2. */
static inline uint32_t pci_config_address(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return PCI_CONFIG_ENABLE | (bus & 0xff) << 16 | (dev & 0x1f) << 11 | (fn & 7) << 8 | (reg & 0xfc);
}

#define PCI_BUSES                256
#define PCI_DEVICES_PER_BUS      32
#define PCI_FUNCTIONS_PER_DEVICE 8

/* Type-0 header, byte offsets (6.1, figure 6-1). */
#define PCI_VENDOR_ID           0x00 /* 16 bits; 0xffff: no function here (6.2.1) */
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04 /* 16 bits (6.2.2) */
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_SUBCLASS      0x0a
#define PCI_CLASS_BASE          0x0b
#define PCI_HEADER_TYPE         0x0e /* byte (6.2.1) */
#define PCI_BAR0                0x10 /* six BAR registers from here (6.2.5.1) */
#define PCI_BARS                6
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_VENDOR_NONE         0xffff /* what a read of an absent function returns */

/* Header Type (6.2.1): bits 6:0 the layout, bit 7 a multi-function device
 * (only then do functions 1-7 exist). */
#define PCI_HEADER_LAYOUT_MASK    0x7f
#define PCI_HEADER_LAYOUT_NORMAL  0x00 /* type 0: six BARs */
#define PCI_HEADER_LAYOUT_BRIDGE  0x01 /* PCI-to-PCI bridge: two BARs */
#define PCI_HEADER_MULTI_FUNCTION 0x80

/* Command register bits (6.2.2). */
#define PCI_COMMAND_IO           (1u << 0) /* I/O BARs decode */
#define PCI_COMMAND_MEMORY       (1u << 1) /* memory BARs decode */
#define PCI_COMMAND_MASTER       (1u << 2) /* the function may master the bus (DMA) */
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

/* Base Address Registers (6.2.5.1). Bit 0 says I/O (1) or memory (0). A
 * memory BAR's bits 2:1 give its type, 00 for 32-bit and 10 for 64-bit (the
 * next register then holds the upper half); bit 3 says prefetchable. A BAR
 * is sized by writing all-ones and reading back which address bits stuck. */
#define PCI_BAR_IO           (1u << 0)
#define PCI_BAR_MEM_TYPE     (3u << 1)
#define PCI_BAR_MEM_32       (0u << 1)
#define PCI_BAR_MEM_64       (2u << 1)
#define PCI_BAR_MEM_PREFETCH (1u << 3)
#define PCI_BAR_MEM_MASK     0xfffffff0u /* address bits of a memory BAR */
#define PCI_BAR_IO_MASK      0xfffffffcu /* address bits of an I/O BAR */

#endif
