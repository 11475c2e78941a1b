/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's own ACPI tables, as firmware left them: finding a table, and
 * the facts Keel takes from them (power-off registers, the CPU count). */
#ifndef KEEL_CORE_HOST_ACPI_H
#define KEEL_CORE_HOST_ACPI_H

#include <stdint.h>

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* The table with this signature and a valid checksum, or NULL. `rsdp` is the
 * copy the boot loader gave (may be NULL). Only the low 4 GiB is looked at. */
const struct acpi_header *host_acpi_find(const void *rsdp, const char sig[4]);
const struct acpi_header *host_acpi_table_at(uint64_t addr, const char sig[4]);
/* Enabled processors in the MADT; 0 when there is no MADT. */
unsigned host_acpi_cpu_count(const void *rsdp);

#endif
