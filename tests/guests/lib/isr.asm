; SPDX-License-Identifier: BSD-2-Clause
; isr.asm — 64-bit exception entry stubs (vectors 0-31) and fault_try(), the setjmp-like
; half of the "expect a fault" helper; the C dispatcher in idt.c does the resuming.

bits 64
default rel

extern exception_dispatch
global isr_stub_table, fault_try, fault_end, fault_ctx

section .text

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. Others get a dummy 0 so the
; frame layout (struct trap_frame in fault.h) is the same for every vector.
%macro ISR 1
isr_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
    push 0
%endif
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 32
ISR v
%assign v v + 1
%endrep

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                    ; 15 regs + vector + error + 5-word iret frame: RSP stays 16-aligned
    cld
    call exception_dispatch         ; may rewrite the frame to resume at fault_try's return
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; vector and error code
    iretq

; int fault_try(void): returns 0 now; returns 1 (again) if a fault hits before fault_end().
; Saves what a call must preserve, like setjmp; layout matches struct fault_ctx in fault.h.
fault_try:
    lea rax, [fault_ctx]
    mov [rax + 0], rbx
    mov [rax + 8], rbp
    mov [rax + 16], r12
    mov [rax + 24], r13
    mov [rax + 32], r14
    mov [rax + 40], r15
    lea rcx, [rsp + 8]              ; RSP as it will be after our RET
    mov [rax + 48], rcx
    mov rcx, [rsp]                  ; our return address is the resume point
    mov [rax + 56], rcx
    mov qword [rax + 64], 1         ; armed
    xor eax, eax
    ret

; void fault_end(void): the guarded region finished without a fault.
fault_end:
    mov qword [fault_ctx + 64], 0
    ret

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 32
    dq isr_%+v
%assign v v + 1
%endrep

section .bss
align 16
fault_ctx: resq 9
