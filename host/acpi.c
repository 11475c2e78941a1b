/* SPDX-License-Identifier: BSD-2-Clause */
/* Host ACPI table lookup (boot CPU): RSDP -> XSDT/RSDT -> tables, checksums
 * verified, lengths bounded (ACPI 6.4 5.2.5-5.2.8, MADT 5.2.12). */
#include <stdbool.h>
#include <string.h>
#include "host/acpi.h"

#define ACPI_MAX_TABLE   (1u << 20)     /* sanity bound on firmware lengths */
#define MADT_LAPIC       0
#define MADT_X2APIC      9
#define MADT_ENABLED     (1u << 0)

struct acpi_rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

const struct acpi_header *host_acpi_table_at(uint64_t addr, const char sig[4])
{
    if (!addr || addr >= (4ull << 30))     /* only the identity-mapped low 4 GiB */
        return NULL;
    const struct acpi_header *h = (const void *)(uintptr_t)addr;
    if (memcmp(h->signature, sig, 4) || h->length < sizeof(*h) || h->length > ACPI_MAX_TABLE)
        return NULL;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < h->length; i++)
        sum += ((const uint8_t *)h)[i];
    return sum == 0 ? h : NULL;
}

const struct acpi_header *host_acpi_find(const void *rsdp_copy, const char sig[4])
{
    const struct acpi_rsdp *rsdp = rsdp_copy;
    if (!rsdp || memcmp(rsdp->signature, "RSD PTR ", 8))
        return NULL;
    bool x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header *sdt = x ? host_acpi_table_at(rsdp->xsdt, "XSDT")
                                      : host_acpi_table_at(rsdp->rsdt, "RSDT");
    if (!sdt)
        return NULL;
    unsigned width = x ? 8 : 4;
    const uint8_t *entries = (const uint8_t *)(sdt + 1);
    for (uint32_t off = 0; off + width <= sdt->length - sizeof(*sdt); off += width) {
        uint64_t addr = 0;
        memcpy(&addr, entries + off, width);
        const struct acpi_header *t = host_acpi_table_at(addr, sig);
        if (t)
            return t;
    }
    return NULL;
}

unsigned host_acpi_cpu_count(const void *rsdp)
{
    const struct acpi_header *madt = host_acpi_find(rsdp, "APIC");
    if (!madt)
        return 0;
    const uint8_t *p = (const uint8_t *)madt + sizeof(*madt) + 8;   /* LAPIC address, flags */
    const uint8_t *end = (const uint8_t *)madt + madt->length;
    unsigned cpus = 0;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        uint32_t flags = 0;
        if (p[0] == MADT_LAPIC && p[1] >= 8)
            memcpy(&flags, p + 4, 4);
        else if (p[0] == MADT_X2APIC && p[1] >= 16)
            memcpy(&flags, p + 8, 4);
        cpus += (flags & MADT_ENABLED) != 0;
        p += p[1];
    }
    return cpus;
}
