/* SPDX-License-Identifier: BSD-2-Clause */
/* acpi.h — finding and reading the firmware's ACPI tables: the RSDP (scan of
 * 0xE0000-0xFFFFF), the RSDT/XSDT, the FADT's PM blocks and the MADT's interrupt model.
 * Tables must lie below 4 GiB (crt0's identity map); anything else reads as absent. */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* first 20 bytes sum to 0 */
    char oem_id[6];
    uint8_t revision;           /* 0: ACPI 1.0 (20 bytes); >= 2: 36 bytes with the XSDT */
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t ext_checksum;       /* all `length` bytes sum to 0 */
    uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

#define ACPI_RSDP_SCAN_START    0xE0000u
#define ACPI_RSDP_SCAN_END      0x100000u

/* Byte sum (mod 256) of len bytes at p: 0 for a valid checksum. */
uint8_t acpi_sum(const void *p, size_t len);

/* First 16-byte aligned "RSD PTR " in 0xE0000-0xFFFFF whose 20-byte checksum is right. */
const struct acpi_rsdp *acpi_find_rsdp(void);

/* The root table the OS should use: the XSDT when revision >= 2 and its address is
 * non-zero, else the RSDT. NULL if none or above 4 GiB. *entry_size: 8 (XSDT) or 4. */
const struct acpi_header *acpi_root(const struct acpi_rsdp *rsdp, unsigned *entry_size);

/* Number of entries in a root table and entry i (a physical address). */
unsigned acpi_root_count(const struct acpi_header *root, unsigned entry_size);
uint64_t acpi_root_entry(const struct acpi_header *root, unsigned entry_size, unsigned i);

/* Table by signature ("FACP", "APIC", ...) through the root table; NULL if absent. */
const struct acpi_header *acpi_find_table(const char *sig);

/* Little-endian field reads at a byte offset (tables are packed and often unaligned). */
uint8_t acpi_rd8(const void *base, unsigned off);
uint16_t acpi_rd16(const void *base, unsigned off);
uint32_t acpi_rd32(const void *base, unsigned off);
uint64_t acpi_rd64(const void *base, unsigned off);

/* FADT ("FACP") fields the guests use (ACPI 6.x offsets). */
#define FADT_FIRMWARE_CTRL  36
#define FADT_DSDT           40
#define FADT_SCI_INT        46
#define FADT_PM1A_EVT_BLK   56
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM_TMR_BLK     76
#define FADT_PM1_EVT_LEN    88
#define FADT_PM1_CNT_LEN    89
#define FADT_PM_TMR_LEN     91
#define FADT_FLAGS          112
#define FADT_X_DSDT         140
#define FADT_X_PM_TMR_BLK   208     /* generic address structure, 12 bytes */
#define FADT_FLAG_TMR_VAL_EXT   (1u << 8)

struct acpi_fadt_info {
    const struct acpi_header *fadt;
    uint16_t pm_tmr_port;       /* from X_PM_TMR_BLK (SystemIO) if present, else PM_TMR_BLK */
    uint8_t pm_tmr_len;
    bool tmr_32bit;             /* TMR_VAL_EXT */
    uint32_t pm1a_cnt_blk;
    uint32_t pm1a_evt_blk;
    uint16_t sci_int;
    uint64_t dsdt;              /* X_DSDT if non-zero, else DSDT */
};

bool acpi_fadt_info(struct acpi_fadt_info *out);

#define MADT_MAX_CPUS   64
#define MADT_FLAG_PCAT_COMPAT   1u

struct acpi_madt_info {
    const struct acpi_header *madt;
    uint32_t lapic_addr;        /* after any type-5 override (if below 4 GiB) */
    uint32_t flags;
    unsigned nr_lapic;          /* type-0 entries, enabled or not */
    unsigned nr_lapic_enabled;
    uint8_t lapic_id[MADT_MAX_CPUS];        /* APIC IDs of the enabled entries */
    unsigned nr_x2apic;         /* type-9 entries (IDs >= 255) */
    unsigned nr_ioapic;
    uint8_t ioapic_id;          /* first IOAPIC */
    uint32_t ioapic_addr;
    uint32_t ioapic_gsi_base;
    unsigned nr_iso;
    uint32_t isa_gsi[16];       /* ISA IRQ n -> GSI (identity unless overridden) */
    uint16_t isa_flags[16];     /* MPS INTI flags of the override, 0 if none */
    bool bad_entry;             /* an entry with length < 2 or past the table end */
};

bool acpi_madt_info(struct acpi_madt_info *out);

#endif
