/* SPDX-License-Identifier: BSD-2-Clause */
/* print.h — a minimal printf to the serial console. Supports %s %c %d %u %x %lu %lx %ld
 * and a zero-padded width for x/u (e.g. %08x, %016lx); nothing else. */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

#include <stdarg.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
