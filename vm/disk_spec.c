/* SPDX-License-Identifier: BSD-2-Clause */
/* One xl.cfg DISKSPEC (xl-disk-configuration(5)) parsed into a vm_disk: pure,
 * used by the config parser in Keel and in host unit tests.
 *
 * A spec is comma-separated: `key=value` pairs, flags and positional values,
 * positionals filling target, format, vdev, access in that order. Also taken,
 * as xl does: the three-positional form `target,vdev,access` (the second value
 * is not a format name) and a `phy:`/`file:`/`raw:` prefix on the target.
 * `target=` must come last and takes the rest of the string, commas included.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm/config.h"

#define XEN_VDEV_XVD_MAJOR 202u     /* Xen's block major: xvdX = 202 << 8 | X << 4 */

struct token {
    const char *s;
    size_t n;
};

static bool token_is(struct token t, const char *lit)
{
    return t.n == strlen(lit) && memcmp(t.s, lit, t.n) == 0;
}

static bool token_starts(struct token t, const char *lit)
{
    size_t n = strlen(lit);
    return t.n >= n && memcmp(t.s, lit, n) == 0;
}

static struct token trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (struct token){ s, n };
}

static int fail(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

static bool is_format_name(struct token t)
{
    return t.n == 0 || token_is(t, "raw") || token_is(t, "qcow") || token_is(t, "qcow2") ||
           token_is(t, "vhd") || token_is(t, "qed");
}

enum { POS_TARGET, POS_FORMAT, POS_VDEV, POS_ACCESS, POS_COUNT };

struct disk_fields {
    struct token value[POS_COUNT];
    bool given[POS_COUNT];
};

static int set_field(struct disk_fields *f, unsigned which, struct token v, const char **why)
{
    if (f->given[which])
        return fail(why, "parameter given twice");
    f->value[which] = v;
    f->given[which] = true;
    return 0;
}

static int apply_key(struct disk_fields *f, struct token key, struct token v, const char **why)
{
    if (token_is(key, "format"))
        return set_field(f, POS_FORMAT, v, why);
    if (token_is(key, "vdev"))
        return set_field(f, POS_VDEV, v, why);
    if (token_is(key, "access"))
        return set_field(f, POS_ACCESS, v, why);
    if (token_is(key, "devtype"))
        return token_is(v, "disk") ? 0 : fail(why, "only devtype=disk is supported");
    if (token_is(key, "backendtype"))
        return token_is(v, "phy") ? 0 : fail(why, "only backendtype=phy is supported");
    return fail(why, "unknown disk parameter");
}

static int split(const char *spec, size_t len, struct disk_fields *f, const char **why)
{
    struct token positional[POS_COUNT];
    unsigned nr_positional = 0;
    size_t pos = 0;

    memset(f, 0, sizeof(*f));
    while (pos <= len) {
        struct token rest = trim(spec + pos, len - pos);
        if (token_starts(rest, "target=")) {    /* takes the rest, commas and all */
            if (set_field(f, POS_TARGET, trim(rest.s + 7, rest.n - 7), why) < 0)
                return -1;
            break;
        }
        const char *comma = memchr(spec + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - spec) : len;
        struct token t = trim(spec + pos, end - pos);
        const char *eq = memchr(t.s, '=', t.n);
        if (eq) {
            struct token key = trim(t.s, (size_t)(eq - t.s));
            struct token val = trim(eq + 1, t.n - (size_t)(eq - t.s) - 1);
            if (apply_key(f, key, val, why) < 0)
                return -1;
        } else if (token_is(t, "cdrom")) {
            return fail(why, "cdrom devices are not supported");
        } else {
            if (nr_positional == POS_COUNT)
                return fail(why, "too many positional parameters");
            positional[nr_positional++] = t;
        }
        pos = end + 1;
    }

    /* `target,vdev,access`: the second value is a device name, not a format. */
    bool legacy = nr_positional >= 2 && !is_format_name(positional[1]);
    for (unsigned i = 0, slot = 0; i < nr_positional; i++, slot++) {
        if (legacy && slot == POS_FORMAT)
            slot = POS_VDEV;
        if (slot >= POS_COUNT)
            return fail(why, "too many positional parameters");
        if (positional[i].n == 0 && slot != POS_TARGET)
            continue;       /* an empty positional keeps the default */
        if (set_field(f, slot, positional[i], why) < 0)
            return -1;
    }
    return 0;
}

/* xvda..xvdp: the 202 << 8 | n << 4 numbering holds 16 disks; beyond that
 * Xen switches to the extended 1 << 28 form, which Keel does not offer. */
static int parse_vdev(struct token t, struct vm_disk *out, const char **why)
{
    if (t.n != 4 || !token_starts(t, "xvd") || t.s[3] < 'a' || t.s[3] > 'p')
        return fail(why, "vdev must be xvda..xvdp");
    memcpy(out->vdev_name, t.s, 4);
    out->vdev_name[4] = '\0';
    out->vdev = (uint16_t)(XEN_VDEV_XVD_MAJOR << 8 | (unsigned)(t.s[3] - 'a') << 4);
    return 0;
}

int disk_spec_parse(const char *spec, size_t len, struct vm_disk *out, const char **why)
{
    struct disk_fields f;

    memset(out, 0, sizeof(*out));
    if (split(spec, len, &f, why) < 0)
        return -1;

    struct token target = f.value[POS_TARGET];
    static const char *const prefixes[] = { "phy:", "file:", "raw:" };
    for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (token_starts(target, prefixes[i])) {
            size_t n = strlen(prefixes[i]);
            target = (struct token){ target.s + n, target.n - n };
            break;
        }
    }
    if (!f.given[POS_TARGET] || target.n == 0)
        return fail(why, "no target");
    if (target.s[0] != '/')
        return fail(why, "target must be an absolute path");
    if (target.n >= CONFIG_PATH_MAX)
        return fail(why, "target too long");
    memcpy(out->target, target.s, target.n);
    out->target[target.n] = '\0';

    if (f.given[POS_FORMAT] && !token_is(f.value[POS_FORMAT], "raw"))
        return fail(why, "only format=raw is supported");
    if (!f.given[POS_VDEV])
        return fail(why, "no vdev");
    if (parse_vdev(f.value[POS_VDEV], out, why) < 0)
        return -1;

    struct token access = f.value[POS_ACCESS];
    out->shared = false;
    if (!f.given[POS_ACCESS] || token_is(access, "w") || token_is(access, "rw"))
        out->read_only = false;
    else if (token_is(access, "r") || token_is(access, "ro"))
        out->read_only = true;
    else if (token_is(access, "w!") || token_is(access, "rw!"))
        out->shared = true;     /* writable, and another VM may write it too (the old xm "w!") */
    else
        return fail(why, "access must be r, ro, w, rw, or w! to share a writable disk");
    return 0;
}
