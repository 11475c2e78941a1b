/* SPDX-License-Identifier: BSD-2-Clause */
/* ioport.c — test guest: I/O ports no device claims read as all ones at every access
 * size (0xFF, 0xFFFF, 0xFFFFFFFF) and swallow writes. */
#include "guest.h"

const char test_name[] = "ioport";

/* Chosen clear of PC devices (PIC, PIT, RTC, PS/2, UARTs, fw_cfg, PCI, debug exit,
 * 0x8900, ACPI PM at 0x600/0xb000) in both QEMU's and Keel's port maps. */
static const uint16_t ports[] = { 0x0210, 0x0E70, 0x7F00 };

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        uint16_t p = ports[i];
        uint8_t b = inb(p);
        uint16_t w = inw(p);
        uint32_t l = inl(p);
        check(b == 0xFF, "inb 0x%x = 0x%02x, want 0xff", p, b);
        check(w == 0xFFFF, "inw 0x%x = 0x%04x, want 0xffff", p, w);
        check(l == 0xFFFFFFFFu, "inl 0x%x = 0x%08x, want 0xffffffff", p, l);

        /* Writes are ignored: nothing written becomes readable. */
        outb(p, 0x12);
        outw(p, 0x3456);
        outl(p, 0x789ABCDEu);
        b = inb(p);
        l = inl(p);
        check(b == 0xFF && l == 0xFFFFFFFFu, "port 0x%x still reads all ones after writes (0x%02x, 0x%08x)",
              p, b, l);
    }
    test_finish();
}
