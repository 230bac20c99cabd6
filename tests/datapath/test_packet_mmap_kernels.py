"""PACKET_MMAP ring kernels on rings built in memory: layout, cursor, bounds (no root needed)."""
import struct

import numpy as np

from clickpy.packet import A_EXTRA_LENGTH, A_PKTTYPE, A_TSTAMP, A_VLAN, Pool
from clickpy.rings.packet_mmap import (NRING, R_CORRUPT, R_FRAME, R_FRAME_NR, R_FRAME_SIZE,
                                       T_FRAME, T_FRAME_NR, T_FRAME_SIZE, T_PENDING, TX_DATA,
                                       rx_take, tx_put, tx_room)

FS, NF = 512, 4
MAC = 66                      # where the kernel puts the data (TPACKET2_HDRLEN, aligned, + 2)


def rx_ring(frames):
    """frames: per ring frame, (data, wire_len, pkttype, vlan), or None for a kernel-owned one."""
    ring = np.zeros(FS * NF, np.uint8)
    for f, frame in enumerate(frames):
        if frame is None:
            continue
        data, wire, pkttype, vlan = frame
        base = f * FS
        status = 1 | (0x10 if vlan is not None else 0)
        struct.pack_into("<IIIHHIIHH", ring, base, status, wire, len(data), MAC, MAC,
                         7, 500, vlan or 0, 0)
        ring[base + 42] = pkttype
        ring[base + MAC:base + MAC + len(data)] = np.frombuffer(data, np.uint8)
    c = np.zeros(NRING + 4, np.int64)
    c[R_FRAME_SIZE], c[R_FRAME_NR] = FS, NF
    return ring, c


def take_all(ring, c, pool, snaplen=2046):
    out = []
    while True:
        s = rx_take(ring, c, pool.arrays, snaplen)
        if s < 0:
            return out
        out.append(s)


def test_frames_come_out_in_order_with_annotations_and_go_back_to_the_kernel():
    f1, f2, f3 = b"\x01" * 60, b"\x02" * 100, b"\x03" * 64
    ring, c = rx_ring([(f1, 60, 0, None), (f2, 100, 1, 5), (f3, 64, 3, None), None])
    pool = Pool(16)
    got = take_all(ring, c, pool)
    assert [pool.bytes(s) for s in got] == [f1, f2, f3]
    a = pool.anno
    assert a[got[0], A_TSTAMP] == 7 * 10**9 + 500
    assert (a[got[1], A_PKTTYPE], a[got[1], A_VLAN], a[got[2], A_PKTTYPE]) == (1, 5, 3)
    assert [ring[f * FS] for f in range(3)] == [0, 0, 0]      # handed back to the kernel
    assert c[R_FRAME] == 3
    assert rx_take(ring, c, pool.arrays, 2046) == -1          # frame 3 is the kernel's


def test_the_cursor_wraps_around_the_ring():
    ring, c = rx_ring([(b"\x09" * 60, 60, 0, None)] + [None] * (NF - 1))
    c[R_FRAME] = NF - 1
    struct.pack_into("<IIIH", ring, (NF - 1) * FS, 1, 60, 60, MAC)
    pool = Pool(4)
    assert len(take_all(ring, c, pool)) == 2 and c[R_FRAME] == 1


def test_snaplen_cuts_and_records_the_rest_as_extra_length():
    ring, c = rx_ring([(b"\x05" * 200, 1500, 0, None)])
    pool = Pool(4)
    (s,) = take_all(ring, c, pool, snaplen=64)
    assert pool.length[s] == 64 and pool.anno[s, A_EXTRA_LENGTH] == 1500 - 64


def test_corrupt_headers_are_skipped_never_read_past_the_frame():
    ring, c = rx_ring([(b"\x01" * 60, 60, 0, None), (b"\x02" * 60, 60, 0, None)])
    struct.pack_into("<H", ring, 12, FS - 8)             # data "beyond" frame 0
    pool = Pool(4)
    got = take_all(ring, c, pool)
    assert [pool.bytes(s) for s in got] == [b"\x02" * 60] and c[R_CORRUPT] == 1
    ring, c = rx_ring([(b"\x01" * 60, 60, 0, None)])
    struct.pack_into("<I", ring, 8, 10 ** 6)             # snaplen larger than the frame
    assert take_all(ring, c, Pool(4)) == [] and c[R_CORRUPT] == 1
    ring, c = rx_ring([(b"\x01" * 60, 60, 0, None)])
    struct.pack_into("<H", ring, 12, 8)                  # data inside the header
    assert take_all(ring, c, Pool(4)) == [] and c[R_CORRUPT] == 1


def test_an_empty_pool_leaves_the_frame_in_the_ring():
    ring, c = rx_ring([(b"\x01" * 60, 60, 0, None)])
    pool = Pool(1)
    pool.load(b"x" * 10)                                 # the only slot is taken
    assert rx_take(ring, c, pool.arrays, 2046) == -1
    assert ring[0] == 1                                  # still ours, not skipped
    pool2 = Pool(2)
    assert [pool2.bytes(s) for s in take_all(ring, c, pool2)] == [b"\x01" * 60]


def test_tx_ring_fills_frames_until_the_kernel_has_not_sent_them():
    fs, nr = 256, 4
    ring = np.zeros(fs * nr, np.uint8)
    c = np.zeros(NRING, np.int64)
    c[T_FRAME_SIZE], c[T_FRAME_NR] = fs, nr
    pool = Pool(8)
    assert tx_room(ring, c, 100) == 4
    slots = [pool.load(bytes([i]) * (20 + i)) for i in range(5)]
    assert [tx_put(ring, c, pool.arrays, s) for s in slots] == [True] * 4 + [False]
    assert c[T_PENDING] == 4 and tx_room(ring, c, 100) == 0
    assert struct.unpack_from("<II", ring, fs) == (1, 10 + 21)     # SEND_REQUEST, length
    # a virtio_net_hdr saying copy all 21 bytes (hdr_len), no offloads; then the frame
    assert struct.unpack_from("<BBHHHH", ring, fs + TX_DATA) == (0, 0, 21, 0, 0, 0)
    assert bytes(ring[fs + TX_DATA + 10:fs + TX_DATA + 31]) == b"\x01" * 21
    struct.pack_into("<I", ring, 0, 0)                               # the kernel sent frame 0
    assert tx_room(ring, c, 100) == 1 and c[T_FRAME] == 0
    assert tx_put(ring, c, pool.arrays, slots[4])
    big = pool.load(b"z" * (fs - TX_DATA - 9))        # one byte more than a frame holds
    struct.pack_into("<I", ring, fs, 0)
    assert not tx_put(ring, c, pool.arrays, big)
    fits = pool.load(b"z" * (fs - TX_DATA - 10))
    assert tx_put(ring, c, pool.arrays, fits)
    assert struct.unpack_from("<II", ring, fs) == (1, fs - TX_DATA)
    assert struct.unpack_from("<H", ring, fs + TX_DATA + 2) == (fs - TX_DATA - 10,)


def test_tx_room_counts_the_frames_seen_free_once():
    """The free frames found are remembered: want may be less than them, puts use them up,
    and frames the kernel sends later are found after them, in ring order."""
    fs, nr = 256, 4
    ring = np.zeros(fs * nr, np.uint8)
    c = np.zeros(NRING, np.int64)
    c[T_FRAME_SIZE], c[T_FRAME_NR] = fs, nr
    pool = Pool(8)
    assert tx_room(ring, c, 2) == 2 and tx_room(ring, c, 100) == 4
    struct.pack_into("<I", ring, 0, 1)               # a frame seen free is not read again
    assert tx_room(ring, c, 100) == 4
    struct.pack_into("<I", ring, 0, 0)
    assert all(tx_put(ring, c, pool.arrays, pool.load(b"a" * 20)) for _ in range(3))
    assert tx_room(ring, c, 100) == 1 and c[T_FRAME] == 3
    struct.pack_into("<I", ring, 2 * fs, 0)          # the kernel sent frame 2, not 0 and 1
    assert tx_room(ring, c, 100) == 1                # frame 3 only: 0 comes next, still busy
    struct.pack_into("<I", ring, 0, 0)               # now frame 0
    assert tx_room(ring, c, 100) == 2                # frames 3 and 0; 1 is still being sent
    assert tx_put(ring, c, pool.arrays, pool.load(b"b" * 20)) and tx_room(ring, c, 100) == 1
    assert tx_put(ring, c, pool.arrays, pool.load(b"c" * 20)) and tx_room(ring, c, 100) == 0
    assert not tx_put(ring, c, pool.arrays, pool.load(b"d" * 20))   # frame 1: still busy


def test_fromdevice_force_ip_drops_non_ip_and_marks_the_ip_header():
    from clickpy.packet import A_DST_IP, A_NH, HEADROOM
    from clickpy.rings.af_xdp import unused_state
    from elements.devices import fromdevice as fd
    ip = bytes.fromhex("000000000001000000000002" "0800" "45000014000000004011" "0000"
                       "0a000102" "0a000202")
    arp = bytes.fromhex("ffffffffffff000000000002" "0806") + bytes(28)
    ring, _ = rx_ring([(arp, len(arp), 0, None), (ip, len(ip), 0, None)])
    c = np.zeros(fd.NCTL, np.int64)
    c[R_FRAME_SIZE], c[R_FRAME_NR] = FS, NF
    c[fd.SNAPLEN], c[fd.FORCE_IP], c[fd.IFINDEX] = 2046, 1, 3
    pool = Pool(4)
    st = (ring, c) + unused_state()                 # the AF_XDP arrays, unused with AFPACKET
    s = fd.fromdevice_task(pool.arrays, st)
    assert pool.bytes(s) == ip and pool.anno[s, A_NH] == HEADROOM + 14
    assert pool.anno[s, A_DST_IP] == 0x0A000202 and c[fd.NOT_IP] == 1 and c[fd.COUNT] == 2
    assert pool.in_use() == 1                                 # the ARP frame's slot went back
    assert fd.fromdevice_task(pool.arrays, st) == -1


def failing_send(err):
    """C functions standing for send() and __errno_location: every send fails with err.
    Returns (sendto address, errno_location address, fds sent to, what to keep alive)."""
    import ctypes
    sends, value = [], ctypes.c_int(err)
    sendto = ctypes.CFUNCTYPE(ctypes.c_long, *[ctypes.c_int64] * 6)(
        lambda fd, *rest: sends.append(fd) or -1)
    errno_location = ctypes.CFUNCTYPE(ctypes.c_void_p)(lambda: ctypes.addressof(value))
    keep = (sendto, errno_location, value)
    return (ctypes.cast(sendto, ctypes.c_void_p).value,
            ctypes.cast(errno_location, ctypes.c_void_p).value, sends, keep)


def test_a_full_device_queue_keeps_the_frames_pending_for_the_next_kick():
    """send() says ENOBUFS when the device's queue is full: the kernel has put the frame
    back in the ring, so the next round must kick again (and it is not an error).
    The compiled kick calls send() and reads errno at the addresses in the ring's
    control words: here C functions that fail as the kernel would."""
    import errno

    from clickpy.rings.packet_mmap import T_ERRNO_LOCATION, T_FD, T_PENDING, T_SENDTO, TxRing

    for err, pending, failed in ((errno.ENOBUFS, 1, False), (errno.ENETDOWN, 0, True)):
        sendto, errno_location, sends, _keep = failing_send(err)
        ring = TxRing.__new__(TxRing)
        c = np.zeros(NRING, dtype=np.int64)
        c[T_PENDING], c[T_FD], c[T_SENDTO], c[T_ERRNO_LOCATION] = 1, 7, sendto, errno_location
        result = ring.kick(c)
        assert (c[T_PENDING], result is not None, sends) == (pending, failed, [7])
        assert not failed or result.errno == err
        assert ring.kick(c) is None and sends == [7] * (1 + pending)   # kicked again if pending


def test_a_send_that_fails_after_a_round_is_reported_once_by_the_host(caplog):
    """ToDevice sends from compiled code after each round (its host_pending kernel);
    a failure there asks for host_flush, which logs it once and counts it."""
    import errno

    from clickpy.rings import af_xdp, open_rings
    from clickpy.rings.packet_mmap import T_ERRNO_LOCATION, T_FD, T_PENDING, T_SENDTO
    from elements.devices import todevice as td

    sendto, errno_location, sends, _keep = failing_send(errno.ENETDOWN)
    c = np.zeros(td.NCTL, dtype=np.int64)
    c[T_FD], c[T_SENDTO], c[T_ERRNO_LOCATION] = 5, sendto, errno_location
    st = (np.zeros(1, np.uint8), c) + af_xdp.unused_state()
    ring = type("Ring", (), {"kick": lambda self, ctl: None})()
    open_rings.remember(c, ring, lambda r: None)
    values = {"DEVNAME": "veth-test"}
    try:
        with caplog.at_level("WARNING"):
            for _ in range(3):
                c[T_PENDING] = 1                       # a round queued frames
                assert td.todevice_kick(None, st)     # the send failed: the host reports
                td.ToDevice.host_flush(values, st, None)
        assert sends == [5, 5, 5] and c[td.KICK_ERRORS] == 3 and c[td.KICK_ERRNO] == 0
        assert caplog.text.count("send failed") == 1 and "Network is down" in caplog.text
        assert not td.todevice_kick(None, st)        # nothing queued: no send, no report
        assert sends == [5, 5, 5]
    finally:
        open_rings.close(c)
