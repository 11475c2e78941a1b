/* SPDX-License-Identifier: BSD-2-Clause */
/* guest.h — what every C test guest includes: the entry point crt0 calls and the library. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include "cpu.h"
#include "exit.h"
#include "fault.h"
#include "kstring.h"
#include "multiboot.h"
#include "print.h"
#include "serial.h"

/* Called in 64-bit mode with the Multiboot magic (EAX) and info address (EBX) at entry. */
void guest_main(uint32_t magic, uint32_t mbi);

#endif
