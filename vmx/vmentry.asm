; SPDX-License-Identifier: BSD-2-Clause
; VM entry and exit: entering a guest looks like a function call that returns
; when the guest exits. Root mode, the vCPU's own physical CPU.
;
;   int vmx_enter(struct guest_regs *regs, int launched)
;     returns 0 after a VM exit (guest registers saved in *regs),
;             1 when VMLAUNCH/VMRESUME itself failed (flags not restored).

%include "asm_offsets.inc"

bits 64
section .text
global vmx_enter
global vmx_exit_stub

vmx_enter:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rdi                    ; the regs pointer, found again at [rsp] on exit
    mov rax, VMCS_HOST_RSP
    vmwrite rax, rsp
    test esi, esi               ; flags survive the moves below
    mov rax, [rdi + GR_RAX]
    mov rcx, [rdi + GR_RCX]
    mov rdx, [rdi + GR_RDX]
    mov rbx, [rdi + GR_RBX]
    mov rbp, [rdi + GR_RBP]
    mov rsi, [rdi + GR_RSI]
    mov r8,  [rdi + GR_R8]
    mov r9,  [rdi + GR_R9]
    mov r10, [rdi + GR_R10]
    mov r11, [rdi + GR_R11]
    mov r12, [rdi + GR_R12]
    mov r13, [rdi + GR_R13]
    mov r14, [rdi + GR_R14]
    mov r15, [rdi + GR_R15]
    mov rdi, [rdi + GR_RDI]
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    pop rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    mov eax, 1
    ret

vmx_exit_stub:                  ; HOST_RIP: RSP is what vmx_enter wrote
    push rdi
    mov rdi, [rsp + 8]
    mov [rdi + GR_RAX], rax
    mov [rdi + GR_RCX], rcx
    mov [rdi + GR_RDX], rdx
    mov [rdi + GR_RBX], rbx
    mov [rdi + GR_RBP], rbp
    mov [rdi + GR_RSI], rsi
    mov [rdi + GR_R8], r8
    mov [rdi + GR_R9], r9
    mov [rdi + GR_R10], r10
    mov [rdi + GR_R11], r11
    mov [rdi + GR_R12], r12
    mov [rdi + GR_R13], r13
    mov [rdi + GR_R14], r14
    mov [rdi + GR_R15], r15
    pop rax
    mov [rdi + GR_RDI], rax
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    xor eax, eax
    ret
