/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's own i8259 PICs, which firmware leaves programmed: Keel masks
 * them so no host interrupt reaches it, and acknowledges any that slipped in. */
#ifndef KEEL_CORE_LEGACY_PIC_H
#define KEEL_CORE_LEGACY_PIC_H

void legacy_pic_mask_all(void);
void legacy_pic_eoi(void);

#endif
