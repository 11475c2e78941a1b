/* SPDX-License-Identifier: BSD-2-Clause */
/* kbc_reset.c — test guest: the 8042's pulse-reset command (0xFE to port 0x64)
 * resets the machine: the VM ends with "reboot" (its config says on_reboot =
 * "destroy"). If execution continues, the test fails. */
#include "guest.h"

const char test_name[] = "kbc_reset";

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    uint8_t status = inb(0x64);
    check(!(status & 0x02), "8042 input buffer is empty (status 0x%02x)", status);
    kprintf("kbc_reset: pulsing the reset line through the 8042\n");
    outb(0x64, 0xFE);
    check(false, "still running after the 8042 reset command");
    test_finish();
}
