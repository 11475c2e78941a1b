/* SPDX-License-Identifier: BSD-2-Clause */
/* Host i8259 handling (boot CPU). Ports and OCW formats: Intel 8259A datasheet. */
#include "drivers/legacy_pic.h"
#include "arch/x86/x86.h"

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xa0
#define PIC_SLAVE_DATA  0xa1
#define OCW2_EOI        0x20    /* non-specific end of interrupt */

void legacy_pic_mask_all(void)
{
    outb(PIC_MASTER_DATA, 0xff);
    outb(PIC_SLAVE_DATA, 0xff);
}

void legacy_pic_eoi(void)
{
    outb(PIC_SLAVE_CMD, OCW2_EOI);
    outb(PIC_MASTER_CMD, OCW2_EOI);
}
