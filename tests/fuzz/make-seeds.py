#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Writes the hand-made seed inputs of the fuzz targets into tests/fuzz/corpus/<target>/ (the encodings mirror each target's reader).
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


u8 = lambda v: struct.pack("<B", v & 0xFF)
u16 = lambda v: struct.pack("<H", v & 0xFFFF)
u32 = lambda v: struct.pack("<I", v & 0xFFFFFFFF)
u64 = lambda v: struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)

# ---- fuzz_xenstore (fuzz_xenstore.c: LLVMFuzzerTestOneInput, make_request, make_path) ----

XS_TYPES = ["READ", "WRITE", "WRITE", "WRITE", "MKDIR", "RM", "RM", "DIRECTORY", "GET_PERMS", "SET_PERMS",
            "SET_PERMS", "WATCH", "WATCH", "UNWATCH", "TRANSACTION_START", "TRANSACTION_START",
            "TRANSACTION_END", "TRANSACTION_END", "GET_DOMAIN_PATH", "RESET_WATCHES", "INTRODUCE", "RESTRICT",
            "DIRECTORY_PART", "WATCH_EVENT", "ERROR", "CONTROL"]
WORDS = ["local", "domain", "0", "5", "7", "backend", "vbd", "51712", "device", "state", "ring-ref",
         "event-channel", "data", "a", "b", "t", "x", "cb", "seen", "frontend", "protocol", "control",
         "feature-barrier", "@releaseDomain", "memory", "name", "vif", "error", "A-Za_z09", "last", "secret"]
PREFIXES = {"/": 0, "home": 1, "back": 2}


def xs_path(path, prefix=None):
    """Components from WORDS, relative to home unless prefix is "/", "home" or "back"."""
    comps = [c for c in path.split("/") if c]
    assert len(comps) <= 7, path
    f = len(comps) << 3
    if prefix is not None:
        f |= 1 | PREFIXES[prefix] << 1
    return u8(f) + b"".join(u8(WORDS.index(c)) for c in comps)


def xs_value(v):
    return u8(len(v)) + v if len(v) < 64 else u8(0xC0) + u16(len(v))


def xs_tx(slot):
    return u8(0) if slot is None else u8(0x80 + slot)


def xs_request(kind, path="", prefix=None, tx=None, value=b"", extra=b"", op=0):
    """op 0-2: through the ring; 12: queued without pumping; 6: xenstore_handle_request directly."""
    body = u8(XS_TYPES.index(kind)) + xs_path(path, prefix)
    if kind == "WRITE":
        body += xs_value(value)
    body += extra + u8(0)
    if op == 6:
        return u8(6) + u8(1) + xs_tx(tx) + body
    return u8(op) + xs_tx(tx) + body


def xs_keel_write(path, value, prefix="/"):
    return u8(7) + u8(0) + xs_path(path, prefix) + xs_value(value)


BURST_MODES = {"rewrite": 0, "rewrite-deep": 1, "nodes": 2, "watches": 3}


def xs_burst(count, mode, size_code=0x3F, tx=None):
    """count (1-128) requests; size_code 0-62: values of 16 * code bytes, 63: 1024 bytes."""
    return u8(5) + u8(count - 1) + u8(BURST_MODES[mode] << 6 | size_code) + xs_tx(tx)


def xs_fill_arena(stop, tx=None):
    """Writes and removes "data/b" until the arena's top is `stop` (< 64) bytes from its end."""
    return u8(5) + u8(0xFF) + u8(0x80 | stop) + xs_tx(tx)


def xenstore_seeds():
    t = "fuzz_xenstore"
    write(t, "write-read-directory", xs_request("WRITE", "data/a", value=b"hello") +
          xs_request("READ", "data/a") + xs_request("DIRECTORY", "data") + xs_request("GET_PERMS", "data/a") +
          xs_request("RM", "data"))
    write(t, "watch-and-events", xs_request("WATCH", "device", extra=u8(1)) +
          xs_request("WRITE", "device/vbd/51712/state", value=b"3") +
          xs_keel_write("local/domain/5/device/vbd/51712/state", b"4") +
          xs_request("UNWATCH", "device", extra=u8(1)) + xs_request("WATCH", "@releaseDomain", extra=u8(2)) +
          xs_request("RESET_WATCHES"))
    write(t, "transaction-commit", xs_request("TRANSACTION_START") +
          xs_request("WRITE", "device/vbd/51712/ring-ref", tx=0, value=b"8") +
          xs_request("WRITE", "device/vbd/51712/state", tx=0, value=b"3") +
          xs_request("READ", "device/vbd/51712/ring-ref") +
          xs_request("TRANSACTION_END", tx=0, extra=u8(0)) + xs_request("READ", "device/vbd/51712/ring-ref"))
    write(t, "transaction-conflict", xs_request("TRANSACTION_START") + xs_request("RM", "data", tx=0) +
          xs_request("WRITE", "data/x", value=b"1") + xs_request("TRANSACTION_END", tx=0, extra=u8(0)))
    write(t, "permissions", xs_request("WRITE", "backend/vbd/5/51712/state", prefix="/", value=b"6") +
          xs_request("WRITE", "state", prefix="back", value=b"6") +
          xs_request("SET_PERMS", "data", extra=u8(2) + u8(3 | 1 << 3) + u8(1 | 2 << 3)) +
          xs_request("READ", "local/domain/0/secret", prefix="/") + xs_request("GET_DOMAIN_PATH", extra=u16(7)))
    write(t, "ring-scribble-reset", xs_request("WRITE", "data/a", value=b"x" * 200) + u8(4) + u8(0x80) + u32(5000) +
          u8(8) + xs_request("READ", "data/a"))
    write(t, "raw-frames", u8(3) + u8(99) + u32(7) + u8(0) + u16(3) + u8(0) + b"abc" +
          u8(3) + u8(2) + u32(8) + u8(0) + u16(4200) + u8(0))
    write(t, "direct-requests", xs_request("WRITE", "data/x", value=b"v", op=6) + u8(6) + u8(0) + u8(20) +
          b"\x02\x00\x00\x00" * 5)
    write(t, "keel-and-internal-watch", u8(7) + u8(5) + xs_path("", "/") + u8(1) +
          xs_request("WRITE", "data/t", value=b"1") + u8(7) + u8(1) + xs_path("local/domain/0/cb", "/"))
    # Issue 15: a free slot below "data/a", the arena's top pushed to its end
    # by writes and removals, then transactional copies that compact it.
    seq = xs_request("WRITE", "data/t", value=b"x") + xs_request("WRITE", "data/a", value=b"A")
    seq += xs_keel_write("state", b"1", prefix="back")
    seq += xs_request("RM", "data/t")
    seq += xs_fill_arena(10)
    seq += xs_request("TRANSACTION_START")
    seq += xs_request("WRITE", "data/a", tx=0, value=b"B")
    seq += xs_request("WRITE", "local/domain/0/backend", prefix="/", value=b"X")
    seq += xs_request("TRANSACTION_END", tx=0, extra=u8(0))
    write(t, "issue15-compaction", seq)
    write(t, "compaction-bursts", xs_burst(128, "rewrite") * 2 + xs_request("TRANSACTION_START") +
          xs_burst(20, "rewrite-deep", 40, tx=0) + xs_request("SET_PERMS", "data", tx=0, extra=u8(1) + u8(1 << 3)) +
          xs_request("TRANSACTION_END", tx=0, extra=u8(0)))
    write(t, "many-nodes-in-a-transaction", xs_request("WATCH", "data", extra=u8(0)) + xs_request("TRANSACTION_START") +
          xs_burst(100, "nodes", 2, tx=0) + xs_request("TRANSACTION_END", tx=0, extra=u8(0)) +
          xs_request("DIRECTORY", "data") + xs_burst(128, "nodes", 63) + xs_request("RM", "data"))
    write(t, "watch-quota-and-stalled-guest", xs_burst(70, "watches") + u8(10) + xs_burst(128, "nodes", 0) +
          b"".join(xs_request("READ", "data", op=12) for _ in range(20)) + u8(9) + u8(10) + u8(9))
    raw_empty = u8(15) + u8(99) + u32(1) + u8(0) + u16(0) + u8(0)    # a header-only frame, queued
    write(t, "queued-requests", b"".join(xs_request("READ", "data", op=12) for _ in range(20)) + u8(9) +
          raw_empty * 64 + u8(9) + u8(11) + u16(100) + xs_request("READ", "data"))


# ---- fuzz_blkback (fuzz_blkback.c: setup, connect, op_request) ----

def bb_setup(pages_code=0, ro=False, store_ro=False, discard=True, flush_fails=False, frames2=False,
             sectors=64, fail_at=0, start=0):
    cfg = pages_code | ro << 2 | store_ro << 3 | discard << 4 | flush_fails << 5 | frames2 << 6
    return u8(cfg) + u8(sectors - 16) + u8(fail_at) + (u8(1) + u32(start) if start else u8(0))


def bb_seg(data_page, first, last):
    return u8(data_page) + u8(first | ((last - first) << 3))


def bb_rw(op, nsegs_segs, sector):
    kinds = {"read": 0, "write": 1, "barrier": 4, "flush": 5}
    return u8(0) + u8(kinds[op]) + u8(len(nsegs_segs)) + u8(sector) + b"".join(nsegs_segs)


def bb_kick():
    return u8(5) + u8(0)


def blkback_seeds():
    t = "fuzz_blkback"
    write(t, "read-write", bb_setup() + bb_rw("read", [bb_seg(3, 2, 5)], 10) +
          bb_rw("write", [bb_seg(i, 0, 7) for i in range(11)], 0) + bb_kick())
    write(t, "flush-barrier-discard", bb_setup() + bb_rw("flush", [], 0) + bb_rw("barrier", [bb_seg(1, 0, 7)], 8) +
          u8(0) + u8(6) + u8(0) + u8(4) + u8(8) + bb_kick())
    write(t, "indirect", bb_setup(pages_code=1) + u8(0) + u8(7) + u8(1) + u16(40) + u8(0) + u8(2) +
          b"".join(bb_seg(i, 0, 7) for i in range(8)) + bb_kick())
    write(t, "readonly-vbd", bb_setup(ro=True) + bb_rw("write", [bb_seg(2, 0, 3)], 4) +
          u8(0) + u8(6) + u8(0) + u8(0) + u8(8) + bb_kick())
    write(t, "multipage-ring-many", bb_setup(pages_code=2, start=0xFFFFFFF0) +
          b"".join(bb_rw("read", [bb_seg(i % 40, 0, 7)], i) for i in range(30)) + bb_kick())
    write(t, "hook-changes-grant", bb_setup() + u8(8) + u8(0) + u8(0) + u16(8 + 5) + u32(0) +
          bb_rw("read", [bb_seg(5, 0, 7), bb_seg(6, 0, 7)], 0) + bb_kick())
    write(t, "hook-moves-req-prod", bb_setup() + u8(8) + u8(0) + u8(0x81) + u16(0) + u32(0x1000) +
          bb_rw("write", [bb_seg(1, 0, 7)], 0) + bb_kick() + bb_rw("read", [bb_seg(1, 0, 7)], 0) + bb_kick())
    write(t, "producer-jump", bb_setup() + bb_rw("read", [bb_seg(1, 0, 0)], 0) + u8(5) + u8(0xFF) + u32(0x12345) +
          u8(10) + u8(0) + u8(0) + bb_rw("read", [bb_seg(1, 0, 0)], 0) + bb_kick())
    write(t, "grant-revoked-and-reconnect", bb_setup(frames2=True) + u8(7) + u8(4) + u32(0) +
          bb_rw("read", [bb_seg(4, 0, 7)], 0) + bb_kick() + u8(10) + u8(6) + u8(0) +
          bb_rw("read", [u8(0xC4) + u8(0)], 0) + bb_kick())
    write(t, "device-errors", bb_setup(fail_at=2, flush_fails=True) + bb_rw("write", [bb_seg(1, 0, 7)] * 3, 0) +
          bb_rw("flush", [], 0) + bb_kick())
    # A READ in the same kick fills the page an INDIRECT then reads its segments from (ref 8, a data page):
    # the WRITE carries the segment the INDIRECT's own op_request left in gfn 48 to disk sector 3, the READ
    # brings it into gfn 0. A long run's failure (the model took its segments from the page before the kick),
    # rebuilt to fail without earlier inputs' disk contents and minimized; the input ends inside the INDIRECT,
    # whose missing bytes read as zeros (sector 0, page 0, first gref ref 8, the default segment ref 8 0..7).
    write(t, "read-into-indirect-page", bb_setup() + bb_rw("write", [u8(0xC3) + u8(0)], 3) +
          bb_rw("read", [bb_seg(0, 0, 0)], 3) + u8(0) + u8(0x80) + u8(0) + u8(1))
    # The ring reconnected on a data page (ref 13, gfn 5); the guest writes that page's byte 8, the header's
    # rsp_prod, and kicks with nothing published: the backend has no response to publish, rsp_prod stays the
    # guest's (a long run reached the header through two ring refs naming one frame instead).
    write(t, "ring-on-data-page-header", bb_setup() + u8(10) + u8(1) + u8(0) + u8(5) + u8(0) +
          u8(11) + u8(5) + u16(8) + bb_kick())


# ---- fuzz_mmio_decode: the encodings of tests/unit/test_mmio_decode.c ----

def mmio_seeds():
    t = "fuzz_mmio_decode"
    src = open(os.path.join(ROOT, "tests/unit/test_mmio_decode.c")).read()
    rows = re.findall(r'\{ "([^"]+)", (16|32|64), \{ ([0-9a-fx, ]+) \}', src)
    modes = {"16": 0, "32": 1, "64": 2}
    for i, (text, mode, hexes) in enumerate(rows):
        insn = bytes(int(h, 16) for h in hexes.split(","))
        write(t, "enc-%03d" % i, u8(modes[mode]) + insn + b"\x90\x90")


# ---- fuzz_config: every config in the tree, and disk specs ----

def config_seeds():
    t = "fuzz_config"
    n = 0
    for d, _, files in sorted(os.walk(ROOT)):
        if "/build" in d or "/.git" in d or "/corpus" in d:
            continue
        for name in sorted(files):
            if name.endswith(".cfg"):
                data = open(os.path.join(d, name), "rb").read()
                write(t, "cfg-%02d-%s" % (n, name), data)
                n += 1
    for i, spec in enumerate([b"/boot/disk.img,raw,xvda,rw", b"format=raw, vdev=xvdb, access=ro, target=/dev/hda1",
                              b"phy:/dev/hdb,xvdc,r", b"vdev=xvdp, target=/a,b,c"]):
        write(t, "diskspec-%d" % i, spec)


# ---- fuzz_linux_loader: minimal bzImages (the header test_linux_loader.c builds) ----

def bzimage(version=0x020F, relocatable=1, pref=0x100000, align=0x1000, init_size=0x100000, payload=0x1000,
            sects=4, cmdline_size=0x7FF, hdr_len=0x6A):
    img = bytearray((sects + 1) * 512 + payload)
    struct.pack_into("<B", img, 0x1F1, sects)
    struct.pack_into("<I", img, 0x1F4, payload // 16)
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200] = 0xEB
    img[0x201] = hdr_len
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 1                                  # LOADED_HIGH
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)  # initrd_addr_max
    struct.pack_into("<I", img, 0x230, align)
    img[0x234] = relocatable
    struct.pack_into("<H", img, 0x236, 1)           # XLF_KERNEL_64
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<Q", img, 0x258, pref)
    struct.pack_into("<I", img, 0x260, init_size)
    for i in range((sects + 1) * 512, len(img)):
        img[i] = (i * 7) & 0xFF
    return bytes(img)


def linux_request(ram_code=3, e820=1, initrd=0, cmdline=12, rsdp=1, raw=b""):
    return u8(ram_code) + u8(e820) + raw + u16(initrd) + u16(cmdline) + u8(rsdp)


def linux_seeds():
    t = "fuzz_linux_loader"
    write(t, "relocatable-pc", linux_request() + bzimage())
    write(t, "relocatable-initrd", linux_request(ram_code=7, e820=2, initrd=0x8000 | 0x40) + bzimage(pref=0x200000))
    write(t, "fixed-one-range", linux_request(ram_code=1 | 8, e820=0, cmdline=0) + bzimage(relocatable=0))
    write(t, "protocol-2-12", linux_request(ram_code=4) + bzimage(version=0x020C, hdr_len=0x66))
    write(t, "raw-e820", linux_request(ram_code=5, e820=3, initrd=100, raw=u8(1) + u16(0) + u16(0x9F) + u8(0) +
                                       u16(0x100) + u16(0x500) + u8(0)) + bzimage())


# ---- fuzz_multiboot: minimal ELF32, ELF64 and a.out-kludge kernels ----

MB_MAGIC = 0x1BADB002


def mb_header(flags, aout=None):
    h = u32(MB_MAGIC) + u32(flags) + u32(-(MB_MAGIC + flags))
    if aout:
        h += b"".join(u32(v) for v in aout)
    return h


def elf32(paddr=0x100000, text=0x200, bss=0x100):
    ehdr = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9) + u16(2) + u16(3) + u32(1) + u32(paddr + 0x80) + u32(52) + \
        u32(0) + u32(0) + u16(52) + u16(32) + u16(1) + u16(40) + u16(0) + u16(0)
    phdr = u32(1) + u32(0) + u32(paddr) + u32(paddr) + u32(text) + u32(text + bss) + u32(7) + u32(0x1000)
    img = bytearray(ehdr + phdr + mb_header(3))
    img += bytes((i * 5) & 0xFF for i in range(text - len(img)))
    return bytes(img)


def elf64(paddr=0x200000, text=0x300):
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + u16(2) + u16(62) + u32(1) + u64(paddr + 0x100) + u64(64) + \
        u64(0) + u32(0) + u16(64) + u16(56) + u16(1) + u16(64) + u16(0) + u16(0)
    phdr = u32(1) + u32(7) + u64(0) + u64(0xFFFFFFFF80000000 + paddr) + u64(paddr) + u64(text) + u64(text + 0x80) + \
        u64(0x1000)
    img = bytearray(ehdr + phdr + mb_header(2))
    img += bytes((i * 3) & 0xFF for i in range(text - len(img)))
    return bytes(img)


def aout(load=0x100000, size=0x400):
    hdr_at = 0x40
    head = mb_header(0x10003, [load + hdr_at, load, load + size, load + size + 0x200, load + hdr_at + 0x20])
    img = bytearray(size)
    img[hdr_at:hdr_at + len(head)] = head
    return bytes(img)


def multiboot_request(ram_code=1, modules=(), cmdline=20):
    return u8(ram_code) + u8(len(modules)) + b"".join(u16(m) for m in modules) + u16(cmdline)


def multiboot_seeds():
    t = "fuzz_multiboot"
    write(t, "elf32", multiboot_request(modules=(100, 0x1000)) + elf32())
    write(t, "elf64-higher-half", multiboot_request(ram_code=2 | 4, modules=(0x2FFF,)) + elf64())
    write(t, "aout-kludge", multiboot_request(ram_code=3, cmdline=150) + aout())
    write(t, "elf32-low", multiboot_request(ram_code=1, modules=(1, 2, 3)) + elf32(paddr=0x1000, text=0x400))


def main():
    if len(sys.argv) > 1:
        global OUT
        OUT = sys.argv[1]
    xenstore_seeds()
    blkback_seeds()
    mmio_seeds()
    config_seeds()
    linux_seeds()
    multiboot_seeds()


main()
