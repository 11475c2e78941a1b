/* SPDX-License-Identifier: BSD-2-Clause */
/* Formatted output for Keel: printf-style formatting into buffers and the console. */
#ifndef KEEL_LIB_PRINT_H
#define KEEL_LIB_PRINT_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %s %c %d %i %u %x %X %p %% with flags '0' '-', a width, and the
 * length modifiers l, ll, z. Always NUL-terminates when size > 0; returns the
 * length the full output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print to Keel's console: whatever sink the console registered (nothing
 * before it did). A line longer than 255 bytes is cut. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where printk's lines go; the console driver (host/console.c) sets it, so
 * this floor never names the floor above. */
void print_set_sink(void (*write)(const char *s, size_t n));

#endif
