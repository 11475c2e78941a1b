/* SPDX-License-Identifier: BSD-2-Clause */
/* acpi.c — RSDP scan, root table walk, FADT/MADT parsing (see acpi.h). */
#include "acpi.h"
#include "kstring.h"

#define FOUR_GIB    0x100000000ull

uint8_t acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (len--)
        s = (uint8_t)(s + *b++);
    return s;
}

uint8_t acpi_rd8(const void *base, unsigned off)
{
    return ((const uint8_t *)base)[off];
}

uint16_t acpi_rd16(const void *base, unsigned off)
{
    uint16_t v;
    memcpy(&v, (const uint8_t *)base + off, sizeof(v));
    return v;
}

uint32_t acpi_rd32(const void *base, unsigned off)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)base + off, sizeof(v));
    return v;
}

uint64_t acpi_rd64(const void *base, unsigned off)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)base + off, sizeof(v));
    return v;
}

const struct acpi_rsdp *acpi_find_rsdp(void)
{
    for (uintptr_t a = ACPI_RSDP_SCAN_START; a < ACPI_RSDP_SCAN_END; a += 16) {
        const struct acpi_rsdp *r = (const struct acpi_rsdp *)a;
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && acpi_sum(r, 20) == 0)
            return r;
    }
    return NULL;
}

const struct acpi_header *acpi_root(const struct acpi_rsdp *rsdp, unsigned *entry_size)
{
    if (!rsdp)
        return NULL;
    if (rsdp->revision >= 2 && rsdp->xsdt && rsdp->xsdt < FOUR_GIB) {
        *entry_size = 8;
        return (const struct acpi_header *)(uintptr_t)rsdp->xsdt;
    }
    if (rsdp->rsdt) {
        *entry_size = 4;
        return (const struct acpi_header *)(uintptr_t)rsdp->rsdt;
    }
    return NULL;
}

unsigned acpi_root_count(const struct acpi_header *root, unsigned entry_size)
{
    if (root->length < sizeof(*root))
        return 0;
    return (root->length - (unsigned)sizeof(*root)) / entry_size;
}

uint64_t acpi_root_entry(const struct acpi_header *root, unsigned entry_size, unsigned i)
{
    unsigned off = (unsigned)sizeof(*root) + i * entry_size;
    return entry_size == 8 ? acpi_rd64(root, off) : acpi_rd32(root, off);
}

const struct acpi_header *acpi_find_table(const char *sig)
{
    unsigned es = 4;
    const struct acpi_header *root = acpi_root(acpi_find_rsdp(), &es);
    if (!root)
        return NULL;
    unsigned n = acpi_root_count(root, es);
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = acpi_root_entry(root, es, i);
        if (!a || a >= FOUR_GIB)
            continue;
        const struct acpi_header *h = (const struct acpi_header *)(uintptr_t)a;
        if (memcmp(h->signature, sig, 4) == 0)
            return h;
    }
    return NULL;
}

bool acpi_fadt_info(struct acpi_fadt_info *out)
{
    memset(out, 0, sizeof(*out));
    const struct acpi_header *f = acpi_find_table("FACP");
    if (!f)
        return false;
    out->fadt = f;
    out->sci_int = acpi_rd16(f, FADT_SCI_INT);
    out->pm1a_evt_blk = acpi_rd32(f, FADT_PM1A_EVT_BLK);
    out->pm1a_cnt_blk = acpi_rd32(f, FADT_PM1A_CNT_BLK);
    out->pm_tmr_port = (uint16_t)acpi_rd32(f, FADT_PM_TMR_BLK);
    out->pm_tmr_len = acpi_rd8(f, FADT_PM_TMR_LEN);
    out->tmr_32bit = (acpi_rd32(f, FADT_FLAGS) & FADT_FLAG_TMR_VAL_EXT) != 0;
    out->dsdt = acpi_rd32(f, FADT_DSDT);
    if (f->length >= FADT_X_DSDT + 8 && acpi_rd64(f, FADT_X_DSDT))
        out->dsdt = acpi_rd64(f, FADT_X_DSDT);
    /* X_PM_TMR_BLK wins when present and in system I/O space (space id 1). */
    if (f->length >= FADT_X_PM_TMR_BLK + 12 && acpi_rd8(f, FADT_X_PM_TMR_BLK) == 1) {
        uint64_t a = acpi_rd64(f, FADT_X_PM_TMR_BLK + 4);
        if (a && a <= 0xFFFF)
            out->pm_tmr_port = (uint16_t)a;
    }
    return out->pm_tmr_port != 0;
}

bool acpi_madt_info(struct acpi_madt_info *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < 16; i++)
        out->isa_gsi[i] = i;
    const struct acpi_header *m = acpi_find_table("APIC");
    if (!m || m->length < 44)
        return false;
    out->madt = m;
    out->lapic_addr = acpi_rd32(m, 36);
    out->flags = acpi_rd32(m, 40);
    const uint8_t *p = (const uint8_t *)m;
    unsigned off = 44;
    while (off + 2 <= m->length) {
        uint8_t type = p[off], len = p[off + 1];
        if (len < 2 || off + len > m->length) {
            out->bad_entry = true;
            break;
        }
        const uint8_t *e = p + off;
        switch (type) {
        case 0:     /* Processor Local APIC: UID, APIC ID, flags */
            if (len < 8)
                break;
            out->nr_lapic++;
            if (acpi_rd32(e, 4) & 1) {
                if (out->nr_lapic_enabled < MADT_MAX_CPUS)
                    out->lapic_id[out->nr_lapic_enabled] = e[3];
                out->nr_lapic_enabled++;
            }
            break;
        case 1:     /* I/O APIC: ID, reserved, address, GSI base */
            if (len < 12)
                break;
            if (out->nr_ioapic++ == 0) {
                out->ioapic_id = e[2];
                out->ioapic_addr = acpi_rd32(e, 4);
                out->ioapic_gsi_base = acpi_rd32(e, 8);
            }
            break;
        case 2:     /* Interrupt Source Override: bus, source, GSI, flags */
            if (len < 10)
                break;
            out->nr_iso++;
            if (e[2] == 0 && e[3] < 16) {
                out->isa_gsi[e[3]] = acpi_rd32(e, 4);
                out->isa_flags[e[3]] = acpi_rd16(e, 8);
            }
            break;
        case 5:     /* Local APIC Address Override */
            if (len >= 12 && acpi_rd64(e, 4) < FOUR_GIB)
                out->lapic_addr = (uint32_t)acpi_rd64(e, 4);
            break;
        case 9:     /* Processor Local x2APIC */
            if (len >= 16 && (acpi_rd32(e, 8) & 1))
                out->nr_x2apic++;
            break;
        default:
            break;
        }
        off += len;
    }
    return true;
}
