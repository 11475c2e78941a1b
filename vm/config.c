/* SPDX-License-Identifier: BSD-2-Clause */
/* VM config parser (xl.cfg syntax) for Keel: freestanding, no allocation; also built for host unit tests. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm/config.h"

enum key_id {
    KEY_NAME, KEY_TYPE, KEY_MEMORY, KEY_VCPUS, KEY_KERNEL, KEY_RAMDISK,
    KEY_CMDLINE, KEY_EXTRA, KEY_MODULES, KEY_ON_POWEROFF, KEY_ON_REBOOT,
    KEY_ON_CRASH, KEY_DISK, KEY_VIF, KEY_XEN_PLATFORM_PCI, KEY_CPUS, KEY_CPU_WEIGHT,
    KEY_UNKNOWN
};

static const struct {
    const char *name;
    enum key_id id;
} key_table[] = {
    { "name", KEY_NAME },           { "type", KEY_TYPE },
    { "memory", KEY_MEMORY },       { "vcpus", KEY_VCPUS },
    { "kernel", KEY_KERNEL },       { "ramdisk", KEY_RAMDISK },
    { "cmdline", KEY_CMDLINE },     { "extra", KEY_EXTRA },
    { "modules", KEY_MODULES },     { "on_poweroff", KEY_ON_POWEROFF },
    { "on_reboot", KEY_ON_REBOOT }, { "on_crash", KEY_ON_CRASH },
    { "disk", KEY_DISK },           { "vif", KEY_VIF },
    { "xen_platform_pci", KEY_XEN_PLATFORM_PCI },
    { "cpus", KEY_CPUS },           { "cpu_weight", KEY_CPU_WEIGHT },
};

struct parser {
    const char *text;
    size_t len;
    size_t pos;
    unsigned line;
    const char *key;        /* key being parsed, for error reports */
    size_t key_len;
    struct config_error *err;
};

/* A string value as it sits in the input, quotes stripped. */
struct span {
    const char *s;
    size_t n;
};

static void copy_cstr(char *dst, size_t cap, const char *src, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int fail_at(struct parser *ps, unsigned line, const char *msg)
{
    struct config_error *e = ps->err;

    e->line = line;
    copy_cstr(e->key, sizeof e->key, ps->key, ps->key_len);
    copy_cstr(e->msg, sizeof e->msg, msg, strlen(msg));
    return -1;
}

static int fail(struct parser *ps, const char *msg)
{
    return fail_at(ps, ps->line, msg);
}

static bool at_end(const struct parser *ps)
{
    return ps->pos >= ps->len;
}

static char peek(const struct parser *ps)
{
    return at_end(ps) ? '\0' : ps->text[ps->pos];
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool span_is(struct span v, const char *lit)
{
    size_t n = strlen(lit);

    return v.n == n && memcmp(v.s, lit, n) == 0;
}

/* '\r' counts as blank so CRLF files need no special casing. */
static void skip_blanks(struct parser *ps)
{
    while (!at_end(ps)) {
        char c = ps->text[ps->pos];
        if (c != ' ' && c != '\t' && c != '\r')
            break;
        ps->pos++;
    }
}

/* Skips blanks and a trailing comment, stopping at the newline. */
static void skip_blanks_and_comment(struct parser *ps)
{
    skip_blanks(ps);
    if (peek(ps) == '#') {
        const void *nl = memchr(ps->text + ps->pos, '\n', ps->len - ps->pos);
        ps->pos = nl ? (size_t)((const char *)nl - ps->text) : ps->len;
    }
}

/* Lists may span lines, so inside them newlines and comments are blank. */
static void skip_list_space(struct parser *ps)
{
    for (;;) {
        skip_blanks_and_comment(ps);
        if (peek(ps) != '\n')
            return;
        ps->pos++;
        ps->line++;
    }
}

static int parse_string(struct parser *ps, struct span *out)
{
    char quote = peek(ps);

    if (quote != '"' && quote != '\'')
        return fail(ps, "expected a quoted string");
    ps->pos++;
    out->s = ps->text + ps->pos;
    for (;;) {
        if (at_end(ps))
            return fail(ps, "unterminated string");
        char c = ps->text[ps->pos];
        if (c == quote)
            break;
        if (c == '\n' || c == '\r')
            return fail(ps, "unterminated string");
        /* A NUL would silently truncate the value; other controls are junk. */
        if ((unsigned char)c < 0x20 && c != '\t')
            return fail(ps, "invalid character in string");
        ps->pos++;
    }
    out->n = (size_t)(ps->text + ps->pos - out->s);
    ps->pos++;
    return 0;
}

static int store_string(struct parser *ps, struct span v, char *dst, size_t cap)
{
    if (v.n >= cap)
        return fail(ps, "string too long");
    memcpy(dst, v.s, v.n);
    dst[v.n] = '\0';
    return 0;
}

static int parse_path(struct parser *ps, char *dst)
{
    struct span v;

    if (parse_string(ps, &v) < 0)
        return -1;
    if (v.n == 0 || v.s[0] != '/')
        return fail(ps, "path must be absolute");
    return store_string(ps, v, dst, CONFIG_PATH_MAX);
}

/* Decimal or 0x hex. Digits past `max` are still checked but not
 * accumulated, so the value can never overflow. */
static int parse_int(struct parser *ps, uint64_t min, uint64_t max,
                     const char *range_msg, uint64_t *out)
{
    size_t start = ps->pos;
    size_t end = start;
    uint64_t v = 0;
    bool too_big = false;
    unsigned base = 10;

    while (end < ps->len && is_word(ps->text[end]))
        end++;
    if (end == start)
        return fail(ps, "expected an integer");

    const char *s = ps->text + start;
    size_t n = end - start;
    size_t i = 0;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
        if (n == 2)
            return fail(ps, "invalid integer");
    } else if (n > 1 && s[0] == '0') {
        /* Leading zeros would mean octal to strtol-based xl tools. */
        return fail(ps, "invalid integer");
    }
    for (; i < n; i++) {
        int d = base == 16 ? hex_value(s[i]) : (is_digit(s[i]) ? s[i] - '0' : -1);
        if (d < 0)
            return fail(ps, "invalid integer");
        if (!too_big) {
            v = v * base + (unsigned)d;
            if (v > max)
                too_big = true;
        }
    }
    ps->pos = end;
    if (too_big || v < min)
        return fail(ps, range_msg);
    *out = v;
    return 0;
}

static int parse_type(struct parser *ps, enum vm_type *out)
{
    struct span v;

    if (parse_string(ps, &v) < 0)
        return -1;
    if (span_is(v, "multiboot"))
        *out = VM_TYPE_MULTIBOOT;
    else if (span_is(v, "linux"))
        *out = VM_TYPE_LINUX;
    else if (span_is(v, "bios"))
        *out = VM_TYPE_BIOS;
    else if (span_is(v, "pv") || span_is(v, "pvh") || span_is(v, "hvm"))
        return fail(ps, "not supported");
    else
        return fail(ps, "unknown value");
    return 0;
}

static int parse_action(struct parser *ps, enum vm_action *out)
{
    struct span v;

    if (parse_string(ps, &v) < 0)
        return -1;
    if (span_is(v, "destroy"))
        *out = VM_ACTION_DESTROY;
    else if (span_is(v, "restart"))
        *out = VM_ACTION_RESTART;
    else if (span_is(v, "preserve"))
        *out = VM_ACTION_PRESERVE;
    else if (span_is(v, "coredump-destroy") || span_is(v, "coredump-restart") ||
             span_is(v, "rename-restart") || span_is(v, "soft-reset"))
        return fail(ps, "not supported");
    else
        return fail(ps, "unknown value");
    return 0;
}

static int parse_name(struct parser *ps, char *dst)
{
    struct span v;

    if (parse_string(ps, &v) < 0)
        return -1;
    if (v.n == 0)
        return fail(ps, "invalid name");
    for (size_t i = 0; i < v.n; i++) {
        char c = v.s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-')
            return fail(ps, "invalid name");
    }
    return store_string(ps, v, dst, CONFIG_NAME_MAX);
}

/* "msg: \"text\"", cut to fit the error's message buffer. */
static int fail_quoting(struct parser *ps, const char *msg, struct span text)
{
    char buf[CONFIG_MSG_MAX];
    size_t n = strlen(msg);
    size_t room = sizeof buf - 1 - n - 4; /* `: "` and `"` */

    memcpy(buf, msg, n);
    memcpy(buf + n, ": \"", 3);
    n += 3;
    if (text.n > room) {
        memcpy(buf + n, text.s, room - 3);
        memcpy(buf + n + room - 3, "...", 3);
        n += room;
    } else {
        memcpy(buf + n, text.s, text.n);
        n += text.n;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return fail(ps, buf);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool has_prefix(struct span v, const char *lit)
{
    size_t n = strlen(lit);

    return v.n >= n && memcmp(v.s, lit, n) == 0;
}

/* A decimal CPU number at v.s[*i], advancing *i past its digits; false if
 * there is none. Numbers past the mask come back as CONFIG_CPUS_MAX. */
static bool cpu_number(struct span v, size_t *i, unsigned *out)
{
    size_t start = *i;
    unsigned n = 0;

    for (; *i < v.n && is_digit(v.s[*i]); (*i)++) {
        if (n < CONFIG_CPUS_MAX)
            n = n * 10 + (unsigned)(v.s[*i] - '0');
    }
    *out = n < CONFIG_CPUS_MAX ? n : CONFIG_CPUS_MAX;
    return *i > start;
}

/* Bits lo..hi (both < 64) of a CPU mask. */
static uint64_t cpu_range_mask(unsigned lo, unsigned hi)
{
    uint64_t upto_hi = hi == CONFIG_CPUS_MAX - 1 ? ~(uint64_t)0 : ((uint64_t)1 << (hi + 1)) - 1;

    return upto_hi & ~(((uint64_t)1 << lo) - 1);
}

/* One item of a `cpus` list, blanks already trimmed: "all", "N", "N-M",
 * "^N" or "^N-M". Sets *bits to the CPUs it names and *exclude for '^'. */
static int cpus_item(struct parser *ps, struct span item, uint64_t *bits, bool *exclude)
{
    struct span v = item;
    unsigned lo, hi;
    size_t i = 0;

    *exclude = v.n > 0 && v.s[0] == '^';
    if (*exclude) {
        v.s++;
        v.n--;
    }
    if (has_prefix(v, "node:") || has_prefix(v, "nodes:"))
        return fail_quoting(ps, "NUMA node affinity not supported", item);
    if (span_is(v, "all")) {
        if (*exclude)
            return fail_quoting(ps, "cannot exclude all", item);
        *bits = ~(uint64_t)0;
        return 0;
    }
    if (!cpu_number(v, &i, &lo))
        return fail_quoting(ps, "expected a CPU, a range N-M or all", item);
    hi = lo;
    if (i < v.n && v.s[i] == '-') {
        i++;
        if (!cpu_number(v, &i, &hi))
            return fail_quoting(ps, "expected a CPU, a range N-M or all", item);
    }
    if (i != v.n)
        return fail_quoting(ps, "expected a CPU, a range N-M or all", item);
    if (lo >= CONFIG_CPUS_MAX || hi >= CONFIG_CPUS_MAX)
        return fail_quoting(ps, "CPU out of range 0..63", item);
    if (hi < lo)
        return fail_quoting(ps, "range ends before it starts", item);
    *bits = cpu_range_mask(lo, hi);
    return 0;
}

/* `cpus = "LIST"` (xl.cfg(5)): comma-separated items, applied left to
 * right; an exclusion removes CPUs the items before it added, and a list
 * of exclusions only starts from all CPUs. The per-vCPU list form
 * `cpus = [ "0", "1" ]` is refused. */
static int parse_cpus(struct parser *ps, uint64_t *out)
{
    struct span list, item;
    uint64_t mask = 0, excluded = 0, bits = 0;
    bool included = false, exclude = false;
    size_t i = 0;

    if (peek(ps) == '[')
        return fail(ps, "per-vCPU list not supported; use a string, e.g. cpus = \"0-3\"");
    if (parse_string(ps, &list) < 0)
        return -1;
    while (i < list.n && is_blank(list.s[i]))
        i++;
    if (i == list.n)
        return fail(ps, "empty CPU list");
    for (i = 0; i <= list.n; i++) {
        size_t start = i;
        while (i < list.n && list.s[i] != ',')
            i++;
        item.s = list.s + start;
        item.n = i - start;
        while (item.n && is_blank(item.s[0])) {
            item.s++;
            item.n--;
        }
        while (item.n && is_blank(item.s[item.n - 1]))
            item.n--;
        if (item.n == 0)
            return fail_quoting(ps, "empty item in the list", list);
        if (cpus_item(ps, item, &bits, &exclude) < 0)
            return -1;
        if (exclude) {
            mask &= ~bits;
            excluded |= bits;
        } else {
            mask |= bits;
            included = true;
        }
    }
    if (!included)
        mask = ~excluded;
    if (mask == 0)
        return fail_quoting(ps, "the list selects no CPU", list);
    *out = mask;
    return 0;
}

/* One list entry: stores it, or fails with the parser's error. */
typedef int (*list_entry_fn)(struct parser *ps, struct span v, struct vm_config *out);

static int module_entry(struct parser *ps, struct span v, struct vm_config *out)
{
    if (out->nr_modules >= CONFIG_MODULES_MAX)
        return fail(ps, "too many list entries");
    if (v.n == 0 || v.s[0] != '/')
        return fail(ps, "path must be absolute");
    if (store_string(ps, v, out->modules[out->nr_modules], CONFIG_PATH_MAX) < 0)
        return -1;
    out->nr_modules++;
    return 0;
}

static int disk_entry(struct parser *ps, struct span v, struct vm_config *out)
{
    const char *why;

    if (out->nr_disks >= CONFIG_DISKS_MAX)
        return fail(ps, "too many list entries");
    if (disk_spec_parse(v.s, v.n, &out->disks[out->nr_disks], &why) < 0)
        return fail(ps, why);
    for (unsigned i = 0; i < out->nr_disks; i++)
        if (out->disks[i].vdev == out->disks[out->nr_disks].vdev)
            return fail(ps, "vdev used twice");
    out->nr_disks++;
    return 0;
}

static int vif_entry(struct parser *ps, struct span v, struct vm_config *out)
{
    const char *why;

    if (out->nr_vifs >= CONFIG_VIFS_MAX)
        return fail(ps, "too many list entries");
    struct vm_vif *vif = &out->vifs[out->nr_vifs];
    if (vif_spec_parse(v.s, v.n, vif, &why) < 0)
        return fail(ps, why);
    for (unsigned i = 0; i < out->nr_vifs; i++)
        if (vif->mac_given && out->vifs[i].mac_given &&
            memcmp(out->vifs[i].mac, vif->mac, CONFIG_MAC_LEN) == 0)
            return fail(ps, "mac used twice");
    out->nr_vifs++;
    return 0;
}

static int parse_list(struct parser *ps, struct vm_config *out, list_entry_fn entry)
{
    unsigned open_line = ps->line;
    struct span v;

    if (peek(ps) != '[')
        return fail(ps, "expected a list");
    ps->pos++;
    for (;;) {
        skip_list_space(ps);
        if (at_end(ps))
            return fail_at(ps, open_line, "unterminated list");
        if (peek(ps) == ']')
            break;
        if (parse_string(ps, &v) < 0 || entry(ps, v, out) < 0)
            return -1;
        skip_list_space(ps);
        if (at_end(ps))
            return fail_at(ps, open_line, "unterminated list");
        if (peek(ps) == ',')
            ps->pos++;
        else if (peek(ps) != ']')
            return fail(ps, "expected ',' or ']'");
    }
    ps->pos++;
    return 0;
}

static enum key_id lookup_key(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; i++) {
        if (strlen(key_table[i].name) == n && memcmp(key_table[i].name, k, n) == 0)
            return key_table[i].id;
    }
    return KEY_UNKNOWN;
}

static int parse_value(struct parser *ps, enum key_id id, struct vm_config *out)
{
    uint64_t v;

    switch (id) {
    case KEY_NAME:
        return parse_name(ps, out->name);
    case KEY_TYPE:
        return parse_type(ps, &out->type);
    case KEY_MEMORY:
        return parse_int(ps, 1, 1048576, "value out of range 1..1048576",
                         &out->memory_mib);
    case KEY_VCPUS:
        if (parse_int(ps, 1, 64, "value out of range 1..64", &v) < 0)
            return -1;
        out->vcpus = (unsigned)v;
        return 0;
    case KEY_KERNEL:
        return parse_path(ps, out->kernel);
    case KEY_RAMDISK:
        return parse_path(ps, out->ramdisk);
    case KEY_CMDLINE:
    case KEY_EXTRA: {
        struct span s;
        if (parse_string(ps, &s) < 0)
            return -1;
        return store_string(ps, s, out->cmdline, CONFIG_CMDLINE_MAX);
    }
    case KEY_MODULES:
        return parse_list(ps, out, module_entry);
    case KEY_ON_POWEROFF:
        return parse_action(ps, &out->on_poweroff);
    case KEY_ON_REBOOT:
        return parse_action(ps, &out->on_reboot);
    case KEY_ON_CRASH:
        return parse_action(ps, &out->on_crash);
    case KEY_DISK:
        return parse_list(ps, out, disk_entry);
    case KEY_XEN_PLATFORM_PCI:
        if (parse_int(ps, 0, 1, "value out of range 0..1", &v) < 0)
            return -1;
        out->xen_platform_pci = v == 1;
        return 0;
    case KEY_CPUS:
        return parse_cpus(ps, &out->cpu_affinity);
    case KEY_CPU_WEIGHT:
        if (parse_int(ps, CONFIG_CPU_WEIGHT_MIN, CONFIG_CPU_WEIGHT_MAX,
                      "value out of range 1..65535", &v) < 0)
            return -1;
        out->cpu_weight = (unsigned)v;
        return 0;
    case KEY_VIF:
        out->vif_line = ps->line;
        return parse_list(ps, out, vif_entry);
    case KEY_UNKNOWN:
        break;
    }
    return fail(ps, "unknown key");
}

static int parse_statement(struct parser *ps, struct vm_config *out, unsigned *seen)
{
    size_t start = ps->pos;

    if (!is_alpha(peek(ps)) && peek(ps) != '_')
        return fail(ps, "expected a key");
    while (!at_end(ps) && is_word(ps->text[ps->pos]))
        ps->pos++;
    ps->key = ps->text + start;
    ps->key_len = ps->pos - start;

    skip_blanks(ps);
    if (peek(ps) != '=')
        return fail(ps, "expected '='");
    ps->pos++;
    skip_blanks(ps);

    enum key_id id = lookup_key(ps->key, ps->key_len);
    if (id == KEY_UNKNOWN)
        return fail(ps, "unknown key");
    if (*seen & (1u << id))
        return fail(ps, "duplicate key");
    if (id == KEY_CMDLINE && (*seen & (1u << KEY_EXTRA)))
        return fail(ps, "conflicts with extra");
    if (id == KEY_EXTRA && (*seen & (1u << KEY_CMDLINE)))
        return fail(ps, "conflicts with cmdline");
    *seen |= 1u << id;

    if (parse_value(ps, id, out) < 0)
        return -1;

    skip_blanks_and_comment(ps);
    if (!at_end(ps) && peek(ps) != '\n')
        return fail(ps, "expected end of line");
    ps->key = "";
    ps->key_len = 0;
    return 0;
}

int config_parse(const char *text, size_t len, struct vm_config *out,
                 struct config_error *err)
{
    struct config_error scratch;
    struct parser ps = {
        .text = text, .len = len, .pos = 0, .line = 1,
        .key = "", .key_len = 0, .err = err ? err : &scratch,
    };
    unsigned seen = 0;

    memset(ps.err, 0, sizeof *ps.err);
    if (!out || (!text && len))
        return fail_at(&ps, 0, "invalid argument");

    memset(out, 0, sizeof *out);
    out->type = VM_TYPE_MULTIBOOT;
    out->memory_mib = 128;
    out->vcpus = 1;
    out->cpu_affinity = ~(uint64_t)0;
    out->cpu_weight = CONFIG_CPU_WEIGHT_DEFAULT;
    out->on_poweroff = VM_ACTION_DESTROY;
    out->on_reboot = VM_ACTION_RESTART;
    out->on_crash = VM_ACTION_DESTROY;

    while (!at_end(&ps)) {
        skip_blanks_and_comment(&ps);
        if (at_end(&ps))
            break;
        if (peek(&ps) == '\n') {
            ps.pos++;
            ps.line++;
            continue;
        }
        if (parse_statement(&ps, out, &seen) < 0)
            return -1;
    }

    if (!(seen & (1u << KEY_NAME))) {
        ps.key = "name";
        ps.key_len = 4;
        return fail_at(&ps, 0, "missing required key");
    }
    if (!(seen & (1u << KEY_KERNEL))) {
        ps.key = "kernel";
        ps.key_len = 6;
        return fail_at(&ps, 0, "missing required key");
    }
    return 0;
}
