/* SPDX-License-Identifier: BSD-2-Clause */
/* VM configuration in xl.cfg syntax: the parsed form of one `type=vm` module.
 * Pure parsing, no hardware access: compiled into Keel and into host unit tests. */
#ifndef KEEL_VM_CONFIG_H
#define KEEL_VM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_NAME_MAX     32   /* bytes incl. NUL */
#define CONFIG_PATH_MAX     128
#define CONFIG_CMDLINE_MAX  1024
#define CONFIG_MODULES_MAX  8
#define CONFIG_KEY_MAX      32
#define CONFIG_MSG_MAX      96
#define CONFIG_DISKS_MAX    4
#define CONFIG_VIFS_MAX     4
#define CONFIG_MAC_LEN      6
#define CONFIG_VIF_NAME_MAX 16 /* bridge and port names, NUL included (Linux's IFNAMSIZ) */
#define CONFIG_VIF_BRIDGE_DEFAULT "xenbr0"  /* xl's default bridge */
#define CONFIG_CPUS_MAX     64 /* `cpus` names physical CPUs 0..63: one uint64_t mask */

/* `cpu_weight`: the credit scheduler's proportional share (xl.cfg(5)). */
#define CONFIG_CPU_WEIGHT_MIN     1
#define CONFIG_CPU_WEIGHT_MAX     65535
#define CONFIG_CPU_WEIGHT_DEFAULT 256

enum vm_type { VM_TYPE_MULTIBOOT, VM_TYPE_LINUX, VM_TYPE_BIOS };

/* xl.cfg on_poweroff/on_reboot/on_crash actions Keel implements. */
enum vm_action { VM_ACTION_DESTROY, VM_ACTION_RESTART, VM_ACTION_PRESERVE };

/* One `disk = [ ... ]` entry (xl-disk-configuration(5)): the backing store
 * (`target`), the guest's device name (`vdev`) and whether it may write. */
struct vm_disk {
    char target[CONFIG_PATH_MAX];         /* a boot module (RAM disk) or /dev/hdX[N] */
    char vdev_name[8];                    /* "xvda".."xvdp" */
    uint16_t vdev;                        /* Xen virtual-device number: 202 << 8 | index << 4 */
    bool read_only;                       /* access=r/ro */
    bool shared;                          /* access=w!: writable although another VM writes it */
};

/* Parse one DISKSPEC of `len` bytes into `out`. 0, or -1 with *why set to
 * a short static reason. vm/disk_spec.c. */
int disk_spec_parse(const char *spec, size_t len, struct vm_disk *out, const char **why);

/* One `vif = [ ... ]` entry (xl-network-configuration(5)): a PV NIC on a
 * bridge of Keel's virtual switch. */
struct vm_vif {
    uint8_t mac[CONFIG_MAC_LEN];
    bool mac_given;                       /* else the VM derives it from its name */
    char bridge[CONFIG_VIF_NAME_MAX];     /* default xenbr0 */
    char vifname[CONFIG_VIF_NAME_MAX];    /* "" = vif<domid>.<devid> */
};

/* Parse one VIFSPEC of `len` bytes into `out`. 0, or -1 with *why set to a
 * short static reason. vm/vif_spec.c. */
int vif_spec_parse(const char *spec, size_t len, struct vm_vif *out, const char **why);

struct vm_config {
    char name[CONFIG_NAME_MAX];
    enum vm_type type;
    uint64_t memory_mib;                  /* default 128 */
    unsigned vcpus;                       /* default 1 */
    /* `cpus = "LIST"`: hard affinity, bit n set = the VM may run on physical
     * CPU n. Default all 64 bits (any CPU). Whether those CPUs exist is for
     * the VM layer to check, not the parser. */
    uint64_t cpu_affinity;
    unsigned cpu_weight;                  /* `cpu_weight`, 1..65535, default 256 */
    char kernel[CONFIG_PATH_MAX];         /* required */
    char ramdisk[CONFIG_PATH_MAX];        /* "" when absent */
    char cmdline[CONFIG_CMDLINE_MAX];     /* `cmdline` or its alias `extra` */
    /* `modules = [ "path args", ... ]`: each string is the module's path,
     * optionally followed by a space and its own command line. */
    unsigned nr_modules;
    char modules[CONFIG_MODULES_MAX][CONFIG_PATH_MAX];
    enum vm_action on_poweroff;           /* default destroy */
    enum vm_action on_reboot;             /* default restart */
    enum vm_action on_crash;              /* default destroy */
    bool xen_platform_pci;                /* Xen-compatible mode (xl.cfg key), default 0 */
    unsigned nr_disks;
    struct vm_disk disks[CONFIG_DISKS_MAX];
    unsigned nr_vifs;                     /* devid = index */
    unsigned vif_line;                    /* where `vif` was, for the VM's later errors */
    struct vm_vif vifs[CONFIG_VIFS_MAX];
};

/* Where and why parsing failed. `key` is "" when the error is not about a key
 * (e.g. a syntax error before one was read). */
struct config_error {
    unsigned line;                        /* 1-based; 0 if not line-specific */
    char key[CONFIG_KEY_MAX];
    char msg[CONFIG_MSG_MAX];
};

/* Parse `len` bytes of `text` (need not be NUL-terminated) into `out`.
 * Returns 0 on success, -1 with `err` filled on the first error. */
int config_parse(const char *text, size_t len, struct vm_config *out,
                 struct config_error *err);

#endif
