/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest RAM allocation: backing a VM's [0, size) with host pages. Boot CPU. */
#ifndef KEEL_EPT_GUEST_RAM_H
#define KEEL_EPT_GUEST_RAM_H

#include <stdint.h>
#include "ept/ept.h"
#include "ept/guest_mem.h"

/* Allocate zeroed RAM in 2 MiB-aligned chunks where possible. Returns 0, or -1
 * (nothing left allocated) when memory is short or too fragmented. */
int guest_ram_alloc(struct guest_mem *gm, uint64_t size);
/* Map every extent read/write/execute, write-back, into the EPT. */
int guest_ram_map(const struct guest_mem *gm, struct ept *ept, bool large_pages);
void guest_ram_free(struct guest_mem *gm);

#endif
