; SPDX-License-Identifier: BSD-2-Clause
; xen_hostile_disk.asm — the RAM disk behind xen_hostile_blk's PV disk (xvda): 512
; sectors of 512 bytes; byte o of sector s is
;   (s*13 + (s>>8)*101 + o*7 + (o>>8)*3 + 1) & 0xff
; so every sector differs from every other and a misplaced sector or byte shows.
; The guest computes the same formula (disk_byte in xen_hostile_blk.c).
%define B(s, o) ((s) * 13 + ((s) >> 8) * 101 + (o) * 7 + ((o) >> 8) * 3 + 1) & 0xFF
%assign s 0
%rep 512
%assign o 0
%rep 64
    db B(s, o), B(s, o + 1), B(s, o + 2), B(s, o + 3), B(s, o + 4), B(s, o + 5), B(s, o + 6), B(s, o + 7)
%assign o o + 8
%endrep
%assign s s + 1
%endrep
