/* SPDX-License-Identifier: BSD-2-Clause */
/* poweroff.c — test guest, built as a flat binary with the Multiboot a.out-kludge
 * header (flags bit 16): checks what that loader path must get right (entry, magic,
 * info block outside the image, bss zeroed), then writes "Shutdown" to port 0x8900.
 * Keel must end the VM with "poweroff"; running on is a FAIL. */
#include "guest.h"

const char test_name[] = "poweroff";

/* Not touched before the check: a loader that copies past load_end_addr or leaves
 * garbage below bss_end_addr shows up here. */
static uint8_t bss_probe[8192];

void guest_main(uint32_t magic, uint32_t mbi)
{
    uintptr_t image_lo = (uintptr_t)__image_start, image_hi = (uintptr_t)__bss_end;
    unsigned nonzero = 0;
    for (unsigned i = 0; i < sizeof(bss_probe); i++)
        nonzero += bss_probe[i] != 0;

    check(magic == MULTIBOOT_BOOTLOADER_MAGIC, "magic 0x%08x", magic);
    check(mbi + sizeof(struct multiboot_info) <= image_lo || mbi >= image_hi,
          "info block 0x%x lies outside the image [0x%lx, 0x%lx)", mbi,
          (unsigned long)image_lo, (unsigned long)image_hi);
    check(nonzero == 0, "bss is zeroed up to bss_end_addr (%u nonzero bytes in the probe)", nonzero);

    /* A failed check must end with FAIL, not with the poweroff the harness expects. */
    if (checks_failed())
        test_finish();
    kprintf("poweroff: writing \"Shutdown\" to port 0x%x\n", SHUTDOWN_PORT);
    power_off();
    test_fail("still running after writing \"Shutdown\" to port 0x%x", SHUTDOWN_PORT);
}
