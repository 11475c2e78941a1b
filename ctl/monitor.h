/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's monitor on the console, in the spirit of xl: list, create,
 * destroy, shutdown, reboot, pause, unpause, info, console, help. It gets
 * the console's input when Ctrl-A three times (or `console`) gives it the
 * focus. CPU 0. */
#ifndef KEEL_CTL_MONITOR_H
#define KEEL_CTL_MONITOR_H

#include "host/bootinfo.h"

void monitor_init(const struct boot_info *bi);
/* One typed byte: line editing (backspace), a command at Enter. */
void monitor_input(char c);
/* The monitor has the console: its prompt. */
void monitor_prompt(void);

#endif
