/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for pvio/xen/evtchn.c: 2-level event channel delivery into a
 * shared_info page and vcpu_info areas, port life cycle and backend binding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pvio/xen/evtchn.h"

struct fixture {
    struct evtchn e;
    uint8_t shared_info[4096];
    uint8_t vcpu_info[2][64];
    bool registered[2];         /* vCPU uses vcpu_info[] instead of its shared_info slot */
    unsigned upcalls[2];
    unsigned kicks;
};

static uint8_t *vcpu_info_of(void *ctx, unsigned vcpu)
{
    struct fixture *f = ctx;
    if (vcpu >= 2)
        return NULL;
    return f->registered[vcpu] ? f->vcpu_info[vcpu] : f->shared_info + vcpu * 64;
}

static void raise_upcall(void *ctx, unsigned vcpu)
{
    struct fixture *f = ctx;
    f->upcalls[vcpu]++;
}

static void backend_kick(void *ctx)
{
    struct fixture *f = ctx;
    f->kicks++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    evtchn_init(&f->e, 2, vcpu_info_of, raise_upcall, f);
    f->e.shared_info = f->shared_info;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static bool pending_bit(struct fixture *f, uint32_t port)
{
    uint64_t w;
    memcpy(&w, f->shared_info + XEN_SHINFO_PENDING + (port / 64) * 8, 8);
    return (w >> (port % 64)) & 1;
}

static void set_mask(struct fixture *f, uint32_t port, bool masked)
{
    uint64_t w;
    uint8_t *at = f->shared_info + XEN_SHINFO_MASK + (port / 64) * 8;
    memcpy(&w, at, 8);
    w = masked ? w | (1ull << (port % 64)) : w & ~(1ull << (port % 64));
    memcpy(at, &w, 8);
}

static uint64_t sel(uint8_t *vi)
{
    uint64_t w;
    memcpy(&w, vi + XEN_VCPU_PENDING_SEL, 8);
    return w;
}

static void test_alloc_and_status(void **state)
{
    struct fixture *f = *state;
    int p = evtchn_alloc_unbound(&f->e, 0);
    assert_int_equal(p, 1);                 /* port 0 is never handed out */
    assert_int_equal(evtchn_alloc_unbound(&f->e, 7), -XEN_ESRCH);   /* no such backend */
    struct evtchn_status st = { .dom = DOMID_SELF };
    assert_int_equal(evtchn_get_status(&f->e, 1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 0);
    assert_int_equal(evtchn_get_status(&f->e, 2, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    assert_int_equal(evtchn_get_status(&f->e, 0, &st), -XEN_EINVAL);
    assert_int_equal(evtchn_get_status(&f->e, EVTCHN_PORTS_MAX, &st), -XEN_EINVAL);
    assert_int_equal(evtchn_close(&f->e, 1), 0);
    assert_int_equal(evtchn_close(&f->e, 1), -XEN_EINVAL);
    assert_int_equal(evtchn_alloc_unbound(&f->e, 0), 1);    /* reused */
}

static void test_ports_run_out(void **state)
{
    struct fixture *f = *state;
    for (unsigned i = 1; i < EVTCHN_PORTS_MAX; i++)
        assert_int_equal(evtchn_bind_ipi(&f->e, 0), (int)i);
    assert_int_equal(evtchn_bind_ipi(&f->e, 0), -XEN_ENOSPC);
    assert_int_equal(evtchn_close(&f->e, 500), 0);
    assert_int_equal(evtchn_bind_ipi(&f->e, 1), 500);
}

static void test_ipi_delivery_two_level(void **state)
{
    struct fixture *f = *state;
    int p = evtchn_bind_ipi(&f->e, 1);
    assert_true(p > 0);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);
    assert_true(pending_bit(f, (uint32_t)p));
    uint8_t *vi = f->shared_info + 64;          /* vCPU 1's slot in shared_info */
    assert_int_equal(vi[XEN_VCPU_UPCALL_PENDING], 1);
    assert_int_equal(sel(vi), 1ull << (p / 64));
    assert_int_equal(f->upcalls[1], 1);
    assert_int_equal(f->upcalls[0], 0);
    /* Already pending: nothing more happens. */
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);
    assert_int_equal(f->upcalls[1], 1);
    /* The guest consumed selector and flag but not the port bit: a new send
     * finds the port still pending and raises nothing. */
    memset(vi, 0, 16);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);
    assert_int_equal(f->upcalls[1], 1);
}

static void test_masked_then_unmask(void **state)
{
    struct fixture *f = *state;
    int p = evtchn_bind_virq(&f->e, 1, 0);
    assert_true(p > 0);
    set_mask(f, (uint32_t)p, true);
    evtchn_set_pending(&f->e, (uint32_t)p);
    assert_true(pending_bit(f, (uint32_t)p));
    assert_int_equal(f->upcalls[0], 0);
    assert_int_equal(f->shared_info[XEN_VCPU_UPCALL_PENDING], 0);
    assert_int_equal(evtchn_unmask(&f->e, (uint32_t)p), 0);
    assert_int_equal(f->upcalls[0], 1);
    assert_int_equal(f->shared_info[XEN_VCPU_UPCALL_PENDING], 1);
    assert_int_equal(evtchn_unmask(&f->e, 999), -XEN_EINVAL);
}

static void test_upcall_flag_already_set(void **state)
{
    struct fixture *f = *state;
    int a = evtchn_bind_ipi(&f->e, 0), b = evtchn_bind_ipi(&f->e, 0);
    /* Ports in different selector words: the second sets its word's bit but
     * raises no second upcall while upcall_pending is still 1. */
    int far = 0;
    for (int i = 0; i < 70; i++)
        far = evtchn_bind_ipi(&f->e, 0);
    assert_true(far / 64 != a / 64);
    evtchn_set_pending(&f->e, (uint32_t)a);
    evtchn_set_pending(&f->e, (uint32_t)far);
    assert_int_equal(f->upcalls[0], 1);
    assert_int_equal(sel(f->shared_info), (1ull << (a / 64)) | (1ull << (far / 64)));
    (void)b;
}

static void test_registered_vcpu_info_and_bind_vcpu(void **state)
{
    struct fixture *f = *state;
    f->registered[1] = true;
    int p = evtchn_alloc_unbound(&f->e, 0);
    struct evtchn_backend be = { backend_kick, f };
    assert_int_equal(evtchn_bind_backend(&f->e, (uint32_t)p, &be), 0);
    assert_int_equal(evtchn_bind_vcpu(&f->e, (uint32_t)p, 1), 0);
    assert_int_equal(evtchn_bind_vcpu(&f->e, (uint32_t)p, 2), -XEN_ENOENT);
    evtchn_notify_guest(&f->e, (uint32_t)p, f);
    assert_int_equal(f->vcpu_info[1][XEN_VCPU_UPCALL_PENDING], 1);
    assert_int_equal(f->shared_info[64 + XEN_VCPU_UPCALL_PENDING], 0);
    assert_int_equal(f->upcalls[1], 1);
    /* IPIs stay on the vCPU they were bound to. */
    int ipi = evtchn_bind_ipi(&f->e, 0);
    assert_int_equal(evtchn_bind_vcpu(&f->e, (uint32_t)ipi, 1), -XEN_EINVAL);
}

static void test_backend_binding(void **state)
{
    struct fixture *f = *state;
    struct evtchn_backend be = { backend_kick, f };
    int store = evtchn_alloc_backend(&f->e, &be);
    assert_true(store > 0);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)store), 0);
    assert_int_equal(f->kicks, 1);

    int p = evtchn_alloc_unbound(&f->e, 0);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);  /* unbound: dropped */
    assert_int_equal(f->kicks, 1);
    assert_false(pending_bit(f, (uint32_t)p));
    /* Only an unbound port for domain 0 can be bound; IPIs, VIRQs, free ports cannot. */
    int ipi = evtchn_bind_ipi(&f->e, 0);
    assert_int_equal(evtchn_bind_backend(&f->e, (uint32_t)ipi, &be), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_backend(&f->e, 900, &be), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_backend(&f->e, (uint32_t)p, &be), 0);
    assert_int_equal(evtchn_bind_backend(&f->e, (uint32_t)p, &be), -XEN_EINVAL);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);
    assert_int_equal(f->kicks, 2);

    /* A backend's notification after the guest closed (or re-used) the port is dropped. */
    assert_int_equal(evtchn_close(&f->e, (uint32_t)p), 0);
    int again = evtchn_bind_ipi(&f->e, 0);
    assert_int_equal(again, p);
    evtchn_notify_guest(&f->e, (uint32_t)p, f);
    assert_false(pending_bit(f, (uint32_t)p));
    /* Unbinding makes the port unbound again. */
    evtchn_unbind_backend(&f->e, (uint32_t)store, f);
    struct evtchn_status st = { 0 };
    assert_int_equal(evtchn_get_status(&f->e, (uint32_t)store, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
}

static void test_virq_rules(void **state)
{
    struct fixture *f = *state;
    int p = evtchn_bind_virq(&f->e, 1, 0);
    assert_true(p > 0);
    assert_int_equal(evtchn_bind_virq(&f->e, 1, 0), -XEN_EEXIST);
    assert_true(evtchn_bind_virq(&f->e, 1, 1) > 0);     /* per vCPU */
    assert_int_equal(evtchn_bind_virq(&f->e, XEN_NR_VIRQS, 0), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_virq(&f->e, 0, 2), -XEN_ENOENT);
    assert_int_equal(evtchn_bind_ipi(&f->e, 5), -XEN_ENOENT);
    assert_int_equal(evtchn_close(&f->e, (uint32_t)p), 0);
    assert_true(evtchn_bind_virq(&f->e, 1, 0) > 0);     /* free again after close */
}

static void test_no_shared_info_yet(void **state)
{
    struct fixture *f = *state;
    f->e.shared_info = NULL;
    int p = evtchn_bind_ipi(&f->e, 0);
    assert_int_equal(evtchn_send(&f->e, (uint32_t)p), 0);
    assert_int_equal(evtchn_unmask(&f->e, (uint32_t)p), 0);
    assert_int_equal(f->upcalls[0], 0);
    evtchn_set_pending(&f->e, 0);
    evtchn_set_pending(&f->e, EVTCHN_PORTS_MAX);
    evtchn_set_pending(&f->e, 0xffffffffu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_and_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ports_run_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipi_delivery_two_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masked_then_unmask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upcall_flag_already_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registered_vcpu_info_and_bind_vcpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virq_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_shared_info_yet, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
