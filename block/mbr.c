/* SPDX-License-Identifier: BSD-2-Clause */
/* MBR partition table parsing (pure; unit-tested on the host). */
#include <string.h>
#include "block/mbr.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum mbr_result mbr_parse(const uint8_t *sector0, uint64_t disk_sectors, struct mbr_table *out)
{
    memset(out, 0, sizeof(*out));
    if (sector0[MBR_SIGNATURE_OFFSET] != 0x55 || sector0[MBR_SIGNATURE_OFFSET + 1] != 0xaa)
        return MBR_NO_SIGNATURE;
    /* A FAT boot sector also ends in 0x55AA; its code bytes where the table
     * would be rarely look like status bytes 0x00/0x80 in all four slots. */
    for (unsigned i = 0; i < MBR_PRIMARY; i++) {
        uint8_t status = sector0[MBR_TABLE_OFFSET + i * MBR_ENTRY_SIZE];
        if (status != 0x00 && status != 0x80)
            return MBR_NOT_MBR;
    }
    for (unsigned i = 0; i < MBR_PRIMARY; i++) {
        const uint8_t *e = sector0 + MBR_TABLE_OFFSET + i * MBR_ENTRY_SIZE;
        struct mbr_entry *p = &out->entry[i];
        p->bootable = e[0] == 0x80;
        p->type = e[4];             /* bytes 1-3 and 5-7: CHS, ignored: LBA rules */
        p->first_sector = le32(e + 8);
        p->sectors = le32(e + 12);
        if (p->type == MBR_TYPE_GPT_PROTECTIVE)
            out->gpt = true;
        if (p->type == MBR_TYPE_EMPTY || p->sectors == 0)
            p->state = MBR_ENTRY_EMPTY;
        else if (p->first_sector == 0 || p->first_sector > disk_sectors ||
                 p->sectors > disk_sectors - p->first_sector)
            p->state = MBR_ENTRY_OUT_OF_RANGE;  /* 64-bit sums of 32-bit fields: no overflow */
        else
            p->state = MBR_ENTRY_OK;
    }
    return MBR_OK;
}
