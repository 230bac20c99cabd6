"""The device elements inside an image: rings shared with the C runtime.

In an image FromDevice/PollDevice and ToDevice cannot open interfaces; they
become VirtioFromDevice and VirtioToDevice, whose state is a ring of frames
that the C runtime (runtime/net.c) fills from, or empties into, a
virtio-net device between two rounds.  The contract is one ring per element:

    ring[0] produced   frames written so far (RX: by C, TX: by the kernel)
    ring[1] consumed   frames taken so far   (RX: by the kernel, TX: by C)
    ring[2] nic        the NIC index (manifest order), read by C
    ring[3] count      frames this element moved (its `count` handler)
    frames  (RING, FRAME) uint8, lengths (RING,) int32

Single-threaded: the runtime calls the compiled round between polls, so no
barriers are needed.  The kernels copy frames between ring and pool, so the
driver never touches the pool's free stack.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.argtypes.devices import DeviceName
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import A_DEV, A_TSTAMP, C_NOW, HEADROOM, SLOT_SIZE, alloc, release

RING = 64                       # frames per ring (a power of two)
FRAME = SLOT_SIZE - HEADROOM    # longest frame a ring entry holds
PRODUCED, CONSUMED, NIC, COUNT = range(4)


def ring_state(nic: int) -> tuple:
    ring = np.zeros(4, dtype=np.int64)
    ring[NIC] = nic
    return (ring, np.zeros((RING, FRAME), dtype=np.uint8), np.zeros(RING, dtype=np.int32))


@njit(cache=True, _nrt=False)
def rx_task(P, st):
    ring, frames, lens = st[0], st[1], st[2]
    k = ring[CONSUMED]
    if k == ring[PRODUCED]:
        return -1
    s = alloc(P)
    if s < 0:           # pool empty: leave the frame in the ring for a later round
        return -1
    e = k % frames.shape[0]
    n = min(lens[e], FRAME)
    data = P[0]
    for i in range(n):
        data[s, HEADROOM + i] = frames[e, i]
    P[2][s] = n
    P[3][s, A_DEV] = ring[NIC]
    P[3][s, A_TSTAMP] = P[5][C_NOW]
    ring[CONSUMED] = k + 1
    ring[COUNT] += 1
    return s


@njit(cache=True, _nrt=False)
def tx_budget(P, st):
    ring = st[0]
    return st[1].shape[0] - (ring[PRODUCED] - ring[CONSUMED])


@njit(cache=True, _nrt=False)
def tx_action(P, s, st):
    ring, frames, lens = st[0], st[1], st[2]
    k = ring[PRODUCED]
    if k - ring[CONSUMED] >= frames.shape[0]:
        return drop(0)
    n = P[2][s]
    if n > FRAME:
        return drop(1)
    e = k % frames.shape[0]
    data, h = P[0], P[1][s]
    for i in range(n):
        frames[e, i] = data[s, h + i]
    lens[e] = n
    ring[PRODUCED] = k + 1
    ring[COUNT] += 1
    release(P, s)
    return STOLEN


class _RingElement(Element, abstract=True):
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="device name"),
        Arg("NIC", Integer(0, 255), default=0, doc="virtio-net device index in the image"),
    )
    handlers = (Handler("count", doc="frames moved so far"),
                Handler("reset_counts", read=False, write=True, doc="reset count"))

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return ring_state(values.get("NIC", 0))

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "count":
            return f"{int(st[0][COUNT])}\n"
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name == "reset_counts":
            st[0][COUNT] = 0
            return
        raise KeyError(name)


# Image-only classes stay out of the element registry (abstract=True): a
# configuration cannot name them, `clickpy elements` does not list them, and
# imagegraph puts them in the graph itself.
class VirtioFromDevice(_RingElement, abstract=True):
    """Receives frames from a virtio-net device inside a unikernel image.

    What FromDevice and PollDevice become in an image: pushes out output 0
    the frames the runtime received on NIC, with the device and timestamp
    annotations set.
    """

    class_name = "VirtioFromDevice"
    port_count = "0/1"
    processing = "h/h"
    new_packets = True
    run_task = rx_task


class VirtioToDevice(_RingElement, abstract=True):
    """Sends frames out a virtio-net device inside a unikernel image.

    What ToDevice becomes in an image: pulls packets while the NIC's transmit
    ring has room, and hands them to the runtime, which sends them.
    """

    class_name = "VirtioToDevice"
    port_count = "1/0"
    processing = "l/h"
    drop_reasons = ("transmit ring full", "frame too long")
    sink = "forwarded"
    simple_action = tx_action
    task_budget = tx_budget
