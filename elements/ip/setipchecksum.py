"""SetIPChecksum: recomputes the IP header checksum."""
import sys

import numpy as np
from numba import njit

from clickpy.datapath.ipheader import in_cksum
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH, wr16

DROPS, REPORTED = range(2)  # state words


@njit(cache=True, _nrt=False)
def set_ip_checksum(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    ip = anno[s, A_NH]
    if ip < 0:
        ip = head[s]
    plen = head[s] + length[s] - ip
    if plen >= 20:
        hlen = (np.int64(data[s, ip]) & 0xF) << 2
        if hlen >= 20 and hlen <= plen:
            wr16(data, s, ip + 10, 0)
            wr16(data, s, ip + 10, in_cksum(data, s, ip, hlen))
            return 0
    c[DROPS] += 1
    return drop(0)


@njit(cache=True, _nrt=False)
def set_ip_checksum_pending(P, st):
    """The first bad packet is still to be reported."""
    return st[0][DROPS] > 0 and st[0][REPORTED] == 0


class SetIPChecksum(Element):
    """Sets IP packets' header checksums.

    Computes the checksum of the IP header (at the IP header annotation if it
    is set, else at the start of the packet) and stores it.  Packets too short
    for their header, or whose header length is below 20, are dropped, and the
    first is reported on standard error.  Elements that change headers, like
    DecIPTTL, already update checksums incrementally.
    """

    port_count = "1/1"
    processing = "a/a"
    handlers = (Handler("drops", doc="malformed packets dropped"),)
    drop_reasons = ("bad input packet",)
    simple_action = set_ip_checksum
    host_pending = set_ip_checksum_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.zeros(2, dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "drops":
            return str(int(st[0][DROPS]))
        raise KeyError(name)

    @classmethod
    def host_flush(cls, values, st, pool):
        c = st[0]
        if c[DROPS] > 0 and not c[REPORTED]:
            print("SetIPChecksum: bad input packet", file=sys.stderr)
            c[REPORTED] = 1
