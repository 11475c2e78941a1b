/* SPDX-License-Identifier: BSD-2-Clause */
/* MMIO instruction emulation (vCPU's CPU, at EPT-violation exits): fetch the
 * instruction through the guest's page tables, decode it, perform the access
 * on the device the VM's MMIO bus names, write back registers, advance RIP. */
#include "dev/mmio_bus.h"
#include "vcpu/mmio.h"
#include "vcpu/mmio_decode.h"
#include "vcpu/string_io.h"

#define PAGE_SIZE 4096u

/* Up to 15 bytes at CS:RIP; fewer when the rest lies on a page the guest
 * cannot fetch (the decoder asks for more if it needs them). */
static size_t fetch(struct vcpu *v, uint8_t *bytes, struct walk_fault *fault)
{
    struct guest_paging paging = vcpu_paging(v);
    unsigned bits = vcpu_code_bits(v);
    uint64_t linear = vcpu_get(v, VREG_CS_BASE) + vcpu_get(v, VREG_RIP);
    if (bits != 64)
        linear = (uint32_t)linear;
    unsigned access = WALK_FETCH | (vcpu_cpl(v) == 3 ? WALK_USER : 0);
    if (!guest_linear_read(v->machine->mem, &paging, linear, bytes, MMIO_INSN_MAX_LEN, access, fault))
        return MMIO_INSN_MAX_LEN;
    size_t first = PAGE_SIZE - (linear & (PAGE_SIZE - 1));
    if (first >= MMIO_INSN_MAX_LEN ||
        guest_linear_read(v->machine->mem, &paging, linear, bytes, first, access, fault))
        return 0;
    return first;
}

bool mmio_emulate(struct vcpu *v, uint64_t gpa)
{
    if (!mmio_bus_find(v->mmio_bus, v->id, gpa))
        return false;

    uint8_t bytes[MMIO_INSN_MAX_LEN];
    struct walk_fault fault;
    size_t len = fetch(v, bytes, &fault);
    struct mmio_insn insn;
    const char *why = "instruction bytes not readable";
    int rc = len ? mmio_decode(bytes, len, vcpu_code_bits(v), &insn, &why) : MMIO_DECODE_NEED_MORE;
    if (rc == MMIO_DECODE_NEED_MORE && !fault.outside_ram) {
        vcpu_inject_page_fault(v, fault.linear, fault.error_code);
        return true;
    }
    if (rc != MMIO_DECODE_OK) {
        vcpu_end(v, END_ERROR, "MMIO access to GPA 0x%lx by an instruction Keel does not emulate (%s) at rip 0x%lx",
                 gpa, why, vcpu_get(v, VREG_RIP));
        return true;
    }

    uint64_t *gpr = v->regs.gpr;
    gpr[GPR_RSP] = vcpu_get(v, VREG_RSP);
    if (insn.op == MMIO_STORE || insn.op == MMIO_STORE_IMM) {
        uint64_t val = insn.op == MMIO_STORE_IMM ? insn.imm : mmio_store_value(&insn, gpr);
        bool kick = false;
        mmio_bus_write(v->mmio_bus, v->id, gpa, insn.size, val, &kick);
        if (kick)
            vcpu_kick(v);
    } else {
        uint64_t val = 0;
        mmio_bus_read(v->mmio_bus, v->id, gpa, insn.size, &val);
        mmio_load_result(&insn, gpr, val);
        if (insn.reg == GPR_RSP)
            vcpu_set(v, VREG_RSP, gpr[GPR_RSP]);
    }
    vcpu_advance_rip(v, insn.length);
    return true;
}
