/* SPDX-License-Identifier: BSD-2-Clause */
/* QEMU's fw_cfg interface, legacy I/O form (selector 0x510, data 0x511):
 * the keys a guest uses to learn it runs on a QEMU-compatible platform, its
 * CPU count and RAM size (QEMU docs/specs/fw_cfg.rst). */
#ifndef KEEL_DEV_FW_CFG_H
#define KEEL_DEV_FW_CFG_H

#include <stdint.h>

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511

struct fw_cfg {
    uint16_t selector;
    uint32_t offset;
    uint16_t nr_cpus;
    uint64_t ram_size;
};

void fw_cfg_init(struct fw_cfg *f, uint16_t nr_cpus, uint64_t ram_size);
uint32_t fw_cfg_io_read(struct fw_cfg *f, uint16_t port, unsigned size);
void fw_cfg_io_write(struct fw_cfg *f, uint16_t port, unsigned size, uint32_t val);

#endif
