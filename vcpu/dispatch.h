/* SPDX-License-Identifier: BSD-2-Clause */
/* Answering a neutral exit (vCPU's CPU, right after the exit): one handler
 * per VEXIT_* kind. */
#ifndef KEEL_VCPU_DISPATCH_H
#define KEEL_VCPU_DISPATCH_H

#include "vcpu/vcpu.h"

typedef void (*vexit_handler)(struct vcpu *v, const struct vexit *x);

/* One handler for every kind (tests/unit/test_dispatch.c checks that none is
 * missing): the kind comes from the vendor layer's own tables, not the guest. */
extern const vexit_handler vexit_handlers[VEXIT_KIND_COUNT];

static inline void vcpu_dispatch(struct vcpu *v, const struct vexit *x)
{
    vexit_handlers[x->kind](v, x);
}

#endif
