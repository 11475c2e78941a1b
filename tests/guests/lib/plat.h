/* SPDX-License-Identifier: BSD-2-Clause */
/* plat.h — common start for the PC-platform guests (plat_*.c). */
#ifndef GUEST_PLAT_H
#define GUEST_PLAT_H

#include <stdint.h>
#include "acpi.h"
#include "apic.h"
#include "irq.h"
#include "pic.h"
#include "timer.h"

#define VEC_PIC_SPURIOUS_MASTER (PIC_VEC_MASTER + 7)
#define VEC_PIC_SPURIOUS_SLAVE  (PIC_VEC_SLAVE + 7)
#define VEC_APIC_SPURIOUS       0xFF

/* Loads the 256-entry IDT, finds the PM timer (FAILs the test without one), initialises
 * both 8259s at 0x20/0x28 with every IRQ masked (so nothing firmware left running can
 * reach an exception vector once IF=1) and counts spurious interrupts (PIC IRQ7/IRQ15,
 * LAPIC vector 0xFF) in the variables below instead of failing on them. IF stays 0. */
void plat_init(void);

extern volatile uint32_t plat_spurious_pic, plat_spurious_apic;

/* Common end: checks that no interrupt hit a vector without a handler, notes spurious
 * interrupts and the PM time used since plat_init(), then test_finish(). */
__attribute__((noreturn)) void plat_finish(void);

/* Checks a periodic interrupt's rate from the PM timer stamps of n+1 consecutive
 * interrupts: the median period must be within tol_pct of 1/want_mhz (millihertz). Notes
 * the median and mean rates. Returns the check's result. */
bool plat_check_rate(const char *what, const volatile uint32_t *stamps, unsigned n,
                     uint64_t want_mhz, unsigned tol_pct);

#endif
