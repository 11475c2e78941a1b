/* SPDX-License-Identifier: BSD-2-Clause */
/* Bochs shutdown port: match "Shutdown" byte by byte (vCPU's CPU). */
#include "dev/bochs_shutdown.h"
#include "vm/vm.h"

static const char magic[] = "Shutdown";

void bochs_shutdown_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    (void)port;
    struct vm *vm = v->vm;
    char c = (char)val;
    if (size != 1) {
        vm->shutdown_progress = 0;
        return;
    }
    if (c == magic[vm->shutdown_progress])
        vm->shutdown_progress++;
    else
        vm->shutdown_progress = (c == magic[0]) ? 1 : 0;
    if (vm->shutdown_progress == sizeof(magic) - 1) {
        vm->shutdown_progress = 0;
        vcpu_end(v, END_POWEROFF, NULL);
    }
}
