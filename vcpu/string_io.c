/* SPDX-License-Identifier: BSD-2-Clause */
/* INS/OUTS (with REP) emulation: each element walks the guest's page tables,
 * moves through the port-I/O bus, and updates RSI/RDI/RCX as the CPU would
 * (SDM Vol. 2B INS, OUTS, REP). vCPU's CPU, at I/O exits. Segment limits are
 * not checked: flat and 64-bit guests have none that matter. */
#include "vcpu/pio.h"
#include "vcpu/string_io.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

/* Elements handled per exit; the rest re-executes the instruction, so one
 * long REP cannot hold the CPU for an unbounded time. */
#define STRING_IO_BUDGET 4096
#define RFLAGS_DF (1ull << 10)

struct guest_paging vcpu_paging(struct vcpu *v)
{
    return (struct guest_paging){
        .cr0 = vcpu_get(v, VREG_CR0), .cr3 = vcpu_get(v, VREG_CR3),
        .cr4 = vcpu_get(v, VREG_CR4), .efer = vcpu_get(v, VREG_EFER),
        .maxphyaddr = vmx_host.maxphyaddr,
    };
}

/* Write a register as an instruction with this address size does. */
static uint64_t sized(uint64_t old, uint64_t val, unsigned bits)
{
    if (bits == 64)
        return val;
    if (bits == 32)
        return (uint32_t)val;   /* 32-bit results zero-extend in 64-bit mode */
    return (old & ~0xffffull) | (val & 0xffff);
}

static uint64_t mask(uint64_t val, unsigned bits)
{
    return bits == 64 ? val : val & ((1ull << bits) - 1);
}

enum string_io_result string_io_emulate(struct vcpu *v, const struct string_io *op)
{
    uint64_t *regs = v->regs.gpr;
    unsigned index = op->in ? GPR_RDI : GPR_RSI;
    uint64_t count = op->rep ? mask(regs[GPR_RCX], op->addr_bits) : 1;
    int64_t step = (vcpu_get(v, VREG_RFLAGS) & RFLAGS_DF) ? -(int64_t)op->size : (int64_t)op->size;
    struct guest_paging paging = vcpu_paging(v);
    unsigned access = (vcpu_cpl(v) == 3 ? WALK_USER : 0) | (op->in ? WALK_WRITE : 0);

    for (unsigned done = 0; count; done++) {
        if (done == STRING_IO_BUDGET)
            return STRING_IO_AGAIN;
        uint64_t linear = op->seg_base + mask(regs[index], op->addr_bits);
        if (op->addr_bits != 64)
            linear = (uint32_t)linear;
        uint32_t val = 0;
        struct walk_fault fault;
        int rc;
        if (op->in) {
            val = vcpu_port_read(v, op->port, op->size);
            rc = guest_linear_write(v->machine->mem, &paging, linear, &val, op->size, access, &fault);
        } else {
            rc = guest_linear_read(v->machine->mem, &paging, linear, &val, op->size, access, &fault);
            if (!rc)
                vcpu_port_write(v, op->port, op->size, val);
        }
        if (rc) {
            if (fault.outside_ram)
                vcpu_end(v, END_ERROR, "string I/O on port 0x%x touches GPA 0x%lx outside guest RAM",
                         op->port, fault.gpa);
            else
                vcpu_inject_page_fault(v, fault.linear, fault.error_code);
            return STRING_IO_FAULTED;
        }
        regs[index] = sized(regs[index], regs[index] + (uint64_t)step, op->addr_bits);
        if (op->rep)
            regs[GPR_RCX] = sized(regs[GPR_RCX], regs[GPR_RCX] - 1, op->addr_bits);
        count--;
        if (v->end != VCPU_RUNNING)
            return STRING_IO_FAULTED;   /* e.g. a debug-exit write ended the VM */
    }
    return STRING_IO_DONE;
}
