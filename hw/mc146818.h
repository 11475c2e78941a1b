/* SPDX-License-Identifier: BSD-2-Clause */
/* MC146818A RTC/CMOS register facts (Motorola datasheet, "CMOS Real-Time
 * Clock Plus RAM": address map, registers A-D; PC/AT ports and CMOS 0x32),
 * shared by the host's RTC driver and the guests' RTC model. */
#ifndef KEEL_HW_MC146818_H
#define KEEL_HW_MC146818_H

#define RTC_PORT_INDEX      0x70
#define RTC_PORT_DATA       0x71
#define RTC_NMI_DISABLE     0x80
#define RTC_CMOS_SIZE       128

#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0A
#define RTC_REG_B           0x0B
#define RTC_REG_C           0x0C
#define RTC_REG_D           0x0D
#define RTC_CENTURY         0x32

#define RTC_A_UIP           0x80
#define RTC_A_DV_MASK       0x70
#define RTC_A_DV_32KHZ      0x20    /* 010: normal time base */
#define RTC_A_DV_RESET      0x60    /* 11x: divider held in reset */
#define RTC_A_RS_MASK       0x0F

#define RTC_B_SET           0x80
#define RTC_B_PIE           0x40
#define RTC_B_AIE           0x20
#define RTC_B_UIE           0x10
#define RTC_B_SQWE          0x08
#define RTC_B_DM_BINARY     0x04
#define RTC_B_24H           0x02
#define RTC_B_DSE           0x01

#define RTC_C_IRQF          0x80
#define RTC_C_PF            0x40
#define RTC_C_AF            0x20
#define RTC_C_UF            0x10

#define RTC_D_VRT           0x80

#define RTC_HOUR_PM         0x80    /* hours bit 7 in 12-hour mode */
#define RTC_ALARM_DONT_CARE 0xC0    /* alarm bytes 0xC0-0xFF match any value */

#endif
