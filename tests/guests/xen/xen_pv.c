/* SPDX-License-Identifier: BSD-2-Clause */
/* xen_pv.c — entry of xen_pv.elf, the Xen-compatible-mode test kernel: the VM's cmdline
 * says which test runs, "test=hypercalls" (xen_hypercalls.c), "test=blk"
 * (xen_hostile_blk.c) or "test=net" (xen_hostile_net.c). One kernel for all three VMs
 * keeps the test ISO's boot modules few (Keel takes at most 64). Every line is "xen_pv: ..."; Keel prefixes the VM's name. */
#include "guest.h"
#include "xen_guest.h"

const char test_name[] = "xen_pv";

void guest_main(uint32_t magic, uint32_t mbi)
{
    const struct multiboot_info *mi = gpa_ptr(mbi);
    char which[32] = "";
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mi->flags & MBI_FLAG_CMDLINE) ||
        !cmdline_value(gpa_ptr(mi->cmdline), "test", which, sizeof(which)))
        test_fail("no test=NAME on the Multiboot command line");
    note("running test %s", which);
    if (strcmp(which, "hypercalls") == 0)
        xen_hypercalls_main(mbi);
    else if (strcmp(which, "blk") == 0)
        xen_hostile_blk_main();
    else if (strcmp(which, "net") == 0)
        xen_hostile_net_main();
    test_fail("unknown test \"%s\" (hypercalls, blk or net)", which);
}
