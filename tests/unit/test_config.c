/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the xl.cfg-style VM config parser (vm/config.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/config.h"

/* Big enough to hold the struct off the test stack frames. */
static struct vm_config cfg;
static struct config_error cerr;

#define MIN_CFG "name = \"vm0\"\nkernel = \"/boot/k\"\n"

/* Copies into an exact-size heap buffer so ASan catches any read past len. */
static int parse_len(const char *text, size_t len)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, text, len);
    int rc = config_parse(buf, len, &cfg, &cerr);
    free(buf);
    return rc;
}

static int parse(const char *text)
{
    return parse_len(text, strlen(text));
}

static void check_ok(const char *text)
{
    int rc = parse(text);
    if (rc != 0)
        print_error("unexpected error line %u key '%s': %s\n", cerr.line, cerr.key, cerr.msg);
    assert_int_equal(rc, 0);
}

static void check_err_len(const char *text, size_t len, unsigned line,
                          const char *key, const char *msg)
{
    assert_int_equal(parse_len(text, len), -1);
    assert_string_equal(cerr.msg, msg);
    assert_string_equal(cerr.key, key);
    assert_int_equal(cerr.line, line);
}

static void check_err(const char *text, unsigned line, const char *key, const char *msg)
{
    check_err_len(text, strlen(text), line, key, msg);
}

/* ---- valid configs ---------------------------------------------------- */

static void test_minimal_defaults(void **state)
{
    (void)state;
    check_ok(MIN_CFG);
    assert_string_equal(cfg.name, "vm0");
    assert_string_equal(cfg.kernel, "/boot/k");
    assert_int_equal(cfg.type, VM_TYPE_MULTIBOOT);
    assert_int_equal(cfg.memory_mib, 128);
    assert_int_equal(cfg.vcpus, 1);
    assert_string_equal(cfg.ramdisk, "");
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.nr_modules, 0);
    assert_int_equal(cfg.on_poweroff, VM_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, VM_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, VM_ACTION_DESTROY);
    assert_true(cfg.cpu_affinity == UINT64_MAX);
    assert_int_equal(cfg.cpu_weight, 256);
    assert_int_equal(cerr.line, 0);
    assert_string_equal(cerr.msg, "");
}

static void test_all_keys(void **state)
{
    (void)state;
    check_ok("name = \"guest-1.test_x\"\n"
             "type = \"linux\"\n"
             "memory = 2048\n"
             "vcpus = 4\n"
             "kernel = \"/boot/vmlinuz\"\n"
             "ramdisk = \"/boot/initrd.img\"\n"
             "cmdline = \"console=ttyS0 root=/dev/ram0\"\n"
             "modules = [ \"/mods/a arg1 arg2\", \"/mods/b\" ]\n"
             "on_poweroff = \"preserve\"\n"
             "on_reboot = \"destroy\"\n"
             "on_crash = \"restart\"\n");
    assert_string_equal(cfg.name, "guest-1.test_x");
    assert_int_equal(cfg.type, VM_TYPE_LINUX);
    assert_int_equal(cfg.memory_mib, 2048);
    assert_int_equal(cfg.vcpus, 4);
    assert_string_equal(cfg.kernel, "/boot/vmlinuz");
    assert_string_equal(cfg.ramdisk, "/boot/initrd.img");
    assert_string_equal(cfg.cmdline, "console=ttyS0 root=/dev/ram0");
    assert_int_equal(cfg.nr_modules, 2);
    assert_string_equal(cfg.modules[0], "/mods/a arg1 arg2");
    assert_string_equal(cfg.modules[1], "/mods/b");
    assert_int_equal(cfg.on_poweroff, VM_ACTION_PRESERVE);
    assert_int_equal(cfg.on_reboot, VM_ACTION_DESTROY);
    assert_int_equal(cfg.on_crash, VM_ACTION_RESTART);
}

static void test_types(void **state)
{
    (void)state;
    check_ok(MIN_CFG "type = \"bios\"\n");
    assert_int_equal(cfg.type, VM_TYPE_BIOS);
    check_ok(MIN_CFG "type = \"multiboot\"\n");
    assert_int_equal(cfg.type, VM_TYPE_MULTIBOOT);
}

static void test_comments_blank_lines_whitespace(void **state)
{
    (void)state;
    check_ok("# leading comment\n"
             "\n"
             "   \t\n"
             "  name\t=\t'vm0'   # trailing comment\n"
             "#name = \"other\"\n"
             "kernel=\"/k#notacomment\"#comment\n"
             "cmdline = \"a # b\"\n"
             "   # indented comment\n");
    assert_string_equal(cfg.name, "vm0");
    assert_string_equal(cfg.kernel, "/k#notacomment");
    assert_string_equal(cfg.cmdline, "a # b");
}

static void test_crlf(void **state)
{
    (void)state;
    check_ok("name = \"vm0\"\r\n"
             "\r\n"
             "# c\r\n"
             "kernel = \"/k\"\r\n"
             "modules = [\r\n  \"/m1\",\r\n  \"/m2\"\r\n]\r\n"
             "memory = 64\r\n");
    assert_string_equal(cfg.kernel, "/k");
    assert_int_equal(cfg.nr_modules, 2);
    assert_string_equal(cfg.modules[1], "/m2");
    assert_int_equal(cfg.memory_mib, 64);

    check_err("name = \"vm0\"\r\n\r\nbogus = 1\r\n", 3, "bogus", "unknown key");
}

static void test_multiline_list(void **state)
{
    (void)state;
    check_ok(MIN_CFG
             "modules = [   # the modules\n"
             "    \"/m/one a=1\",   # first\n"
             "\n"
             "    # a comment line inside the list\n"
             "    '/m/two \"quoted\"' ,\n"
             "    \"/m/three\",\n"
             "]\n"
             "memory = 256\n");
    assert_int_equal(cfg.nr_modules, 3);
    assert_string_equal(cfg.modules[0], "/m/one a=1");
    assert_string_equal(cfg.modules[1], "/m/two \"quoted\"");
    assert_string_equal(cfg.modules[2], "/m/three");
    assert_int_equal(cfg.memory_mib, 256);
}

static void test_list_forms(void **state)
{
    (void)state;
    check_ok(MIN_CFG "modules = []\n");
    assert_int_equal(cfg.nr_modules, 0);
    check_ok(MIN_CFG "modules = [\n]\n");
    assert_int_equal(cfg.nr_modules, 0);
    check_ok(MIN_CFG "modules=[\"/a\",]");
    assert_int_equal(cfg.nr_modules, 1);
    check_ok(MIN_CFG "modules = [\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\"]\n");
    assert_int_equal(cfg.nr_modules, CONFIG_MODULES_MAX);
    assert_string_equal(cfg.modules[7], "/8");
}

static void test_hex_numbers(void **state)
{
    (void)state;
    check_ok(MIN_CFG "memory = 0x100\nvcpus = 0X1f\n");
    assert_int_equal(cfg.memory_mib, 256);
    assert_int_equal(cfg.vcpus, 31);
    check_ok(MIN_CFG "memory = 0x00000000000000000000100000\n");
    assert_int_equal(cfg.memory_mib, 1048576);
    check_ok(MIN_CFG "memory = 0xaBc\n");
    assert_int_equal(cfg.memory_mib, 0xabc);
}

static void test_number_limits(void **state)
{
    (void)state;
    check_ok(MIN_CFG "memory = 1\nvcpus = 64\n");
    assert_int_equal(cfg.memory_mib, 1);
    assert_int_equal(cfg.vcpus, 64);
    check_ok(MIN_CFG "memory = 1048576\n");
    assert_int_equal(cfg.memory_mib, 1048576);
}

static void test_extra_alias(void **state)
{
    (void)state;
    check_ok(MIN_CFG "extra = \"root=/dev/xvda1 ro\"\n");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro");
}

static void test_quotes(void **state)
{
    (void)state;
    check_ok("name='vm0'\nkernel='/k'\ncmdline='say \"hi\"'\n");
    assert_string_equal(cfg.cmdline, "say \"hi\"");
    check_ok(MIN_CFG "cmdline = \"it's\"\n");
    assert_string_equal(cfg.cmdline, "it's");
    check_ok(MIN_CFG "cmdline = \"\"\n");
    assert_string_equal(cfg.cmdline, "");
}

static void test_no_trailing_newline(void **state)
{
    (void)state;
    check_ok("name = \"vm0\"\nkernel = \"/k\"");
    assert_string_equal(cfg.kernel, "/k");
    check_ok("kernel = \"/k\"\nname = \"vm0\" # c");
    assert_string_equal(cfg.name, "vm0");
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    /* Bytes past len must be ignored. */
    const char text[] = MIN_CFG "bogus = 1\n";
    assert_int_equal(parse_len(text, strlen(MIN_CFG)), 0);
    assert_string_equal(cfg.kernel, "/boot/k");

    /* Cutting inside a string: the closing quote lies beyond len. */
    check_err_len(text, strlen(MIN_CFG) - 3, 2, "kernel", "unterminated string");
    /* Cutting right after '='. */
    check_err_len(text, 6, 1, "name", "expected a quoted string");
    /* Cutting inside a key. */
    check_err_len(text, 2, 1, "na", "expected '='");
}

static void test_max_lengths(void **state)
{
    (void)state;
    static char text[4096];
    char name[40], path[CONFIG_PATH_MAX + 8], cmd[CONFIG_CMDLINE_MAX + 8];

    memset(name, 'n', 31);
    name[31] = '\0';
    memset(path, 'p', CONFIG_PATH_MAX - 1);
    path[0] = '/';
    path[CONFIG_PATH_MAX - 1] = '\0';
    memset(cmd, 'c', CONFIG_CMDLINE_MAX - 1);
    cmd[CONFIG_CMDLINE_MAX - 1] = '\0';

    strcpy(text, "name = \"");
    strcat(text, name);
    strcat(text, "\"\nkernel = \"");
    strcat(text, path);
    strcat(text, "\"\nramdisk = \"");
    strcat(text, path);
    strcat(text, "\"\ncmdline = \"");
    strcat(text, cmd);
    strcat(text, "\"\nmodules = [\"");
    strcat(text, path);
    strcat(text, "\"]\n");
    check_ok(text);
    assert_int_equal(strlen(cfg.name), 31);
    assert_int_equal(strlen(cfg.kernel), CONFIG_PATH_MAX - 1);
    assert_int_equal(strlen(cfg.ramdisk), CONFIG_PATH_MAX - 1);
    assert_int_equal(strlen(cfg.cmdline), CONFIG_CMDLINE_MAX - 1);
    assert_int_equal(strlen(cfg.modules[0]), CONFIG_PATH_MAX - 1);

    /* One byte more in each field. */
    strcpy(text, "name = \"");
    strcat(text, name);
    strcat(text, "n\"\n");
    check_err(text, 1, "name", "string too long");

    strcpy(text, "name = \"a\"\n\nkernel = \"");
    strcat(text, path);
    strcat(text, "p\"\n");
    check_err(text, 3, "kernel", "string too long");

    strcpy(text, MIN_CFG "ramdisk = \"");
    strcat(text, path);
    strcat(text, "p\"\n");
    check_err(text, 3, "ramdisk", "string too long");

    strcpy(text, MIN_CFG "extra = \"");
    strcat(text, cmd);
    strcat(text, "c\"\n");
    check_err(text, 3, "extra", "string too long");

    strcpy(text, MIN_CFG "modules = [\n\"/ok\",\n\"");
    strcat(text, path);
    strcat(text, "p\"]\n");
    check_err(text, 5, "modules", "string too long");
}

static void test_null_args(void **state)
{
    (void)state;
    assert_int_equal(config_parse(MIN_CFG, strlen(MIN_CFG), &cfg, NULL), 0);
    assert_int_equal(config_parse("bogus=1", 7, &cfg, NULL), -1);
    assert_int_equal(config_parse(MIN_CFG, strlen(MIN_CFG), NULL, &cerr), -1);
    assert_int_equal(config_parse(NULL, 5, &cfg, &cerr), -1);
    assert_int_equal(config_parse(NULL, 0, &cfg, &cerr), -1);
    assert_string_equal(cerr.key, "name");
    assert_string_equal(cerr.msg, "missing required key");
}

/* ---- malformed configs ------------------------------------------------ */

static void test_err_unknown_key(void **state)
{
    (void)state;
    check_err(MIN_CFG "\nmaxmem = 512\n", 4, "maxmem", "unknown key");
    check_err("Name = \"vm0\"\n", 1, "Name", "unknown key");
    check_err("_x = 1\n", 1, "_x", "unknown key");
    /* A long key is reported truncated, not overflowed. */
    check_err("a_very_long_key_name_that_goes_on_and_on_and_on = 1\n", 1,
              "a_very_long_key_name_that_goes_", "unknown key");
}

/* ---- vif = [ VIFSPEC, ... ] ------------------------------------------------ */

static void test_vif_forms(void **state)
{
    (void)state;
    assert_int_equal(parse(MIN_CFG "vif = [ 'mac=00:16:3E:12:34:5f, bridge=xenbr1 ,vifname=web0',\n"
                                   "        '', \"type=vif\" ]\n"), 0);
    assert_int_equal(cfg.nr_vifs, 3);
    assert_int_equal(cfg.vif_line, 3);
    const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x5f };
    assert_true(cfg.vifs[0].mac_given);
    assert_memory_equal(cfg.vifs[0].mac, mac, 6);
    assert_string_equal(cfg.vifs[0].bridge, "xenbr1");
    assert_string_equal(cfg.vifs[0].vifname, "web0");
    /* An empty spec takes every default, as xl does. */
    assert_false(cfg.vifs[1].mac_given);
    assert_string_equal(cfg.vifs[1].bridge, "xenbr0");
    assert_string_equal(cfg.vifs[1].vifname, "");
    assert_false(cfg.vifs[2].mac_given);
    assert_string_equal(cfg.vifs[2].bridge, "xenbr0");
    /* No vif key: no interfaces. */
    assert_int_equal(parse(MIN_CFG), 0);
    assert_int_equal(cfg.nr_vifs, 0);
}

static void test_err_vif(void **state)
{
    (void)state;
    check_err(MIN_CFG "vif = [ 'mac=00:16:3e:12:34' ]\n", 3, "vif", "mac must be six hex bytes joined by ':'");
    check_err(MIN_CFG "vif = [ 'mac=00:16:3e:12:34:5g' ]\n", 3, "vif", "mac must be six hex bytes joined by ':'");
    check_err(MIN_CFG "vif = [ 'mac=00-16-3e-12-34-56' ]\n", 3, "vif", "mac must be six hex bytes joined by ':'");
    check_err(MIN_CFG "vif = [ 'mac=01:16:3e:12:34:56' ]\n", 3, "vif", "mac is a multicast address");
    check_err(MIN_CFG "vif = [ 'mac=00:00:00:00:00:00' ]\n", 3, "vif", "mac is all zero");
    check_err(MIN_CFG "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3E:00:00:01' ]\n", 3, "vif",
              "mac used twice");
    check_err(MIN_CFG "vif = [ 'colour=red' ]\n", 3, "vif", "unknown vif parameter");
    check_err(MIN_CFG "vif = [ 'script=vif-bridge' ]\n", 3, "vif",
              "script, ip, rate, backend and model are not supported");
    check_err(MIN_CFG "vif = [ 'type=ioemu' ]\n", 3, "vif",
              "type=ioemu needs an emulated NIC, which Keel does not offer: use type=vif");
    check_err(MIN_CFG "vif = [ 'bridge=xenbr0,bridge=xenbr1' ]\n", 3, "vif", "parameter given twice");
    check_err(MIN_CFG "vif = [ 'bridge=' ]\n", 3, "vif", "bridge must be 1-15 of A-Za-z0-9_.-");
    check_err(MIN_CFG "vif = [ 'bridge=a_bridge_name_too_long' ]\n", 3, "vif",
              "bridge must be 1-15 of A-Za-z0-9_.-");
    check_err(MIN_CFG "vif = [ 'bridge=br/0' ]\n", 3, "vif", "bridge must be 1-15 of A-Za-z0-9_.-");
    check_err(MIN_CFG "vif = [ 'vifname=a b' ]\n", 3, "vif", "vifname must be 1-15 of A-Za-z0-9_.-");
    check_err(MIN_CFG "vif = [ 'bridge' ]\n", 3, "vif", "expected key=value");
    check_err(MIN_CFG "vif = [ 'bridge=x,' ]\n", 3, "vif", "empty parameter");
    check_err(MIN_CFG "vif = [ '', '', '', '', '' ]\n", 3, "vif", "too many list entries");
    check_err(MIN_CFG "vif = [ '' ]\nvif = [ '' ]\n", 4, "vif", "duplicate key");
}

/* ---- disk = [ DISKSPEC, ... ] and xen_platform_pci ----------------------- */

static void check_disk(const char *spec, const char *target, const char *vdev_name,
                       unsigned vdev, bool read_only)
{
    char text[512];
    snprintf(text, sizeof text, MIN_CFG "disk = [ '%s' ]\n", spec);
    check_ok(text);
    assert_int_equal(cfg.nr_disks, 1);
    assert_string_equal(cfg.disks[0].target, target);
    assert_string_equal(cfg.disks[0].vdev_name, vdev_name);
    assert_int_equal(cfg.disks[0].vdev, vdev);
    assert_int_equal(cfg.disks[0].read_only, read_only);
}

static void test_disk_forms(void **state)
{
    (void)state;
    /* Equivalent forms from xl-disk-configuration(5). */
    check_disk("/boot/disk.img,,xvda", "/boot/disk.img", "xvda", 51712, false);
    check_disk("/boot/disk.img,raw,xvda,rw", "/boot/disk.img", "xvda", 51712, false);
    check_disk("format=raw, vdev=xvda, access=rw, target=/boot/disk.img",
               "/boot/disk.img", "xvda", 51712, false);
    /* Three positionals: target, vdev, access; the legacy prefixes. */
    check_disk("/dev/hdb,xvdb,w", "/dev/hdb", "xvdb", 51728, false);
    check_disk("phy:/dev/hdb1,xvdc,r", "/dev/hdb1", "xvdc", 51744, true);
    check_disk("file:/boot/ro.img, xvdp, ro", "/boot/ro.img", "xvdp", 202 * 256 + 15 * 16, true);
    check_disk("vdev=xvda,access=r,backendtype=phy,devtype=disk,target=/boot/a,b",
               "/boot/a,b", "xvda", 51712, true);
    check_ok(MIN_CFG "disk = [ '/boot/a,,xvda', '/dev/hdb,,xvdb,r' ]\n"
             "xen_platform_pci = 1\n");
    assert_int_equal(cfg.nr_disks, 2);
    assert_true(cfg.xen_platform_pci);
    assert_true(cfg.disks[1].read_only);
    check_ok(MIN_CFG);
    assert_false(cfg.xen_platform_pci);
    assert_int_equal(cfg.nr_disks, 0);
    /* w! shares a writable disk with other VMs; plain w and r do not say so. */
    check_disk("/dev/hdb1,xvdb,w!", "/dev/hdb1", "xvdb", 51728, false);
    assert_true(cfg.disks[0].shared);
    check_disk("vdev=xvdb,access=rw!,target=/dev/hdb1", "/dev/hdb1", "xvdb", 51728, false);
    assert_true(cfg.disks[0].shared);
    check_disk("/dev/hdb1,xvdb,w", "/dev/hdb1", "xvdb", 51728, false);
    assert_false(cfg.disks[0].shared);
}

/* ---- cpus, cpu_weight ------------------------------------------------- */

/* Parses `cpus = <value>` after MIN_CFG and checks the exact mask. */
static void check_cpus(const char *value, uint64_t mask)
{
    char text[256];

    snprintf(text, sizeof text, MIN_CFG "cpus = %s\n", value);
    check_ok(text);
    if (cfg.cpu_affinity != mask)
        print_error("cpus = %s: mask %#llx, expected %#llx\n", value,
                    (unsigned long long)cfg.cpu_affinity, (unsigned long long)mask);
    assert_true(cfg.cpu_affinity == mask);
}

static void test_cpus_forms(void **state)
{
    (void)state;
    check_cpus("\"all\"", UINT64_MAX);
    check_cpus("\"0\"", 0x1);
    check_cpus("\"63\"", 0x8000000000000000ull);
    check_cpus("\"0-3\"", 0xf);
    check_cpus("\"0-63\"", UINT64_MAX);
    check_cpus("\"5-5\"", 0x20);
    check_cpus("\"0-3,^1\"", 0xd);
    check_cpus("\"2,5-6\"", 0x64);
    check_cpus("'1,3'", 0xa);
    /* Exclusions alone start from all CPUs. */
    check_cpus("\"^1\"", ~(uint64_t)0x2);
    check_cpus("\"^0-61,^63\"", 0x4000000000000000ull);
    /* Applied left to right: an exclusion removes only what came before. */
    check_cpus("\"^1,1\"", 0x2);
    check_cpus("\"0-7,^2-5,3\"", 0xcb);
    check_cpus("\"all,^0\"", ~(uint64_t)0x1);
    check_cpus("\"1,1,1-2\"", 0x6);
    /* The examples of docs/config.md: CPUs 0, 2, 3. */
    check_cpus("\"0, 2-3\"", 0xd);
    check_cpus("\"all,^1,^4-63\"", 0xd);
}

static void test_cpus_blanks(void **state)
{
    (void)state;
    check_cpus("\" 2 , 5-6\t,\t^6 \"", 0x24);
    check_cpus("\"  all  \"", UINT64_MAX);
    /* With other keys, and on the line a comment follows. */
    check_ok("name = \"vm0\"\nvcpus = 2\ncpus = \"2-3\"   # pinned\ncpu_weight = 512\n"
             "kernel = \"/boot/k\"\n");
    assert_true(cfg.cpu_affinity == 0xc);
    assert_int_equal(cfg.cpu_weight, 512);
    assert_int_equal(cfg.vcpus, 2);
}

static void test_err_cpus(void **state)
{
    (void)state;
    check_err(MIN_CFG "cpus = \"64\"\n", 3, "cpus", "CPU out of range 0..63: \"64\"");
    check_err(MIN_CFG "cpus = \"0-64\"\n", 3, "cpus", "CPU out of range 0..63: \"0-64\"");
    check_err(MIN_CFG "cpus = \"1,^99999999999999999999\"\n", 3, "cpus",
              "CPU out of range 0..63: \"^99999999999999999999\"");
    check_err(MIN_CFG "cpus = \"3-1\"\n", 3, "cpus", "range ends before it starts: \"3-1\"");
    check_err(MIN_CFG "cpus = \"\"\n", 3, "cpus", "empty CPU list");
    check_err(MIN_CFG "cpus = \"  \"\n", 3, "cpus", "empty CPU list");
    check_err(MIN_CFG "cpus = \"x\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"x\"");
    check_err(MIN_CFG "cpus = \"1-\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"1-\"");
    check_err(MIN_CFG "cpus = \"^\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"^\"");
    check_err(MIN_CFG "cpus = \"-1\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"-1\"");
    check_err(MIN_CFG "cpus = \"1 - 2\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"1 - 2\"");
    check_err(MIN_CFG "cpus = \"^ 1\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"^ 1\"");
    check_err(MIN_CFG "cpus = \"0x1\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"0x1\"");
    check_err(MIN_CFG "cpus = \"1-2-3\"\n", 3, "cpus", "expected a CPU, a range N-M or all: \"1-2-3\"");
    check_err(MIN_CFG "cpus = \"0,,1\"\n", 3, "cpus", "empty item in the list: \"0,,1\"");
    check_err(MIN_CFG "cpus = \"0,\"\n", 3, "cpus", "empty item in the list: \"0,\"");
    check_err(MIN_CFG "cpus = \",0\"\n", 3, "cpus", "empty item in the list: \",0\"");
    check_err(MIN_CFG "cpus = \"nodes:0\"\n", 3, "cpus",
              "NUMA node affinity not supported: \"nodes:0\"");
    check_err(MIN_CFG "cpus = \"node:1\"\n", 3, "cpus", "NUMA node affinity not supported: \"node:1\"");
    check_err(MIN_CFG "cpus = \"0,^nodes:0\"\n", 3, "cpus",
              "NUMA node affinity not supported: \"^nodes:0\"");
    check_err(MIN_CFG "cpus = \"^all\"\n", 3, "cpus", "cannot exclude all: \"^all\"");
    check_err(MIN_CFG "cpus = \"^0-63\"\n", 3, "cpus", "the list selects no CPU: \"^0-63\"");
    check_err(MIN_CFG "cpus = \"1,^1\"\n", 3, "cpus", "the list selects no CPU: \"1,^1\"");
    check_err(MIN_CFG "cpus = [\"0\", \"1\"]\n", 3, "cpus",
              "per-vCPU list not supported; use a string, e.g. cpus = \"0-3\"");
    check_err(MIN_CFG "cpus = 3\n", 3, "cpus", "expected a quoted string");
    check_err(MIN_CFG "cpus = \"0\"\ncpus = \"1\"\n", 4, "cpus", "duplicate key");
    /* The line of the key, further down the file. */
    check_err("name = \"vm0\"\n\n# pin\ncpus = \"0-3,^9x\"\nkernel = \"/boot/k\"\n", 4, "cpus",
              "expected a CPU, a range N-M or all: \"^9x\"");
    /* A long list is quoted cut to the message buffer. */
    check_err(MIN_CFG "cpus = \"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,"
                      "25,26,27,28,29,30,,31\"\n",
              3, "cpus",
              "empty item in the list: \"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
              "22,23,24,2...\"");
    assert_int_equal(strlen(cerr.msg), CONFIG_MSG_MAX - 1);
}

static void test_cpu_weight(void **state)
{
    (void)state;
    check_ok(MIN_CFG "cpu_weight = 1\n");
    assert_int_equal(cfg.cpu_weight, 1);
    check_ok(MIN_CFG "cpu_weight = 65535\n");
    assert_int_equal(cfg.cpu_weight, 65535);
    check_ok(MIN_CFG "cpu_weight = 0x200\n");
    assert_int_equal(cfg.cpu_weight, 512);
    check_ok(MIN_CFG "cpu_weight = 256\n");
    assert_int_equal(cfg.cpu_weight, 256);
    check_ok(MIN_CFG);
    assert_int_equal(cfg.cpu_weight, 256);
}

static void test_err_cpu_weight(void **state)
{
    (void)state;
    check_err(MIN_CFG "cpu_weight = 0\n", 3, "cpu_weight", "value out of range 1..65535");
    check_err(MIN_CFG "cpu_weight = 65536\n", 3, "cpu_weight", "value out of range 1..65535");
    check_err(MIN_CFG "cpu_weight = 99999999999999999999999\n", 3, "cpu_weight",
              "value out of range 1..65535");
    check_err(MIN_CFG "cpu_weight = abc\n", 3, "cpu_weight", "invalid integer");
    check_err(MIN_CFG "cpu_weight = -1\n", 3, "cpu_weight", "expected an integer");
    check_err(MIN_CFG "cpu_weight = \"256\"\n", 3, "cpu_weight", "expected an integer");
    check_err("name = \"vm0\"\ncpu_weight = 1\n\ncpu_weight = 2\nkernel = \"/boot/k\"\n", 4,
              "cpu_weight", "duplicate key");
}

static void test_err_disk(void **state)
{
    (void)state;
    static const struct { const char *spec, *msg; } cases[] = {
        { "", "no target" },
        { ",,xvda", "no target" },
        { "disk.img,,xvda", "target must be an absolute path" },
        { "/boot/d,qcow2,xvda", "only format=raw is supported" },
        { "/boot/d", "no vdev" },
        { "/boot/d,,hda", "vdev must be xvda..xvdp" },
        { "/boot/d,,xvdaa", "vdev must be xvda..xvdp" },
        { "/boot/d,,xvdq", "vdev must be xvda..xvdp" },
        { "/boot/d,,xvda,x", "access must be r, ro, w, rw, or w! to share a writable disk" },
        { "/boot/d,,xvda,r!", "access must be r, ro, w, rw, or w! to share a writable disk" },
        { "/boot/d,,xvda,w,extra", "too many positional parameters" },
        { "/boot/d,,xvda,cdrom", "cdrom devices are not supported" },
        { "/boot/d,,xvda,devtype=cdrom", "only devtype=disk is supported" },
        { "/boot/d,,xvda,backendtype=qdisk", "only backendtype=phy is supported" },
        { "/boot/d,,xvda,colo=1", "unknown disk parameter" },
        { "vdev=xvda,vdev=xvdb,target=/boot/d", "parameter given twice" },
        { "/boot/d,xvda,w,vdev=xvdb", "parameter given twice" },
    };
    char text[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, MIN_CFG "disk = [ '%s' ]\n", cases[i].spec);
        check_err(text, 3, "disk", cases[i].msg);
    }
    check_err(MIN_CFG "disk = [ '/boot/a,,xvda',\n '/boot/b,,xvda' ]\n", 4, "disk", "vdev used twice");
    check_err(MIN_CFG "disk = [ '/a,,xvda', '/b,,xvdb', '/c,,xvdc', '/d,,xvdd', '/e,,xvde' ]\n",
              3, "disk", "too many list entries");
    check_err(MIN_CFG "xen_platform_pci = 2\n", 3, "xen_platform_pci", "value out of range 0..1");
    check_err(MIN_CFG "xen_platform_pci = \"1\"\n", 3, "xen_platform_pci", "expected an integer");
}

static void test_err_expected_string(void **state)
{
    (void)state;
    check_err("name = vm0\n", 1, "name", "expected a quoted string");
    check_err("name = 5\n", 1, "name", "expected a quoted string");
    check_err("name = \"a\"\nkernel = \n", 2, "kernel", "expected a quoted string");
    check_err(MIN_CFG "cmdline = [\"x\"]\n", 3, "cmdline", "expected a quoted string");
    check_err(MIN_CFG "on_crash = destroy\n", 3, "on_crash", "expected a quoted string");
    check_err(MIN_CFG "modules = [ , ]\n", 3, "modules", "expected a quoted string");
    check_err(MIN_CFG "modules = [ \"/a\",, ]\n", 3, "modules", "expected a quoted string");
}

static void test_err_expected_integer(void **state)
{
    (void)state;
    check_err(MIN_CFG "memory = \"128\"\n", 3, "memory", "expected an integer");
    check_err(MIN_CFG "memory = -1\n", 3, "memory", "expected an integer");
    check_err(MIN_CFG "vcpus =\n", 3, "vcpus", "expected an integer");
    check_err(MIN_CFG "memory = 128M\n", 3, "memory", "invalid integer");
    check_err(MIN_CFG "memory = 0x\n", 3, "memory", "invalid integer");
    check_err(MIN_CFG "memory = 0xfg\n", 3, "memory", "invalid integer");
    check_err(MIN_CFG "memory = 012\n", 3, "memory", "invalid integer");
    check_err(MIN_CFG "memory = 1.5\n", 3, "memory", "expected end of line");
}

static void test_err_out_of_range(void **state)
{
    (void)state;
    check_err(MIN_CFG "memory = 0\n", 3, "memory", "value out of range 1..1048576");
    check_err(MIN_CFG "memory = 1048577\n", 3, "memory", "value out of range 1..1048576");
    check_err(MIN_CFG "memory = 0x100001\n", 3, "memory", "value out of range 1..1048576");
    /* Values that would overflow 64 bits. */
    check_err(MIN_CFG "memory = 99999999999999999999999999999\n", 3, "memory",
              "value out of range 1..1048576");
    check_err(MIN_CFG "memory = 18446744073709551617\n", 3, "memory",
              "value out of range 1..1048576");
    check_err(MIN_CFG "memory = 0xffffffffffffffffffffff\n", 3, "memory",
              "value out of range 1..1048576");
    check_err(MIN_CFG "vcpus = 0\n", 3, "vcpus", "value out of range 1..64");
    check_err(MIN_CFG "vcpus = 65\n", 3, "vcpus", "value out of range 1..64");
    check_err(MIN_CFG "vcpus = 4294967297\n", 3, "vcpus", "value out of range 1..64");
}

static void test_err_missing_required(void **state)
{
    (void)state;
    check_err("kernel = \"/k\"\n", 0, "name", "missing required key");
    check_err("name = \"vm0\"\n", 0, "kernel", "missing required key");
    check_err("", 0, "name", "missing required key");
    check_err("# only a comment\n\n", 0, "name", "missing required key");
}

static void test_err_unterminated_string(void **state)
{
    (void)state;
    check_err("name = \"vm0\n kernel = \"/k\"\n", 1, "name", "unterminated string");
    check_err(MIN_CFG "cmdline = 'abc\"\n", 3, "cmdline", "unterminated string");
    check_err(MIN_CFG "cmdline = \"abc", 3, "cmdline", "unterminated string");
    check_err(MIN_CFG "cmdline = \"abc\r\n\"", 3, "cmdline", "unterminated string");
    check_err(MIN_CFG "modules = [\n\"/a\",\n\"/b\n]\n", 5, "modules", "unterminated string");
}

static void test_err_invalid_char_in_string(void **state)
{
    (void)state;
    static const char text[] = MIN_CFG "cmdline = \"a\0b\"\n";
    check_err_len(text, sizeof text - 1, 3, "cmdline", "invalid character in string");
    check_err(MIN_CFG "cmdline = \"a\x01\"\n", 3, "cmdline", "invalid character in string");
}

static void test_err_expected_equals(void **state)
{
    (void)state;
    check_err(MIN_CFG "memory 128\n", 3, "memory", "expected '='");
    check_err("name\n= \"vm0\"\n", 1, "name", "expected '='");
    check_err("name : \"vm0\"\n", 1, "name", "expected '='");
    check_err("name", 1, "name", "expected '='");
    check_err("mem-ory = 1\n", 1, "mem", "expected '='");
    check_err("name # = \"x\"\n", 1, "name", "expected '='");
}

static void test_err_expected_key(void **state)
{
    (void)state;
    check_err("= 5\n", 1, "", "expected a key");
    check_err(MIN_CFG "5name = \"x\"\n", 3, "", "expected a key");
    check_err("\"name\" = \"x\"\n", 1, "", "expected a key");
    check_err("\n\n  [\n", 3, "", "expected a key");
}

static void test_err_expected_eol(void **state)
{
    (void)state;
    check_err("name = \"vm0\" kernel = \"/k\"\n", 1, "name", "expected end of line");
    check_err("name = \"vm0\";\n", 1, "name", "expected end of line");
    check_err(MIN_CFG "memory = 5 6\n", 3, "memory", "expected end of line");
    check_err(MIN_CFG "cmdline = \"a\\\"b\"\n", 3, "cmdline", "expected end of line");
    check_err(MIN_CFG "modules = [\"/a\"] x\n", 3, "modules", "expected end of line");
}

static void test_err_duplicate(void **state)
{
    (void)state;
    check_err(MIN_CFG "name = \"again\"\n", 3, "name", "duplicate key");
    check_err(MIN_CFG "memory = 1\n# x\nmemory = 1\n", 5, "memory", "duplicate key");
    check_err(MIN_CFG "modules = []\nmodules = []\n", 4, "modules", "duplicate key");
    check_err(MIN_CFG "cmdline = \"a\"\nextra = \"b\"\n", 4, "extra", "conflicts with cmdline");
    check_err(MIN_CFG "extra = \"a\"\ncmdline = \"b\"\n", 4, "cmdline", "conflicts with extra");
}

static void test_err_too_many_modules(void **state)
{
    (void)state;
    check_err(MIN_CFG
              "modules = [\n"
              "  \"/1\", \"/2\", \"/3\", \"/4\",\n"
              "  \"/5\", \"/6\", \"/7\", \"/8\",\n"
              "  \"/9\",\n"
              "]\n",
              6, "modules", "too many list entries");
}

static void test_err_relative_path(void **state)
{
    (void)state;
    check_err("name = \"a\"\nkernel = \"boot/k\"\n", 2, "kernel", "path must be absolute");
    check_err("name = \"a\"\nkernel = \"\"\n", 2, "kernel", "path must be absolute");
    check_err(MIN_CFG "ramdisk = \"initrd\"\n", 3, "ramdisk", "path must be absolute");
    check_err(MIN_CFG "modules = [\"/a\",\n \" /b\"]\n", 4, "modules", "path must be absolute");
    check_err(MIN_CFG "modules = [\"\"]\n", 3, "modules", "path must be absolute");
}

static void test_err_invalid_name(void **state)
{
    (void)state;
    check_err("name = \"\"\n", 1, "name", "invalid name");
    check_err("name = \"my vm\"\n", 1, "name", "invalid name");
    check_err("name = \"vm/0\"\n", 1, "name", "invalid name");
    check_err("name = \"vm\xc3\xa9\"\n", 1, "name", "invalid name");
}

static void test_err_enum_values(void **state)
{
    (void)state;
    check_err(MIN_CFG "type = \"hvm\"\n", 3, "type", "not supported");
    check_err(MIN_CFG "type = \"Linux\"\n", 3, "type", "unknown value");
    check_err(MIN_CFG "on_crash = \"coredump-destroy\"\n", 3, "on_crash", "not supported");
    check_err(MIN_CFG "on_crash = \"coredump-restart\"\n", 3, "on_crash", "not supported");
    check_err(MIN_CFG "on_reboot = \"rename-restart\"\n", 3, "on_reboot", "not supported");
    check_err(MIN_CFG "on_poweroff = \"soft-reset\"\n", 3, "on_poweroff", "not supported");
    check_err(MIN_CFG "on_poweroff = \"explode\"\n", 3, "on_poweroff", "unknown value");
    check_err(MIN_CFG "on_reboot = \"\"\n", 3, "on_reboot", "unknown value");
}

static void test_err_lists(void **state)
{
    (void)state;
    check_err(MIN_CFG "modules = \"/a\"\n", 3, "modules", "expected a list");
    check_err(MIN_CFG "modules = [\"/a\" \"/b\"]\n", 3, "modules", "expected ',' or ']'");
    check_err(MIN_CFG "modules = [\"/a\"\n\n 5]\n", 5, "modules", "expected ',' or ']'");
    /* Reported at the line of the opening bracket. */
    check_err(MIN_CFG "modules = [\n\"/a\",\n# c\n", 3, "modules", "unterminated list");
    check_err(MIN_CFG "modules = [\"/a\"", 3, "modules", "unterminated list");
    check_err(MIN_CFG "modules = [", 3, "modules", "unterminated list");
}

static void test_line_numbers_after_list(void **state)
{
    (void)state;
    check_err(MIN_CFG
              "modules = [\n"
              "  \"/a\",\n"
              "  \"/b\",\n"
              "]\n"
              "bogus = 1\n",
              7, "bogus", "unknown key");
}

/* ---- garbage ---------------------------------------------------------- */

static uint32_t rng_next(uint32_t *s)
{
    /* xorshift32: deterministic, so a failure is reproducible. */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static bool nul_within(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_result_sane(int rc)
{
    assert_true(rc == 0 || rc == -1);
    if (rc == 0) {
        assert_true(nul_within(cfg.name, sizeof cfg.name));
        assert_true(nul_within(cfg.kernel, sizeof cfg.kernel));
        assert_true(nul_within(cfg.ramdisk, sizeof cfg.ramdisk));
        assert_true(nul_within(cfg.cmdline, sizeof cfg.cmdline));
        assert_true(cfg.nr_modules <= CONFIG_MODULES_MAX);
        for (unsigned i = 0; i < cfg.nr_modules; i++) {
            assert_true(nul_within(cfg.modules[i], sizeof cfg.modules[i]));
            assert_int_equal(cfg.modules[i][0], '/');
        }
        assert_true(cfg.name[0] != '\0');
        assert_int_equal(cfg.kernel[0], '/');
        assert_true(cfg.memory_mib >= 1 && cfg.memory_mib <= 1048576);
        assert_true(cfg.vcpus >= 1 && cfg.vcpus <= 64);
        assert_true(cfg.type <= VM_TYPE_BIOS);
        assert_true(cfg.on_poweroff <= VM_ACTION_PRESERVE);
        assert_true(cfg.on_reboot <= VM_ACTION_PRESERVE);
        assert_true(cfg.on_crash <= VM_ACTION_PRESERVE);
        assert_true(cfg.cpu_affinity != 0);
        assert_true(cfg.cpu_weight >= 1 && cfg.cpu_weight <= 65535);
    } else {
        assert_true(nul_within(cerr.key, sizeof cerr.key));
        assert_true(nul_within(cerr.msg, sizeof cerr.msg));
        assert_true(cerr.msg[0] != '\0');
    }
}

static void test_garbage_mutations(void **state)
{
    (void)state;
    static const char base[] =
        "# sample\r\n"
        "name = \"vm0\"\n"
        "type = 'linux'\n"
        "memory = 0x200\n"
        "vcpus = 2\n"
        "kernel = \"/boot/k\"\n"
        "ramdisk = \"/boot/i\"\n"
        "extra = \"console=ttyS0 # not a comment\"\n"
        "modules = [ \"/m/a x=1\",\n"
        "  '/m/b', # c\n"
        "]\n"
        "on_crash = \"preserve\"\n";
    static const char alphabet[] = "\"'[],#=\n\r \t0x9aZ_/-\0\xff";
    static char buf[1024];
    uint32_t seed = 0x12345678u;
    unsigned ok = 0, bad = 0;

    assert_int_equal(parse(base), 0);
    for (unsigned iter = 0; iter < 40000; iter++) {
        size_t len = sizeof base - 1;
        memcpy(buf, base, len);
        unsigned nmut = 1 + rng_next(&seed) % 8;
        for (unsigned m = 0; m < nmut; m++) {
            uint32_t r = rng_next(&seed);
            size_t at = len ? rng_next(&seed) % len : 0;
            char c = (r & 0x100) ? (char)(rng_next(&seed) & 0xff)
                                 : alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
            switch (r % 5) {
            case 0: /* overwrite */
                if (len)
                    buf[at] = c;
                break;
            case 1: /* insert */
                if (len < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            case 2: /* delete a run */
                if (len) {
                    size_t n = 1 + rng_next(&seed) % 16;
                    if (n > len - at)
                        n = len - at;
                    memmove(buf + at, buf + at + n, len - at - n);
                    len -= n;
                }
                break;
            case 3: /* duplicate a run, makes long strings and lists */
            {
                size_t n = 1 + rng_next(&seed) % 64;
                if (n > len - at)
                    n = len - at;
                if (len + n <= sizeof buf) {
                    memmove(buf + at + n, buf + at, len - at);
                    len += n;
                }
                break;
            }
            default: /* truncate */
                len = at;
                break;
            }
        }
        int rc = parse_len(buf, len);
        check_result_sane(rc);
        if (rc == 0)
            ok++;
        else
            bad++;
    }
    /* Both outcomes must actually be exercised. */
    assert_true(ok > 100);
    assert_true(bad > 100);
}

static void test_garbage_random_bytes(void **state)
{
    (void)state;
    static char buf[512];
    uint32_t seed = 0xdeadbeefu;

    for (unsigned iter = 0; iter < 10000; iter++) {
        size_t len = rng_next(&seed) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(rng_next(&seed) & 0xff);
        check_result_sane(parse_len(buf, len));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_defaults),
        cmocka_unit_test(test_all_keys),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_comments_blank_lines_whitespace),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_multiline_list),
        cmocka_unit_test(test_list_forms),
        cmocka_unit_test(test_hex_numbers),
        cmocka_unit_test(test_number_limits),
        cmocka_unit_test(test_extra_alias),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_no_trailing_newline),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_max_lengths),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_err_unknown_key),
        cmocka_unit_test(test_vif_forms),
        cmocka_unit_test(test_err_vif),
        cmocka_unit_test(test_disk_forms),
        cmocka_unit_test(test_err_disk),
        cmocka_unit_test(test_cpus_forms),
        cmocka_unit_test(test_cpus_blanks),
        cmocka_unit_test(test_err_cpus),
        cmocka_unit_test(test_cpu_weight),
        cmocka_unit_test(test_err_cpu_weight),
        cmocka_unit_test(test_err_expected_string),
        cmocka_unit_test(test_err_expected_integer),
        cmocka_unit_test(test_err_out_of_range),
        cmocka_unit_test(test_err_missing_required),
        cmocka_unit_test(test_err_unterminated_string),
        cmocka_unit_test(test_err_invalid_char_in_string),
        cmocka_unit_test(test_err_expected_equals),
        cmocka_unit_test(test_err_expected_key),
        cmocka_unit_test(test_err_expected_eol),
        cmocka_unit_test(test_err_duplicate),
        cmocka_unit_test(test_err_too_many_modules),
        cmocka_unit_test(test_err_relative_path),
        cmocka_unit_test(test_err_invalid_name),
        cmocka_unit_test(test_err_enum_values),
        cmocka_unit_test(test_err_lists),
        cmocka_unit_test(test_line_numbers_after_list),
        cmocka_unit_test(test_garbage_mutations),
        cmocka_unit_test(test_garbage_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
