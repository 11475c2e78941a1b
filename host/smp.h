/* SPDX-License-Identifier: BSD-2-Clause */
/* Bringing up the machine's other CPUs and handing them vCPUs to run. */
#ifndef KEEL_CORE_SMP_H
#define KEEL_CORE_SMP_H

#include <stddef.h>
#include "arch/x86/percpu.h"

/* Where the APs' real-mode start-up code is copied (below 1 MiB, 4 KiB
 * aligned: the SIPI vector is its page number). */
#define AP_TRAMPOLINE 0x8000

/* What an AP does once the host has set it up, filled in by the top
 * (ctl/main.c), so the host never names the layers that run guests.
 * enable: make this CPU ready to run guests (VMXON); non-zero with a reason
 *         in `why` leaves the CPU halted.
 * run:    the CPU's life from then on (the scheduler's loop); never returns. */
struct smp_ap_hooks {
    int (*enable)(char *why, size_t why_len);
    void (*run)(void);
};

/* Start every application processor (INIT-SIPI-SIPI broadcast) when firmware
 * reports `expected` > 1 CPUs; returns when they are online or 100 ms have
 * passed. Boot CPU, once; `hooks` must outlive the APs. */
void smp_start_aps(unsigned expected, const struct smp_ap_hooks *hooks);
/* Wake a CPU waiting in Keel (it finds new work or a pending event). */
void smp_kick(const struct pcpu *cpu);

#endif
