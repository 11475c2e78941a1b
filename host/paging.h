/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's own page tables: identity map of physical memory, W^X for its image. */
#ifndef KEEL_VMX_PAGING_H
#define KEEL_VMX_PAGING_H

#include "host/bootinfo.h"

/* Build and load the final host page tables; returns 0 or -1 when out of memory. */
int host_paging_init(const struct boot_info *bi);
/* The page tables every CPU runs on once host_paging_init is done. */
extern uint64_t host_cr3;

#endif
