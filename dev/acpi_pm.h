/* SPDX-License-Identifier: BSD-2-Clause */
/* ACPI fixed-hardware PM block (PIIX4-style at 0x600): PM1 status/enable,
 * PM1 control (S5 power-off), and the 24-bit PM timer at 3.579545 MHz.
 * ACPI 6.4 sections 4.8.3.1-4.8.3.3. Pure: time passed in. */
#ifndef KEEL_DEV_ACPI_PM_H
#define KEEL_DEV_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"

#define ACPI_PM_BASE      0x600
#define ACPI_PM1_EVT      (ACPI_PM_BASE + 0)    /* STS (2 bytes), EN (2 bytes) */
#define ACPI_PM1_CNT      (ACPI_PM_BASE + 4)
#define ACPI_PM_TMR       (ACPI_PM_BASE + 8)
#define ACPI_PM_LEN       12
#define ACPI_SCI_IRQ      9
#define ACPI_PM_TMR_HZ    3579545u
#define ACPI_S5_SLP_TYP   0         /* what the DSDT's \_S5 package says */

enum acpi_pm_request { ACPI_PM_NONE, ACPI_PM_POWEROFF };

struct acpi_pm {
    uint16_t sts, en, cnt;
    struct irq_line sci;
};

void acpi_pm_init(struct acpi_pm *pm, const struct irq_line *sci);
uint32_t acpi_pm_read(struct acpi_pm *pm, uint16_t port, unsigned size, uint64_t now_ns);
/* The power button was pressed (ACPI 6.4 4.8.2.2.1: PWRBTN_STS, an SCI
 * when PWRBTN_EN is set): the guest's OS decides what follows. */
void acpi_pm_power_button(struct acpi_pm *pm);
/* Returns ACPI_PM_POWEROFF when the write puts the machine into S5. */
enum acpi_pm_request acpi_pm_write(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t val);

#endif
