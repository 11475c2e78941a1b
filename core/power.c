/* Machine power-off (boot CPU, at the end): ACPI S5 through the FADT's PM1
 * control blocks with SLP_TYP from the DSDT's \_S5 package (ACPI 6.4 4.8.3.2,
 * 7.4.2), then the Bochs/QEMU legacy shutdown port. */
#include <stdbool.h>
#include <string.h>
#include "core/power.h"
#include "lib/print.h"
#include "vmx/x86.h"

#define BOCHS_SHUTDOWN_PORT 0x8900
#define PM1_SCI_EN          (1u << 0)
#define PM1_SLP_TYP_SHIFT   10
#define PM1_SLP_EN          (1u << 13)
#define ACPI_MAX_TABLE      (1u << 20)      /* sanity bound on firmware lengths */

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

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* FADT fields Keel reads (ACPI 6.4 Table 5.9), as byte offsets. */
#define FADT_DSDT         40
#define FADT_SMI_CMD      48
#define FADT_ACPI_ENABLE  52
#define FADT_PM1A_CNT     64
#define FADT_PM1B_CNT     68
#define FADT_X_DSDT       140

static const struct acpi_header *table_at(uint64_t addr, const char *sig)
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

static const struct acpi_header *find_fadt(const struct acpi_rsdp *rsdp)
{
    bool x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct acpi_header *sdt = x ? table_at(rsdp->xsdt, "XSDT") : table_at(rsdp->rsdt, "RSDT");
    if (!sdt)
        return NULL;
    unsigned width = x ? 8 : 4;
    const uint8_t *entries = (const uint8_t *)(sdt + 1);
    for (uint32_t off = 0; off + width <= sdt->length - sizeof(*sdt); off += width) {
        uint64_t addr = 0;
        memcpy(&addr, entries + off, width);
        const struct acpi_header *t = table_at(addr, "FACP");
        if (t)
            return t;
    }
    return NULL;
}

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

static void acpi_power_off(const struct acpi_rsdp *rsdp)
{
    if (!rsdp || memcmp(rsdp->signature, "RSD PTR ", 8))
        return;
    const struct acpi_header *fadt = find_fadt(rsdp);
    if (!fadt)
        return;
    uint64_t dsdt_addr = fadt_u32(fadt, FADT_DSDT);
    if (fadt->length >= FADT_X_DSDT + 8) {
        uint64_t x;
        memcpy(&x, (const uint8_t *)fadt + FADT_X_DSDT, 8);
        if (x)
            dsdt_addr = x;
    }
    const struct acpi_header *dsdt = table_at(dsdt_addr, "DSDT");
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
