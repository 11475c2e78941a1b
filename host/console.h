/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's console: COM1, shared by the hypervisor log and guest serial output. */
#ifndef KEEL_CORE_CONSOLE_H
#define KEEL_CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

void console_init(bool enabled);
void console_write(const char *s, size_t n);
void console_putc(char c);
/* Non-blocking read of one byte typed at the console; -1 when none. */
int console_getc(void);
/* Move what the UART holds into Keel's input buffer (any CPU, often: the
 * UART itself holds only 16 bytes). */
void console_pull(void);

#endif
