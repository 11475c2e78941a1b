/* SPDX-License-Identifier: BSD-2-Clause */
/* Machine power-off (boot CPU, at the end): ACPI S5 through the FADT's PM1
 * control blocks with SLP_TYP from the DSDT's \_S5 package (ACPI 6.4 4.8.3.2,
 * 7.4.2), then the Bochs/QEMU legacy shutdown port. */
#include <stdbool.h>
#include <string.h>
#include "host/acpi.h"
#include "host/power.h"
#include "lib/print.h"
#include "arch/x86/x86.h"

#define BOCHS_SHUTDOWN_PORT 0x8900
#define PM1_SCI_EN          (1u << 0)
#define PM1_SLP_TYP_SHIFT   10
#define PM1_SLP_EN          (1u << 13)

/* FADT fields Keel reads (ACPI 6.4 Table 5.9), as byte offsets. */
#define FADT_DSDT         40
#define FADT_SMI_CMD      48
#define FADT_ACPI_ENABLE  52
#define FADT_PM1A_CNT     64
#define FADT_PM1B_CNT     68
#define FADT_X_DSDT       140

static uint32_t fadt_u32(const struct acpi_header *f, unsigned off)
{
    uint32_t v = 0;
    if (off + 4 <= f->length)
        memcpy(&v, (const uint8_t *)f + off, 4);
    return v;
}

/* One integer of an AML package: ZeroOp, OneOp, BytePrefix n, or a raw byte. */
static const uint8_t *aml_small_int(const uint8_t *p, const uint8_t *end, unsigned *val)
{
    if (p >= end)
        return NULL;
    if (*p == 0x0a && p + 1 < end) {
        *val = p[1];
        return p + 2;
    }
    *val = *p == 0x01 ? 1 : *p;
    return p + 1;
}

/* SLP_TYPa/b of \_S5 from a DSDT: Name(_S5_, Package(){a, b, ...}). */
static bool find_s5(const struct acpi_header *dsdt, unsigned *typ_a, unsigned *typ_b)
{
    const uint8_t *p = (const uint8_t *)dsdt, *end = p + dsdt->length;
    for (const uint8_t *s = p + sizeof(*dsdt); s + 4 < end; s++) {
        if (memcmp(s, "_S5_", 4) || s[4] != 0x12)      /* PackageOp */
            continue;
        const uint8_t *q = s + 5;
        q += 1 + (*q >> 6);                             /* PkgLength: 1-4 bytes */
        q += 1;                                         /* NumElements */
        q = aml_small_int(q, end, typ_a);
        if (q)
            q = aml_small_int(q, end, typ_b);
        return q != NULL;
    }
    return false;
}

static void acpi_power_off(const void *rsdp)
{
    const struct acpi_header *fadt = host_acpi_find(rsdp, "FACP");
    if (!fadt)
        return;
    uint64_t dsdt_addr = fadt_u32(fadt, FADT_DSDT);
    if (fadt->length >= FADT_X_DSDT + 8) {
        uint64_t x;
        memcpy(&x, (const uint8_t *)fadt + FADT_X_DSDT, 8);
        if (x)
            dsdt_addr = x;
    }
    const struct acpi_header *dsdt = host_acpi_table_at(dsdt_addr, "DSDT");
    unsigned typ_a, typ_b;
    uint32_t pm1a = fadt_u32(fadt, FADT_PM1A_CNT), pm1b = fadt_u32(fadt, FADT_PM1B_CNT);
    if (!dsdt || !pm1a || !find_s5(dsdt, &typ_a, &typ_b))
        return;
    uint32_t smi_cmd = fadt_u32(fadt, FADT_SMI_CMD);
    uint8_t enable = fadt_u32(fadt, FADT_ACPI_ENABLE) & 0xff;
    if (!(inw((uint16_t)pm1a) & PM1_SCI_EN) && smi_cmd && enable) {
        outb((uint16_t)smi_cmd, enable);
        for (unsigned i = 0; i < 1000000 && !(inw((uint16_t)pm1a) & PM1_SCI_EN); i++)
            cpu_relax();
    }
    outw((uint16_t)pm1a, (uint16_t)((typ_a & 7) << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
    if (pm1b)
        outw((uint16_t)pm1b, (uint16_t)((typ_b & 7) << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
}

void machine_power_off(const struct boot_info *bi)
{
    acpi_power_off(bi ? bi->rsdp : NULL);
    for (const char *s = "Shutdown"; *s; s++)
        outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
    printk("keel: could not power off; halted\n");
    halt_forever();
}
