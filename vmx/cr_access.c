/* SPDX-License-Identifier: BSD-2-Clause */
/* Control-register access exits: MOV to CR0/CR4 touching bits Keel owns,
 * MOV to/from CR8, CR3 if the CPU forces those exits, CLTS and LMSW.
 * Checks follow the SDM's MOV CR (Vol. 2B) and 2.5 (Vol. 3A). Root mode. */
#include "ept/guest_mem.h"
#include "vmx/exit.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_insn.h"
#include "arch/x86/x86.h"

#define CR0_RESERVED_HIGH 0xffffffff00000000ull

static void flush_guest_tlb(struct vmx_vcpu *hw)
{
    invvpid(vmx_host.ctl.invvpid_single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT, hw->vpid);
}

/* With PAE paging outside long mode the CPU reads the four PDPTEs on CR
 * writes; when Keel emulates such a write it must load them (SDM 4.4.1). */
static bool load_pdptes(struct vmx_vcpu *hw, uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (efer & EFER_LMA))
        return true;
    uint64_t pdpte[4];
    uint64_t base = vmread(VMCS_GUEST_CR3) & 0xffffffe0ull;
    if (guest_mem_read(hw->mem, base, pdpte, sizeof(pdpte)))
        return false;
    for (unsigned i = 0; i < 4; i++) {
        if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))   /* reserved bits 1-2, 5-8 */
            return false;
        vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    }
    return true;
}

static bool emulate_cr0_write(struct vmx_vcpu *hw, uint64_t val)
{
    uint64_t old = vmx_state_get(hw, VREG_CR0);
    uint64_t cr4 = vmx_state_get(hw, VREG_CR4);
    uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
    if ((val & CR0_RESERVED_HIGH) || ((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD)))
        return false;
    val |= CR0_ET;      /* ET is fixed to 1 on every CPU since the i486 */

    uint32_t entry = (uint32_t)vmread(VMCS_ENTRY_CONTROLS);
    if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
        if (!(cr4 & CR4_PAE))
            return false;
        efer |= EFER_LMA;           /* entering IA-32e mode */
        entry |= ENTRY_IA32E_MODE_GUEST;
    } else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
        if (vmread(VMCS_GUEST_CS_AR) & AR_L)
            return false;           /* cannot leave long mode from 64-bit code */
        efer &= ~EFER_LMA;
        entry &= ~ENTRY_IA32E_MODE_GUEST;
    }
    if (!load_pdptes(hw, val, cr4, efer))
        return false;
    vmwrite(VMCS_GUEST_IA32_EFER, efer);
    vmwrite(VMCS_ENTRY_CONTROLS, entry);
    vmwrite(VMCS_CR0_READ_SHADOW, val);
    vmwrite(VMCS_GUEST_CR0, vmx_guest_cr0(val));
    flush_guest_tlb(hw);
    return true;
}

static bool emulate_cr4_write(struct vmx_vcpu *hw, uint64_t val)
{
    uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
    if (val & ~vmx_host.cr4_guest_allowed)
        return false;
    if ((efer & EFER_LMA) && !(val & CR4_PAE))
        return false;
    if ((val & CR4_PCIDE) && (!(efer & EFER_LMA) || (vmread(VMCS_GUEST_CR3) & 0xfff)))
        return false;
    if (!load_pdptes(hw, vmx_state_get(hw, VREG_CR0), val, efer))
        return false;
    vmwrite(VMCS_CR4_READ_SHADOW, val);
    vmwrite(VMCS_GUEST_CR4, vmx_guest_cr4(val));
    flush_guest_tlb(hw);
    return true;
}

static bool mov_to_cr(struct vmx_vcpu *hw, unsigned cr, uint64_t val)
{
    if (!(vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA))
        val = (uint32_t)val;        /* 32-bit operand outside long mode */
    switch (cr) {
    case 0:
        return emulate_cr0_write(hw, val);
    case 3:
        vmwrite(VMCS_GUEST_CR3, val);
        return true;
    case 4:
        return emulate_cr4_write(hw, val);
    case 8:
        if (val & ~0xfull)
            return false;
        hw->cr8 = val;
        return true;
    }
    return false;
}

void vmx_exit_cr_access(struct vmx_vcpu *hw, struct guest_regs *regs)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned cr = CR_QUAL_NUM(q);
    unsigned gpr = CR_QUAL_GPR(q);
    bool ok = true;

    switch (CR_QUAL_TYPE(q)) {
    case CR_TYPE_MOV_TO:
        ok = mov_to_cr(hw, cr, vmx_gpr_read(regs, gpr));
        break;
    case CR_TYPE_MOV_FROM:
        /* Only CR3 (if forced) and CR8 reads exit; CR0/CR4 reads use the shadows. */
        vmx_gpr_write(regs, gpr, cr == 3 ? vmread(VMCS_GUEST_CR3) : hw->cr8);
        break;
    case CR_TYPE_CLTS:
        ok = emulate_cr0_write(hw, vmx_state_get(hw, VREG_CR0) & ~CR0_TS);
        break;
    case CR_TYPE_LMSW: {
        /* LMSW changes only PE, MP, EM and TS, and cannot clear PE. */
        uint64_t old = vmx_state_get(hw, VREG_CR0);
        uint64_t msw = CR_QUAL_LMSW_DATA(q) & 0xf;
        ok = emulate_cr0_write(hw, (old & ~0xeull) | msw | (old & CR0_PE));
        break;
    }
    }
    if (ok)
        vmx_skip_instruction(hw);
    else
        vmx_inject_exception(hw, EXC_GP, true, 0);
}
