/* SPDX-License-Identifier: BSD-2-Clause */
/* MBR (DOS) partition table parsing: the four primary entries of a disk's sector 0 (pure, any context). */
#ifndef KEEL_CORE_MBR_H
#define KEEL_CORE_MBR_H

#include <stdbool.h>
#include <stdint.h>

#define MBR_SECTOR_SIZE         512u
#define MBR_TABLE_OFFSET        446u    /* four 16-byte entries */
#define MBR_ENTRY_SIZE          16u
#define MBR_SIGNATURE_OFFSET    510u    /* bytes 0x55, 0xAA */
#define MBR_PRIMARY             4u

/* Partition type bytes with a meaning for Keel. */
#define MBR_TYPE_EMPTY          0x00
#define MBR_TYPE_EXTENDED_CHS   0x05
#define MBR_TYPE_EXTENDED_LBA   0x0f
#define MBR_TYPE_EXTENDED_LINUX 0x85
#define MBR_TYPE_GPT_PROTECTIVE 0xee

enum mbr_entry_state {
    MBR_ENTRY_EMPTY,        /* type 0, or no sectors */
    MBR_ENTRY_OK,           /* lies wholly within the disk, after sector 0 */
    MBR_ENTRY_OUT_OF_RANGE, /* starts at sector 0 or ends beyond the disk */
};

struct mbr_entry {
    enum mbr_entry_state state;
    uint8_t type;
    bool bootable;              /* status byte 0x80 */
    uint64_t first_sector;      /* LBA of the partition's first sector */
    uint64_t sectors;
};

struct mbr_table {
    struct mbr_entry entry[MBR_PRIMARY];    /* entry[0] is partition 1 */
    bool gpt;                   /* a GPT protective entry: the real table is GPT */
};

enum mbr_result {
    MBR_OK = 0,
    MBR_NO_SIGNATURE = -1,      /* no 0x55AA: no partition table */
    MBR_NOT_MBR = -2,           /* 0x55AA, but a status byte is neither 0 nor 0x80
                                 * (a filesystem boot sector, as Linux judges it) */
};

/* Parse sector 0 (MBR_SECTOR_SIZE bytes) of a disk of disk_sectors sectors.
 * On MBR_OK every entry of *out is filled; otherwise *out is all empty. */
enum mbr_result mbr_parse(const uint8_t *sector0, uint64_t disk_sectors, struct mbr_table *out);

static inline bool mbr_type_is_extended(uint8_t type)
{
    return type == MBR_TYPE_EXTENDED_CHS || type == MBR_TYPE_EXTENDED_LBA ||
           type == MBR_TYPE_EXTENDED_LINUX;
}

#endif
