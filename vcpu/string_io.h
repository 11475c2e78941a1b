/* SPDX-License-Identifier: BSD-2-Clause */
/* INS/OUTS emulation over guest linear memory and the port-I/O bus. */
#ifndef KEEL_VCPU_STRING_IO_H
#define KEEL_VCPU_STRING_IO_H

#include <stdbool.h>
#include <stdint.h>
#include "ept/guest_walk.h"
#include "vcpu/vcpu.h"

struct string_io {
    uint16_t port;
    unsigned size;          /* 1, 2 or 4 bytes per element */
    bool in;                /* INS (memory <- port) or OUTS (port <- memory) */
    bool rep;
    unsigned addr_bits;     /* 16, 32 or 64: width of RSI/RDI/RCX */
    uint64_t seg_base;      /* ES for INS, DS or the override for OUTS */
};

enum string_io_result {
    STRING_IO_DONE,         /* finished: advance RIP */
    STRING_IO_AGAIN,        /* REP count left: re-execute, registers updated */
    STRING_IO_FAULTED,      /* an exception was queued or the VM ended */
};

enum string_io_result string_io_emulate(struct vcpu *v, const struct string_io *op);

/* The guest's paging state, for linear-address walks. */
struct guest_paging vcpu_paging(struct vcpu *v);

#endif
