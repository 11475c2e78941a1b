/* SPDX-License-Identifier: BSD-2-Clause */
/* MC146818A RTC/CMOS model (pure; called at port 0x70/0x71 exits and timer expiries, time passed in). */
#ifndef KEEL_DEV_RTC_H
#define KEEL_DEV_RTC_H

/*
 * Register layout and behaviour from the Motorola MC146818A datasheet
 * ("CMOS Real-Time Clock Plus RAM": address map, registers A-D),
 * with the PC/AT conventions Linux 6.1 relies on (drivers/rtc/rtc-cmos.c,
 * drivers/rtc/rtc-mc146818-lib.c, arch/x86/kernel/rtc.c):
 *
 *   port 0x70  write: bit 7 = NMI disable (remembered, rtc_nmi_masked),
 *              bits 6:0 = CMOS index. Reads return 0xFF (the index port is
 *              write-only on PC chipsets).
 *   port 0x71  data at the index.
 *
 *   0x00 seconds  0x01 alarm seconds  0x02 minutes  0x03 alarm minutes
 *   0x04 hours    0x05 alarm hours    0x06 day of week (1 = Sunday)
 *   0x07 day of month  0x08 month  0x09 year (00-99)  0x32 century
 *   0x0A A: UIP(7, RO) DV2-0(6:4) RS3-0(3:0)
 *   0x0B B: SET PIE AIE UIE SQWE DM(1 = binary) 24/12(1 = 24h) DSE
 *   0x0C C: IRQF PF AF UF (RO, cleared by the read; bits 3:0 read 0)
 *   0x0D D: VRT(7) = 1 always, the rest 0 (RO)
 *   0x0E-0x7F general RAM (except 0x32, the century of the clock)
 *
 * Time: the clock runs only with DV = 010 (32.768 kHz time base), counting
 * divider cycles from now_ns. Each update cycle is modelled as instantaneous
 * at the second boundary; UIP reads 1 for the 8 divider cycles (244.1 us)
 * before it, so wait-for-!UIP loops always end. Leaving divider reset (and
 * any other non-010 value) for 010 starts the divider: the first update is
 * 500 ms later (datasheet; Linux's set_offset_nsec for this RTC relies on
 * it); periodic interrupts count from the divider start too. After
 * rtc_init the first update is one second after now_ns.
 *
 * The clock is kept as decoded binary values, so DM and 24/12 only change
 * how registers are presented (on the chip the stored bytes stay as they
 * are and software must rewrite the time after a mode change). Values
 * written out of range are kept until the next update, which normalizes
 * them through the calendar (e.g. 31 February becomes 2 or 3 March).
 * Day of week counts on its own at midnight, as on the chip. With DSE the
 * chip's US rules apply: last Sunday of April 01:59:59 -> 03:00:00, last
 * Sunday of October 01:59:59 -> 01:00:00 (once), "Sunday" from the DOW
 * register. Writing SET = 1 stops updates and clears UIE; writes to the
 * clock registers take effect in the registers and the clock resumes from
 * them when SET returns to 0 (the chip loses the updates that SET held off).
 *
 * Interrupt: IRQF = (PF & PIE) | (AF & AIE) | (UF & UIE). The model drives
 * irq8 high while IRQF is 1 (level toward the device pin): high when IRQF
 * becomes 1, low when reading register C clears it (or the enable bits are
 * cleared). The platform wires it to PIC IRQ8 or IOAPIC pin 8, both edge
 * triggered on a PC (ISA IRQ 8, no MADT override): the rising edge is the
 * interrupt, and the guest's register C read re-arms it. Every call first
 * brings the model up to now_ns: an event that fell due since the last call
 * raises the line then, before a register C read in the same call lowers
 * it, so a late timer still leaves the edge hardware would have given.
 *
 * rtc_next_event_ns() is the time of the next event that would raise the
 * line (UINT64_MAX when none is enabled or the line is already high: then
 * nothing changes until register C is read). Re-query it after every
 * rtc_io_read/rtc_io_write/rtc_update. Time going backwards is ignored.
 */

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"
#include "hw/mc146818.h"
#include "lib/calendar.h"

/* The clock registers, decoded to binary, 24-hour. */
struct rtc_tm {
    uint32_t year;              /* century * 100 + year */
    uint16_t hour;
    uint8_t sec, min, mday, mon, dow;
};

/* Opaque to the platform: use the functions below. */
struct rtc {
    uint8_t ram[RTC_CMOS_SIZE]; /* general RAM, and the raw alarm bytes 0x01/0x03/0x05 */
    uint8_t reg_a, reg_b;       /* reg_a without UIP */
    uint8_t flags;              /* PF | AF | UF (register C less IRQF) */
    uint8_t index;
    bool nmi_masked;
    bool line;                  /* level driven on irq */
    struct rtc_tm tm;           /* clock as of last_ns */
    uint64_t fallback_day;      /* DSE: day whose October fall-back was done */
    uint64_t last_ns;           /* time the state was brought up to */
    uint64_t div_origin_ns;     /* divider cycle 0 */
    uint32_t tick_phase;        /* updates at cycles c with (c + tick_phase) % 32768 == 0 */
    struct irq_line irq;
};

/* epoch_seconds_at_boot (Unix time, clamped to 9999-12-31 23:59:59) is the
 * clock at now_ns. Power-on state as the BIOS leaves it: A = 0x26, B = 0x02
 * (24-hour BCD), RAM zero. irq8 is copied; NULL leaves the line idle. */
void rtc_init(struct rtc *r, uint64_t epoch_seconds_at_boot, uint64_t now_ns,
              const struct irq_line *irq8);
uint8_t rtc_io_read(struct rtc *r, uint16_t port, uint64_t now_ns);
void rtc_io_write(struct rtc *r, uint16_t port, uint8_t val, uint64_t now_ns);
/* Raise IRQ8 for periodic/alarm/update-ended events due by now_ns. */
void rtc_update(struct rtc *r, uint64_t now_ns);
/* Absolute time of the next event that raises the line; UINT64_MAX when none. */
uint64_t rtc_next_event_ns(const struct rtc *r);
/* Platform fill of general CMOS RAM (0x0E-0x7F but 0x32); other indices are ignored. */
void rtc_cmos_set(struct rtc *r, unsigned idx, uint8_t val);
/* Bit 7 of the last port 0x70 write. */
bool rtc_nmi_masked(const struct rtc *r);

#endif
