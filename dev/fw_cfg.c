/* SPDX-License-Identifier: BSD-2-Clause */
/* fw_cfg items (vCPU's CPU, at I/O exits; pure). Unknown keys read as zeros,
 * as QEMU's do; reads past an item's end read zero. */
#include "dev/fw_cfg.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID        0x01
#define FW_CFG_RAM_SIZE  0x03
#define FW_CFG_NB_CPUS   0x05
#define FW_CFG_MAX_CPUS  0x0f
#define FW_CFG_ID_TRADITIONAL 1u

void fw_cfg_init(struct fw_cfg *f, uint16_t nr_cpus, uint64_t ram_size)
{
    *f = (struct fw_cfg){ .nr_cpus = nr_cpus, .ram_size = ram_size };
}

/* Byte `off` of the selected item, little-endian. */
static uint8_t item_byte(const struct fw_cfg *f, uint32_t off)
{
    uint64_t v;
    unsigned len;
    switch (f->selector) {
    case FW_CFG_SIGNATURE: v = 0x554d4551; len = 4; break;     /* "QEMU" */
    case FW_CFG_ID:        v = FW_CFG_ID_TRADITIONAL; len = 4; break;
    case FW_CFG_RAM_SIZE:  v = f->ram_size; len = 8; break;
    case FW_CFG_NB_CPUS:
    case FW_CFG_MAX_CPUS:  v = f->nr_cpus; len = 2; break;
    default:               return 0;
    }
    return off < len ? (uint8_t)(v >> (8 * off)) : 0;
}

uint32_t fw_cfg_io_read(struct fw_cfg *f, uint16_t port, unsigned size)
{
    if (port != FW_CFG_PORT_DATA)
        return 0xffffffffu;
    uint32_t val = 0;
    for (unsigned i = 0; i < size; i++)     /* each byte read advances the offset */
        val |= (uint32_t)item_byte(f, f->offset++) << (8 * i);
    return val;
}

void fw_cfg_io_write(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t val)
{
    if (port == FW_CFG_PORT_SEL && size >= 2) {
        f->selector = (uint16_t)val;
        f->offset = 0;
    }
}
