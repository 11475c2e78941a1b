/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI table builder and AML encoder (pure; runs in Keel at VM setup, freestanding, no state). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fw/acpi_tables.h"

#define OEM_ID          "KEEL  "
#define OEM_TABLE_ID    "KEELVM  "
#define OEM_REVISION    1
#define CREATOR_ID      "KEEL"
#define CREATOR_REV     1

/* --------------------------------------------------------------- DSDT */

static void hex3(char *out, unsigned v)
{
    static const char digits[] = "0123456789ABCDEF";
    out[0] = digits[(v >> 8) & 0xF];
    out[1] = digits[(v >> 4) & 0xF];
    out[2] = digits[v & 0xF];
}

static void dsdt_pci0(struct aml *a)
{
    uint8_t res[128];
    struct aml r;
    size_t dev, prt;

    dev = aml_device_begin(a, "PCI0");
    aml_name(a, "_HID");
    aml_integer(a, aml_eisaid("PNP0A03"));
    aml_name(a, "_UID");
    aml_integer(a, 0);
    aml_name(a, "_BBN");
    aml_integer(a, 0);
    aml_name(a, "_SEG");
    aml_integer(a, 0);

    aml_init(&r, res, sizeof(res));
    aml_res_word_bus(&r, 0x00, 0xFF);
    aml_res_io(&r, 0x0CF8, 0x0CF8, 0x01, 0x08);
    aml_res_word_io(&r, 0x0000, 0x0CF7);
    aml_res_word_io(&r, 0x0D00, 0xFFFF);
    aml_res_dword_mem(&r, 0x000A0000, 0x000BFFFF, false);
    aml_res_dword_mem(&r, ACPI_PCI_MMIO_BASE, ACPI_PCI_MMIO_LIMIT, false);
    aml_res_end(&r);
    if (!aml_ok(&r)) {
        a->error = true;
        return;
    }
    aml_name(a, "_CRS");
    aml_buffer(a, res, r.len);

    /* Package { Package { 0xSSSSFFFF, pin, Zero, GSI }, ... } */
    aml_name(a, "_PRT");
    prt = aml_package_begin(a, (ACPI_PCI_PRT_LAST_SLOT - ACPI_PCI_PRT_FIRST_SLOT + 1) * 4);
    for (unsigned slot = ACPI_PCI_PRT_FIRST_SLOT; slot <= ACPI_PCI_PRT_LAST_SLOT; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            size_t e = aml_package_begin(a, 4);
            aml_byte(a, AML_DWORD_PREFIX);     /* keep every entry the same shape */
            aml_le(a, (uint32_t)slot << 16 | 0xFFFF, 4);
            aml_integer(a, pin);
            aml_integer(a, 0);
            aml_integer(a, acpi_pci_intx_gsi(slot, pin));
            aml_end(a, e);
        }
    }
    aml_end(a, prt);
    aml_end(a, dev);
}

static void dsdt_body(struct aml *a, const struct acpi_platform *p)
{
    size_t m;

    aml_name(a, "\\_S5_");
    m = aml_package_begin(a, 4);
    aml_integer(a, p->s5_slp_typ);
    aml_integer(a, p->s5_slp_typ);
    aml_integer(a, 0);
    aml_integer(a, 0);
    aml_end(a, m);

    size_t sb = aml_scope_begin(a, "\\_SB_");
    dsdt_pci0(a);
    for (unsigned i = 0; i < p->nr_cpus; i++) {
        char name[5] = "C000";
        hex3(name + 1, i);
        size_t dev = aml_device_begin(a, name);
        aml_name(a, "_HID");
        aml_string(a, "ACPI0007");
        aml_name(a, "_UID");
        aml_integer(a, i);
        aml_end(a, dev);
    }
    aml_end(a, sb);
}

/* ------------------------------------------------------------- tables */

static uint8_t checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    while (n--)
        sum = (uint8_t)(sum + *p++);
    return (uint8_t)-sum;
}

static void header(struct acpi_table_header *h, const char *sig, size_t len, uint8_t rev)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->signature, sig, 4);
    h->length = (uint32_t)len;
    h->revision = rev;
    memcpy(h->oem_id, OEM_ID, 6);
    memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
    h->oem_revision = OEM_REVISION;
    memcpy(h->creator_id, CREATOR_ID, 4);
    h->creator_revision = CREATOR_REV;
}

/* Sets the checksum byte (offset 9) of the table at t. */
static void seal(uint8_t *t)
{
    uint32_t len;
    memcpy(&len, t + offsetof(struct acpi_table_header, length), 4);
    t[offsetof(struct acpi_table_header, checksum)] = 0;
    t[offsetof(struct acpi_table_header, checksum)] = checksum(t, len);
}

static struct acpi_gas gas_io(uint16_t port, unsigned bytes, uint8_t access)
{
    struct acpi_gas g = {
        .space_id = ACPI_GAS_SYSTEM_IO,
        .bit_width = (uint8_t)(bytes * 8),
        .bit_offset = 0,
        .access_size = access,
        .address = port,
    };
    return g;
}

/* Offset of the first GPA at or after buf_gpa + off that is aligned to al. */
static size_t align_off(uint64_t buf_gpa, size_t off, uint64_t al)
{
    uint64_t gpa = buf_gpa + off;
    return off + (size_t)((al - (gpa & (al - 1))) & (al - 1));
}

struct layout {
    size_t rsdp, rsdt, xsdt, fadt, facs, madt, dsdt, end;
    size_t madt_len, dsdt_len;
};

#define NR_SDT_ENTRIES  2       /* FADT, MADT */
#define RSDT_LEN        (sizeof(struct acpi_table_header) + 4 * NR_SDT_ENTRIES)
#define XSDT_LEN        (sizeof(struct acpi_table_header) + 8 * NR_SDT_ENTRIES)

static bool platform_ok(const struct acpi_platform *p)
{
    return p->nr_cpus >= 1 && p->nr_cpus <= ACPI_MAX_CPUS &&
           p->sci_irq >= 1 && p->sci_irq <= 15 && p->sci_irq != 2 &&
           p->s5_slp_typ <= 7;
}

static void write_fadt(uint8_t *t, const struct acpi_platform *p, uint64_t facs, uint64_t dsdt,
                       bool low)
{
    struct acpi_fadt f;

    memset(&f, 0, sizeof(f));
    header(&f.hdr, "FACP", sizeof(f), ACPI_FADT_REVISION);
    f.firmware_ctrl = low ? (uint32_t)facs : 0;
    f.dsdt = low ? (uint32_t)dsdt : 0;
    f.preferred_pm_profile = 0;         /* unspecified */
    f.sci_int = p->sci_irq;
    f.smi_cmd = 0;                      /* no SMM: ACPI mode from power-on */
    f.pm1a_evt_blk = p->pm1a_evt;
    f.pm1a_cnt_blk = p->pm1a_cnt;
    f.pm_tmr_blk = p->pm_tmr;
    f.pm1_evt_len = 4;
    f.pm1_cnt_len = 2;
    f.pm_tmr_len = 4;
    f.p_lvl2_lat = 101;                 /* > 100: C2 not supported */
    f.p_lvl3_lat = 1001;                /* > 1000: C3 not supported */
    f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042;
    f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON |
              ACPI_FADT_FIX_RTC | ACPI_FADT_RESET_REG_SUP;
    f.reset_reg = gas_io(ACPI_RESET_PORT, 1, 1);
    f.reset_value = ACPI_RESET_VALUE;
    f.minor_version = ACPI_FADT_MINOR_VERSION;
    f.x_firmware_ctrl = low ? 0 : facs;
    f.x_dsdt = dsdt;
    f.x_pm1a_evt_blk = gas_io(p->pm1a_evt, 4, 2);
    f.x_pm1a_cnt_blk = gas_io(p->pm1a_cnt, 2, 2);
    f.x_pm_tmr_blk = gas_io(p->pm_tmr, 4, 3);
    memcpy(f.hypervisor_vendor, "KEEL\0\0\0", 8);
    memcpy(t, &f, sizeof(f));
}

static void write_facs(uint8_t *t)
{
    struct acpi_facs f;

    memset(&f, 0, sizeof(f));
    memcpy(f.signature, "FACS", 4);
    f.length = sizeof(f);
    f.version = 2;
    memcpy(t, &f, sizeof(f));
}

static void write_madt(uint8_t *t, const struct acpi_platform *p, size_t len)
{
    struct acpi_madt m;
    size_t off = sizeof(m);

    header(&m.hdr, "APIC", len, ACPI_MADT_REVISION);
    m.lapic_address = p->lapic_addr;
    m.flags = ACPI_MADT_PCAT_COMPAT;
    memcpy(t, &m, sizeof(m));

    for (unsigned i = 0; i < p->nr_cpus; i++) {
        struct acpi_madt_lapic l = {
            .type = ACPI_MADT_TYPE_LAPIC, .length = sizeof(l),
            .processor_uid = (uint8_t)i, .apic_id = (uint8_t)i,
            .flags = ACPI_MADT_LAPIC_ENABLED,
        };
        memcpy(t + off, &l, sizeof(l));
        off += sizeof(l);
    }

    struct acpi_madt_ioapic io = {
        .type = ACPI_MADT_TYPE_IOAPIC, .length = sizeof(io),
        .ioapic_id = p->ioapic_id, .address = p->ioapic_addr, .gsi_base = 0,
    };
    memcpy(t + off, &io, sizeof(io));
    off += sizeof(io);

    struct acpi_madt_iso iso[2] = {
        { .type = ACPI_MADT_TYPE_ISO, .length = sizeof(iso[0]), .bus = 0,
          .source_irq = 0, .gsi = 2,
          .flags = ACPI_INTI_POLARITY_CONFORMS | ACPI_INTI_TRIGGER_CONFORMS },
        { .type = ACPI_MADT_TYPE_ISO, .length = sizeof(iso[0]), .bus = 0,
          .source_irq = p->sci_irq, .gsi = p->sci_irq,
          .flags = ACPI_INTI_POLARITY_HIGH | ACPI_INTI_TRIGGER_LEVEL },
    };
    memcpy(t + off, iso, sizeof(iso));
    off += sizeof(iso);

    struct acpi_madt_lapic_nmi nmi = {
        .type = ACPI_MADT_TYPE_LAPIC_NMI, .length = sizeof(nmi),
        .processor_uid = 0xFF, .flags = 0, .lint = 1,
    };
    memcpy(t + off, &nmi, sizeof(nmi));
}

static bool plan(const struct acpi_platform *p, uint64_t buf_gpa, struct layout *l)
{
    struct aml m;

    l->madt_len = sizeof(struct acpi_madt) + p->nr_cpus * sizeof(struct acpi_madt_lapic) +
                  sizeof(struct acpi_madt_ioapic) + 2 * sizeof(struct acpi_madt_iso) +
                  sizeof(struct acpi_madt_lapic_nmi);
    aml_init(&m, NULL, 0);
    dsdt_body(&m, p);
    if (m.error)
        return false;
    l->dsdt_len = sizeof(struct acpi_table_header) + m.len;

    l->rsdp = align_off(buf_gpa, 0, 16);
    l->rsdt = align_off(buf_gpa, l->rsdp + sizeof(struct acpi_rsdp), 16);
    l->xsdt = align_off(buf_gpa, l->rsdt + RSDT_LEN, 16);
    l->fadt = align_off(buf_gpa, l->xsdt + XSDT_LEN, 16);
    l->facs = align_off(buf_gpa, l->fadt + sizeof(struct acpi_fadt), 64);
    l->madt = align_off(buf_gpa, l->facs + sizeof(struct acpi_facs), 16);
    l->dsdt = align_off(buf_gpa, l->madt + l->madt_len, 16);
    l->end = l->dsdt + l->dsdt_len;
    return buf_gpa + l->end > buf_gpa;      /* no wrap past 2^64 */
}

size_t acpi_build_tables(const struct acpi_platform *p, uint8_t *buf, size_t buf_len,
                         uint64_t buf_gpa, uint64_t *rsdp_gpa)
{
    struct layout l;
    struct aml a;

    if (!p || !buf || !platform_ok(p) || !plan(p, buf_gpa, &l) || l.end > buf_len)
        return 0;
    /* Everything below 4 GiB: 32-bit pointers and the RSDT can be used too. */
    bool low = buf_gpa + l.end <= 0x100000000ull;

    memset(buf, 0, l.end);

    struct acpi_table_header h;
    header(&h, "DSDT", l.dsdt_len, 2);
    memcpy(buf + l.dsdt, &h, sizeof(h));
    aml_init(&a, buf + l.dsdt + sizeof(h), l.dsdt_len - sizeof(h));
    dsdt_body(&a, p);
    if (!aml_ok(&a) || a.len != l.dsdt_len - sizeof(h))
        return 0;                       /* cannot happen: same bytes as planned */
    seal(buf + l.dsdt);

    write_madt(buf + l.madt, p, l.madt_len);
    seal(buf + l.madt);

    write_facs(buf + l.facs);

    write_fadt(buf + l.fadt, p, buf_gpa + l.facs, buf_gpa + l.dsdt, low);
    seal(buf + l.fadt);

    uint64_t entries[NR_SDT_ENTRIES] = { buf_gpa + l.fadt, buf_gpa + l.madt };

    header(&h, "XSDT", XSDT_LEN, 1);
    memcpy(buf + l.xsdt, &h, sizeof(h));
    memcpy(buf + l.xsdt + sizeof(h), entries, sizeof(entries));
    seal(buf + l.xsdt);

    if (low) {
        header(&h, "RSDT", RSDT_LEN, 1);
        memcpy(buf + l.rsdt, &h, sizeof(h));
        for (unsigned i = 0; i < NR_SDT_ENTRIES; i++) {
            uint32_t e = (uint32_t)entries[i];
            memcpy(buf + l.rsdt + sizeof(h) + 4 * i, &e, 4);
        }
        seal(buf + l.rsdt);
    }

    struct acpi_rsdp r;
    memset(&r, 0, sizeof(r));
    memcpy(r.signature, "RSD PTR ", 8);
    memcpy(r.oem_id, OEM_ID, 6);
    r.revision = 2;
    r.rsdt_address = low ? (uint32_t)(buf_gpa + l.rsdt) : 0;
    r.length = sizeof(r);
    r.xsdt_address = buf_gpa + l.xsdt;
    r.checksum = checksum((const uint8_t *)&r, 20);
    r.extended_checksum = checksum((const uint8_t *)&r, sizeof(r));
    memcpy(buf + l.rsdp, &r, sizeof(r));

    if (rsdp_gpa)
        *rsdp_gpa = buf_gpa + l.rsdp;
    return l.end;
}
