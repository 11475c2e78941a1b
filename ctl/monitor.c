/* SPDX-License-Identifier: BSD-2-Clause */
/* The monitor's commands (see monitor.h). A bad command changes nothing and
 * gets one line saying what is wrong and what would be right. */
#include <string.h>
#include "ctl/monitor.h"
#include "host/console.h"
#include "host/palloc.h"
#include "lib/print.h"
#include "vm/console_switch.h"
#include "vm/vm.h"

#define LINE_MAX 160
#define ARGS_MAX 3

static const struct boot_info *boot;
static char line[LINE_MAX];
static unsigned line_len;

void monitor_init(const struct boot_info *bi)
{
    boot = bi;
}

void monitor_prompt(void)
{
    console_write("(keel) ", 7);
}

static const char help_text[] =
    "keel monitor commands:\n"
    "  list                  id, name, state, memory, vCPUs and CPU time of each VM\n"
    "  create PATH [name=N]  start the VM whose config is boot module PATH (named N)\n"
    "  destroy NAME          end the VM now\n"
    "  shutdown NAME         ask its OS to power off (Xen: control/shutdown; else the power button)\n"
    "  reboot NAME           ask its OS to restart\n"
    "  pause NAME, unpause NAME\n"
    "  info NAME             its config, disks, vCPUs and exit tables\n"
    "  free                  memory left for VMs\n"
    "  console [NAME]        give the console input to the VM (or keep it here)\n"
    "  help                  this text\n"
    "Ctrl-A three times moves the console input on: monitor, each VM, monitor.\n";

/* What a config's `name` may be (docs/config.md): 1-31 of A-Za-z0-9_.- */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* A VM named by the command's argument, or NULL after saying why. */
static struct vm *named_vm(const char *cmd, int argc, char **argv)
{
    if (argc != 2) {
        printk("keel: monitor: usage: %s NAME\n", cmd);
        return NULL;
    }
    struct vm *vm = vm_find(argv[1]);
    if (!vm)
        printk("keel: monitor: %s: no VM named \"%s\" (list shows them)\n", cmd, argv[1]);
    return vm;
}

static void run(int argc, char **argv)
{
    const char *cmd = argv[0];
    struct vm *vm;
    if (strcmp(cmd, "help") == 0) {
        console_write(help_text, sizeof(help_text) - 1);
    } else if (strcmp(cmd, "list") == 0) {
        vm_print_list();
    } else if (strcmp(cmd, "free") == 0) {
        printk("keel: monitor: %lu KiB free\n", palloc_free_pages() * (PAGE_SIZE / 1024));
    } else if (strcmp(cmd, "create") == 0) {
        const char *name = argc == 3 && strncmp(argv[2], "name=", 5) == 0 && argv[2][5] ? argv[2] + 5 : NULL;
        if (argc < 2 || (argc == 3 && !name) || argc > 3)
            printk("keel: monitor: usage: create PATH [name=NAME] (a config given to GRUB, e.g. /boot/vm.cfg)\n");
        else if (name && !valid_name(name))
            printk("keel: monitor: create: a name is 1-31 characters of A-Za-z0-9_.-\n");
        else if (vm_create(boot, argv[1], name))
            printk("keel: monitor: create: no boot module \"%s\" (give GRUB 'module2 %s type=vm start=no')\n",
                   argv[1], argv[1]);
    } else if (strcmp(cmd, "destroy") == 0) {
        if ((vm = named_vm(cmd, argc, argv)))
            vm_destroy(vm);
    } else if (strcmp(cmd, "shutdown") == 0 || strcmp(cmd, "reboot") == 0) {
        if ((vm = named_vm(cmd, argc, argv)) && vm_shutdown(vm, cmd[0] == 'r'))
            printk("keel: monitor: %s: the request could not be written to the VM's xenstore\n", cmd);
    } else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "unpause") == 0) {
        if ((vm = named_vm(cmd, argc, argv)))
            vm_pause(vm, cmd[0] == 'p');
    } else if (strcmp(cmd, "info") == 0) {
        if ((vm = named_vm(cmd, argc, argv)))
            vm_print_info(vm);
    } else if (strcmp(cmd, "console") == 0) {
        if (argc == 1)
            console_switch_focus(NULL);
        else if ((vm = named_vm(cmd, argc, argv)))
            console_switch_focus(vm);
    } else {
        printk("keel: monitor: unknown command \"%s\"; try help\n", cmd);
    }
}

static void execute(void)
{
    char *argv[ARGS_MAX + 1];
    int argc = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (argc == ARGS_MAX + 1) {
            printk("keel: monitor: too many words; try help\n");
            return;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (argc)
        run(argc, argv);
}

void monitor_input(char c)
{
    if (c == '\r' || c == '\n') {
        console_write("\n", 1);
        line[line_len] = '\0';
        execute();
        line_len = 0;
        monitor_prompt();
    } else if (c == 0x7f || c == '\b') {
        if (line_len) {
            line_len--;
            console_write("\b \b", 3);
        }
    } else if (c >= 0x20 && c < 0x7f && line_len + 1 < LINE_MAX) {
        line[line_len++] = c;
        console_write(&c, 1);       /* echo */
    }
}
