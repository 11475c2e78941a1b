/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's own RTC, read once so guests' clocks start at the real time. */
#ifndef KEEL_CORE_HOST_RTC_H
#define KEEL_CORE_HOST_RTC_H

#include <stdint.h>

/* Read CMOS time (boot CPU, once): remembers Unix seconds and the TSC then. */
void host_rtc_read(void);
/* Unix time now, from that reading plus TSC time since. */
uint64_t host_rtc_now(void);

#endif
