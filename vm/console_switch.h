/* SPDX-License-Identifier: BSD-2-Clause */
/* Console input goes to one place at a time: Keel's monitor or one VM.
 * Ctrl-A pressed three times moves it on in turn (the monitor, then each VM
 * in the order they started, then the monitor again), as Xen's console
 * does; a Ctrl-A followed by anything else reaches the target as typed.
 * CPU 0 reads COM1 (console_switch_poll, from its control work) and queues
 * bytes for the VM in focus; the VM's UART takes them from its queue. */
#ifndef KEEL_VM_CONSOLE_SWITCH_H
#define KEEL_VM_CONSOLE_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/spinlock.h"

#define CONSOLE_SWITCH_KEY   0x01   /* Ctrl-A */
#define CONSOLE_SWITCH_COUNT 3
#define VM_INPUT_SIZE        256

struct vm;

/* Bytes typed for one VM, not yet read by its UART. */
struct vm_input {
    struct spinlock lock;
    uint8_t buf[VM_INPUT_SIZE];
    unsigned head, count;
};

/* Where the monitor's bytes go (filled by the top, ctl/). */
struct console_switch_hooks {
    void (*monitor_input)(char c);
    void (*monitor_focus)(void);    /* the monitor has the console now (print its prompt) */
};

void console_switch_init(const struct console_switch_hooks *hooks);
/* CPU 0: read what was typed and route it. */
void console_switch_poll(void);
/* CPU 0: give the console to vm (NULL: the monitor), saying so on a line. */
void console_switch_focus(struct vm *vm);
/* CPU 0: a new VM; the first one gets the console. */
void console_switch_vm_started(struct vm *vm);
/* CPU 0: vm is going away; if it had the console, the next one gets it. */
void console_switch_vm_gone(struct vm *vm);
/* The VM's UART (any CPU, under its VM's lock): the next byte for it, or -1. */
int console_switch_getc(struct vm *vm);

#endif
