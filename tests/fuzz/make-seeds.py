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
    write(t, "page-edges", nb_setup() + nb_packet(first=nb_geom_edge(100, 1), frags=[nb_geom_edge(1000, 1)]) +
          nb_packet(first=nb_geom_edge(100, 0), x=0x40, first_size=100) + nb_publish_kick() +
          nb_packet(first=nb_geom_edge(100, 2), x=0x40, first_size=100) + nb_publish_kick())
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


# ---- fuzz_netback (fuzz_netback.c: setup, connect, op_tx_packet, op_rx_post, op_push, run_hook) ----

def nb_setup(two_frames=False, no_sg=False, no_gso4=False, no_gso6=False):
    return u8(two_frames | no_sg << 3 | no_gso4 << 4 | no_gso6 << 5)


def nb_geom(offset64, size):
    """A slot at offset 64 * offset64 of size bytes (< 512)."""
    assert size < 512 and offset64 < 64
    return u16(size << 6 | offset64)


def nb_geom_page(offset8, size):
    """A slot at offset 8 * offset8 (< 16) of 2048..4094 bytes (even)."""
    return u16(0x8000 | (size - 2048) // 2 << 4 | offset8)


def nb_geom_edge(size, end):
    """A slot of size bytes (< 4096) ending at byte 4095 + end (0..3) of its page."""
    return u16(0xC000 | size << 2 | end)


def nb_packet(first=(0, 100), frags=(), csum=0, x=0, gso=None, other=None, first_size=None, nfrags_extra=None):
    """csum: NETTXF bits 0-1; x: bit 7 allows a runt first slot, 6 first_size, 5 GSO extra chains on,
    4 the last frag claims more; x's low bits pick the data pages. gso: (t, mss); other: (t, u16, u8)."""
    n = len(frags) if nfrags_extra is None else 15
    b = csum | (4 if gso else 0) | (8 if other else 0) | n << 4
    out = u8(0) + u8(b) + u8(x | (0x40 if first_size is not None else 0))
    if nfrags_extra is not None:
        out += u8(nfrags_extra)
    geom = lambda g: g if isinstance(g, bytes) else nb_geom(*g)
    out += u8(0) + geom(first)
    for fr in (frags if nfrags_extra is None else [(0, 10)] * (15 + nfrags_extra % 9)):
        out += u8(0) + geom(fr)
    if first_size is not None:
        out += u16(first_size)
    if other:
        out += u8(other[0]) + u16(other[1]) + u8(other[2])
    if gso:
        out += u8(gso[0]) + (u16(gso[1]) if gso[0] & 0x80 else b"")
    return out


def nb_publish_kick(how=0):
    return u8(8) + u8(how)


def nb_rx_post(n, refs=b""):
    """n % 40 requests (256 for n >= 0xF0); the first 8 (all 256) take a ref byte each, 0 for the good one."""
    reads = 256 if n >= 0xF0 else min(n % 40, 8)
    return u8(5) + u8(n) + refs + bytes(reads - len(refs)) + u8(0)


def nb_push(length_code, offload=0, seed=1, mss=None):
    return u8(6) + u16(length_code) + u8(offload) + (u16(mss) if mss is not None else b"") + u8(seed)


def nb_hook(at, what, where, value):
    return u8(11) + u8(at - 1) + u8(what) + u16(where) + u32(value)


def netback_seeds():
    t = "fuzz_netback"
    write(t, "tx-single-multi", nb_setup() + nb_packet() +
          nb_packet(csum=3, frags=[(1, 500), nb_geom_page(3, 3000), (8, 300)]) + nb_publish_kick())
    write(t, "tx-gso-rx-gso", nb_setup() +
          nb_packet(csum=3, first=(0, 200), frags=[nb_geom_page(0, 4000)] * 4, gso=(0, 0)) +
          nb_rx_post(30) + nb_push(1513, 3, 7) + nb_push(0x8000 | 2250, 1 << 3 | 4 | 3, 8) + nb_publish_kick())
    write(t, "tx-fatal-extra-type", nb_setup() + nb_packet() + nb_packet(other=(0xC0, 0, 0)) + nb_publish_kick() +
          nb_packet() + nb_publish_kick())
    write(t, "tx-drops", nb_setup(two_frames=True) + nb_packet(nfrags_extra=4) +
          nb_packet(first_size=50, frags=[(0, 100)]) +
          nb_packet(first=(0, 5), x=0x80) + u8(9) + u8(0xD4) + u32(0) + nb_packet() + nb_publish_kick())
    write(t, "rx-waits", nb_setup() + nb_push(0x8000 | 2250, 1, 3) + nb_push(100, 2, 4) + nb_rx_post(2) + u8(7) +
          nb_rx_post(2) + u8(7) + nb_rx_post(1) + u8(7))
    write(t, "budget", nb_setup() + u8(15) + u8(199) + u8(5) + u8(15) + u8(198) + nb_rx_post(0xF0) +
          nb_publish_kick())
    write(t, "hooks-mid-kick", nb_setup() + nb_hook(1, 0, 64 + 12, 0x12345678) + nb_hook(2, 3, 9, 0x05DC0003) +
          nb_hook(1, 5, 0, 3) + nb_packet() + nb_packet() + nb_packet() + nb_rx_post(10) + nb_publish_kick())
    write(t, "reconnect-wrap", nb_setup() + nb_packet() + nb_publish_kick() + u8(12) + u8(2 | 4) + u32(0xFFFFFFF0) +
          u16(3) + nb_packet() + nb_packet() + nb_packet() + nb_publish_kick() +
          u8(12) + u8(1) + u8(0xD2) + u8(0xD3) + nb_publish_kick())
    write(t, "rsp-event-far", nb_setup(no_gso4=True, no_sg=True) + u8(10) + u8(0x80) + u32(1000) + u8(10) + u8(0x81) +
          u32(1000) + nb_packet() + nb_rx_post(4) + nb_push(0x8000 | 1200, 4, 9) + nb_push(60) + nb_publish_kick())
    write(t, "page-edges", nb_setup() + nb_packet(first=nb_geom_edge(100, 1), frags=[nb_geom_edge(1000, 1)]) +
          nb_packet(first=nb_geom_edge(100, 0), x=0x40, first_size=100) + nb_publish_kick() +
          nb_packet(first=nb_geom_edge(100, 2), x=0x40, first_size=100) + nb_publish_kick())
    write(t, "producer-jump", nb_setup() + nb_packet() + nb_publish_kick() + nb_packet() + nb_publish_kick(0xFF) +
          u32(0x1000) + u8(13))


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


# ---- fuzz_net_offload (fuzz_net_offload.c: LLVMFuzzerTestOneInput's records) ----

def inet_sum(b):
    """RFC 1071 one's-complement sum, folded, not complemented."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def net_frame(ipv=4, proto=6, payload=b"", dst=b"\x02\0\0\0\0\x03", src=b"\x02\0\0\0\0\x01", ip_opts=b"",
              tcp_opts=b"", flags=0x18, partial=True, frag=0x4000):
    """Ethernet + IPv4/IPv6 + TCP/UDP; the L4 checksum holds the pseudo-header sum (partial) or the full one."""
    l4h = 20 + len(tcp_opts) if proto == 6 else 8
    l4len = l4h + len(payload)
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 0xC001, 80, 0x01020304, 0xA0B0C0D0, (l4h // 4) << 4, flags, 0xFAF0, 0, 0)
        l4 += tcp_opts
        csum_at = 16
    else:
        l4 = struct.pack("!HHHH", 0x1234, 53, l4len, 0)
        csum_at = 6
    l4 += payload
    if ipv == 4:
        saddr, daddr = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
        ihl = 5 + len(ip_opts) // 4
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + l4len, 0x1C46, frag, 64, proto, 0,
                                   saddr, daddr) + ip_opts)
        ip[10:12] = struct.pack("!H", ~inet_sum(bytes(ip)) & 0xFFFF)
        pseudo = saddr + daddr + struct.pack("!BBH", 0, proto, l4len)
        etype = 0x0800
    else:
        saddr = bytes.fromhex("20010db8000000000000000000000001")
        daddr = bytes.fromhex("20010db8000000000000000000000002")
        ip = bytearray(struct.pack("!IHBB", 0x60000000, l4len, proto, 64) + saddr + daddr)
        pseudo = saddr + daddr + struct.pack("!IxxxB", l4len, proto)
        etype = 0x86DD
    l4 = bytearray(l4)
    c = inet_sum(pseudo) if partial else (~inet_sum(pseudo + bytes(l4)) & 0xFFFF)
    l4[csum_at:csum_at + 2] = struct.pack("!H", c)
    return dst + src + struct.pack("!H", etype) + bytes(ip) + bytes(l4)


def net_record(frame, port=0, partial=True, validated=False, queue_full=False, scratch=6, gso=0, gso_type=0):
    ctl = port | partial << 2 | validated << 3 | queue_full << 4 | scratch << 5
    return u8(ctl) + u16(gso) + u8(gso_type) + u16(len(frame)) + frame


def net_offload_seeds():
    t = "fuzz_net_offload"
    data = bytes((i * 7 + 3) & 0xFF for i in range(4000))
    write(t, "tcpv4-gso", net_record(net_frame(payload=data[:3000]), gso=1000, gso_type=1))
    write(t, "tcpv6-gso-options", net_record(net_frame(ipv=6, payload=data[:2500], tcp_opts=b"\x01" * 12,
                                                       flags=0x99), gso=536, gso_type=2, validated=True))
    write(t, "tcpv4-options-mss8", net_record(net_frame(payload=data[:200], ip_opts=b"\x01" * 8), gso=8,
                                              gso_type=1, scratch=3))
    write(t, "gso-fits-one", net_record(net_frame(payload=data[:100]), gso=1448, gso_type=1, scratch=4))
    write(t, "udpv4-partial", net_record(net_frame(proto=17, payload=data[:333], dst=b"\xff" * 6)))
    write(t, "udpv6-partial-port1", net_record(net_frame(ipv=6, proto=17, payload=data[:64],
                                                         src=b"\x02\0\0\0\0\x02"), port=1))
    write(t, "complete-frames", net_record(net_frame(payload=data[:40], partial=False), partial=False) +
          net_record(net_frame(ipv=6, proto=17, payload=data[:41], partial=False), partial=False))
    arp = b"\xff" * 6 + b"\x02\0\0\0\0\x77" + b"\x08\x06" + bytes(28)
    reply = b"\x02\0\0\0\0\x77" + b"\x02\0\0\0\0\x01" + b"\x08\x06" + bytes(28)
    write(t, "learn-then-unicast", net_record(arp, port=2, partial=False) + net_record(reply, partial=False) +
          net_record(net_frame(payload=data[:2000], dst=b"\x02\0\0\0\0\x77"), gso=700, gso_type=1))
    write(t, "queue-full", net_record(net_frame(payload=data[:1500]), gso=500, gso_type=1, queue_full=True))
    write(t, "fragment-partial", net_record(net_frame(payload=data[:64], frag=0x2000)))
    write(t, "link-local", net_record(b"\x01\x80\xc2\0\0\0" + b"\x02\0\0\0\0\x01" + b"\x88\xcc" + bytes(46),
                                      partial=False))


def main():
    if len(sys.argv) > 1:
        global OUT
        OUT = sys.argv[1]
    xenstore_seeds()
    blkback_seeds()
    netback_seeds()
    mmio_seeds()
    config_seeds()
    linux_seeds()
    multiboot_seeds()
    net_offload_seeds()


main()
