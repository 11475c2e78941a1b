/* SPDX-License-Identifier: BSD-2-Clause */
/* Xen blkif wire format (x86_64 ABI) as it sits in a block device's shared ring; layout only, no code. */
#ifndef KEEL_PVIO_BLKIF_H
#define KEEL_PVIO_BLKIF_H

/*
 * Layouts checked against xen/include/public/io/blkif.h compiled for x86_64:
 * every struct below has the same size and field offsets, with the implicit
 * padding written out so that no compiler can disagree.
 */

#include <stddef.h>
#include <stdint.h>

#define BLKIF_OP_READ               0
#define BLKIF_OP_WRITE              1
#define BLKIF_OP_WRITE_BARRIER      2   /* write, then make it and all before it durable */
#define BLKIF_OP_FLUSH_DISKCACHE    3
#define BLKIF_OP_RESERVED_1         4   /* SLES device-specific packets: never valid here */
#define BLKIF_OP_DISCARD            5
#define BLKIF_OP_INDIRECT           6

#define BLKIF_RSP_EOPNOTSUPP        (-2)
#define BLKIF_RSP_ERROR             (-1)
#define BLKIF_RSP_OKAY              0

#define BLKIF_MAX_SEGMENTS_PER_REQUEST        11  /* inline in one request */
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST  8
#define BLKIF_SEGMENTS_PER_INDIRECT_PAGE      512 /* 4096 / sizeof(struct blkif_segment) */
#define BLKIF_SECTORS_PER_PAGE                8   /* segment sectors are 512 B, within one 4 KiB page */

#define BLKIF_DISCARD_SECURE        (1u << 0)

/* One page-sized data buffer: sectors first_sect..last_sect (inclusive) of the
 * granted page. Indirect pages hold arrays of this same 8-byte layout. */
struct blkif_segment {
    uint32_t gref;
    uint8_t first_sect;
    uint8_t last_sect;
    uint16_t _pad;
};

/* READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE and unknown ops. */
struct blkif_request {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    uint32_t _pad;
    uint64_t id;                /* opaque to the backend, echoed in the response */
    uint64_t sector_number;     /* 512-byte units */
    struct blkif_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct blkif_request_discard {
    uint8_t operation;          /* BLKIF_OP_DISCARD */
    uint8_t flag;               /* BLKIF_DISCARD_SECURE or 0 */
    uint16_t handle;
    uint32_t _pad;
    uint64_t id;
    uint64_t sector_number;
    uint64_t nr_sectors;
};

struct blkif_request_indirect {
    uint8_t operation;          /* BLKIF_OP_INDIRECT */
    uint8_t indirect_op;        /* BLKIF_OP_READ or BLKIF_OP_WRITE */
    uint16_t nr_segments;
    uint32_t _pad1;
    uint64_t id;
    uint64_t sector_number;
    uint16_t handle;
    uint16_t _pad2;
    uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint32_t _pad3;             /* the x86_64 struct rounds up to 8-byte alignment */
};

struct blkif_response {
    uint64_t id;
    uint8_t operation;
    uint8_t _pad1;
    int16_t status;             /* BLKIF_RSP_* */
    uint32_t _pad2;
};

/* One ring slot: a request until the backend consumes it, then its response. */
union blkif_ring_entry {
    struct blkif_request req;
    struct blkif_request_discard discard;
    struct blkif_request_indirect indirect;
    struct blkif_response rsp;
};

#define BLKIF_RING_ENTRY_SIZE 112u

_Static_assert(sizeof(struct blkif_segment) == 8, "blkif segment");
_Static_assert(offsetof(struct blkif_segment, first_sect) == 4, "blkif segment");
_Static_assert(offsetof(struct blkif_segment, last_sect) == 5, "blkif segment");

_Static_assert(sizeof(struct blkif_request) == 112, "blkif request");
_Static_assert(offsetof(struct blkif_request, nr_segments) == 1, "blkif request");
_Static_assert(offsetof(struct blkif_request, handle) == 2, "blkif request");
_Static_assert(offsetof(struct blkif_request, id) == 8, "blkif request");
_Static_assert(offsetof(struct blkif_request, sector_number) == 16, "blkif request");
_Static_assert(offsetof(struct blkif_request, seg) == 24, "blkif request");

_Static_assert(sizeof(struct blkif_request_discard) == 32, "blkif discard");
_Static_assert(offsetof(struct blkif_request_discard, flag) == 1, "blkif discard");
_Static_assert(offsetof(struct blkif_request_discard, id) == 8, "blkif discard");
_Static_assert(offsetof(struct blkif_request_discard, sector_number) == 16, "blkif discard");
_Static_assert(offsetof(struct blkif_request_discard, nr_sectors) == 24, "blkif discard");

_Static_assert(sizeof(struct blkif_request_indirect) == 64, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_op) == 1, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, nr_segments) == 2, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, id) == 8, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, sector_number) == 16, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, handle) == 24, "blkif indirect");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_grefs) == 28, "blkif indirect");

_Static_assert(sizeof(struct blkif_response) == 16, "blkif response");
_Static_assert(offsetof(struct blkif_response, operation) == 8, "blkif response");
_Static_assert(offsetof(struct blkif_response, status) == 10, "blkif response");

_Static_assert(sizeof(union blkif_ring_entry) == BLKIF_RING_ENTRY_SIZE, "blkif ring entry");
_Static_assert(BLKIF_SEGMENTS_PER_INDIRECT_PAGE * sizeof(struct blkif_segment) == 4096,
               "indirect page");

#endif
