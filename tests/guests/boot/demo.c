/* SPDX-License-Identifier: BSD-2-Clause */
/* demo.c — the README's demo guest: a short banner with the hypervisor signature
 * (CPUID 0x40000000), the command line and the RAM size from the memory map, then
 * power off through port 0x8900. Not a test; it FAILs only if power off is ignored. */
#include "guest.h"

const char test_name[] = "demo";

static void signature(char out[13], uint32_t *version)
{
    struct cpuid_regs hv = cpuid(0x40000000u, 0);
    memcpy(out + 0, &hv.ebx, 4);
    memcpy(out + 4, &hv.ecx, 4);
    memcpy(out + 8, &hv.edx, 4);
    out[12] = '\0';
    for (int i = 0; i < 12; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            out[i] = '?';
    *version = hv.eax >= 0x40000001u ? cpuid(0x40000001u, 0).eax : 0;
    if (!(cpuid(1, 0).ecx & (1u << 31)))
        memcpy(out, "(none)", 7);
}

static uint64_t ram_bytes(const struct multiboot_info *mi)
{
    uint64_t total = 0;
    if (!(mi->flags & MBI_FLAG_MMAP))
        return ((uint64_t)mi->mem_lower + mi->mem_upper) << 10;
    for (uint32_t off = 0; off + 24 <= mi->mmap_length;) {
        const struct multiboot_mmap_entry *e = gpa_ptr(mi->mmap_addr + off);
        if (e->type == MMAP_TYPE_RAM)
            total += e->length;
        off += e->size + 4;
    }
    return total;
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    char sig[13];
    uint32_t version;
    signature(sig, &version);
    const struct multiboot_info *mi = gpa_ptr(mbi);
    bool ok = magic == MULTIBOOT_BOOTLOADER_MAGIC;

    kprintf("\n");
    kprintf("  +------------------------------------------+\n");
    kprintf("  |  Hello from a Multiboot guest on Keel!   |\n");
    kprintf("  +------------------------------------------+\n");
    kprintf("  hypervisor : %s (version %u)\n", sig, version);
    kprintf("  cmdline    : %s\n", ok && (mi->flags & MBI_FLAG_CMDLINE) ? (const char *)gpa_ptr(mi->cmdline) : "(none)");
    kprintf("  memory     : %lu KiB usable RAM\n", ok ? (unsigned long)(ram_bytes(mi) >> 10) : 0ul);
    kprintf("  cpu mode   : 64-bit long mode, entered by the guest itself\n");
    kprintf("  goodbye    : powering off via port 0x8900\n\n");
    power_off();
    test_fail("still running after writing \"Shutdown\" to port 0x%x", SHUTDOWN_PORT);
}
