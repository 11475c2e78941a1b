/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_acpi.c — test guest: the ACPI tables and the PM timer. RSDP found by scanning
 * 0xE0000-0xFFFFF with valid checksums (and extended checksum from revision 2); RSDT and
 * XSDT (whichever exist) and every table they list, plus the DSDT, checksum to 0; FADT
 * with a 4-byte PM timer block and a PM1a control block; MADT with the LAPIC at
 * 0xFEE00000, one enabled LAPIC per CPU (the BSP's ID among them, IDs unique) and an
 * IOAPIC at 0xFEC00000 with GSI base 0, ISA IRQ0 -> GSI 2. The PM timer never goes
 * backwards (24-bit wrap handled) and its rate agrees with the PIT's within 10%, using the
 * TSC as the common yardstick. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_acpi";

static void print_sig(const struct acpi_header *h, char out[5])
{
    memcpy(out, h->signature, 4);
    out[4] = 0;
}

static bool table_ok(const struct acpi_header *h, const char *what)
{
    char sig[5];
    print_sig(h, sig);
    bool ok = h->length >= sizeof(*h) && h->length < (1u << 20) && acpi_sum(h, h->length) == 0;
    check(ok, "%s %s at 0x%lx: revision %u, length %u, checksum %s", what, sig,
          (unsigned long)(uintptr_t)h, h->revision, h->length, ok ? "ok" : "BAD");
    return ok;
}

static void check_root(const struct acpi_header *root, unsigned es, const char *want_sig)
{
    char sig[5];
    print_sig(root, sig);
    check(memcmp(root->signature, want_sig, 4) == 0, "root table signature %s", sig);
    if (!table_ok(root, "root"))
        return;
    unsigned n = acpi_root_count(root, es);
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = acpi_root_entry(root, es, i);
        if (!check(a && a < 0x100000000ull, "%s entry %u at 0x%lx is below 4 GiB", want_sig, i,
                   (unsigned long)a))
            continue;
        table_ok((const struct acpi_header *)(uintptr_t)a, want_sig);
    }
}

static void test_tables(void)
{
    const struct acpi_rsdp *r = acpi_find_rsdp();
    if (!check(r != NULL, "RSDP found in 0xE0000-0xFFFFF"))
        test_finish();
    char oem[7] = { 0 };
    memcpy(oem, r->oem_id, 6);
    note("RSDP at 0x%lx: revision %u, OEM \"%s\", RSDT 0x%x, XSDT 0x%lx", (unsigned long)(uintptr_t)r,
         r->revision, oem, r->rsdt, (unsigned long)(r->revision >= 2 ? r->xsdt : 0));
    check(((uintptr_t)r & 15) == 0 && acpi_sum(r, 20) == 0, "RSDP 16-byte aligned, checksum ok");
    if (r->revision >= 2) {
        check(r->length >= 36 && r->length < 4096 && acpi_sum(r, r->length) == 0,
              "RSDP extended checksum over %u bytes", r->length);
        if (r->xsdt)
            check_root((const struct acpi_header *)(uintptr_t)r->xsdt, 8, "XSDT");
    }
    if (r->rsdt)
        check_root((const struct acpi_header *)(uintptr_t)r->rsdt, 4, "RSDT");
    check(r->rsdt || (r->revision >= 2 && r->xsdt), "an RSDT or XSDT is present");

    struct acpi_fadt_info fi;
    if (check(acpi_fadt_info(&fi), "FADT (FACP) with a PM timer block")) {
        note("FADT rev %u, %u bytes: PM_TMR 0x%x (len %u, %s), PM1a_CNT 0x%x, PM1a_EVT 0x%x, SCI %u",
             fi.fadt->revision, fi.fadt->length, fi.pm_tmr_port, fi.pm_tmr_len,
             fi.tmr_32bit ? "32-bit" : "24-bit", fi.pm1a_cnt_blk, fi.pm1a_evt_blk, fi.sci_int);
        check(fi.pm_tmr_len == 4, "PM_TMR_LEN 4 (%u)", fi.pm_tmr_len);
        check(fi.pm1a_cnt_blk != 0, "PM1a_CNT_BLK present (0x%x)", fi.pm1a_cnt_blk);
        check(fi.dsdt != 0 && fi.dsdt < 0x100000000ull, "DSDT pointer 0x%lx", (unsigned long)fi.dsdt);
        if (fi.dsdt && fi.dsdt < 0x100000000ull) {
            const struct acpi_header *d = (const struct acpi_header *)(uintptr_t)fi.dsdt;
            check(memcmp(d->signature, "DSDT", 4) == 0, "DSDT signature");
            table_ok(d, "FADT ->");
        }
    }

    struct acpi_madt_info mi;
    if (!check(acpi_madt_info(&mi), "MADT (APIC) present"))
        return;
    note("MADT: LAPIC 0x%x, flags 0x%x, %u LAPIC entries (%u enabled), %u x2APIC, %u IOAPIC "
         "(ID %u at 0x%x, GSI base %u), %u overrides, IRQ0 -> GSI %u",
         mi.lapic_addr, mi.flags, mi.nr_lapic, mi.nr_lapic_enabled, mi.nr_x2apic, mi.nr_ioapic,
         mi.ioapic_id, mi.ioapic_addr, mi.ioapic_gsi_base, mi.nr_iso, mi.isa_gsi[0]);
    check(!mi.bad_entry, "MADT entries well formed");
    check(mi.lapic_addr == LAPIC_DEFAULT_BASE, "MADT local APIC address 0x%x", mi.lapic_addr);
    check(mi.nr_lapic_enabled >= 1, "at least one enabled LAPIC");
    uint8_t bsp = (uint8_t)(cpuid(1, 0).ebx >> 24);
    bool found = false, unique = true;
    for (unsigned i = 0; i < mi.nr_lapic_enabled && i < MADT_MAX_CPUS; i++) {
        found |= mi.lapic_id[i] == bsp;
        for (unsigned j = 0; j < i; j++)
            unique &= mi.lapic_id[i] != mi.lapic_id[j];
    }
    check(found, "the BSP's APIC ID %u has an enabled MADT entry", bsp);
    check(unique, "enabled LAPIC IDs are unique");
    check(mi.nr_ioapic >= 1 && mi.ioapic_addr == IOAPIC_DEFAULT_BASE && mi.ioapic_gsi_base == 0,
          "IOAPIC at 0x%x, GSI base %u (want 0xfec00000, 0)", mi.ioapic_addr, mi.ioapic_gsi_base);
    check(mi.isa_gsi[0] == 2, "interrupt source override ISA IRQ0 -> GSI %u (want 2)", mi.isa_gsi[0]);
}

static void test_pm_timer(void)
{
    /* Monotonic over many consecutive reads: each step forward by less than half the range. */
    uint32_t raw = inl(pmtmr_port);
    check(pmtmr_mask == 0xFFFFFFFFu || (raw >> 24) == 0, "24-bit PM timer reads 0 in bits 31:24 (0x%08x)", raw);
    uint32_t prev = pmtmr_read(), first = prev, backwards = 0, wraps = 0;
    uint64_t total = 0;
    for (unsigned i = 0; i < 2000; i++) {
        uint32_t v = pmtmr_read();
        uint32_t d = pmtmr_delta(prev, v);
        if (d > (pmtmr_mask >> 1))
            backwards++;
        else
            total += d;
        if (v < prev)
            wraps++;
        prev = v;
    }
    note("PM timer: 2000 reads advanced %lu ticks (from 0x%06x, %u wraps)", (unsigned long)total,
         first, wraps);
    check(backwards == 0, "PM timer never went backwards (%u times)", backwards);
    check(total > 0, "PM timer advanced");

    /* Same TSC against both clocks: PIT channel 2 (10 ms) and PM timer (10 ms). */
    /* The TSC as the common yardstick. PIT: channel 2's counter read back (robust to an
     * emulator being descheduled), and OUT2 going high on port 0x61 as Linux polls it. */
    uint64_t by_out2 = tsc_hz_from_pit(5);
    uint64_t by_pit = 0, by_pm = 0;
    for (unsigned i = 0; i < 3; i++) {
        uint64_t a = tsc_hz_from_pit_counter(5000), b = tsc_hz_from_pmtmr(5000);
        by_pit = (!by_pit || (a && a < by_pit)) ? a : by_pit;   /* delays only inflate */
        by_pm = (!by_pm || (b && b < by_pm)) ? b : by_pm;
    }
    note("TSC: %lu kHz by the PIT counter, %lu kHz by the PM timer (best of 3 x 5 ms); "
         "%lu kHz by PIT OUT2 (5 ms)", (unsigned long)(by_pit / 1000), (unsigned long)(by_pm / 1000),
         (unsigned long)(by_out2 / 1000));
    check(by_out2 > 0, "PIT channel 2 OUT went high (port 0x61 bit 5)");
    check(by_pit > 0 && by_pm > 0, "PIT channel 2 counter and PM timer both measured the TSC");
    check(within_pct(by_pm, by_pit, 10), "PM timer rate agrees with the PIT within 10%% (%lu per mille)",
          (unsigned long)per_mille(by_pm, by_pit));
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    test_tables();
    if (!pmtmr_init())
        test_fail("no usable PM timer");
    test_pm_timer();
    test_finish();
}
