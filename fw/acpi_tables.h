/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI table builder (pure; runs in Keel at VM setup): RSDP/RSDT/XSDT/FADT/FACS/MADT/DSDT. */
#ifndef KEEL_FW_ACPI_TABLES_H
#define KEEL_FW_ACPI_TABLES_H

/*
 * What the guest is told (ACPI 6.5 layouts; every value below is a promise
 * the device models must keep):
 *
 * Tables, in buf order, each 16-byte aligned (FACS 64-byte aligned):
 *   RSDP  revision 2, 36 bytes, at the first 16-byte aligned GPA of buf
 *   RSDT  FADT, MADT (only linked when all tables lie below 4 GiB)
 *   XSDT  FADT, MADT
 *   FADT  revision 6.5 (276 bytes), classic (not hardware-reduced) PC:
 *         SMI_CMD = 0 (ACPI is enabled from the start: PM1 control must
 *         read back SCI_EN = 1), SCI_INT = sci_irq, PM1a event block (4
 *         bytes: PM1_STS then PM1_EN), PM1a control (2 bytes), PM timer (4
 *         bytes, 24-bit: TMR_VAL_EXT = 0), no PM1b/PM2/GPE blocks, C2/C3
 *         not supported, reset register = SystemIO 0xCF9 value 0x06.
 *         Flags: WBINVD, PROC_C1, SLP_BUTTON (no sleep button), FIX_RTC
 *         (no RTC wake status in PM1), RESET_REG_SUP. PWR_BUTTON is clear:
 *         the power button is the fixed-feature one (PM1_STS bit 8), so the
 *         VMM may ask for a clean shutdown by setting PWRBTN_STS and raising
 *         the SCI. IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 (the emulated 8042
 *         is needed for reset; VGA, MSI and the CMOS RTC are present).
 *         DSDT and X_DSDT both hold the DSDT. The FACS goes in FIRMWARE_CTRL
 *         when below 4 GiB, else in X_FIRMWARE_CTRL: the spec allows only
 *         one of the two to be non-zero. X_ PM blocks are SystemIO GASes
 *         (bit width = 8 * block length) matching the 32-bit fields.
 *   FACS  64 bytes, version 2, no waking vector, no S4BIOS.
 *   MADT  revision 5, LAPIC at lapic_addr, PCAT_COMPAT (8259s present),
 *         Processor Local APIC i: ACPI UID i, APIC ID i, enabled, i < nr_cpus
 *         I/O APIC: ID ioapic_id at ioapic_addr, GSI base 0 (24 pins)
 *         Interrupt Source Override ISA IRQ 0 -> GSI 2, flags 0 (conforms to
 *           ISA: edge, active high). The PIT is on IOAPIC pin 2; pin 0 is
 *           unused (the 8259 ExtINT pin in a real PC).
 *         Interrupt Source Override ISA IRQ sci_irq -> GSI sci_irq, level,
 *           active high (flags 0x000D). Keel's PM block must drive the SCI
 *           as a level: asserted while (PM1_STS & PM1_EN) != 0.
 *         Local APIC NMI: all processors (UID 0xFF), LINT1, flags 0 (conforms).
 *         Every other ISA IRQ n (1, 3..15) is GSI n, edge, active high.
 *   DSDT  revision 2 (64-bit integers):
 *         \_S5 = Package { s5_slp_typ, s5_slp_typ, 0, 0 }  (no \_S0..\_S4)
 *         \_SB.PCI0: _HID PNP0A03, _UID 0, _BBN 0, _SEG 0, _CRS:
 *             WordBusNumber 0x00-0xFF
 *             IO 0x0CF8-0x0CFF (the type-1 config ports, consumed)
 *             WordIO 0x0000-0x0CF7 and 0x0D00-0xFFFF
 *             DWordMemory 0x000A0000-0x000BFFFF (legacy VGA)
 *             DWordMemory ACPI_PCI_MMIO_BASE-ACPI_PCI_MMIO_LIMIT (BARs)
 *           _PRT: see below.
 *         \_SB.Cxxx (xxx = CPU number in 3 hex digits): _HID "ACPI0007",
 *           _UID = the MADT ACPI Processor UID (Windows wants processor
 *           objects; Linux binds its processor driver to them).
 *
 * PCI INTx routing (what Keel's PCI devices and IOAPIC must follow): the
 * _PRT names no link devices; device (slot) 1..31 on bus 0, INTx pin
 * 0..3 (INTA..INTD) raises IOAPIC pin acpi_pci_intx_gsi(slot, pin) =
 * 16 + (slot + pin) % 8, level triggered, ACTIVE LOW (the ACPI default for
 * _PRT GSIs; the guest programs the IOAPIC RTE with polarity low). Pins
 * 16..23 are shared between slots; a device model asserts its line while its
 * interrupt condition holds. PCI INTx has no 8259 route: guests must use the
 * IOAPIC (Linux always does when a MADT is present).
 * Keel's IOAPIC (dev/ioapic.h) takes electrical levels (input XOR polarity =
 * asserted), so the wiring must match the polarities above: pins 16..23 idle
 * HIGH and are driven low while any sharer asserts (wired-AND); pin sci_irq
 * idles low and goes high while the SCI is asserted; ISA edge pins idle low.
 *
 * Guest RAM below 4 GiB must end at or below ACPI_PCI_MMIO_BASE: the range
 * ACPI_PCI_MMIO_BASE..ACPI_PCI_MMIO_LIMIT is handed to the guest's PCI code
 * for BARs. The IOAPIC (0xFEC00000) and LAPIC (0xFEE00000) lie above it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fw/aml.h"

#define ACPI_MAX_CPUS          64
#define ACPI_TABLES_BUF_SIZE   8192   /* enough for ACPI_MAX_CPUS at any buf_gpa */

#define ACPI_PCI_MMIO_BASE     0xE0000000u
#define ACPI_PCI_MMIO_LIMIT    0xFEBFFFFFu
#define ACPI_PCI_INTX_GSI_BASE 16u
#define ACPI_PCI_INTX_GSI_NR   8u
#define ACPI_PCI_PRT_FIRST_SLOT 1u
#define ACPI_PCI_PRT_LAST_SLOT  31u

#define ACPI_RESET_PORT        0xCF9
#define ACPI_RESET_VALUE       0x06

/* IOAPIC pin of PCI bus 0 device `slot`, INTx pin `pin` (0 = INTA). */
static inline unsigned acpi_pci_intx_gsi(unsigned slot, unsigned pin)
{
    return ACPI_PCI_INTX_GSI_BASE + (slot + pin) % ACPI_PCI_INTX_GSI_NR;
}

struct acpi_platform {
    unsigned nr_cpus;           /* 1..ACPI_MAX_CPUS, LAPIC IDs 0..n-1 */
    uint32_t lapic_addr;        /* 0xFEE00000 */
    uint32_t ioapic_addr;       /* 0xFEC00000 */
    uint8_t ioapic_id;          /* nr_cpus */
    uint16_t pm1a_evt, pm1a_cnt, pm_tmr;   /* 0x600, 0x604, 0x608 */
    uint8_t sci_irq;            /* ISA IRQ 1 or 3..15 (9) */
    uint8_t s5_slp_typ;         /* 0..7: SLP_TYP the VMM's PM1 control decodes as S5 */
};

/*
 * Writes the tables into buf, which the guest will see at GPA buf_gpa.
 * Returns the bytes used (at most ACPI_TABLES_BUF_SIZE), or 0 when buf_len
 * is too small or *p is invalid; buf is left untouched then. On success
 * *rsdp_gpa (if rsdp_gpa is not NULL) is the RSDP's GPA, 16-byte aligned and
 * within the first 16 bytes of buf: with buf in 0xE0000..0xFFFFF a BIOS-area
 * scan finds it; otherwise pass it in boot_params.acpi_rsdp_addr.
 * Pure: no state, no allocation; the same inputs give the same bytes.
 */
size_t acpi_build_tables(const struct acpi_platform *p, uint8_t *buf, size_t buf_len,
                         uint64_t buf_gpa, uint64_t *rsdp_gpa);

/* ---- Table layouts (little-endian, packed as in the spec) ---- */

#define ACPI_PACKED __attribute__((packed))

struct acpi_table_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_table_header) == 36, "ACPI table header");

struct acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision;           /* 2 */
    uint32_t rsdt_address;
    uint32_t length;            /* 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum;  /* over all 36 bytes */
    uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* Generic Address Structure */
struct acpi_gas {
    uint8_t space_id;           /* ACPI_GAS_* */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;        /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
    uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO     1

struct acpi_fadt {
    struct acpi_table_header hdr;   /* "FACP", revision 6 */
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas x_pm1a_evt_blk;
    struct acpi_gas x_pm1b_evt_blk;
    struct acpi_gas x_pm1a_cnt_blk;
    struct acpi_gas x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk;
    struct acpi_gas x_pm_tmr_blk;
    struct acpi_gas x_gpe0_blk;
    struct acpi_gas x_gpe1_blk;
    struct acpi_gas sleep_control_reg;
    struct acpi_gas sleep_status_reg;
    char hypervisor_vendor[8];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT (ACPI 6.x)");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");

#define ACPI_FADT_REVISION       6
#define ACPI_FADT_MINOR_VERSION  5

/* FADT flags */
#define ACPI_FADT_WBINVD         (1u << 0)
#define ACPI_FADT_PROC_C1        (1u << 2)
#define ACPI_FADT_PWR_BUTTON     (1u << 4)
#define ACPI_FADT_SLP_BUTTON     (1u << 5)
#define ACPI_FADT_FIX_RTC        (1u << 6)
#define ACPI_FADT_TMR_VAL_EXT    (1u << 8)
#define ACPI_FADT_RESET_REG_SUP  (1u << 10)
#define ACPI_FADT_HW_REDUCED     (1u << 20)

/* FADT IAPC_BOOT_ARCH */
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042           (1u << 1)

struct acpi_facs {
    char signature[4];          /* "FACS" */
    uint32_t length;            /* 64 */
    uint32_t hardware_signature;
    uint32_t firmware_waking_vector;
    uint32_t global_lock;
    uint32_t flags;
    uint64_t x_firmware_waking_vector;
    uint8_t version;            /* 2 */
    uint8_t reserved0[3];
    uint32_t ospm_flags;
    uint8_t reserved1[24];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

struct acpi_madt {
    struct acpi_table_header hdr;   /* "APIC", revision 5 */
    uint32_t lapic_address;
    uint32_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");

#define ACPI_MADT_REVISION       5
#define ACPI_MADT_PCAT_COMPAT    (1u << 0)

#define ACPI_MADT_TYPE_LAPIC     0
#define ACPI_MADT_TYPE_IOAPIC    1
#define ACPI_MADT_TYPE_ISO       2
#define ACPI_MADT_TYPE_LAPIC_NMI 4

struct acpi_madt_lapic {
    uint8_t type, length;       /* 0, 8 */
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;             /* ACPI_MADT_LAPIC_ENABLED */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC");
#define ACPI_MADT_LAPIC_ENABLED  (1u << 0)

struct acpi_madt_ioapic {
    uint8_t type, length;       /* 1, 12 */
    uint8_t ioapic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC");

struct acpi_madt_iso {
    uint8_t type, length;       /* 2, 10 */
    uint8_t bus;                /* 0 = ISA */
    uint8_t source_irq;
    uint32_t gsi;
    uint16_t flags;             /* MPS INTI flags */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT interrupt source override");

struct acpi_madt_lapic_nmi {
    uint8_t type, length;       /* 4, 6 */
    uint8_t processor_uid;      /* 0xFF = all */
    uint16_t flags;             /* MPS INTI flags */
    uint8_t lint;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI");

/* MPS INTI flags */
#define ACPI_INTI_POLARITY_CONFORMS    0x0
#define ACPI_INTI_POLARITY_HIGH        0x1
#define ACPI_INTI_POLARITY_LOW         0x3
#define ACPI_INTI_TRIGGER_CONFORMS     (0x0 << 2)
#define ACPI_INTI_TRIGGER_EDGE         (0x1 << 2)
#define ACPI_INTI_TRIGGER_LEVEL        (0x3 << 2)

#endif
