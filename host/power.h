/* SPDX-License-Identifier: BSD-2-Clause */
/* Turning the machine off when no VM is left, so scripts can wait on it. */
#ifndef KEEL_CORE_POWER_H
#define KEEL_CORE_POWER_H

#include "host/bootinfo.h"

/* ACPI S5 where the firmware describes it, then Bochs's shutdown port;
 * halts if both fail. */
void machine_power_off(const struct boot_info *bi) __attribute__((noreturn));

#endif
