/* SPDX-License-Identifier: BSD-2-Clause */
/* timer.h — platform time sources for the guests: the ACPI PM timer (port from the FADT),
 * the i8254 PIT (channel 0 periodic, channel 2 gated one-shot via port 0x61) and TSC
 * calibration against either. Emulated time is noisy: compare rates as ratios with
 * generous tolerances, never against wall-clock expectations. */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define PMTMR_HZ    3579545u
#define PIT_HZ      1193182u

#define PIT_CH0     0x40
#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_61     0x61        /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */

/* Finds the PM timer through the FADT and checks that it advances. false (with a line
 * saying why) if there is none or it is stuck. */
bool pmtmr_init(void);
extern uint16_t pmtmr_port;
extern uint32_t pmtmr_mask;     /* 0xFFFFFF, or 0xFFFFFFFF with TMR_VAL_EXT */

uint32_t pmtmr_read(void);      /* raw, masked to the counter width */
/* Ticks from a to b, modulo the counter width (one wrap at most: 4.7 s for 24 bits). */
uint32_t pmtmr_delta(uint32_t a, uint32_t b);
static inline uint32_t pmtmr_us_to_ticks(uint32_t us)
{
    return (uint32_t)(((uint64_t)us * PMTMR_HZ) / 1000000u);
}
static inline uint64_t pmtmr_ticks_to_us(uint64_t ticks)
{
    return ticks * 1000000u / PMTMR_HZ;
}

/* Median of the n-1 intervals between n consecutive PM timer stamps (2 <= n <= 129), in PM
 * ticks: a period estimate that a few lost or late interrupts (host preemption of an
 * emulator, coalesced ticks) do not skew, unlike count / elapsed time. */
uint32_t pmtmr_median_interval(const volatile uint32_t *stamps, unsigned n);

/* Busy-waits us microseconds of PM time; IF unchanged. */
void pmtmr_delay_us(uint32_t us);

/* Waits with IF=1 (polling, no HLT) until *counter >= target or timeout_us of PM time
 * passed; returns with IF=0 and whether the target was reached. */
bool wait_count_us(volatile uint32_t *counter, uint32_t target, uint32_t timeout_us);

/* Runs with IF=1 for us microseconds of PM time (polling), then IF=0: lets interrupts
 * already pending (IRR) in, e.g. after stopping a source and before checking it is quiet. */
void sti_wait_us(uint32_t us);

/* Channel 0, mode 2 (rate generator), binary, lobyte/hibyte: IRQ0 every divisor clocks. */
void pit_ch0_rate(uint16_t divisor);

/* TSC ticks per second measured over one channel-2 one-shot of ms milliseconds (gate on
 * port 0x61, OUT2 polled). 0 if OUT2 never went high. Needs IF=0. */
uint64_t tsc_hz_from_pit(uint32_t ms);

/* TSC ticks per second against PIT channel 2 counting down (mode 0, gate on port 0x61)
 * over about us microseconds (at most 50000), from latched counter reads each paired with
 * the TSC: unlike waiting for OUT2, a delay between samples does not skew it. 0 if the
 * counter does not move. Needs IF=0. */
uint64_t tsc_hz_from_pit_counter(uint32_t us);

/* TSC ticks per second measured over us microseconds of PM timer. */
uint64_t tsc_hz_from_pmtmr(uint32_t us);

/* Ratio in per mille (1000 = equal), for printing and tolerance checks. */
static inline uint64_t per_mille(uint64_t num, uint64_t den)
{
    return den ? (num * 1000u + den / 2) / den : 0;
}

/* |measured/expected - 1| <= tol_pct percent. */
static inline bool within_pct(uint64_t measured, uint64_t expected, unsigned tol_pct)
{
    return measured * 100u >= expected * (100u - tol_pct) &&
           measured * 100u <= expected * (100u + tol_pct);
}

#endif
