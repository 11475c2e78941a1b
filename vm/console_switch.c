/* SPDX-License-Identifier: BSD-2-Clause */
/* Console input to the monitor or one VM, Ctrl-A three times to move it on
 * (see console_switch.h). The focus changes only on CPU 0; each VM's queue
 * has its own lock, taken by CPU 0 and by that VM's UART. */
#include "host/console.h"
#include "lib/print.h"
#include "vm/console_switch.h"
#include "vm/vm.h"

static const struct console_switch_hooks *hooks;
static struct vm *focus;            /* NULL: the monitor */
static bool focus_chosen;           /* the first VM takes it once */
static unsigned presses;            /* Ctrl-A's in a row, held back */

void console_switch_init(const struct console_switch_hooks *h)
{
    hooks = h;
}

static void push(struct vm *vm, uint8_t c)
{
    struct vm_input *in = &vm->input;
    spin_lock(&in->lock);
    if (in->count < VM_INPUT_SIZE) {    /* a full queue drops what is typed, as a full UART would */
        in->buf[(in->head + in->count) % VM_INPUT_SIZE] = c;
        in->count++;
    }
    spin_unlock(&in->lock);
}

int console_switch_getc(struct vm *vm)
{
    struct vm_input *in = &vm->input;
    int c = -1;
    spin_lock(&in->lock);
    if (in->count) {
        c = in->buf[in->head];
        in->head = (in->head + 1) % VM_INPUT_SIZE;
        in->count--;
    }
    spin_unlock(&in->lock);
    return c;
}

static void deliver(uint8_t c)
{
    if (focus)
        push(focus, c);
    else if (hooks && hooks->monitor_input)
        hooks->monitor_input((char)c);
}

void console_switch_focus(struct vm *vm)
{
    focus = vm;
    focus_chosen = true;
    if (vm)
        printk("keel: console input goes to vm %s (Ctrl-A three times: on to the next)\n", vm->cfg.name);
    else
        printk("keel: console input goes to the monitor (type help; Ctrl-A three times: on to the VMs)\n");
    if (!vm && hooks && hooks->monitor_focus)
        hooks->monitor_focus();
}

void console_switch_poll(void)
{
    for (int c; (c = console_getc()) >= 0;) {
        if (c == CONSOLE_SWITCH_KEY) {
            if (++presses == CONSOLE_SWITCH_COUNT) {
                presses = 0;
                console_switch_focus(focus ? focus->next : vm_first());
            }
            continue;
        }
        for (; presses; presses--)
            deliver(CONSOLE_SWITCH_KEY);
        deliver((uint8_t)c);
    }
}

void console_switch_vm_started(struct vm *vm)
{
    if (!focus_chosen) {
        focus = vm;
        focus_chosen = true;
    }
}

void console_switch_vm_gone(struct vm *vm)
{
    if (focus != vm)
        return;
    struct vm *next = vm->next ? vm->next : vm_first();
    focus = next == vm ? NULL : next;   /* quietly: the VM's end line says enough */
}
