/* SPDX-License-Identifier: BSD-2-Clause */
/* Bringing up the machine's other CPUs and handing them vCPUs to run. */
#ifndef KEEL_CORE_SMP_H
#define KEEL_CORE_SMP_H

#include "arch/x86/percpu.h"

/* Start every application processor (INIT-SIPI-SIPI broadcast) when firmware
 * reports `expected` > 1 CPUs; returns when they are online or 100 ms have
 * passed. Boot CPU, once. */
void smp_start_aps(unsigned expected);
/* Wake a CPU waiting in Keel (it finds new work or a pending event). */
void smp_kick(const struct pcpu *cpu);

#endif
