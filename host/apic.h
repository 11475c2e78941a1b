/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot CPU's own local APIC: a one-shot TSC-deadline timer that wakes
 * Keel from HLT or takes it out of a guest when a device deadline is due. */
#ifndef KEEL_CORE_HOST_APIC_H
#define KEEL_CORE_HOST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_TIMER_VECTOR    0xf0
#define HOST_KICK_VECTOR     0xf1   /* another CPU has news for this one */
#define HOST_SPURIOUS_VECTOR 0xff

/* Enable the LAPIC (x2APIC mode when offered). Returns false when the CPU
 * lacks a TSC-deadline timer: then Keel cannot sleep and polls instead. */
bool host_apic_init(void);
/* The same on an application processor, without the report. */
void host_apic_init_ap(void);
uint32_t host_apic_id(void);
/* Start-up IPIs to every other CPU, and a fixed IPI to one (SDM 11.6.1). */
void host_apic_send_init_all(void);
void host_apic_send_sipi_all(uint8_t page);
void host_apic_send_ipi(uint32_t apic_id, uint8_t vector);
/* Fire HOST_TIMER_VECTOR when the TSC reaches `tsc` (0 disarms). */
void host_timer_arm(uint64_t tsc);
void host_apic_eoi(void);
/* Halt with interrupts on until `tsc` (or any host interrupt). */
void host_sleep_until(uint64_t tsc);

#endif
