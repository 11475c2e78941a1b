/* SPDX-License-Identifier: BSD-2-Clause */
/* kstring.h — the few string/memory routines the guests need (no libc). The mem*
 * functions also satisfy calls GCC may emit on its own in freestanding code. */
#ifndef GUEST_KSTRING_H
#define GUEST_KSTRING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Bounded length: stops at max if no NUL is found (for strings from the loader). */
size_t strnlen(const char *s, size_t max);

/* Value of the space-separated "key=value" argument in cmdline, copied into out
 * (NUL-terminated, truncated to out_len - 1). Returns false if key is absent. */
bool cmdline_value(const char *cmdline, const char *key, char *out, size_t out_len);

/* Decimal parse of the whole string; false on empty, non-digit or overflow. */
bool parse_u64(const char *s, uint64_t *out);

/* v in decimal, NUL-terminated, into out (21 bytes are always enough). */
void utoa(uint64_t v, char *out);

#endif
