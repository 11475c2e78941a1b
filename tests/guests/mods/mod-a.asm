; SPDX-License-Identifier: BSD-2-Clause
; mod-a.asm — Multiboot module for the cmdline test: 5000 bytes, byte i = (i*7+3) & 0xff
; (not a multiple of 4 KiB, so a loader that rounds mod_end up is caught).
%assign i 0
%rep 5000
    db (i * 7 + 3) & 0xFF
%assign i i + 1
%endrep
