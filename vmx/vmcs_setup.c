/* SPDX-License-Identifier: BSD-2-Clause */
/* Building a vCPU's VMCS: controls, host state, and the architectural start
 * state of a Multiboot guest (SDM Vol. 3C ch. 25, 27.2-27.3). Root mode. */
#include <stdbool.h>
#include <string.h>
#include "arch/x86/percpu.h"
#include "host/palloc.h"
#include "host/cpu_tables.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_vcpu.h"
#include "arch/x86/x86.h"

#define PAT_POWER_ON_DEFAULT 0x0007040600070406ull   /* SDM Vol. 3A 12.12.4 */
#define DR7_INIT             0x400ull

extern char vmx_exit_stub[];

static void write_controls(struct vmx_vcpu *hw, uint64_t eptp, uint64_t tsc_offset)
{
    const struct vmx_controls *c = &vmx_host.ctl;
    hw->proc_controls = c->proc;
    vmwrite(VMCS_PIN_CONTROLS, c->pin);
    vmwrite(VMCS_PROC_CONTROLS, c->proc);
    vmwrite(VMCS_PROC_CONTROLS2, c->proc2);
    vmwrite(VMCS_EXIT_CONTROLS, c->exit);
    vmwrite(VMCS_ENTRY_CONTROLS, c->entry);
    /* #DB and #AC are intercepted so a guest cannot wedge the CPU in an
     * endless chain of them (CVE-2015-5307, CVE-2015-8104). */
    vmwrite(VMCS_EXCEPTION_BITMAP, (1u << EXC_DB) | (1u << EXC_AC));
    vmwrite(VMCS_PF_ERROR_MASK, 0);
    vmwrite(VMCS_PF_ERROR_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_INTR_INFO, 0);
    vmwrite(VMCS_TSC_OFFSET, tsc_offset);
    vmwrite(VMCS_EPT_POINTER, eptp);
    if (c->proc & PROC_USE_MSR_BITMAPS)
        vmwrite(VMCS_MSR_BITMAP, vmx_host.msr_bitmap);
    vmwrite(VMCS_VPID, hw->vpid);
    vmwrite(VMCS_CR0_MASK, vmx_host.cr0_guest_mask);
    vmwrite(VMCS_CR4_MASK, vmx_host.cr4_guest_mask);
    vmwrite(VMCS_LINK_POINTER, ~0ull);
}

static void write_host_state(void)
{
    struct cpu_tables_info t = cpu_tables();
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SEL, SEL_CODE);
    vmwrite(VMCS_HOST_SS_SEL, SEL_DATA);
    vmwrite(VMCS_HOST_DS_SEL, SEL_DATA);
    vmwrite(VMCS_HOST_ES_SEL, SEL_DATA);
    vmwrite(VMCS_HOST_FS_SEL, 0);
    vmwrite(VMCS_HOST_GS_SEL, 0);
    vmwrite(VMCS_HOST_TR_SEL, SEL_TSS);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_IA32_GS_BASE));     /* this CPU's pcpu area */
    vmwrite(VMCS_HOST_TR_BASE, t.tss_base);
    vmwrite(VMCS_HOST_GDTR_BASE, t.gdt_base);
    vmwrite(VMCS_HOST_IDTR_BASE, t.idt_base);
    vmwrite(VMCS_HOST_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
    vmwrite(VMCS_HOST_RIP, (uintptr_t)vmx_exit_stub);
}

static void write_segment(unsigned sel_field, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    /* Selector, base, limit and AR fields of one register are laid out at
     * fixed distances from the selector's encoding (SDM Vol. 3D B.1.2-B.4.3). */
    unsigned idx = (sel_field - VMCS_GUEST_ES_SEL);
    vmwrite(sel_field, sel);
    vmwrite(VMCS_GUEST_ES_BASE + idx, base);
    vmwrite(VMCS_GUEST_ES_LIMIT + idx, limit);
    vmwrite(VMCS_GUEST_ES_AR + idx, ar);
}

/* After INIT and SIPI (SDM Vol. 3A 9.1.1, Table 9-1): real mode, CS selector
 * vector << 8 with base vector << 12, other segments at 0, 64 KiB limits. */
static void write_guest_real_mode(const struct vcpu_start *st)
{
    const uint32_t data_ar = AR_TYPE_DATA_RW_ACCESSED | AR_S | AR_PRESENT;
    const uint32_t code_ar = AR_TYPE_CODE_RX_ACCESSED | AR_S | AR_PRESENT;
    write_segment(VMCS_GUEST_CS_SEL, st->cs, (uint64_t)st->cs << 4, 0xffff, code_ar);
    write_segment(VMCS_GUEST_SS_SEL, 0, 0, 0xffff, data_ar);
    write_segment(VMCS_GUEST_DS_SEL, 0, 0, 0xffff, data_ar);
    write_segment(VMCS_GUEST_ES_SEL, 0, 0, 0xffff, data_ar);
    write_segment(VMCS_GUEST_FS_SEL, 0, 0, 0xffff, data_ar);
    write_segment(VMCS_GUEST_GS_SEL, 0, 0, 0xffff, data_ar);
    write_segment(VMCS_GUEST_LDTR_SEL, 0, 0, 0xffff, AR_TYPE_LDT | AR_PRESENT);
    write_segment(VMCS_GUEST_TR_SEL, 0, 0, 0xffff, AR_TYPE_TSS32_BUSY | AR_PRESENT);
    vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    vmwrite(VMCS_CR0_READ_SHADOW, CR0_ET);
    vmwrite(VMCS_GUEST_CR0, vmx_guest_cr0(CR0_ET));
    vmwrite(VMCS_CR4_READ_SHADOW, 0);
    vmwrite(VMCS_GUEST_CR4, vmx_guest_cr4(0));
    vmwrite(VMCS_GUEST_CR3, 0);
    vmwrite(VMCS_GUEST_IA32_EFER, 0);
    vmwrite(VMCS_GUEST_RIP, st->rip);
}

/* Multiboot (0.6.96 3.2): flat 4 GiB 32-bit segments, paging off. Linux's
 * 64-bit boot protocol (Documentation/x86/boot.rst): paging with the loader's
 * identity map and GDT, __BOOT_CS 64-bit code, __BOOT_DS data. */
static void write_guest_protected(const struct vcpu_start *st)
{
    bool lm = st->mode == START_LONG_MODE;
    uint16_t cs = lm ? st->cs : 0x08, ds = lm ? st->ds : 0x10;
    const uint32_t data_ar = AR_TYPE_DATA_RW_ACCESSED | AR_S | AR_PRESENT | AR_DB | AR_G;
    const uint32_t code_ar = AR_TYPE_CODE_RX_ACCESSED | AR_S | AR_PRESENT | AR_G |
                             (lm ? AR_L : AR_DB);
    write_segment(VMCS_GUEST_CS_SEL, cs, 0, 0xffffffff, code_ar);
    write_segment(VMCS_GUEST_SS_SEL, ds, 0, 0xffffffff, data_ar);
    write_segment(VMCS_GUEST_DS_SEL, ds, 0, 0xffffffff, data_ar);
    write_segment(VMCS_GUEST_ES_SEL, ds, 0, 0xffffffff, data_ar);
    write_segment(VMCS_GUEST_FS_SEL, ds, 0, 0xffffffff, data_ar);
    write_segment(VMCS_GUEST_GS_SEL, ds, 0, 0xffffffff, data_ar);
    write_segment(VMCS_GUEST_LDTR_SEL, 0, 0, 0, AR_UNUSABLE);
    /* A busy TSS (type 11 is also the 64-bit busy TSS) keeps VM entry's checks happy. */
    write_segment(VMCS_GUEST_TR_SEL, 0, 0, 0x67, AR_TYPE_TSS32_BUSY | AR_PRESENT);
    vmwrite(VMCS_GUEST_GDTR_BASE, lm ? st->gdt_base : 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, lm ? st->gdt_limit : 0);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0);

    uint64_t cr0 = CR0_PE | CR0_ET | (lm ? CR0_PG | CR0_NE : 0);
    uint64_t cr4 = lm ? CR4_PAE : 0;
    vmwrite(VMCS_CR0_READ_SHADOW, cr0);
    vmwrite(VMCS_GUEST_CR0, vmx_guest_cr0(cr0));
    vmwrite(VMCS_CR4_READ_SHADOW, cr4);
    vmwrite(VMCS_GUEST_CR4, vmx_guest_cr4(cr4));
    vmwrite(VMCS_GUEST_CR3, lm ? st->cr3 : 0);
    vmwrite(VMCS_GUEST_IA32_EFER, lm ? EFER_LME | EFER_LMA : 0);
    if (lm)
        vmwrite(VMCS_ENTRY_CONTROLS, vmx_host.ctl.entry | ENTRY_IA32E_MODE_GUEST);
    vmwrite(VMCS_GUEST_RIP, st->rip);
}

static void write_guest_start(const struct vcpu_start *st)
{
    if (st->mode == START_REAL_MODE)
        write_guest_real_mode(st);
    else
        write_guest_protected(st);
    vmwrite(VMCS_GUEST_DR7, DR7_INIT);
    vmwrite(VMCS_GUEST_RSP, 0);
    vmwrite(VMCS_GUEST_RFLAGS, RFLAGS_RESERVED1);
    vmwrite(VMCS_GUEST_PENDING_DBG, 0);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_IA32_PAT, PAT_POWER_ON_DEFAULT);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
}

/* Drop this CPU's translations cached from these EPT tables (SDM Vol. 3C
 * 29.4.3.1): single-context where the CPU offers it. */
static void flush_ept(uint64_t eptp)
{
    if (vmx_host.ctl.invept_single)
        invept(INVEPT_SINGLE_CONTEXT, eptp);
    else
        invept(INVEPT_ALL_CONTEXT, 0);
}

int vmx_vcpu_create(struct vmx_vcpu *hw, const struct guest_mem *mem, uint64_t eptp,
                    uint64_t tsc_offset, const struct vcpu_start *start)
{
    uint64_t vmcs = palloc_page();
    if (!vmcs)
        return -1;
    *(uint32_t *)(uintptr_t)vmcs = vmx_host.vmcs_revision;
    if (vmclear(vmcs) || vmptrld(vmcs)) {
        palloc_free(vmcs, 1);
        return -1;
    }
    hw->vmcs_phys = vmcs;
    hw->launched = false;
    hw->event_queued = false;
    hw->cr8 = 0;
    hw->mem = mem;
    write_controls(hw, eptp, tsc_offset);
    write_host_state();
    write_guest_start(start);
    /* This VPID may have tagged translations of an earlier VM. */
    invvpid(vmx_host.ctl.invvpid_single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT, hw->vpid);
    flush_ept(eptp);
    hw->host_cpu = this_pcpu()->index;
    hw->fresh_on = 1ull << hw->host_cpu;
    return 0;
}

void vmx_vcpu_flush_ept(struct vmx_vcpu *hw)
{
    flush_ept(vmread(VMCS_EPT_POINTER));    /* its VMCS is the current one */
    hw->fresh_on = 1ull << this_pcpu()->index;  /* the other CPUs' caches are stale now */
}

void vmx_slice_start(struct vmx_vcpu *hw, uint64_t ticks)
{
    (void)hw;                   /* its VMCS is the current one */
    if (!vmx_host.ctl.preempt_timer)
        return;
    unsigned shift = vmx_host.ctl.preempt_shift;
    uint64_t count = (ticks >> shift) + 1;      /* rounded up: never before the slice's end */
    vmwrite(VMCS_PREEMPTION_TIMER_VALUE, count > 0xffffffffu ? 0xffffffffu : count);
}

/* VMCLEAR writes the VMCS back to memory and makes it inactive, so any CPU
 * may load it next (SDM Vol. 3C 25.11.3); the next entry is a VMLAUNCH. */
void vmx_vcpu_put(struct vmx_vcpu *hw)
{
    vmclear(hw->vmcs_phys);
    hw->launched = false;
}

int vmx_vcpu_load(struct vmx_vcpu *hw)
{
    if (vmptrld(hw->vmcs_phys))
        return -1;
    unsigned cpu = this_pcpu()->index;
    /* The host state names this CPU's GDT, IDT, TSS and per-CPU area. */
    if (hw->host_cpu != cpu) {
        write_host_state();
        hw->host_cpu = cpu;
    }
    /* Translations this CPU cached for the vCPU's EPT tables or VPID may
     * predate a change of its mappings, or belong to an earlier VM whose
     * tables sat at the same address (SDM Vol. 3C 29.4.1). */
    if (!(hw->fresh_on & (1ull << cpu))) {
        flush_ept(vmread(VMCS_EPT_POINTER));
        invvpid(vmx_host.ctl.invvpid_single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT, hw->vpid);
        hw->fresh_on |= 1ull << cpu;
    }
    return 0;
}

void vmx_vcpu_destroy(struct vmx_vcpu *hw)
{
    if (!hw->vmcs_phys)
        return;
    vmclear(hw->vmcs_phys);
    palloc_free(hw->vmcs_phys, 1);
    hw->vmcs_phys = 0;
}
