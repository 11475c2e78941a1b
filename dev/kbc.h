/* SPDX-License-Identifier: BSD-2-Clause */
/* The parts of an 8042 keyboard controller a guest uses without a keyboard:
 * an idle status register and the CPU reset line (command 0xFE, or output
 * port bit 0 cleared through command 0xD1). */
#ifndef KEEL_DEV_KBC_H
#define KEEL_DEV_KBC_H

#include <stdbool.h>
#include <stdint.h>

#define KBC_DATA   0x60
#define KBC_STATUS 0x64     /* read: status; write: command */

struct kbc {
    uint8_t pending_command;    /* command waiting for its data byte */
};

uint8_t kbc_io_read(struct kbc *k, uint16_t port);
/* Returns true when the write resets the CPU. */
bool kbc_io_write(struct kbc *k, uint16_t port, uint8_t val);

#endif
