/* SPDX-License-Identifier: BSD-2-Clause */
/* Proleptic Gregorian calendar arithmetic (pure, any context), shared by the
 * host's RTC driver and the guests' RTC model. */
#ifndef KEEL_LIB_CALENDAR_H
#define KEEL_LIB_CALENDAR_H

#include <stdint.h>

/* Internal day numbers count from 0000-03-01 of a calendar shifted by 400
 * years (one Gregorian era), so every day of years 0.. is non-negative. */
#define CALENDAR_UNIX_DAY0 865565      /* internal day number of 1970-01-01 */
#define CALENDAR_SUNDAY_OFF 3u          /* (day number + 3) % 7 == 0 on Sundays */

/* Internal day number of a date; month 0 and months past 12 roll into the
 * year before or after, mday 0 is the last day of the month before. */
uint64_t calendar_day_number(uint32_t year, unsigned month, unsigned mday);
/* The date of internal day number dn (years below 0 read as 0). */
void calendar_civil_from_day(uint64_t dn, uint32_t *year, unsigned *month, unsigned *mday);

/* Proleptic Gregorian calendar <-> days since 1970-01-01, years 0..1000000
 * (outside, the result is clamped). month 1-12 and mday 1-31 when valid;
 * others are normalized (month 13 = January of the next year, day 0 = the
 * last day of the month before). */
int64_t calendar_days_from_civil(uint32_t year, unsigned month, unsigned mday);
void calendar_civil_from_days(int64_t days, uint32_t *year, unsigned *month, unsigned *mday);

#endif
