/* SPDX-License-Identifier: BSD-2-Clause */
/* fwcfg.h — QEMU's fw_cfg legacy I/O interface: 16-bit selector at 0x510, byte-wide data
 * at 0x511 (each read returns the next byte of the selected item). */
#ifndef GUEST_FWCFG_H
#define GUEST_FWCFG_H

#include <stddef.h>
#include <stdint.h>
#include "cpu.h"

#define FW_CFG_PORT_SEL     0x510
#define FW_CFG_PORT_DATA    0x511

#define FW_CFG_SIGNATURE    0x00    /* "QEMU" */
#define FW_CFG_ID           0x01    /* feature bitmap */
#define FW_CFG_NB_CPUS      0x05    /* 16-bit LE */
#define FW_CFG_MAX_CPUS     0x0F

static inline void fw_cfg_read(uint16_t key, void *buf, size_t len)
{
    uint8_t *b = buf;
    outw(FW_CFG_PORT_SEL, key);
    for (size_t i = 0; i < len; i++)
        b[i] = inb(FW_CFG_PORT_DATA);
}

static inline uint16_t fw_cfg_read16(uint16_t key)
{
    uint8_t b[2];
    fw_cfg_read(key, b, 2);
    return (uint16_t)(b[0] | b[1] << 8);
}

#endif
