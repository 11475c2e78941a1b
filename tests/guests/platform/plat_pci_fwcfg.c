/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_pci_fwcfg.c — test guest: PCI configuration mechanism 1 and QEMU's fw_cfg.
 * PCI: the address register at 0xCF8 reads back; host bridge at 00:00.0 (vendor not
 * 0xFFFF, class 06 00 00, header type 0), 16- and 8-bit data-port reads agree with the
 * dword; absent functions (00:1f.7, bus 0xFF) read all ones. fw_cfg: signature "QEMU" at
 * key 0, FW_CFG_NB_CPUS (key 5) >= 1 and equal to the MADT's enabled LAPIC count. */
#include "guest.h"
#include "acpi.h"
#include "fwcfg.h"
#include "pci.h"

const char test_name[] = "plat_pci_fwcfg";

static void test_pci(void)
{
    uint32_t a = pci_cfg_addr(0, 0, 0, 0x08);
    outl(PCI_CONFIG_ADDR, a);
    uint32_t back = inl(PCI_CONFIG_ADDR);
    check(back == a, "0xCF8 reads back the address written (0x%08x, wrote 0x%08x)", back, a);

    uint32_t id = pci_read32(0, 0, 0, 0x00);
    uint16_t vendor = (uint16_t)id, device = (uint16_t)(id >> 16);
    uint32_t class_rev = pci_read32(0, 0, 0, 0x08);
    uint8_t hdr = pci_read8(0, 0, 0, 0x0E);
    note("00:00.0 %04x:%04x class %06x rev %02x header type 0x%02x", vendor, device,
         class_rev >> 8, class_rev & 0xFF, hdr);
    check(vendor != 0xFFFF && vendor != 0, "host bridge 00:00.0 present (vendor 0x%04x)", vendor);
    check((class_rev >> 8) == 0x060000, "00:00.0 class code 06 00 00 (host bridge): 0x%06x",
          class_rev >> 8);
    check((hdr & 0x7F) == 0, "00:00.0 header type 0 (0x%02x)", hdr);
    check(pci_read16(0, 0, 0, 0x00) == vendor && pci_read16(0, 0, 0, 0x02) == device,
          "16-bit reads at 0xCFC/0xCFE give vendor and device");
    check(pci_read8(0, 0, 0, 0x0B) == 0x06 && pci_read8(0, 0, 0, 0x0A) == 0x00,
          "8-bit reads at 0xCFF/0xCFE give base class 0x06, subclass 0x00");

    uint32_t none1 = pci_read32(0, 31, 7, 0x00);
    uint32_t none2 = pci_read32(0xFF, 0, 0, 0x00);
    check(none1 == 0xFFFFFFFFu, "absent 00:1f.7 reads 0xFFFFFFFF (0x%08x)", none1);
    check(none2 == 0xFFFFFFFFu, "absent ff:00.0 reads 0xFFFFFFFF (0x%08x)", none2);
    check(pci_read16(0, 31, 7, 0x02) == 0xFFFF, "absent 00:1f.7 16-bit read is 0xFFFF");
}

static void test_fw_cfg(void)
{
    char sig[5] = { 0 };
    fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
    check(memcmp(sig, "QEMU", 4) == 0, "fw_cfg signature \"%s\", want \"QEMU\"", sig);

    uint16_t ncpus = fw_cfg_read16(FW_CFG_NB_CPUS);
    struct acpi_madt_info mi;
    bool have_madt = acpi_madt_info(&mi);
    note("fw_cfg NB_CPUS %u; MADT: %u LAPIC entries, %u enabled", ncpus, mi.nr_lapic,
         mi.nr_lapic_enabled);
    check(ncpus >= 1, "FW_CFG_NB_CPUS >= 1 (%u)", ncpus);
    check(have_madt && mi.nr_lapic_enabled + mi.nr_x2apic == ncpus,
          "FW_CFG_NB_CPUS %u equals the MADT's enabled (x2)APIC count %u", ncpus,
          mi.nr_lapic_enabled + mi.nr_x2apic);
    /* Re-selecting restarts the item at byte 0. */
    char sig2[5] = { 0 };
    fw_cfg_read(FW_CFG_SIGNATURE, sig2, 2);
    fw_cfg_read(FW_CFG_SIGNATURE, sig2, 4);
    check(memcmp(sig2, "QEMU", 4) == 0, "selecting key 0 again restarts at offset 0 (\"%s\")", sig2);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    test_pci();
    test_fw_cfg();
    test_finish();
}
