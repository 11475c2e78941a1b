/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for pvio/xen/xenstore_*.c: tree, permissions, watches, transactions and a hostile ring. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvio/xen/xenstore.h"
#include "tests/common/xenstore_check.h"

#define GUEST 5
#define HOME "/local/domain/5"
#define BACKEND "/local/domain/0/backend/vbd/5/51712"

/* A payload literal with its embedded NULs: P("a\0b\0") -> pointer, 4. */
#define P(lit) (lit), (sizeof(lit) - 1)

struct reply {
    struct xsd_sockmsg hdr;
    char payload[XENSTORE_PAYLOAD_MAX + 1];    /* NUL-terminated for convenience */
};

/* The store's bookkeeping holds (tests/common/xenstore_check.h). */
static void expect_consistent(const struct xenstore *xs)
{
    char why[160];
    const char *err = xenstore_check(xs, true, why, sizeof why);
    if (err)
        fail_msg("xenstore inconsistent: %s", err);
}

static int setup(void **state)
{
    struct xenstore *xs = calloc(1, sizeof *xs);
    assert_non_null(xs);
    xenstore_init(xs, GUEST);
    *state = xs;
    return 0;
}

static int teardown(void **state)
{
    expect_consistent(*state);
    free(*state);
    return 0;
}

/* One guest request through xenstore_handle_request; checks the reply frame. */
static struct reply call(struct xenstore *xs, uint32_t type, uint32_t tx_id, const void *payload, size_t len)
{
    static uint8_t req[XS_MSG_MAX], out[XS_MSG_MAX];
    static struct reply r;
    struct xsd_sockmsg hdr = { type, 0xabcd, tx_id, (uint32_t)len };
    memcpy(req, &hdr, sizeof hdr);
    memcpy(req + sizeof hdr, payload, len);
    size_t n = xenstore_handle_request(xs, req, sizeof hdr + len, out, sizeof out);
    assert_true(n >= sizeof hdr);
    memset(&r, 0, sizeof r);
    memcpy(&r.hdr, out, sizeof hdr);
    assert_int_equal(n, sizeof hdr + r.hdr.len);
    assert_true(r.hdr.len <= XENSTORE_PAYLOAD_MAX);
    memcpy(r.payload, out + sizeof hdr, r.hdr.len);
    assert_int_equal(r.hdr.req_id, 0xabcd);
    assert_int_equal(r.hdr.tx_id, tx_id);
    return r;
}

static void expect_error(struct reply r, const char *name)
{
    assert_int_equal(r.hdr.type, XS_ERROR);
    assert_string_equal(r.payload, name);
    assert_int_equal(r.hdr.len, strlen(name) + 1);
}

static void expect_ok(struct reply r, uint32_t type)
{
    if (r.hdr.type == XS_ERROR)
        fail_msg("type %u failed: %s", type, r.payload);
    assert_int_equal(r.hdr.type, type);
    assert_int_equal(r.hdr.len, 3);
    assert_memory_equal(r.payload, "OK", 3);
}

/* READ reply with exactly this value (no NUL on the wire). */
static void expect_read(struct reply r, const char *value)
{
    if (r.hdr.type == XS_ERROR)
        fail_msg("read failed: %s", r.payload);
    assert_int_equal(r.hdr.type, XS_READ);
    assert_int_equal(r.hdr.len, strlen(value));
    assert_memory_equal(r.payload, value, strlen(value));
}

static struct reply guest_read(struct xenstore *xs, uint32_t tx, const char *path)
{
    return call(xs, XS_READ, tx, path, strlen(path) + 1);
}

static struct reply guest_write(struct xenstore *xs, uint32_t tx, const char *path, const char *value)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t plen = strlen(path) + 1, vlen = strlen(value);
    memcpy(buf, path, plen);
    memcpy(buf + plen, value, vlen);
    return call(xs, XS_WRITE, tx, buf, plen + vlen);
}

static struct reply guest_path_op(struct xenstore *xs, uint32_t type, uint32_t tx, const char *path)
{
    return call(xs, type, tx, path, strlen(path) + 1);
}

static struct reply guest_watch(struct xenstore *xs, uint32_t type, const char *path, const char *token)
{
    char buf[512];
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    memcpy(buf, path, plen);
    memcpy(buf + plen, token, tlen);
    return call(xs, type, 0, buf, plen + tlen);
}

/* The directory listing as a set: each name must appear, and nothing else. */
static void expect_children(struct reply r, const char *const *names, unsigned count)
{
    if (r.hdr.type == XS_ERROR)
        fail_msg("directory failed: %s", r.payload);
    assert_int_equal(r.hdr.type, XS_DIRECTORY);
    unsigned seen = 0;
    for (size_t off = 0; off < r.hdr.len; off += strlen(r.payload + off) + 1) {
        bool known = false;
        for (unsigned i = 0; i < count; i++)
            known |= strcmp(r.payload + off, names[i]) == 0;
        if (!known)
            fail_msg("unexpected child '%s'", r.payload + off);
        seen++;
    }
    assert_int_equal(seen, count);
    assert_true(r.hdr.len == 0 || r.payload[r.hdr.len - 1] == '\0');
}

static uint32_t start_tx(struct xenstore *xs)
{
    struct reply r = call(xs, XS_TRANSACTION_START, 0, P("\0"));
    assert_int_equal(r.hdr.type, XS_TRANSACTION_START);
    assert_int_equal(r.hdr.len, strlen(r.payload) + 1);
    uint32_t id = (uint32_t)strtoul(r.payload, NULL, 10);
    assert_true(id != 0);
    return id;
}

/* The next queued output message must be this watch event. */
static void expect_event(struct xenstore *xs, const char *path, const char *token)
{
    struct xsd_sockmsg hdr;
    char payload[XENSTORE_PAYLOAD_MAX];
    assert_int_equal(xenstore_take_output(xs, &hdr, sizeof hdr), sizeof hdr);
    assert_int_equal(hdr.type, XS_WATCH_EVENT);
    assert_int_equal(hdr.req_id, 0);
    assert_int_equal(hdr.tx_id, 0);
    assert_int_equal(xenstore_take_output(xs, payload, hdr.len), hdr.len);
    size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
    assert_int_equal(hdr.len, plen + tlen);
    assert_string_equal(payload, path);
    assert_string_equal(payload + plen, token);
}

static void expect_no_output(struct xenstore *xs)
{
    assert_false(xenstore_has_pending_output(xs));
}

/* ==== Tree ============================================================================ */

static void test_init_and_domain_path(void **state)
{
    struct xenstore *xs = *state;
    struct xs_perms p;
    assert_int_equal(xs_get_perms(xs, HOME, &p), XS_OK);
    assert_int_equal(p.owner, GUEST);
    assert_int_equal(p.others, XS_PERM_NONE);
    assert_true(xs_exists(xs, "/local/domain"));

    struct reply r = call(xs, XS_GET_DOMAIN_PATH, 0, P("7\0"));
    assert_int_equal(r.hdr.type, XS_GET_DOMAIN_PATH);
    assert_int_equal(r.hdr.len, sizeof "/local/domain/7");
    assert_string_equal(r.payload, "/local/domain/7");
    expect_error(call(xs, XS_GET_DOMAIN_PATH, 0, P("x\0")), "EINVAL");
    expect_error(call(xs, XS_GET_DOMAIN_PATH, 0, P("70000\0")), "EINVAL");
    assert_true(sizeof(struct xenstore) < 512 * 1024);
}

static void test_write_read_directory_rm(void **state)
{
    struct xenstore *xs = *state;
    expect_ok(guest_write(xs, 0, "data/a/b", "hello"), XS_WRITE);
    expect_read(guest_read(xs, 0, "data/a/b"), "hello");
    expect_read(guest_read(xs, 0, HOME "/data/a/b"), "hello");    /* same node, absolute */
    expect_read(guest_read(xs, 0, "data/a"), "");                 /* implicit parent, empty */
    expect_ok(guest_write(xs, 0, "data/a/c", ""), XS_WRITE);      /* empty value */
    expect_read(guest_read(xs, 0, "data/a/c"), "");
    expect_ok(guest_write(xs, 0, "data/a/b", "x"), XS_WRITE);     /* shorter overwrite */
    expect_read(guest_read(xs, 0, "data/a/b"), "x");

    const char *const kids[] = { "b", "c" };
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "data/a"), kids, 2);
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "data/a/b"), NULL, 0);

    expect_ok(guest_path_op(xs, XS_MKDIR, 0, "data/d"), XS_MKDIR);
    expect_ok(guest_path_op(xs, XS_MKDIR, 0, "data/a"), XS_MKDIR);  /* exists: unchanged */
    expect_read(guest_read(xs, 0, "data/a/b"), "x");

    expect_ok(guest_path_op(xs, XS_RM, 0, "data/a"), XS_RM);
    expect_error(guest_read(xs, 0, "data/a/b"), "ENOENT");
    expect_error(guest_read(xs, 0, "data/a"), "ENOENT");
    const char *const left[] = { "d" };
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "data"), left, 1);
    expect_ok(guest_path_op(xs, XS_RM, 0, "data/a"), XS_RM);        /* missing, parent exists */
    expect_error(guest_path_op(xs, XS_RM, 0, "data/a/b"), "ENOENT"); /* parent missing too */
    expect_error(guest_path_op(xs, XS_RM, 0, "/"), "EINVAL");
}

static void test_keel_api(void **state)
{
    struct xenstore *xs = *state;
    char buf[64];
    uint64_t v;
    assert_int_equal(xs_write(xs, BACKEND "/sectors", "2048"), XS_OK);
    assert_int_equal(xs_read(xs, BACKEND "/sectors", buf, sizeof buf), XS_OK);
    assert_string_equal(buf, "2048");
    assert_int_equal(xs_read(xs, BACKEND "/sectors", buf, 4), XS_E2BIG);
    assert_int_equal(xs_read_u64(xs, BACKEND "/sectors", &v), XS_OK);
    assert_int_equal(v, 2048);
    assert_int_equal(xs_printf(xs, BACKEND "/info", "%u", 4u), XS_OK);
    assert_int_equal(xs_read_u64(xs, BACKEND "/info", &v), XS_OK);
    assert_int_equal(v, 4);
    assert_int_equal(xs_write(xs, BACKEND "/mode", "w"), XS_OK);
    assert_int_equal(xs_read_u64(xs, BACKEND "/mode", &v), XS_EINVAL);
    assert_int_equal(xs_read(xs, BACKEND "/nope", buf, sizeof buf), XS_ENOENT);
    assert_true(xs_exists(xs, "/local/domain/0/backend/vbd"));

    assert_int_equal(xs_rm(xs, "/local/domain/0/backend"), XS_OK);
    assert_false(xs_exists(xs, BACKEND "/sectors"));
    assert_false(xs_exists(xs, "/local/domain/0/backend"));
    assert_true(xs_exists(xs, "/local/domain/0"));
    assert_int_equal(xs_rm(xs, "/local/domain/0/backend/x"), XS_ENOENT);
    assert_int_equal(xs_rm(xs, "/"), XS_EINVAL);
    assert_int_equal(xs_mkdir(xs, "/tool/x"), XS_OK);
    assert_true(xs_exists(xs, "/tool"));
}

static void test_bad_paths_and_sizes(void **state)
{
    struct xenstore *xs = *state;
    expect_error(guest_write(xs, 0, "a//b", "v"), "EINVAL");
    expect_error(guest_write(xs, 0, "a/", "v"), "EINVAL");
    expect_error(guest_write(xs, 0, "a b", "v"), "EINVAL");
    expect_error(guest_write(xs, 0, "a.b", "v"), "EINVAL");
    expect_error(guest_write(xs, 0, "", "v"), "EINVAL");
    expect_error(guest_read(xs, 0, "/local//domain"), "EINVAL");
    expect_ok(guest_write(xs, 0, "ok-name_1@x", "v"), XS_WRITE);

    char path[XS_PATH_MAX + 8];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    expect_error(guest_write(xs, 0, path, "v"), "E2BIG");
    path[XS_PATH_MAX - sizeof HOME] = '\0';     /* HOME + '/' + this is exactly XS_PATH_MAX */
    expect_ok(guest_write(xs, 0, path, "v"), XS_WRITE);

    static char value[XS_VALUE_MAX + 2];
    memset(value, 'v', XS_VALUE_MAX + 1);
    expect_error(guest_write(xs, 0, "big", value), "E2BIG");
    value[XS_VALUE_MAX] = '\0';
    expect_ok(guest_write(xs, 0, "big", value), XS_WRITE);
    expect_read(guest_read(xs, 0, "big"), value);

    assert_int_equal(xs_write(xs, "relative", "v"), XS_EINVAL);
    assert_int_equal(xs_write(xs, "/trailing/", "v"), XS_EINVAL);
    assert_int_equal(xs_write(xs, path, "v"), XS_EINVAL);
}

static void test_malformed_payloads(void **state)
{
    struct xenstore *xs = *state;
    expect_error(call(xs, XS_READ, 0, P("data")), "EINVAL");            /* no NUL */
    expect_error(call(xs, XS_READ, 0, P("")), "EINVAL");
    expect_error(call(xs, XS_WRITE, 0, P("novalue")), "EINVAL");        /* path has no NUL */
    expect_error(call(xs, XS_WATCH, 0, P("path\0")), "EINVAL");         /* no token */
    expect_error(call(xs, XS_WATCH, 0, P("path\0tok")), "EINVAL");      /* token unterminated */
    expect_error(call(xs, XS_TRANSACTION_END, 0, P("T\0")), "ENOENT");  /* no transaction */
    expect_error(call(xs, 999, 0, P("x\0")), "ENOSYS");
    expect_error(call(xs, XS_WATCH_EVENT, 0, P("x\0t\0")), "ENOSYS");
    expect_error(call(xs, XS_DIRECTORY_PART, 0, P("x\0" "0\0")), "ENOSYS");
    expect_error(call(xs, XS_INTRODUCE, 0, P("6\0" "1\0" "2\0")), "EACCES");
    expect_error(call(xs, XS_SET_TARGET, 0, P("6\0" "5\0")), "EACCES");

    /* Frames that lie about their length. */
    uint8_t req[64], out[XS_MSG_MAX];
    struct xsd_sockmsg hdr = { XS_READ, 7, 0, 40 };
    memcpy(req, &hdr, sizeof hdr);
    size_t n = xenstore_handle_request(xs, req, sizeof hdr + 4, out, sizeof out);
    assert_int_equal(n, sizeof hdr + sizeof "EINVAL");
    assert_int_equal(((struct xsd_sockmsg *)out)->type, XS_ERROR);
    hdr.len = XENSTORE_PAYLOAD_MAX + 1;
    memcpy(req, &hdr, sizeof hdr);
    n = xenstore_handle_request(xs, req, sizeof req, out, sizeof out);
    assert_int_equal(((struct xsd_sockmsg *)out)->type, XS_ERROR);
    assert_int_equal(xenstore_handle_request(xs, req, 3, out, sizeof out), sizeof hdr + sizeof "EINVAL");
    assert_int_equal(xenstore_handle_request(xs, req, 3, out, 100), 0);   /* reply buffer too small */
}

/* ==== Permissions ====================================================================== */

static void test_permissions(void **state)
{
    struct xenstore *xs = *state;
    /* Another domain's node, Keel's private node and a backend readable by the guest. */
    assert_int_equal(xs_write(xs, "/local/domain/7/name", "other"), XS_OK);
    assert_int_equal(xs_write(xs, "/local/domain/0/private", "secret"), XS_OK);
    assert_int_equal(xs_mkdir(xs, BACKEND), XS_OK);
    assert_int_equal(xs_set_perms(xs, BACKEND, 0, XS_PERM_NONE, GUEST, XS_PERM_READ), XS_OK);
    assert_int_equal(xs_write(xs, BACKEND "/state", "2"), XS_OK);      /* inherits r5 */
    /* A frontend node Keel writes below home: owned by the guest. */
    assert_int_equal(xs_write(xs, HOME "/device/vbd/51712/state", "1"), XS_OK);

    expect_error(guest_read(xs, 0, "/local/domain/7/name"), "EACCES");
    expect_error(guest_write(xs, 0, "/local/domain/7/name", "mine"), "EACCES");
    expect_error(guest_write(xs, 0, "/local/domain/7/new", "mine"), "EACCES");
    expect_error(guest_read(xs, 0, "/local/domain/0/private"), "EACCES");
    expect_error(guest_path_op(xs, XS_DIRECTORY, 0, "/local/domain"), "EACCES");
    expect_error(guest_path_op(xs, XS_RM, 0, "/local/domain/0/private"), "EACCES");
    /* Missing nodes where the guest cannot look: EACCES, not ENOENT. */
    expect_error(guest_read(xs, 0, "/local/domain/9/x"), "EACCES");
    expect_error(guest_read(xs, 0, "/nowhere"), "EACCES");
    expect_error(guest_read(xs, 0, "nothing"), "ENOENT");
    expect_error(guest_read(xs, 0, BACKEND "/nothing"), "ENOENT");

    expect_read(guest_read(xs, 0, BACKEND "/state"), "2");
    expect_error(guest_write(xs, 0, BACKEND "/state", "4"), "EACCES");
    expect_error(guest_write(xs, 0, BACKEND "/new", "4"), "EACCES");
    expect_error(guest_path_op(xs, XS_RM, 0, BACKEND "/state"), "EACCES");
    expect_error(guest_path_op(xs, XS_MKDIR, 0, BACKEND "/dir"), "EACCES");
    struct reply r = guest_path_op(xs, XS_GET_PERMS, 0, BACKEND "/state");
    assert_int_equal(r.hdr.type, XS_GET_PERMS);
    assert_int_equal(r.hdr.len, sizeof "n0" + sizeof "r5");
    assert_string_equal(r.payload, "n0");
    assert_string_equal(r.payload + 3, "r5");
    char buf[8];
    assert_int_equal(xs_read(xs, BACKEND "/state", buf, sizeof buf), XS_OK);
    assert_string_equal(buf, "2");

    /* The guest's own tree: what it creates, it owns. */
    expect_ok(guest_write(xs, 0, "device/vbd/51712/state", "3"), XS_WRITE);
    expect_ok(guest_write(xs, 0, "device/vbd/51712/ring-ref", "8"), XS_WRITE);
    r = guest_path_op(xs, XS_GET_PERMS, 0, "device/vbd/51712/ring-ref");
    assert_int_equal(r.hdr.len, sizeof "n5");
    assert_string_equal(r.payload, "n5");

    /* SET_PERMS: the guest may add a reader but not give the node away. */
    expect_error(call(xs, XS_SET_PERMS, 0, P("device\0n7\0")), "EACCES");
    expect_ok(call(xs, XS_SET_PERMS, 0, P("device\0n5\0r7\0")), XS_SET_PERMS);
    struct xs_perms p;
    assert_int_equal(xs_get_perms(xs, HOME "/device", &p), XS_OK);
    assert_int_equal(p.extra_domid, 7);
    assert_int_equal(p.extra_perm, XS_PERM_READ);
    expect_error(call(xs, XS_SET_PERMS, 0, P("device\0n5\0r7\0r8\0")), "E2BIG");
    expect_error(call(xs, XS_SET_PERMS, 0, P("device\0x5\0")), "EINVAL");
    expect_error(call(xs, XS_SET_PERMS, 0, P(BACKEND "\0n0\0b5\0")), "EACCES");

    /* Keel lends write access through the extra entry. */
    assert_int_equal(xs_set_perms(xs, "/local/domain/0/private", 0, XS_PERM_NONE, GUEST, XS_PERM_BOTH), XS_OK);
    expect_ok(guest_write(xs, 0, "/local/domain/0/private", "shared"), XS_WRITE);
    expect_read(guest_read(xs, 0, "/local/domain/0/private"), "shared");
}

/* ==== Guest watches ====================================================================== */

static void test_watch_fires_initially_and_on_changes(void **state)
{
    struct xenstore *xs = *state;
    expect_ok(guest_watch(xs, XS_WATCH, "device", "tok1"), XS_WATCH);
    expect_event(xs, "device", "tok1");                     /* registration, relative */
    expect_no_output(xs);

    assert_int_equal(xs_write(xs, HOME "/device/vbd/51712/state", "1"), XS_OK);
    expect_event(xs, "device/vbd/51712/state", "tok1");
    expect_no_output(xs);
    assert_int_equal(xs_write(xs, HOME "/control/shutdown", "poweroff"), XS_OK);
    expect_no_output(xs);                                   /* not below the watch */

    /* An absolute watch on a backend node reports absolute paths. */
    assert_int_equal(xs_mkdir(xs, BACKEND), XS_OK);
    assert_int_equal(xs_set_perms(xs, BACKEND, 0, XS_PERM_NONE, GUEST, XS_PERM_READ), XS_OK);
    expect_ok(guest_watch(xs, XS_WATCH, BACKEND "/state", "be"), XS_WATCH);
    expect_event(xs, BACKEND "/state", "be");               /* fires even though missing */
    assert_int_equal(xs_write(xs, BACKEND "/state", "2"), XS_OK);
    expect_event(xs, BACKEND "/state", "be");

    /* The guest's own writes fire too, after the reply. */
    expect_ok(guest_write(xs, 0, "device/vbd/51712/state", "3"), XS_WRITE);
    expect_event(xs, "device/vbd/51712/state", "tok1");

    /* Removing an ancestor reports the watched path itself. */
    assert_int_equal(xs_rm(xs, "/local/domain/0/backend"), XS_OK);
    expect_event(xs, BACKEND "/state", "be");

    expect_error(guest_watch(xs, XS_WATCH, "device", "tok1"), "EEXIST");
    expect_ok(guest_watch(xs, XS_UNWATCH, "device", "tok1"), XS_UNWATCH);
    expect_error(guest_watch(xs, XS_UNWATCH, "device", "tok1"), "ENOENT");
    assert_int_equal(xs_write(xs, HOME "/device/vbd/51712/state", "4"), XS_OK);
    expect_no_output(xs);

    /* Special watches are accepted and fire only at registration. */
    expect_ok(guest_watch(xs, XS_WATCH, "@releaseDomain", "rel"), XS_WATCH);
    expect_event(xs, "@releaseDomain", "rel");
    assert_int_equal(xs_write(xs, "/local/domain/5/x", "1"), XS_OK);
    expect_no_output(xs);
}

static void test_watch_hides_unreadable_changes(void **state)
{
    struct xenstore *xs = *state;
    assert_int_equal(xs_mkdir(xs, BACKEND), XS_OK);
    assert_int_equal(xs_set_perms(xs, BACKEND, 0, XS_PERM_NONE, GUEST, XS_PERM_READ), XS_OK);
    expect_ok(guest_watch(xs, XS_WATCH, "/local/domain/0", "all"), XS_WATCH);
    expect_event(xs, "/local/domain/0", "all");
    assert_int_equal(xs_write(xs, "/local/domain/0/private", "secret"), XS_OK);
    expect_no_output(xs);
    assert_int_equal(xs_write(xs, BACKEND "/state", "2"), XS_OK);
    expect_event(xs, BACKEND "/state", "all");
}

static void test_reset_watches_and_limits(void **state)
{
    struct xenstore *xs = *state;
    char token[16];
    for (int i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        snprintf(token, sizeof token, "t%d", i);
        expect_ok(guest_watch(xs, XS_WATCH, "control", token), XS_WATCH);
        expect_event(xs, "control", token);
    }
    expect_error(guest_watch(xs, XS_WATCH, "control", "one-more"), "E2BIG");
    char long_token[XS_TOKEN_MAX + 2];
    memset(long_token, 'k', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    expect_ok(guest_watch(xs, XS_UNWATCH, "control", "t0"), XS_UNWATCH);
    expect_error(guest_watch(xs, XS_WATCH, "control", long_token), "E2BIG");

    uint32_t tx = start_tx(xs);
    expect_ok(call(xs, XS_RESET_WATCHES, 0, P("")), XS_RESET_WATCHES);
    assert_int_equal(xs_write(xs, HOME "/control/shutdown", "reboot"), XS_OK);
    expect_no_output(xs);
    expect_error(guest_read(xs, tx, "control/shutdown"), "ENOENT");   /* transaction gone too */
    expect_ok(guest_watch(xs, XS_WATCH, "control", "t1"), XS_WATCH);  /* slots free again */
    expect_event(xs, "control", "t1");
}

/* ==== Internal watches ===================================================================== */

struct watch_log {
    struct xenstore *xs;
    char path[16][XS_PATH_MAX + 1];
    unsigned calls;
};

static unsigned callback_depth, callback_max_depth;    /* across all callbacks */

static void log_call(void *ctx, const char *path)
{
    struct watch_log *log = ctx;
    if (log->calls < 16)
        strcpy(log->path[log->calls], path);
    log->calls++;
}

static void test_internal_watch(void **state)
{
    struct xenstore *xs = *state;
    struct watch_log log = { .xs = xs };
    assert_int_equal(xs_watch_internal(xs, HOME "/device", log_call, &log), XS_OK);
    assert_int_equal(log.calls, 0);                         /* no call at registration */

    expect_ok(guest_write(xs, 0, "device/vbd/51712/state", "3"), XS_WRITE);
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.path[0], HOME "/device/vbd/51712/state");
    assert_int_equal(xs_write(xs, HOME "/device/vif/0/state", "1"), XS_OK);
    assert_int_equal(log.calls, 2);
    assert_string_equal(log.path[1], HOME "/device/vif/0/state");
    assert_int_equal(xs_write(xs, HOME "/elsewhere", "1"), XS_OK);
    assert_int_equal(log.calls, 2);
    assert_int_equal(xs_rm(xs, HOME), XS_OK);               /* ancestor removed: reports the watch path */
    assert_int_equal(log.calls, 3);
    assert_string_equal(log.path[2], HOME "/device");

    xs_unwatch_internal(xs, HOME "/device", log_call, &log);
    assert_int_equal(xs_write(xs, HOME "/device/x", "1"), XS_OK);
    assert_int_equal(log.calls, 3);
    assert_int_equal(xs_watch_internal(xs, "rel", log_call, &log), XS_EINVAL);
    for (int i = 0; i < XS_INTERNAL_WATCHES_MAX; i++)
        assert_int_equal(xs_watch_internal(xs, "/a", log_call, &log), XS_OK);
    assert_int_equal(xs_watch_internal(xs, "/a", log_call, &log), XS_ENOSPC);
}

/* A backend: when the frontend says Initialised (3), connect and say Connected (4). */
static void backend_reacts(void *ctx, const char *path)
{
    struct watch_log *log = ctx;
    char state[8];
    if (++callback_depth > callback_max_depth)
        callback_max_depth = callback_depth;
    log_call(ctx, path);
    /* The change is already applied when the callback runs. */
    if (xs_read(log->xs, HOME "/device/vbd/51712/state", state, sizeof state) == XS_OK &&
        strcmp(state, "3") == 0) {
        assert_int_equal(xs_write(log->xs, BACKEND "/sectors", "100"), XS_OK);
        assert_int_equal(xs_write(log->xs, BACKEND "/state", "4"), XS_OK);
    }
    callback_depth--;
}

static void backend_state_seen(void *ctx, const char *path)
{
    assert_int_equal(callback_depth, 0);    /* never nested inside another callback */
    log_call(ctx, path);
}

static void test_internal_watch_callback_writes(void **state)
{
    struct xenstore *xs = *state;
    struct watch_log fe = { .xs = xs }, be = { .xs = xs };
    callback_depth = callback_max_depth = 0;
    assert_int_equal(xs_mkdir(xs, BACKEND), XS_OK);
    assert_int_equal(xs_set_perms(xs, BACKEND, 0, XS_PERM_NONE, GUEST, XS_PERM_READ), XS_OK);
    assert_int_equal(xs_watch_internal(xs, HOME "/device/vbd/51712/state", backend_reacts, &fe), XS_OK);
    assert_int_equal(xs_watch_internal(xs, BACKEND "/state", backend_state_seen, &be), XS_OK);
    expect_ok(guest_watch(xs, XS_WATCH, BACKEND "/state", "be"), XS_WATCH);
    expect_event(xs, BACKEND "/state", "be");

    expect_ok(guest_write(xs, 0, "device/vbd/51712/state", "3"), XS_WRITE);
    assert_int_equal(fe.calls, 1);
    assert_int_equal(callback_max_depth, 1);
    assert_int_equal(be.calls, 1);
    assert_string_equal(be.path[0], BACKEND "/state");
    expect_event(xs, BACKEND "/state", "be");               /* the callback's write reached the guest */
    expect_no_output(xs);
    expect_read(guest_read(xs, 0, BACKEND "/state"), "4");
    expect_read(guest_read(xs, 0, BACKEND "/sectors"), "100");
}

/* A callback that writes many nodes: more changes than the queue holds. */
static void flood(void *ctx, const char *path)
{
    struct watch_log *log = ctx;
    char p[64];
    (void)path;
    if (log->calls++)
        return;
    for (int i = 0; i < 2 * XS_CHANGES_MAX; i++) {
        snprintf(p, sizeof p, HOME "/flood/n%d", i);
        assert_int_equal(xs_write(log->xs, p, "x"), XS_OK);
    }
}

static void test_change_queue_overflow_still_fires(void **state)
{
    struct xenstore *xs = *state;
    struct watch_log trigger = { .xs = xs }, last = { .xs = xs };
    assert_int_equal(xs_watch_internal(xs, "/trigger", flood, &trigger), XS_OK);
    assert_int_equal(xs_watch_internal(xs, HOME "/flood/n100", log_call, &last), XS_OK);
    expect_ok(guest_watch(xs, XS_WATCH, "flood/n100", "tok"), XS_WATCH);
    expect_event(xs, "flood/n100", "tok");
    assert_int_equal(xs_write(xs, "/trigger", "go"), XS_OK);
    assert_true(last.calls >= 1);       /* merged changes may fire spuriously, never not at all */
    expect_event(xs, "flood/n100", "tok");
}

/* ==== Transactions ============================================================================ */

static void test_transaction_isolation_commit_abort(void **state)
{
    struct xenstore *xs = *state;
    expect_ok(guest_watch(xs, XS_WATCH, "device", "w"), XS_WATCH);
    expect_event(xs, "device", "w");
    expect_ok(guest_write(xs, 0, "device/vbd/51712/state", "1"), XS_WRITE);
    expect_event(xs, "device/vbd/51712/state", "w");

    uint32_t tx = start_tx(xs);
    expect_ok(guest_write(xs, tx, "device/vbd/51712/ring-ref", "8"), XS_WRITE);
    expect_ok(guest_write(xs, tx, "device/vbd/51712/state", "3"), XS_WRITE);
    expect_no_output(xs);                                       /* no events before commit */
    expect_read(guest_read(xs, tx, "device/vbd/51712/ring-ref"), "8");
    expect_read(guest_read(xs, tx, "device/vbd/51712/state"), "3");
    expect_error(guest_read(xs, 0, "device/vbd/51712/ring-ref"), "ENOENT");
    expect_read(guest_read(xs, 0, "device/vbd/51712/state"), "1");
    char buf[8];
    assert_int_equal(xs_read(xs, HOME "/device/vbd/51712/ring-ref", buf, sizeof buf), XS_ENOENT);
    const char *const in_tx[] = { "state", "ring-ref" }, *const outside[] = { "state" };
    expect_children(guest_path_op(xs, XS_DIRECTORY, tx, "device/vbd/51712"), in_tx, 2);
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "device/vbd/51712"), outside, 1);

    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("T\0")), XS_TRANSACTION_END);
    expect_read(guest_read(xs, 0, "device/vbd/51712/ring-ref"), "8");
    expect_read(guest_read(xs, 0, "device/vbd/51712/state"), "3");
    for (int i = 0; i < 2; i++) {       /* one event per committed node, in any order */
        struct xsd_sockmsg hdr;
        char payload[128];
        assert_int_equal(xenstore_take_output(xs, &hdr, sizeof hdr), sizeof hdr);
        assert_int_equal(hdr.type, XS_WATCH_EVENT);
        assert_int_equal(xenstore_take_output(xs, payload, hdr.len), hdr.len);
        assert_true(strcmp(payload, "device/vbd/51712/ring-ref") == 0 ||
                    strcmp(payload, "device/vbd/51712/state") == 0);
    }
    expect_no_output(xs);
    expect_error(guest_read(xs, tx, "device"), "ENOENT");       /* the id is spent */

    tx = start_tx(xs);
    expect_ok(guest_write(xs, tx, "device/vbd/51712/state", "5"), XS_WRITE);
    expect_ok(guest_write(xs, tx, "device/new/x", "1"), XS_WRITE);
    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("F\0")), XS_TRANSACTION_END);
    expect_read(guest_read(xs, 0, "device/vbd/51712/state"), "3");
    expect_error(guest_read(xs, 0, "device/new"), "ENOENT");
    expect_no_output(xs);
}

static void test_transaction_rm_and_recreate(void **state)
{
    struct xenstore *xs = *state;
    expect_ok(guest_write(xs, 0, "d/a/x", "1"), XS_WRITE);
    expect_ok(guest_write(xs, 0, "d/a/y", "2"), XS_WRITE);
    uint32_t tx = start_tx(xs);
    expect_ok(guest_path_op(xs, XS_RM, tx, "d/a"), XS_RM);
    expect_error(guest_read(xs, tx, "d/a/x"), "ENOENT");
    expect_error(guest_read(xs, tx, "d/a"), "ENOENT");
    expect_read(guest_read(xs, 0, "d/a/x"), "1");
    expect_children(guest_path_op(xs, XS_DIRECTORY, tx, "d"), NULL, 0);
    expect_ok(guest_write(xs, tx, "d/a/z", "3"), XS_WRITE);    /* d/a returns, empty but for z */
    const char *const z[] = { "z" };
    expect_children(guest_path_op(xs, XS_DIRECTORY, tx, "d/a"), z, 1);
    expect_error(guest_read(xs, tx, "d/a/y"), "ENOENT");
    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("T\0")), XS_TRANSACTION_END);
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "d/a"), z, 1);
    expect_read(guest_read(xs, 0, "d/a/z"), "3");
    expect_error(guest_read(xs, 0, "d/a/x"), "ENOENT");

    tx = start_tx(xs);
    expect_ok(guest_path_op(xs, XS_RM, tx, "d"), XS_RM);
    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("T\0")), XS_TRANSACTION_END);
    expect_error(guest_read(xs, 0, "d"), "ENOENT");
    assert_false(xs_exists(xs, HOME "/d/a/z"));
}

static void test_transaction_errors_and_conflicts(void **state)
{
    struct xenstore *xs = *state;
    expect_error(guest_read(xs, 1234, "x"), "ENOENT");                 /* unknown tx id */
    expect_error(guest_write(xs, 1234, "x", "1"), "ENOENT");
    uint32_t tx = start_tx(xs);
    expect_error(call(xs, XS_TRANSACTION_START, tx, P("\0")), "EBUSY");
    expect_error(call(xs, XS_TRANSACTION_END, tx, P("X\0")), "EINVAL");
    expect_error(call(xs, XS_TRANSACTION_END, tx, P("T")), "EINVAL");
    expect_error(call(xs, XS_TRANSACTION_END, 0, P("T\0")), "ENOENT");

    /* Keel changes a node the transaction also wrote: EAGAIN, Keel's value stays. */
    assert_int_equal(xs_write(xs, HOME "/state", "1"), XS_OK);
    expect_ok(guest_write(xs, tx, "state", "3"), XS_WRITE);
    assert_int_equal(xs_write(xs, HOME "/state", "2"), XS_OK);
    expect_error(call(xs, XS_TRANSACTION_END, tx, P("T\0")), "EAGAIN");
    expect_read(guest_read(xs, 0, "state"), "2");
    expect_error(call(xs, XS_TRANSACTION_END, tx, P("F\0")), "ENOENT");  /* ended anyway */

    /* Keel removes the parent of a node the transaction creates. */
    assert_int_equal(xs_write(xs, HOME "/dev/a", "1"), XS_OK);
    tx = start_tx(xs);
    expect_ok(guest_write(xs, tx, "dev/a/b", "1"), XS_WRITE);
    assert_int_equal(xs_rm(xs, HOME "/dev"), XS_OK);
    expect_error(call(xs, XS_TRANSACTION_END, tx, P("T\0")), "EAGAIN");
    assert_false(xs_exists(xs, HOME "/dev/a/b"));

    /* Unrelated changes meanwhile do not conflict. */
    tx = start_tx(xs);
    expect_ok(guest_write(xs, tx, "mine", "1"), XS_WRITE);
    assert_int_equal(xs_write(xs, HOME "/other", "1"), XS_OK);
    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("T\0")), XS_TRANSACTION_END);
    expect_read(guest_read(xs, 0, "mine"), "1");

    /* Permissions hold inside transactions too. */
    assert_int_equal(xs_write(xs, "/local/domain/0/private", "s"), XS_OK);
    tx = start_tx(xs);
    expect_error(guest_write(xs, tx, "/local/domain/0/private", "x"), "EACCES");
    expect_error(guest_read(xs, tx, "/local/domain/0/private"), "EACCES");

    /* At most XS_TRANSACTIONS_MAX open. */
    for (int i = 1; i < XS_TRANSACTIONS_MAX; i++)
        start_tx(xs);
    expect_error(call(xs, XS_TRANSACTION_START, 0, P("\0")), "ENOSPC");
}

/* ==== Capacity ================================================================================ */

static void test_store_full(void **state)
{
    struct xenstore *xs = *state;
    char path[32];
    int created = 0;
    for (;; created++) {
        snprintf(path, sizeof path, "n/%d", created);
        struct reply r = guest_write(xs, 0, path, "v");
        if (r.hdr.type == XS_ERROR) {
            expect_error(r, "ENOSPC");
            break;
        }
        assert_true(created < XS_NODES_MAX);
    }
    assert_true(created > XS_NODES_MAX - XS_KEEL_RESERVED_NODES - 8);
    /* Keel's reserve is still there; then Keel fills it too. */
    assert_int_equal(xs_write(xs, "/local/domain/0/x", "1"), XS_OK);
    for (int i = 0;; i++) {
        snprintf(path, sizeof path, "/local/domain/0/k%d", i);
        enum xs_error err = xs_write(xs, path, "v");
        if (err) {
            assert_int_equal(err, XS_ENOSPC);
            break;
        }
        assert_true(i < XS_KEEL_RESERVED_NODES);
    }
    assert_int_equal(xs->nodes_used, XS_NODES_MAX);
    uint32_t tx = start_tx(xs);
    expect_error(guest_write(xs, tx, "n/0", "changed"), "ENOSPC");   /* a copy needs a node */
    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("F\0")), XS_TRANSACTION_END);
    expect_ok(guest_path_op(xs, XS_RM, 0, "n"), XS_RM);
    expect_ok(guest_write(xs, 0, "n/again", "v"), XS_WRITE);
}

/* Large values fill the arena before the node table runs out. */
static void test_store_full_of_bytes(void **state)
{
    struct xenstore *xs = *state;
    static char value[XS_VALUE_MAX + 1];
    char path[32];
    memset(value, 'b', XS_VALUE_MAX);
    int created = 0;
    for (;; created++) {
        snprintf(path, sizeof path, "big/%d", created);
        struct reply r = guest_write(xs, 0, path, value);
        if (r.hdr.type == XS_ERROR) {
            expect_error(r, "ENOSPC");
            break;
        }
        assert_true(created < XS_NODES_MAX);
    }
    assert_true(created > (int)((XS_ARENA_SIZE - XS_KEEL_RESERVED_BYTES) / (XS_VALUE_MAX + 32)));
    assert_int_equal(xs_write(xs, "/local/domain/0/state", value), XS_OK);  /* Keel's reserve */
    expect_ok(guest_write(xs, 0, "big/0", ""), XS_WRITE);                     /* shrinking needs no room */
}

/* Values that grow force arena compaction; every value must survive it. */
static void test_arena_compaction(void **state)
{
    struct xenstore *xs = *state;
    static char value[XS_VALUE_MAX + 1];
    char path[32], buf[XS_VALUE_MAX + 1];
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 100; i++) {
            snprintf(path, sizeof path, HOME "/v/%d", i);
            size_t len = (size_t)(round * 7 + i) % XS_VALUE_MAX;
            memset(value, 'a' + (i % 26), len);
            value[len] = '\0';
            enum xs_error err = xs_write(xs, path, value);
            assert_int_equal(err, XS_OK);
        }
    }
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, HOME "/v/%d", i);
        size_t len = (size_t)(39 * 7 + i) % XS_VALUE_MAX;
        assert_int_equal(xs_read(xs, path, buf, sizeof buf), XS_OK);
        assert_int_equal(strlen(buf), len);
        for (size_t j = 0; j < len; j++)
            assert_int_equal(buf[j], 'a' + (i % 26));
    }
    assert_true(xs->arena_live <= XS_ARENA_SIZE);
}

/* Issue 15: a transaction's copy of a node took a slot below the original
 * while the arena compacted, the original kept a stale string offset, and the
 * guest's write to that stale node renamed one of Keel's backend nodes. Guest
 * requests only (the test reads arena_top only to size its values); the copy
 * comes from a WRITE, a SET_PERMS or an RM in the transaction. */
static void tx_copy_during_compaction(struct xenstore *xs, uint32_t op)
{
    static char value[XS_VALUE_MAX + 1];
    char buf[32];

    assert_int_equal(xs_mkdir(xs, BACKEND), XS_OK);
    assert_int_equal(xs_set_perms(xs, BACKEND, XS_KEEL_DOMID, XS_PERM_NONE, GUEST, XS_PERM_READ), XS_OK);
    /* The guest's nodes: "data/t" (slot s), then "data/a" (slot s + 1) whose
     * string is followed by the backend's "state", written in reaction. */
    expect_ok(guest_write(xs, 0, "data/t", "x"), XS_WRITE);
    expect_ok(guest_write(xs, 0, "data/a", "A"), XS_WRITE);
    assert_int_equal(xs_write(xs, BACKEND "/state", "1"), XS_OK);
    /* A free slot below "data/a", and a 23-byte gap before its string. */
    expect_ok(guest_path_op(xs, XS_RM, 0, "data/t"), XS_RM);

    /* Deleted values still push the arena's top up, to its very end. */
    const size_t big_path = strlen(HOME "/data/b");
    while (XS_ARENA_SIZE - xs->arena_top > big_path) {
        size_t len = XS_ARENA_SIZE - xs->arena_top - big_path;
        if (len > XS_VALUE_MAX)
            len = XS_VALUE_MAX;
        memset(value, 'b', len);
        value[len] = '\0';
        expect_ok(guest_write(xs, 0, "data/b", value), XS_WRITE);
        expect_ok(guest_path_op(xs, XS_RM, 0, "data/b"), XS_RM);
    }
    assert_int_equal(xs->arena_top, XS_ARENA_SIZE);

    /* The transaction's copy of "data/a" must compact the arena. */
    uint32_t tx = start_tx(xs);
    if (op == XS_WRITE)
        expect_ok(guest_write(xs, tx, "data/a", "B"), XS_WRITE);
    else if (op == XS_SET_PERMS)
        expect_ok(call(xs, XS_SET_PERMS, tx, P("data/a\0" "n5\0" "r0\0")), XS_SET_PERMS);
    else
        expect_ok(guest_path_op(xs, XS_RM, tx, "data/a"), XS_RM);
    assert_true(xs->arena_top < XS_ARENA_SIZE);
    expect_consistent(xs);
    expect_read(guest_read(xs, 0, "data/a"), "A");

    /* The guest's probe: with a stale offset, "data/a" read as the first 22
     * bytes of the backend's path and this write renamed the backend node. */
    expect_error(guest_write(xs, 0, "/local/domain/0/backen", "X"), "EACCES");
    assert_int_equal(xs_read(xs, BACKEND "/state", buf, sizeof buf), XS_OK);
    assert_string_equal(buf, "1");

    expect_ok(call(xs, XS_TRANSACTION_END, tx, P("T\0")), XS_TRANSACTION_END);
    const char *const kids[] = { "a" };
    expect_children(guest_path_op(xs, XS_DIRECTORY, 0, "data"), kids, op == XS_RM ? 0 : 1);
    if (op == XS_RM) {
        expect_error(guest_read(xs, 0, "data/a"), "ENOENT");
    } else {
        expect_read(guest_read(xs, 0, "data/a"), op == XS_WRITE ? "B" : "A");
        struct reply r = guest_path_op(xs, XS_GET_PERMS, 0, "data/a");
        assert_string_equal(r.payload + 3, op == XS_WRITE ? "" : "r0");
    }
    assert_int_equal(xs_read(xs, BACKEND "/state", buf, sizeof buf), XS_OK);
    assert_string_equal(buf, "1");
    /* 4 from init, 6 for the backend, "data" and (unless removed) "data/a": none leaked */
    assert_int_equal(xs->nodes_used, op == XS_RM ? 11 : 12);
}

static void test_tx_write_during_compaction(void **state)
{
    tx_copy_during_compaction(*state, XS_WRITE);
}

static void test_tx_set_perms_during_compaction(void **state)
{
    tx_copy_during_compaction(*state, XS_SET_PERMS);
}

static void test_tx_rm_during_compaction(void **state)
{
    tx_copy_during_compaction(*state, XS_RM);
}

/* ==== The ring ================================================================================== */

struct ring_fixture {
    struct xenstore *xs;
    struct xenstore_domain_interface *ring;
    uint8_t stream[16 * XS_MSG_MAX];    /* bytes the guest has read from rsp */
    size_t stream_len, stream_off;
    uint32_t unpublished;               /* request bytes written beyond req_prod */
};

static int ring_setup(void **state)
{
    struct ring_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->xs = calloc(1, sizeof *f->xs);
    f->ring = aligned_alloc(4096, 4096);
    assert_non_null(f->xs);
    assert_non_null(f->ring);
    memset(f->ring, 0, 4096);
    xenstore_init(f->xs, GUEST);
    *state = f;
    return 0;
}

static int ring_teardown(void **state)
{
    struct ring_fixture *f = *state;
    expect_consistent(f->xs);
    free(f->xs);
    free(f->ring);
    free(f);
    return 0;
}

/* Guest side: put bytes at req_prod (wrapping), optionally publishing them. */
static void guest_put(struct ring_fixture *f, const void *data, size_t len, bool publish)
{
    const uint8_t *b = data;
    for (size_t i = 0; i < len; i++)
        f->ring->req[XENSTORE_RING_MASK(f->ring->req_prod + f->unpublished + (uint32_t)i)] = (char)b[i];
    f->unpublished += (uint32_t)len;
    if (publish) {
        f->ring->req_prod += f->unpublished;
        f->unpublished = 0;
    }
}

static void guest_send(struct ring_fixture *f, uint32_t type, uint32_t req_id, const void *payload, size_t len)
{
    struct xsd_sockmsg hdr = { type, req_id, 0, (uint32_t)len };
    guest_put(f, &hdr, sizeof hdr, false);
    guest_put(f, payload, len, true);
}

/* Guest side: consume everything in rsp into the stream. */
static void guest_drain(struct ring_fixture *f)
{
    while (f->ring->rsp_cons != f->ring->rsp_prod) {
        assert_true(f->stream_len < sizeof f->stream);
        f->stream[f->stream_len++] = (uint8_t)f->ring->rsp[XENSTORE_RING_MASK(f->ring->rsp_cons)];
        f->ring->rsp_cons++;
    }
}

/* The next whole message in the stream; false if it has not all arrived. */
static bool next_message(struct ring_fixture *f, struct xsd_sockmsg *hdr, char *payload)
{
    if (f->stream_len - f->stream_off < sizeof *hdr)
        return false;
    memcpy(hdr, &f->stream[f->stream_off], sizeof *hdr);
    assert_true(hdr->len <= XENSTORE_PAYLOAD_MAX);
    if (f->stream_len - f->stream_off < sizeof *hdr + hdr->len)
        return false;
    memcpy(payload, &f->stream[f->stream_off + sizeof *hdr], hdr->len);
    payload[hdr->len] = '\0';
    f->stream_off += sizeof *hdr + hdr->len;
    return true;
}

static void expect_message(struct ring_fixture *f, uint32_t type, uint32_t req_id, const char *payload, size_t len)
{
    struct xsd_sockmsg hdr;
    static char got[XENSTORE_PAYLOAD_MAX + 1];
    assert_true(next_message(f, &hdr, got));
    assert_int_equal(hdr.type, type);
    assert_int_equal(hdr.req_id, req_id);
    assert_int_equal(hdr.len, len);
    assert_memory_equal(got, payload, len);
}

static void test_ring_request_and_watch(void **state)
{
    struct ring_fixture *f = *state;
    assert_false(xenstore_ring_process(f->xs, f->ring));       /* nothing to do */
    assert_int_equal(f->ring->server_features & XENSTORE_SERVER_FEATURE_ERROR, XENSTORE_SERVER_FEATURE_ERROR);

    guest_send(f, XS_WRITE, 1, P("device/state\0" "1"));
    guest_send(f, XS_WATCH, 2, P("device\0tok\0"));
    guest_send(f, XS_READ, 3, P("device/state\0"));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->req_cons, f->ring->req_prod);
    guest_drain(f);
    expect_message(f, XS_WRITE, 1, P("OK\0"));
    expect_message(f, XS_WATCH, 2, P("OK\0"));
    expect_message(f, XS_WATCH_EVENT, 0, P("device\0tok\0"));
    expect_message(f, XS_READ, 3, P("1"));

    /* A Keel-side change queues an event; ring_process delivers it. */
    assert_int_equal(xs_write(f->xs, HOME "/device/vbd", "x"), XS_OK);
    assert_true(xenstore_has_pending_output(f->xs));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    guest_drain(f);
    expect_message(f, XS_WATCH_EVENT, 0, P("device/vbd\0tok\0"));
    assert_false(xenstore_has_pending_output(f->xs));
}

static void test_ring_wrap_and_partial_messages(void **state)
{
    struct ring_fixture *f = *state;
    /* Indices start near the wrap (the guest must not assume 0). */
    f->ring->req_cons = f->ring->req_prod = 0xfffffff0u;
    f->ring->rsp_cons = f->ring->rsp_prod = 0xfffffffau;

    /* Header alone first, then the payload. */
    struct xsd_sockmsg hdr = { XS_WRITE, 9, 0, sizeof "name\0" "wrapped" - 1 };
    guest_put(f, &hdr, sizeof hdr, true);
    assert_false(xenstore_ring_process(f->xs, f->ring));
    guest_put(f, P("name\0" "wrapped"), true);
    assert_true(xenstore_ring_process(f->xs, f->ring));
    guest_drain(f);
    expect_message(f, XS_WRITE, 9, P("OK\0"));

    /* A header split in the middle, across calls. */
    hdr = (struct xsd_sockmsg){ XS_READ, 10, 0, sizeof "name" };
    guest_put(f, &hdr, 10, true);
    assert_false(xenstore_ring_process(f->xs, f->ring));
    guest_put(f, (uint8_t *)&hdr + 10, sizeof hdr - 10, true);
    assert_false(xenstore_ring_process(f->xs, f->ring));
    guest_put(f, P("na"), true);
    assert_false(xenstore_ring_process(f->xs, f->ring));
    guest_put(f, P("me\0"), true);
    assert_true(xenstore_ring_process(f->xs, f->ring));
    guest_drain(f);
    expect_message(f, XS_READ, 10, P("wrapped"));
    assert_false(xenstore_has_pending_output(f->xs));

    /* Many requests so that the stream wraps the ring several times. */
    for (uint32_t i = 0; i < 200; i++) {
        guest_send(f, XS_READ, 100 + i, P("name\0"));
        assert_true(xenstore_ring_process(f->xs, f->ring));
        guest_drain(f);
        expect_message(f, XS_READ, 100 + i, P("wrapped"));
    }
}

static void test_ring_full_response_ring(void **state)
{
    struct ring_fixture *f = *state;
    static char value[XS_VALUE_MAX + 1];
    memset(value, 'q', XS_VALUE_MAX);
    assert_int_equal(xs_write(f->xs, HOME "/big", value), XS_OK);

    /* Three replies of 16 + 1024 bytes: more than the 1024-byte rsp ring. */
    for (uint32_t i = 0; i < 3; i++)
        guest_send(f, XS_READ, i, P("big\0"));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->rsp_prod - f->ring->rsp_cons, XENSTORE_RING_SIZE);
    assert_true(xenstore_has_pending_output(f->xs));
    assert_false(xenstore_ring_process(f->xs, f->ring));      /* still no room: nothing written */

    for (int rounds = 0; xenstore_has_pending_output(f->xs); rounds++) {
        assert_true(rounds < 8);
        guest_drain(f);
        assert_true(xenstore_ring_process(f->xs, f->ring));
    }
    guest_drain(f);
    for (uint32_t i = 0; i < 3; i++)
        expect_message(f, XS_READ, i, value, XS_VALUE_MAX);
    assert_int_equal(f->stream_off, f->stream_len);

    /* More replies than the output queue holds: requests wait in the ring. */
    const uint32_t count = XS_OUT_SIZE / (XS_VALUE_MAX + 16) + 8;
    for (uint32_t i = 0; i < count; i++)
        guest_send(f, XS_READ, 100 + i, P("big\0"));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    assert_true(f->ring->req_cons != f->ring->req_prod);
    for (int rounds = 0; xenstore_has_pending_output(f->xs) || f->ring->req_cons != f->ring->req_prod; rounds++) {
        assert_true(rounds < 100);
        guest_drain(f);
        xenstore_ring_process(f->xs, f->ring);
    }
    guest_drain(f);
    for (uint32_t i = 0; i < count; i++)
        expect_message(f, XS_READ, 100 + i, value, XS_VALUE_MAX);
}

static void test_ring_hostile_indices(void **state)
{
    struct ring_fixture *f = *state;
    /* The producer jumps more than a ring ahead. */
    f->ring->req_prod = f->ring->req_cons + XENSTORE_RING_SIZE + 1;
    assert_false(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->error, XENSTORE_ERROR_RINGIDX);
    assert_int_equal(f->ring->req_cons, 0);
    /* Stopped: even a sane ring is ignored now. */
    f->ring->req_prod = 0;
    guest_send(f, XS_READ, 1, P("x\0"));
    assert_false(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->rsp_prod, 0);

    /* A reset (guest reboot) brings it back. */
    memset(f->ring, 0, 4096);
    xenstore_reset_connection(f->xs);
    guest_send(f, XS_READ, 2, P("x\0"));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    guest_drain(f);
    expect_message(f, XS_ERROR, 2, P("ENOENT\0"));

    /* The guest moves rsp_cons past what we produced. */
    f->ring->rsp_cons += 2000;
    assert_int_equal(xs_write(f->xs, HOME "/x", "1"), XS_OK);
    guest_send(f, XS_READ, 3, P("x\0"));
    xenstore_ring_process(f->xs, f->ring);
    assert_int_equal(f->ring->error, XENSTORE_ERROR_RINGIDX);
}

static void test_ring_oversize_and_garbage(void **state)
{
    struct ring_fixture *f = *state;
    /* Garbage types and payloads get error replies and the ring goes on. */
    guest_send(f, 0xdeadbeef, 1, P("\xff\xfe"));
    guest_send(f, XS_READ, 2, P("no-nul"));
    guest_send(f, XS_WATCH, 3, P("only-path\0"));
    guest_send(f, XS_WRITE, 4, P(""));
    guest_send(f, XS_READ, 5, P(""));
    assert_true(xenstore_ring_process(f->xs, f->ring));
    guest_drain(f);
    expect_message(f, XS_ERROR, 1, P("ENOSYS\0"));
    expect_message(f, XS_ERROR, 2, P("EINVAL\0"));
    expect_message(f, XS_ERROR, 3, P("EINVAL\0"));
    expect_message(f, XS_ERROR, 4, P("EINVAL\0"));
    expect_message(f, XS_ERROR, 5, P("EINVAL\0"));
    assert_int_equal(f->ring->error, XENSTORE_ERROR_NONE);

    /* A header announcing more than XENSTORE_PAYLOAD_MAX: protocol error, stop. */
    struct xsd_sockmsg hdr = { XS_WRITE, 6, 0, XENSTORE_PAYLOAD_MAX + 1 };
    guest_put(f, &hdr, sizeof hdr, true);
    guest_put(f, P("abc"), true);
    assert_false(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->error, XENSTORE_ERROR_PROTO);
    assert_false(xenstore_has_pending_output(f->xs));
}

static void test_ring_request_budget(void **state)
{
    struct ring_fixture *f = *state;
    /* 64 header-only requests fill the 1024-byte request ring exactly. */
    for (uint32_t i = 0; i < XENSTORE_RING_SIZE / sizeof(struct xsd_sockmsg); i++)
        guest_send(f, XS_RESTRICT, i, NULL, 0);
    assert_true(xenstore_ring_process(f->xs, f->ring));
    assert_int_equal(f->ring->req_cons, f->ring->req_prod);
    assert_true(xenstore_input_deferred(f->xs));
    for (int rounds = 0; xenstore_has_pending_output(f->xs); rounds++) {
        assert_true(rounds < 8);
        guest_drain(f);
        xenstore_ring_process(f->xs, f->ring);
    }
    guest_drain(f);
    for (uint32_t i = 0; i < XENSTORE_RING_SIZE / sizeof(struct xsd_sockmsg); i++)
        expect_message(f, XS_ERROR, i, P("ENOSYS\0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_and_domain_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_read_directory_rm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keel_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths_and_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_payloads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_fires_initially_and_on_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_hides_unreadable_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_watches_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_internal_watch_callback_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_queue_overflow_still_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_isolation_commit_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_rm_and_recreate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_errors_and_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_full_of_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_write_during_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_set_perms_during_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_rm_during_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_request_and_watch, ring_setup, ring_teardown),
        cmocka_unit_test_setup_teardown(test_ring_wrap_and_partial_messages, ring_setup, ring_teardown),
        cmocka_unit_test_setup_teardown(test_ring_full_response_ring, ring_setup, ring_teardown),
        cmocka_unit_test_setup_teardown(test_ring_hostile_indices, ring_setup, ring_teardown),
        cmocka_unit_test_setup_teardown(test_ring_oversize_and_garbage, ring_setup, ring_teardown),
        cmocka_unit_test_setup_teardown(test_ring_request_budget, ring_setup, ring_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
