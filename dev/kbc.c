/* SPDX-License-Identifier: BSD-2-Clause */
/* 8042 reset line (vCPU's CPU, at I/O exits; pure). No keyboard is attached:
 * the output buffer stays empty, the input buffer is always ready. */
#include "dev/kbc.h"

#define STATUS_SYSTEM_FLAG  0x04    /* POST passed */
#define STATUS_UNLOCKED     0x10
#define CMD_WRITE_OUTPUT    0xd1
#define CMD_PULSE_FIRST     0xf0    /* 0xF0-0xFF pulse output bits 3:0 low */
#define OUTPUT_RESET_HIGH   0x01    /* bit 0 low holds the CPU in reset */

uint8_t kbc_io_read(struct kbc *k, uint16_t port)
{
    (void)k;
    return port == KBC_STATUS ? (STATUS_SYSTEM_FLAG | STATUS_UNLOCKED) : 0;
}

bool kbc_io_write(struct kbc *k, uint16_t port, uint8_t val)
{
    if (port == KBC_STATUS) {
        k->pending_command = val == CMD_WRITE_OUTPUT ? val : 0;
        return (val & 0xf0) == CMD_PULSE_FIRST && !(val & 0x01);   /* 0xFE pulses reset */
    }
    if (k->pending_command == CMD_WRITE_OUTPUT) {
        k->pending_command = 0;
        return !(val & OUTPUT_RESET_HIGH);
    }
    return false;
}
