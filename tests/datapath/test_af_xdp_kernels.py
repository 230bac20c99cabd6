"""AF_XDP ring kernels on rings built in memory: descriptors, cursors, bounds (no root needed).

The layout mirrors what XskPort maps: per ring kind one uint32 array holding
every queue's producer, consumer, flags and descriptors; the control words
say where each is.  Here the kernel's side (producing rx and completion
entries, consuming fill and tx entries) is played by the test.
"""
import numpy as np

from clickpy.packet import A_EXTRA_LENGTH, A_PKTTYPE, A_TSTAMP, C_NOW, Pool, release
from clickpy.rings import af_xdp as x

PROD, CONS, FLAGS, DESC = 0, 16, 32, 64          # uint32 indices within one queue's ring
MAC = 0x02000000AA01


def fake_port(nq=1):
    """Rings and control words as XskPort builds them, for nq queues, all frames filled."""
    stride = DESC + x.RX_RING * 4
    rx = np.zeros(nq * stride, np.uint32)
    fill = np.zeros(nq * stride, np.uint32)
    tx = np.zeros(DESC + x.TX_RING * 4, np.uint32)
    completion = np.zeros(DESC + x.TX_RING * 4, np.uint32)
    umem = np.zeros(nq * x.QUEUE_UMEM, np.uint8)
    c = np.zeros(x.NWORDS, np.int64)
    c[x.NQ], c[x.MAC] = nq, MAC
    c[x.TX_PROD], c[x.TX_CONS], c[x.TX_FLAGS], c[x.TX_DESC] = PROD, CONS, FLAGS, DESC
    c[x.CR_PROD], c[x.CR_CONS], c[x.CR_DESC] = PROD, CONS, DESC
    for q in range(nq):
        w = x.queue_words(q)
        c[w + x.RX_PROD], c[w + x.RX_CONS], c[w + x.RX_DESC] = (q * stride + o
                                                                for o in (PROD, CONS, DESC))
        c[w + x.FR_PROD], c[w + x.FR_CONS], c[w + x.FR_FLAGS], c[w + x.FR_DESC] = (
            q * stride + o for o in (PROD, CONS, FLAGS, DESC))
        c[w + x.UMEM_BASE] = q * x.QUEUE_UMEM
        x.fill_all(fill, c, q)
    c[x.TX_BASE] = x.RX_RING * x.CHUNK
    c[x.TX_FREE:x.TX_FREE + x.TX_RING] = np.arange(x.RX_RING, x.RX_RING + x.TX_RING) * x.CHUNK
    c[x.TX_NFREE] = x.TX_RING
    return rx, fill, tx, completion, umem, c


def kernel_receives(rx, fill, umem, c, q, frame, chunk=None, offset=256, length=None):
    """Play the kernel: put `frame` in a receive chunk of queue q and publish it on rx."""
    w = x.queue_words(q)
    k = int(rx[c[w + x.RX_PROD]])
    if chunk is None:
        chunk = k % x.RX_RING
    addr = chunk * x.CHUNK + offset
    at = c[w + x.UMEM_BASE] + addr
    if 0 <= at and at + len(frame) <= umem.size:
        umem[at:at + len(frame)] = np.frombuffer(frame, np.uint8)
    d = c[w + x.RX_DESC] + 4 * (k % x.RX_RING)
    rx[d], rx[d + 1], rx[d + 2] = addr & 0xFFFFFFFF, addr >> 32, len(frame) if length is None \
        else length
    rx[c[w + x.RX_PROD]] = k + 1


def take_all(rx, fill, umem, c, pool, snaplen=2046):
    out = []
    while True:
        s = x.rx_take(rx, fill, umem, c, pool.arrays, snaplen)
        if s < 0:
            return out
        out.append(s)


def test_received_frames_come_out_in_order_annotated_and_their_chunks_go_back():
    rx, fill, tx, completion, umem, c = fake_port()
    frames = [bytes.fromhex("02000000aa01") + b"\x11" * 54,      # ours
              b"\xff" * 6 + b"\x22" * 58,                          # broadcast
              bytes.fromhex("01005e000001") + b"\x33" * 58,        # multicast
              bytes.fromhex("02000000bb02") + b"\x44" * 90]        # another host's
    for f in frames:
        kernel_receives(rx, fill, umem, c, 0, f)
    pool = Pool(16)
    pool.ctl[C_NOW] = 12345
    got = take_all(rx, fill, umem, c, pool)
    assert [pool.bytes(s) for s in got] == frames
    assert [pool.anno[s, A_PKTTYPE] for s in got] == [0, 1, 2, 3]
    assert all(pool.anno[s, A_TSTAMP] == 12345 for s in got)
    w = x.queue_words(0)
    assert rx[c[w + x.RX_CONS]] == 4                               # consumed
    assert fill[c[w + x.FR_PROD]] == x.RX_RING + 4                   # chunks handed back
    assert [int(fill[c[w + x.FR_DESC] + 2 * k]) for k in range(4)] == [0, 2048, 4096, 6144]


def test_snaplen_cuts_and_counts_the_rest():
    rx, fill, tx, completion, umem, c = fake_port()
    kernel_receives(rx, fill, umem, c, 0, bytes(range(200)))
    pool = Pool(4)
    (s,) = take_all(rx, fill, umem, c, pool, snaplen=64)
    assert pool.bytes(s) == bytes(range(64)) and pool.anno[s, A_EXTRA_LENGTH] == 136


def test_descriptors_outside_the_receive_frames_are_counted_and_skipped():
    rx, fill, tx, completion, umem, c = fake_port()
    kernel_receives(rx, fill, umem, c, 0, b"\x01" * 60, chunk=x.RX_RING + 3)     # a tx frame
    kernel_receives(rx, fill, umem, c, 0, b"\x02" * 60, offset=2000)         # past its chunk
    kernel_receives(rx, fill, umem, c, 0, b"\x03" * 60, length=0)
    kernel_receives(rx, fill, umem, c, 0, b"\x04" * 60)
    pool = Pool(4)
    got = take_all(rx, fill, umem, c, pool)
    assert [pool.bytes(s) for s in got] == [b"\x04" * 60]
    assert c[x.CORRUPT] == 3
    assert pool.in_use() == 1


def test_queues_are_read_in_turn():
    rx, fill, tx, completion, umem, c = fake_port(nq=2)
    for i in range(3):
        kernel_receives(rx, fill, umem, c, 0, bytes([0xA0 + i]) * 60)
        kernel_receives(rx, fill, umem, c, 1, bytes([0xB0 + i]) * 60)
    pool = Pool(8)
    got = [pool.bytes(s)[0] for s in take_all(rx, fill, umem, c, pool)]
    assert got == [0xA0, 0xB0, 0xA1, 0xB1, 0xA2, 0xB2]


def test_a_frame_stays_in_the_ring_while_the_pool_is_empty():
    rx, fill, tx, completion, umem, c = fake_port()
    kernel_receives(rx, fill, umem, c, 0, b"\x05" * 60)
    pool = Pool(1)
    held = pool.load(b"x" * 60)
    assert x.rx_take(rx, fill, umem, c, pool.arrays, 2046) == -1
    release(pool.arrays, held)
    (s,) = take_all(rx, fill, umem, c, pool)
    assert pool.bytes(s) == b"\x05" * 60


def test_transmit_uses_free_frames_and_gets_them_back_from_completions():
    rx, fill, tx, completion, umem, c = fake_port()
    pool = Pool(4)
    frame = bytes(range(100))
    s = pool.load(frame)
    assert x.tx_room(tx, completion, c, 10**6) == x.TX_RING
    assert x.tx_put(tx, completion, umem, c, pool.arrays, s)
    d = DESC
    addr, length = int(tx[d]) | int(tx[d + 1]) << 32, int(tx[d + 2])
    assert tx[PROD] == 1 and length == 100 and addr >= x.RX_RING * x.CHUNK
    assert bytes(umem[addr:addr + 100]) == frame
    assert c[x.TX_PENDING] == 1 and c[x.TX_NFREE] == x.TX_RING - 1
    # the kernel sends it (consumes tx) and completes it, plus one bogus address
    tx[CONS] = 1
    completion[DESC], completion[DESC + 2] = addr, 12345
    completion[PROD] = 2
    assert x.tx_room(tx, completion, c, 10**6) == x.TX_RING
    assert c[x.CORRUPT] == 1 and completion[CONS] == 2


def test_transmit_refuses_what_does_not_fit_and_a_full_ring():
    rx, fill, tx, completion, umem, c = fake_port()
    pool = Pool(4)
    big = pool.load(b"\x00" * 1900)
    pool.length[big] = x.CHUNK + 1
    assert not x.tx_put(tx, completion, umem, c, pool.arrays, big)
    s = pool.load(b"\x01" * 60)
    c[x.TX_NFREE] = 0                                  # every frame in flight
    assert x.tx_room(tx, completion, c, 8) == 0
    assert not x.tx_put(tx, completion, umem, c, pool.arrays, s)
    assert c[x.TX_PENDING] == 0
