/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by Keel's libFuzzer targets: invariant failures, a reader over the input bytes, guest RAM over host buffers. */
#ifndef KEEL_TESTS_FUZZ_COMMON_H
#define KEEL_TESTS_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/guest_mem.h"

/* libFuzzer's entry point, which every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: prints "INVARIANT: <target>: <message>" (the line
 * tools/fuzz.sh reports) and aborts, so libFuzzer saves the input. */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define FUZZ_CHECK(cond, ...)       \
    do {                            \
        if (!(cond))                \
            fuzz_fail(__VA_ARGS__); \
    } while (0)

/* The input, consumed front to back; past its end every read gives zeros. */
struct fuzz_input {
    const uint8_t *p;
    size_t left;
};

uint8_t fin_u8(struct fuzz_input *in);
uint16_t fin_u16(struct fuzz_input *in);
uint32_t fin_u32(struct fuzz_input *in);
uint64_t fin_u64(struct fuzz_input *in);
/* Up to n bytes into dst (the rest zero); returns how many came from the input. */
size_t fin_bytes(struct fuzz_input *in, void *dst, size_t n);

/* Guest RAM: one host buffer, carved into extents as struct guest_mem wants
 * them (the unit tests build theirs the same way). */
struct fuzz_ram {
    struct guest_mem gm;
    uint8_t *base;
    uint64_t capacity;
};

/* Allocates `capacity` bytes (page-aligned) once. */
void fuzz_ram_init(struct fuzz_ram *r, uint64_t capacity);
/* RAM [0, size) as nr extents of equal page-multiple size (the last takes
 * the rest); size <= capacity. */
void fuzz_ram_layout(struct fuzz_ram *r, uint64_t size, unsigned nr);
/* Fills [0, capacity) with `byte`. */
void fuzz_ram_fill(struct fuzz_ram *r, uint8_t byte);
/* Offset of the first byte in [from, to) that is not `byte`, or -1. */
int64_t fuzz_ram_find_change(const struct fuzz_ram *r, uint64_t from, uint64_t to, uint8_t byte);
/* Where scans for stray writes stop: guest RAM and 64 KiB past it (guest_mem
 * cannot reach further, and scanning all of the buffer would cost most of
 * each run). */
uint64_t fuzz_ram_scan_end(const struct fuzz_ram *r);

#endif
