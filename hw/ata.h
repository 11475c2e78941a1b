/* SPDX-License-Identifier: BSD-2-Clause */
/* ATA (parallel/legacy IDE) register, command and IDENTIFY DEVICE facts the host disk driver uses. */
#ifndef KEEL_CORE_ATA_REGS_H
#define KEEL_CORE_ATA_REGS_H

/* Sources: ATA/ATAPI-6 (T13/1410D rev. 3b): clause 7 "Register descriptions",
 * clause 8 "Command descriptions" (IDENTIFY DEVICE table), clause 9
 * "Protocol" (PIO data-in/data-out, non-data, device selection, software
 * reset); ACS-3 (T13/2161-D) "IDENTIFY DEVICE data" for the same words. */

/* Legacy ("compatibility mode") channel addresses: ATA/ATAPI-6 clause 7 gives
 * the register block relative to CS0-/CS1-; the PC decodes them here. */
#define ATA_PRIMARY_CMD         0x1f0
#define ATA_PRIMARY_CTL         0x3f6
#define ATA_SECONDARY_CMD       0x170
#define ATA_SECONDARY_CTL       0x376

/* Command block, offsets from the channel's CMD base (clause 7). */
#define ATA_REG_DATA            0       /* 16-bit PIO data port */
#define ATA_REG_ERROR           1       /* read */
#define ATA_REG_FEATURES        1       /* write */
#define ATA_REG_COUNT           2       /* sector count; two writes for 48-bit */
#define ATA_REG_LBA_LOW         3       /* LBA 7:0  (48-bit: then 31:24) */
#define ATA_REG_LBA_MID         4       /* LBA 15:8 (48-bit: then 39:32) */
#define ATA_REG_LBA_HIGH        5       /* LBA 23:16 (48-bit: then 47:40) */
#define ATA_REG_DEVICE          6       /* device (head) */
#define ATA_REG_STATUS          7       /* read; reading it clears INTRQ */
#define ATA_REG_COMMAND         7       /* write */
/* Control block, at the channel's CTL address (clause 7). */
#define ATA_REG_ALT_STATUS      0       /* read: Status without clearing INTRQ */
#define ATA_REG_DEV_CONTROL     0       /* write */

/* Device register (clause 7 "Device register"): bits 7 and 5 are obsolete
 * (set, as older devices expect); bits 3:0 hold LBA 27:24 for 28-bit commands. */
#define ATA_DEV_OBS             0xa0
#define ATA_DEV_LBA             0x40    /* address is an LBA, not CHS */
#define ATA_DEV_DEV             0x10    /* 0: device 0 (master), 1: device 1 (slave) */

/* Device Control register (clause 7 "Device Control register"). */
#define ATA_CTL_NIEN            0x02    /* device asserts no INTRQ: Keel polls */
#define ATA_CTL_SRST            0x04    /* software reset of both devices */
#define ATA_CTL_HOB             0x80    /* read back the previous (high) bytes */

/* Status register (clause 7 "Status register"). */
#define ATA_SR_ERR              0x01    /* the command failed: see Error */
#define ATA_SR_DRQ              0x08    /* a data block is ready to move */
#define ATA_SR_DF               0x20    /* device fault */
#define ATA_SR_DRDY             0x40    /* device ready for commands */
#define ATA_SR_BSY              0x80    /* every other bit is invalid while set */

/* Error register (clause 7 "Error register"; per-command meanings in clause 8). */
#define ATA_ER_AMNF             0x01    /* address mark not found (obsolete) */
#define ATA_ER_ABRT             0x04    /* command aborted / not supported */
#define ATA_ER_IDNF             0x10    /* address not found (out of range) */
#define ATA_ER_UNC              0x40    /* uncorrectable data error */
#define ATA_ER_ICRC             0x80    /* interface CRC error */

/* Commands (clause 8). */
#define ATA_CMD_READ_SECTORS        0x20    /* LBA28, count 0 means 256 */
#define ATA_CMD_READ_SECTORS_EXT    0x24    /* LBA48, count 0 means 65536 */
#define ATA_CMD_WRITE_SECTORS       0x30
#define ATA_CMD_WRITE_SECTORS_EXT   0x34
#define ATA_CMD_FLUSH_CACHE         0xe7
#define ATA_CMD_FLUSH_CACHE_EXT     0xea
#define ATA_CMD_IDENTIFY_DEVICE     0xec
#define ATA_CMD_IDENTIFY_PACKET     0xa1

#define ATA_LBA28_LIMIT         (1ull << 28)    /* first sector 28-bit commands cannot reach */
#define ATA_LBA48_LIMIT         (1ull << 48)
#define ATA_LBA28_MAX_COUNT     256u
#define ATA_LBA48_MAX_COUNT     65536u
#define ATA_SECTOR_SIZE         512u
#define ATA_SECTOR_WORDS        256u

/* Signature a PACKET (ATAPI) device leaves in LBA Mid/High after reset, EXECUTE
 * DEVICE DIAGNOSTIC, or when it aborts IDENTIFY DEVICE (clause 9 "Signature
 * and persistence"; clause 8 IDENTIFY DEVICE). A plain ATA device leaves 0/0. */
#define ATA_SIG_ATAPI_MID       0x14
#define ATA_SIG_ATAPI_HIGH      0xeb
#define ATA_SIG_SATAPI_MID      0x69    /* SATA ATAPI through a legacy-mode bridge */
#define ATA_SIG_SATAPI_HIGH     0x96

/* IDENTIFY DEVICE data, 256 little-endian words (clause 8 IDENTIFY DEVICE table;
 * ACS-3 "IDENTIFY DEVICE data"). */
#define ATA_ID_CONFIG           0       /* bit 15: 1 = not an ATA device */
#define ATA_ID_SERIAL           10      /* words 10-19: 20 ASCII bytes, byte-swapped */
#define ATA_ID_SERIAL_WORDS     10
#define ATA_ID_MODEL            27      /* words 27-46: 40 ASCII bytes, byte-swapped */
#define ATA_ID_MODEL_WORDS      20
#define ATA_ID_CAPABILITIES     49      /* bit 9: LBA supported */
#define ATA_ID_LBA28_SECTORS    60      /* words 60-61: user sectors for 28-bit commands */
#define ATA_ID_MAJOR_VERSION    80
#define ATA_ID_CMDSET1          82      /* bit 5: volatile write cache supported */
#define ATA_ID_CMDSET2          83      /* bit 10 LBA48, 12 FLUSH CACHE, 13 FLUSH CACHE EXT */
#define ATA_ID_CMDSET1_ENABLED  85      /* bit 5: write cache enabled */
#define ATA_ID_CMDSET2_ENABLED  86      /* bit 10: 48-bit addressing enabled */
#define ATA_ID_LBA48_SECTORS    100     /* words 100-103: user sectors for 48-bit commands */

#define ATA_ID_CONFIG_NOT_ATA       (1u << 15)
#define ATA_ID_CAP_LBA              (1u << 9)
#define ATA_ID_CMDSET1_WCACHE       (1u << 5)
#define ATA_ID_CMDSET2_LBA48        (1u << 10)
#define ATA_ID_CMDSET2_FLUSH        (1u << 12)
#define ATA_ID_CMDSET2_FLUSH_EXT    (1u << 13)
/* Words 82-87 hold meaning only when bits 15:14 of words 83/86 read 01b. */
#define ATA_ID_VALID_MASK           0xc000u
#define ATA_ID_VALID                0x4000u

#endif
