/* SPDX-License-Identifier: BSD-2-Clause */
/* stringio.c — test guest: INS/OUTS with and without REP, both directions of
 * DF, a zero count, and a #PF on an unmapped source that reaches the guest's
 * IDT with CR2 and the registers left as they were. */
#include "guest.h"

const char test_name[] = "stringio";

#define COM1          0x3F8
#define UNCLAIMED     0x0210
#define UNMAPPED_ADDR 0x100000000ull    /* crt0 maps only the low 4 GiB */

static uint8_t buf[64];

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;

    /* REP OUTSB to the UART: the harness finds this line in the serial log. */
    static const char line[] = "stringio: rep outsb reached the console\n";
    const void *src = line;
    uint64_t n = sizeof(line) - 1;
    __asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)COM1) : "memory");
    check(n == 0, "rep outsb left RCX = %lu, want 0", (unsigned long)n);
    check(src == line + sizeof(line) - 1, "rep outsb advanced RSI by %ld, want %lu",
          (long)((const char *)src - line), (unsigned long)(sizeof(line) - 1));

    /* REP INSB from an unclaimed port: every byte reads 0xFF, neighbours untouched. */
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = 0x11;
    void *dst = buf + 8;
    n = 16;
    __asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(n) : "d"((uint16_t)UNCLAIMED) : "memory");
    bool ok = true;
    for (unsigned i = 0; i < sizeof(buf); i++)
        ok &= buf[i] == ((i >= 8 && i < 24) ? 0xFF : 0x11);
    check(ok, "rep insb wrote 0xFF to exactly buf[8..23]");
    check(n == 0 && dst == buf + 24, "rep insb left RCX %lu, RDI at buf+%ld", (unsigned long)n,
          (long)((uint8_t *)dst - buf));

    /* REP INSW with DF=1 goes downwards. */
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = 0x22;
    dst = buf + 40;
    n = 4;
    __asm__ volatile("std; rep insw; cld" : "+D"(dst), "+c"(n) : "d"((uint16_t)UNCLAIMED) : "memory");
    ok = true;
    for (unsigned i = 0; i < sizeof(buf); i++)
        ok &= buf[i] == ((i >= 34 && i < 42) ? 0xFF : 0x22);
    check(ok, "rep insw with DF=1 wrote buf[34..41]");
    check(n == 0 && dst == buf + 32, "rep insw with DF=1 left RDI at buf+%ld, want buf+32",
          (long)((uint8_t *)dst - buf));

    /* A zero count does nothing. */
    src = line;
    n = 0;
    __asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)COM1) : "memory");
    check(src == line, "rep outsb with RCX=0 moved RSI");

    /* OUTSD without REP moves one dword. */
    uint32_t word = 0x12345678;
    src = &word;
    __asm__ volatile("cld; outsl" : "+S"(src) : "d"((uint16_t)UNCLAIMED) : "memory");
    check(src == (const uint8_t *)&word + 4, "outsd advanced RSI by %ld, want 4",
          (long)((const uint8_t *)src - (const uint8_t *)&word));

    /* An unmapped source: #PF (not present, read) with CR2 = the address. */
    if (fault_try()) {
        check(last_fault.vector == 14, "rep outsb from an unmapped page raised %s, want #PF",
              vector_name(last_fault.vector));
        check(last_fault.cr2 == UNMAPPED_ADDR, "CR2 = 0x%lx, want 0x%llx",
              (unsigned long)last_fault.cr2, UNMAPPED_ADDR);
        check((last_fault.error_code & 3) == 0, "#PF error code 0x%lx, want P=0 W=0",
              (unsigned long)last_fault.error_code);
    } else {
        const void *bad = (const void *)UNMAPPED_ADDR;
        uint64_t cnt = 4;
        __asm__ volatile("cld; rep outsb" : "+S"(bad), "+c"(cnt) : "d"((uint16_t)UNCLAIMED) : "memory");
        fault_end();
        check(false, "rep outsb from an unmapped page did not fault");
    }
    test_finish();
}
