/* SPDX-License-Identifier: BSD-2-Clause */
/* VM-execution control selection against capability MSRs (pure; boot CPU at
 * bring-up, host unit tests). SDM Vol. 3D Appendix A. */
#include <stdbool.h>
#include <string.h>
#include "lib/print.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_defs.h"

#include <stdint.h>

uint32_t vmx_adjust_controls(uint64_t cap, uint32_t required, uint32_t optional,
                             uint32_t *missing)
{
    uint32_t must_be_one = (uint32_t)cap;
    uint32_t may_be_one = (uint32_t)(cap >> 32);
    *missing = required & ~may_be_one;
    return ((required | optional) & may_be_one) | must_be_one;
}

struct named_bit {
    uint32_t bit;
    const char *name;
};

/* Report the lowest missing bit by name: one line, the first thing to fix. */
static int report_missing(uint32_t missing, const char *msr, const struct named_bit *names,
                          char *why, size_t why_len)
{
    for (unsigned i = 0; names[i].name; i++) {
        if (missing & names[i].bit) {
            unsigned b = 0;
            while (!((names[i].bit >> b) & 1))
                b++;
            snprintf(why, why_len, "%s lacks %s (bit %u)", msr, names[i].name, b);
            return -1;
        }
    }
    snprintf(why, why_len, "%s lacks required bits 0x%x", msr, missing);
    return -1;
}

static const struct named_bit pin_names[] = {
    { PIN_EXTINT_EXITING, "external-interrupt exiting" },
    { PIN_NMI_EXITING, "NMI exiting" },
    { 0, NULL },
};
static const struct named_bit proc_names[] = {
    { PROC_TSC_OFFSETTING, "use TSC offsetting" },
    { PROC_HLT_EXITING, "HLT exiting" },
    { PROC_MWAIT_EXITING, "MWAIT exiting" },
    { PROC_RDPMC_EXITING, "RDPMC exiting" },
    { PROC_CR8_LOAD_EXITING, "CR8-load exiting" },
    { PROC_CR8_STORE_EXITING, "CR8-store exiting" },
    { PROC_UNCOND_IO_EXITING, "unconditional I/O exiting" },
    { PROC_MONITOR_EXITING, "MONITOR exiting" },
    { PROC_SECONDARY_CONTROLS, "activate secondary controls" },
    { 0, NULL },
};
static const struct named_bit proc2_names[] = {
    { PROC2_ENABLE_EPT, "enable EPT" },
    { PROC2_ENABLE_VPID, "enable VPID" },
    { PROC2_UNRESTRICTED_GUEST, "unrestricted guest" },
    { 0, NULL },
};
static const struct named_bit exit_names[] = {
    { EXIT_HOST_ADDR_SPACE_SIZE, "host address-space size" },
    { EXIT_ACK_INTR_ON_EXIT, "acknowledge interrupt on exit" },
    { EXIT_SAVE_IA32_PAT, "save IA32_PAT" },
    { EXIT_LOAD_IA32_PAT, "load IA32_PAT" },
    { EXIT_SAVE_IA32_EFER, "save IA32_EFER" },
    { EXIT_LOAD_IA32_EFER, "load IA32_EFER" },
    { 0, NULL },
};
static const struct named_bit entry_names[] = {
    { ENTRY_LOAD_IA32_PAT, "load IA32_PAT" },
    { ENTRY_LOAD_IA32_EFER, "load IA32_EFER" },
    { 0, NULL },
};

static bool check_ept_vpid(uint64_t cap, struct vmx_controls *c, char *why, size_t why_len)
{
    static const struct { uint64_t bit; const char *name; } need[] = {
        { EPT_CAP_WALK_4, "page-walk length 4 (bit 6)" },
        { EPT_CAP_MEMTYPE_WB, "write-back EPT memory type (bit 14)" },
        { EPT_CAP_INVEPT, "INVEPT (bit 20)" },
        { VPID_CAP_INVVPID, "INVVPID (bit 32)" },
    };
    for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!(cap & need[i].bit)) {
            snprintf(why, why_len, "IA32_VMX_EPT_VPID_CAP lacks %s", need[i].name);
            return false;
        }
    }
    if (!(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
        snprintf(why, why_len, "IA32_VMX_EPT_VPID_CAP lacks single- and all-context INVEPT (bits 25, 26)");
        return false;
    }
    if (!(cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL))) {
        snprintf(why, why_len, "IA32_VMX_EPT_VPID_CAP lacks single- and all-context INVVPID (bits 41, 42)");
        return false;
    }
    c->ept_2m_pages = (cap & EPT_CAP_2M_PAGES) != 0;
    c->invept_single = (cap & EPT_CAP_INVEPT_SINGLE) != 0;
    c->invvpid_single = (cap & VPID_CAP_INVVPID_SINGLE) != 0;
    return true;
}

int vmx_select_controls(const struct vmx_cap_msrs *m, struct vmx_controls *c,
                        char *why, size_t why_len)
{
    uint32_t missing;
    memset(c, 0, sizeof(*c));

    if (VMX_BASIC_MEMTYPE(m->basic) != VMX_MEMTYPE_WB) {
        snprintf(why, why_len, "IA32_VMX_BASIC: VMCS memory type is not write-back");
        return -1;
    }
    if (VMX_BASIC_REGION_SIZE(m->basic) > 4096 || VMX_BASIC_REGION_SIZE(m->basic) == 0) {
        snprintf(why, why_len, "IA32_VMX_BASIC: VMCS region size %u unsupported",
                 VMX_BASIC_REGION_SIZE(m->basic));
        return -1;
    }

    /* The preemption timer ends a slice whatever the guest does with its
     * interrupt flag; it needs its value saved at each exit to count a
     * slice across them (SDM Vol. 3C 25.5.1, 28.3.2). */
    c->pin = vmx_adjust_controls(m->pin, PIN_EXTINT_EXITING | PIN_NMI_EXITING,
                                 PIN_VIRTUAL_NMIS | PIN_PREEMPTION_TIMER, &missing);
    if (missing)
        return report_missing(missing, "IA32_VMX_PINBASED_CTLS", pin_names, why, why_len);
    uint32_t exit_may = (uint32_t)(m->exit >> 32);
    c->preempt_timer = (c->pin & PIN_PREEMPTION_TIMER) && (exit_may & EXIT_SAVE_PREEMPTION_TIMER);
    if (!c->preempt_timer)
        c->pin &= ~PIN_PREEMPTION_TIMER | (uint32_t)m->pin;
    c->preempt_shift = (unsigned)(m->misc & 0x1f);

    /* RDTSC, CR3 accesses, INVLPG and MOV DR run without exits: EPT and TSC
     * offsetting make them safe, and every exit avoided is time saved. */
    c->proc = vmx_adjust_controls(m->proc,
                                  PROC_TSC_OFFSETTING | PROC_HLT_EXITING | PROC_MWAIT_EXITING |
                                  PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING |
                                  PROC_CR8_STORE_EXITING | PROC_UNCOND_IO_EXITING |
                                  PROC_MONITOR_EXITING | PROC_SECONDARY_CONTROLS,
                                  PROC_USE_MSR_BITMAPS, &missing);
    if (missing)
        return report_missing(missing, "IA32_VMX_PROCBASED_CTLS", proc_names, why, why_len);

    c->proc2 = vmx_adjust_controls(m->proc2,
                                   PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST,
                                   PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID | PROC2_WBINVD_EXITING,
                                   &missing);
    if (missing)
        return report_missing(missing, "IA32_VMX_PROCBASED_CTLS2", proc2_names, why, why_len);

    c->exit = vmx_adjust_controls(m->exit,
                                  EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT |
                                  EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
                                  EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
                                  EXIT_SAVE_DEBUG_CONTROLS |
                                  (c->preempt_timer ? EXIT_SAVE_PREEMPTION_TIMER : 0), &missing);
    if (missing)
        return report_missing(missing, "IA32_VMX_EXIT_CTLS", exit_names, why, why_len);

    c->entry = vmx_adjust_controls(m->entry, ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER,
                                   ENTRY_LOAD_DEBUG_CONTROLS, &missing);
    c->entry &= ~ENTRY_IA32E_MODE_GUEST;    /* guests start in 32-bit mode */
    if (missing)
        return report_missing(missing, "IA32_VMX_ENTRY_CTLS", entry_names, why, why_len);

    if (!check_ept_vpid(m->ept_vpid, c, why, why_len))
        return -1;
    return 0;
}
