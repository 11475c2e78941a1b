; SPDX-License-Identifier: BSD-2-Clause
; Exception entry stubs: normalise the frame (vector, error code) and call
; exception_handler in C. Root mode, any CPU.

bits 64
section .text
extern exception_handler

%macro STUB 1
exception_stub_%1:
%if %1 != 8 && %1 != 10 && %1 != 11 && %1 != 12 && %1 != 13 && %1 != 14 && %1 != 17 && %1 != 21 && %1 != 29 && %1 != 30
    push 0                      ; CPU pushed no error code
%endif
    push %1
    jmp exception_common
%endmacro

%assign v 0
%rep 32
STUB v
%assign v v+1
%endrep

exception_common:
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
    cld
    mov rdi, rsp
    call exception_handler      ; returns only for NMI
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
    add rsp, 16
    iretq

; Host interrupts (vectors 32-255) arrive only while Keel sleeps in
; host_sleep_until: acknowledge them in C and return.
extern host_interrupt
global host_interrupt_stub
global host_spurious_stub
host_interrupt_stub:
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    cld
    call host_interrupt
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    iretq

host_spurious_stub:             ; a spurious LAPIC interrupt takes no EOI
    iretq

section .rodata
global exception_stubs
exception_stubs:
%assign v 0
%rep 32
    dq exception_stub_%+v
%assign v v+1
%endrep
