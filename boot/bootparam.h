/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux x86 boot protocol layouts (setup header, zero page offsets, e820 entries); data only, any context. */
#ifndef KEEL_BOOT_BOOTPARAM_H
#define KEEL_BOOT_BOOTPARAM_H

#include <stddef.h>
#include <stdint.h>

/* Written from Documentation/x86/boot.rst and zero-page.rst. Offsets are
 * from the start of the bzImage file, which are also the offsets inside the
 * 4 KiB zero page (struct boot_params) where the setup header is copied. */

#define BP_SIZE                 0x1000u     /* struct boot_params, the "zero page" */

/* Setup header, in the image and in boot_params. */
#define BP_HDR_START            0x1F1u      /* setup_sects, first header byte */
#define BP_HDR_BOOT_FLAG        0x1FEu      /* 0xAA55 */
#define BP_HDR_JUMP             0x200u      /* 0xEB, then header length - 2 ... */
#define BP_HDR_JUMP_LEN         0x201u      /* ... header ends at 0x202 + this byte */
#define BP_HDR_MAGIC_OFF        0x202u      /* "HdrS" */
#define BP_HDR_VERSION          0x206u
#define BP_HDR_LIMIT            0x290u      /* boot_params has room for the header up to here */

#define BP_BOOT_FLAG            0xAA55u
#define BP_HDR_MAGIC            0x53726448u /* "HdrS" little-endian */

/* loadflags */
#define BP_LOADED_HIGH          (1u << 0)
#define BP_KASLR_FLAG           (1u << 1)
#define BP_QUIET_FLAG           (1u << 5)
#define BP_KEEP_SEGMENTS        (1u << 6)
#define BP_CAN_USE_HEAP         (1u << 7)

/* xloadflags (protocol 2.12+) */
#define BP_XLF_KERNEL_64                (1u << 0)
#define BP_XLF_CAN_BE_LOADED_ABOVE_4G   (1u << 1)
#define BP_XLF_EFI_HANDOVER_32          (1u << 2)
#define BP_XLF_EFI_HANDOVER_64          (1u << 3)
#define BP_XLF_EFI_KEXEC                (1u << 4)

#define BP_LOADER_UNDEFINED     0xFFu       /* type_of_loader for loaders without an id */
#define BP_SECTOR               512u
#define BP_DEFAULT_SETUP_SECTS  4u          /* setup_sects == 0 means this */
#define BP_ENTRY64_OFFSET       0x200u      /* 64-bit entry from the protected-mode kernel start */

#define BP_PROTO(major, minor)  ((uint16_t)(((major) << 8) | (minor)))

/* The setup header as it sits at 0x1F1. Fields a given protocol version
 * lacks read as whatever the image has there (the header length byte says
 * how many are real). */
struct bp_setup_header {
    uint8_t  setup_sects;
    uint16_t root_flags;
    uint32_t syssize;           /* protected-mode code size, 16-byte paragraphs (2.04+) */
    uint16_t ram_size;
    uint16_t vid_mode;
    uint16_t root_dev;
    uint16_t boot_flag;
    uint16_t jump;
    uint32_t header;
    uint16_t version;
    uint32_t realmode_swtch;
    uint16_t start_sys_seg;
    uint16_t kernel_version;
    uint8_t  type_of_loader;
    uint8_t  loadflags;
    uint16_t setup_move_size;
    uint32_t code32_start;
    uint32_t ramdisk_image;
    uint32_t ramdisk_size;
    uint32_t bootsect_kludge;
    uint16_t heap_end_ptr;
    uint8_t  ext_loader_ver;
    uint8_t  ext_loader_type;
    uint32_t cmd_line_ptr;
    uint32_t initrd_addr_max;   /* highest byte the initrd may occupy (2.03+) */
    uint32_t kernel_alignment;  /* 2.05+ */
    uint8_t  relocatable_kernel;
    uint8_t  min_alignment;     /* log2 (2.10+) */
    uint16_t xloadflags;        /* 2.12+ */
    uint32_t cmdline_size;      /* without the NUL (2.06+) */
    uint32_t hardware_subarch;
    uint64_t hardware_subarch_data;
    uint32_t payload_offset;
    uint32_t payload_length;
    uint64_t setup_data;        /* physical pointer to a setup_data list (2.09+) */
    uint64_t pref_address;      /* 2.10+ */
    uint32_t init_size;         /* 2.10+ */
    uint32_t handover_offset;   /* 2.11+ */
    uint32_t kernel_info_offset;/* 2.15+ */
} __attribute__((packed));

#define BP_HDR_FIELD(f)  (BP_HDR_START + offsetof(struct bp_setup_header, f))

_Static_assert(sizeof(struct bp_setup_header) == 0x26C - BP_HDR_START, "setup header size");
_Static_assert(BP_HDR_FIELD(syssize) == 0x1F4, "syssize");
_Static_assert(BP_HDR_FIELD(boot_flag) == BP_HDR_BOOT_FLAG, "boot_flag");
_Static_assert(BP_HDR_FIELD(jump) == BP_HDR_JUMP, "jump");
_Static_assert(BP_HDR_FIELD(header) == BP_HDR_MAGIC_OFF, "header");
_Static_assert(BP_HDR_FIELD(version) == BP_HDR_VERSION, "version");
_Static_assert(BP_HDR_FIELD(type_of_loader) == 0x210, "type_of_loader");
_Static_assert(BP_HDR_FIELD(loadflags) == 0x211, "loadflags");
_Static_assert(BP_HDR_FIELD(code32_start) == 0x214, "code32_start");
_Static_assert(BP_HDR_FIELD(ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(BP_HDR_FIELD(ramdisk_size) == 0x21C, "ramdisk_size");
_Static_assert(BP_HDR_FIELD(heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(BP_HDR_FIELD(cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(BP_HDR_FIELD(initrd_addr_max) == 0x22C, "initrd_addr_max");
_Static_assert(BP_HDR_FIELD(kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(BP_HDR_FIELD(relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(BP_HDR_FIELD(min_alignment) == 0x235, "min_alignment");
_Static_assert(BP_HDR_FIELD(xloadflags) == 0x236, "xloadflags");
_Static_assert(BP_HDR_FIELD(cmdline_size) == 0x238, "cmdline_size");
_Static_assert(BP_HDR_FIELD(hardware_subarch) == 0x23C, "hardware_subarch");
_Static_assert(BP_HDR_FIELD(hardware_subarch_data) == 0x240, "hardware_subarch_data");
_Static_assert(BP_HDR_FIELD(payload_offset) == 0x248, "payload_offset");
_Static_assert(BP_HDR_FIELD(setup_data) == 0x250, "setup_data");
_Static_assert(BP_HDR_FIELD(pref_address) == 0x258, "pref_address");
_Static_assert(BP_HDR_FIELD(init_size) == 0x260, "init_size");
_Static_assert(BP_HDR_FIELD(handover_offset) == 0x264, "handover_offset");
_Static_assert(BP_HDR_FIELD(kernel_info_offset) == 0x268, "kernel_info_offset");

/* Header length through handover_offset: what protocol 2.12 guarantees. */
#define BP_HDR_END_2_12         (BP_HDR_FIELD(handover_offset) + 4u)

/* boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR       0x070u      /* u64, kernels with protocol 2.14+ read it */
#define BP_EXT_RAMDISK_IMAGE    0x0C0u      /* u32, ramdisk_image bits 32..63 */
#define BP_EXT_RAMDISK_SIZE     0x0C4u      /* u32, ramdisk_size bits 32..63 */
#define BP_EXT_CMD_LINE_PTR     0x0C8u      /* u32, cmd_line_ptr bits 32..63 */
#define BP_E820_ENTRIES         0x1E8u      /* u8 */
#define BP_SENTINEL             0x1EFu      /* u8, must stay 0 */
#define BP_E820_TABLE           0x2D0u      /* struct bp_e820_entry[BP_E820_MAX] */
#define BP_E820_MAX             128u

#define BP_E820_RAM             1u
#define BP_E820_RESERVED        2u
#define BP_E820_ACPI            3u
#define BP_E820_NVS             4u
#define BP_E820_UNUSABLE        5u

struct bp_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct bp_e820_entry) == 20, "boot_e820_entry size");
_Static_assert(BP_E820_TABLE + BP_E820_MAX * sizeof(struct bp_e820_entry) == 0xCD0, "e820_table end");
_Static_assert(BP_HDR_LIMIT <= BP_E820_TABLE, "header room before the e820 table");

#endif
