/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI PM block model (vCPU's CPU, at I/O exits; pure). */
#include "dev/acpi_pm.h"
#include "lib/muldiv.h"

#define PM1_CNT_SCI_EN    (1u << 0)
#define PM1_CNT_SLP_TYP(v) (((v) >> 10) & 7u)
#define PM1_CNT_SLP_EN    (1u << 13)
#define PM1_CNT_WRITABLE  0x1c06u   /* BM_RLD, GBL_RLS, SLP_TYP; SLP_EN is write-only */
#define PM1_STS_WRITABLE  0x8d31u   /* TMR, BM, GBL, PWRBTN, SLPBTN, RTC, WAK (write 1 to clear) */
#define PM1_STS_PWRBTN    (1u << 8)

void acpi_pm_init(struct acpi_pm *pm, const struct irq_line *sci)
{
    *pm = (struct acpi_pm){ .cnt = PM1_CNT_SCI_EN };   /* ACPI mode from the start: no SMI_CMD */
    if (sci)
        pm->sci = *sci;
}

static void update_sci(struct acpi_pm *pm)
{
    irq_set(&pm->sci, (pm->sts & pm->en) != 0);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
    pm->sts |= PM1_STS_PWRBTN;
    update_sci(pm);
}

/* Bytes `size` of a 16-bit register pair starting at `off` within the block. */
static uint32_t reg_bytes(uint32_t regs, unsigned off, unsigned size)
{
    uint32_t v = regs >> (8 * off);
    return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

uint32_t acpi_pm_read(struct acpi_pm *pm, uint16_t port, unsigned size, uint64_t now_ns)
{
    unsigned off = port - ACPI_PM_BASE;
    if (off < 4)
        return reg_bytes(pm->sts | ((uint32_t)pm->en << 16), off, size);
    if (off < 8)
        return reg_bytes(pm->cnt, off - 4, size);
    /* The timer is read as a whole dword; it counts from platform time zero. */
    uint32_t tmr = (uint32_t)muldiv64(now_ns, ACPI_PM_TMR_HZ, 1000000000ull) & 0xffffff;
    return reg_bytes(tmr, off - 8, size);
}

enum acpi_pm_request acpi_pm_write(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t val)
{
    unsigned off = port - ACPI_PM_BASE;
    for (unsigned i = 0; i < size; i++, off++) {
        uint8_t b = (uint8_t)(val >> (8 * i));
        if (off < 2) {
            pm->sts &= (uint16_t)~((uint32_t)(b & (PM1_STS_WRITABLE >> (8 * off))) << (8 * off));
        } else if (off < 4) {
            unsigned sh = 8 * (off - 2);
            pm->en = (uint16_t)((pm->en & ~(0xffu << sh)) | ((uint32_t)b << sh));
        } else if (off < 6) {
            unsigned sh = 8 * (off - 4);
            uint16_t written = (uint16_t)(b << sh);
            pm->cnt = (uint16_t)((pm->cnt & ~(PM1_CNT_WRITABLE & (0xffu << sh))) |
                                 (written & PM1_CNT_WRITABLE));
            if ((written & PM1_CNT_SLP_EN) && PM1_CNT_SLP_TYP(pm->cnt) == ACPI_S5_SLP_TYP) {
                update_sci(pm);
                return ACPI_PM_POWEROFF;
            }
        }
    }
    update_sci(pm);
    return ACPI_PM_NONE;
}
