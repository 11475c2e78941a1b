/* SPDX-License-Identifier: BSD-2-Clause */
/* Proleptic Gregorian calendar arithmetic (pure, any context). */
#include "lib/calendar.h"

#define SHIFT_YEARS     400u
#define DAYS_PER_ERA    146097u         /* days in 400 Gregorian years */
#define MIN_DAYS        (-719528)       /* 0000-01-01 */
#define MAX_DAYS        365242500       /* about year 1000000 */

uint64_t calendar_day_number(uint32_t year, unsigned month, unsigned mday)
{
    uint64_t y = (uint64_t)year + SHIFT_YEARS, m = month;
    if (m == 0) {
        y -= 1;
        m = 12;
    } else if (m > 12) {
        y += (m - 1) / 12;
        m = (m - 1) % 12 + 1;
    }
    /* March-based year: March = 0 ... February = 11 of the year before. */
    if (m <= 2) {
        y -= 1;
        m += 9;
    } else {
        m -= 3;
    }
    uint64_t doy = (153 * m + 2) / 5;          /* days before month m */
    /* y >= 399 here, so the sum is far above the 1 a zero mday takes off. */
    return y * 365 + y / 4 - y / 100 + y / 400 + doy + mday - 1;
}

void calendar_civil_from_day(uint64_t dn, uint32_t *year, unsigned *month, unsigned *mday)
{
    uint64_t era = dn / DAYS_PER_ERA, doe = dn % DAYS_PER_ERA;
    /* Centuries of 36524 days, the 4th with the era's extra leap day. */
    uint64_t cent = doe / 36524;
    if (cent > 3)
        cent = 3;
    uint64_t doc = doe - cent * 36524;
    /* Four-year groups of 1461 days (the last one of a century may be short). */
    uint64_t quad = doc / 1461, doq = doc - quad * 1461;
    /* Years of 365 days; the 4th March-based year holds 29 February. */
    uint64_t yq = doq / 365;
    if (yq > 3)
        yq = 3;
    uint64_t doy = doq - yq * 365;
    uint64_t y = era * 400 + cent * 100 + quad * 4 + yq;
    uint64_t mp = (5 * doy + 2) / 153;
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    y += (m <= 2);
    *year = y >= SHIFT_YEARS ? (uint32_t)(y - SHIFT_YEARS) : 0;
}

int64_t calendar_days_from_civil(uint32_t year, unsigned month, unsigned mday)
{
    return (int64_t)calendar_day_number(year, month, mday) - CALENDAR_UNIX_DAY0;
}

void calendar_civil_from_days(int64_t days, uint32_t *year, unsigned *month, unsigned *mday)
{
    if (days < MIN_DAYS)
        days = MIN_DAYS;
    if (days > MAX_DAYS)
        days = MAX_DAYS;
    calendar_civil_from_day((uint64_t)(days + CALENDAR_UNIX_DAY0), year, month, mday);
}
