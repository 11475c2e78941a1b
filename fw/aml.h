/* SPDX-License-Identifier: BSD-2-Clause */
/* AML encoder (pure, any context): the bytes of ACPI Machine Language objects
 * and resource descriptors the DSDT builder emits (ACPI 6.5 ch. 6.4, 19, 20). */
#ifndef KEEL_FW_AML_H
#define KEEL_FW_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- AML encoding (ACPI 6.5 chapter 20) ---- */

/*
 * Byte emitter. Bytes are written while they fit in cap; len counts all of
 * them, so an emitter with cap 0 measures. Output is complete iff aml_ok().
 */
struct aml {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool error;                 /* a package longer than PkgLength can encode */
};

#define AML_ZERO_OP          0x00
#define AML_ONE_OP           0x01
#define AML_NAME_OP          0x08
#define AML_BYTE_PREFIX      0x0A
#define AML_WORD_PREFIX      0x0B
#define AML_DWORD_PREFIX     0x0C
#define AML_STRING_PREFIX    0x0D
#define AML_QWORD_PREFIX     0x0E
#define AML_SCOPE_OP         0x10
#define AML_BUFFER_OP        0x11
#define AML_PACKAGE_OP       0x12
#define AML_DUAL_NAME_PREFIX 0x2E
#define AML_MULTI_NAME_PREFIX 0x2F
#define AML_EXT_OP_PREFIX    0x5B
#define AML_DEVICE_OP        0x82   /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR        0x5C
#define AML_PARENT_PREFIX    0x5E

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
bool aml_ok(const struct aml *a);
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *src, size_t n);
/* The low n bytes of v, little-endian (n <= 8). */
void aml_le(struct aml *a, uint64_t v, unsigned n);

/* PkgLength of value len (which counts the encoding's own bytes) into out:
 * returns its size, 1..4, or 0 if len > 0x0FFFFFFF. */
unsigned aml_pkglen_encode(uint32_t len, uint8_t out[4]);

/* Opens a PkgLength-delimited body: returns a mark for aml_end(), which
 * inserts the PkgLength in front of everything emitted since. */
size_t aml_begin(struct aml *a);
void aml_end(struct aml *a, size_t mark);

/* Zero, One, or the smallest of Byte/Word/DWord/QWord Const. */
void aml_integer(struct aml *a, uint64_t v);
/* NameString: optional '\\' or '^'s, then '.'-separated segments of 1..4
 * characters (padded with '_'); "\\" alone is the root. */
void aml_namestring(struct aml *a, const char *path);
void aml_string(struct aml *a, const char *s);
/* Name (path, ...): the data object must be emitted next. */
void aml_name(struct aml *a, const char *path);
/* Package (n) {...}, Scope (path) {...}, Device (path) {...}: close with aml_end(). */
size_t aml_package_begin(struct aml *a, uint8_t nr_elements);
size_t aml_scope_begin(struct aml *a, const char *path);
size_t aml_device_begin(struct aml *a, const char *path);
/* Buffer () { bytes } */
void aml_buffer(struct aml *a, const uint8_t *bytes, size_t n);
/* EISAID ("PNP0A03") as a 32-bit integer (0 if id is malformed). */
uint32_t aml_eisaid(const char *id);

/* Resource descriptors (ACPI 6.5 section 6.4), emitted into a struct aml
 * that then becomes a Buffer. Address space descriptors are producers with
 * fixed min and max, positive decode, granularity 0, translation 0. */
void aml_res_io(struct aml *r, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
void aml_res_word_bus(struct aml *r, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *r, uint16_t min, uint16_t max);
void aml_res_dword_mem(struct aml *r, uint32_t min, uint32_t max, bool cacheable);
void aml_res_end(struct aml *r);

#endif
