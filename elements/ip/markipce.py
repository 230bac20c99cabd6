"""MarkIPCE: sets IP packets' ECN field to Congestion Experienced."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at, update_cksum
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import rd16, wr16

FORCE, DROPS = range(2)  # state words


@njit(cache=True, _nrt=False)
def mark_ip_ce(P, s, st):
    data = P[0]
    c = st[0]
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(1)
    ecn = data[s, ip + 1] & 3
    if ecn == 0 and not c[FORCE]:
        c[DROPS] += 1
        return drop(0)
    if ecn == 3:
        return 0
    old_hw = rd16(data, s, ip)
    data[s, ip + 1] = data[s, ip + 1] | 3
    wr16(data, s, ip + 10, update_cksum(rd16(data, s, ip + 10), old_hw, rd16(data, s, ip)))
    return 0


class MarkIPCE(Element):
    """Sets IP packets' ECN field to Congestion Experienced.

    Sets the ECN field of the IP header the annotation points to, to CE (3),
    updates the IP checksum incrementally and passes the packet on.  Packets
    already marked CE pass unchanged.  Packets whose ECN field is zero (not
    ECN-capable) are dropped and counted in `drops`, unless FORCE is true:
    then they are marked too.  Packets without a whole 20-byte IP header are
    dropped (Click asserts they have one).
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("FORCE", Bool(), positional=True, default=False,
                doc="mark packets that are not ECN-capable instead of dropping them"),)
    handlers = (Handler("drops", doc="packets dropped as not ECN-capable"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("not ECN-capable", NO_IP_HEADER)
    simple_action = mark_ip_ce

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([bool(values.get("FORCE")), 0], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "drops":
            return str(int(st[0][DROPS]))
        raise KeyError(name)
