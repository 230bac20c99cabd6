"""FixIPSrc: sets the IP source address on packets that ask for it."""
import numpy as np
from numba import njit

from clickpy.args import Arg, IPAddress
from clickpy.datapath.ipheader import NO_IP_HEADER, in_cksum, ip_header_at, ip_int
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_FIX_IP_SRC, A_NH, wr16, wr32


@njit(cache=True, _nrt=False)
def fix_ip_src(P, s, st):
    data, anno = P[0], P[3]
    if anno[s, A_FIX_IP_SRC] == 0 or anno[s, A_NH] < 0:
        return 0
    ip = ip_header_at(P, s, 16)
    if ip < 0:
        return drop(0)
    hlen = (np.int64(data[s, ip]) & 0xF) << 2
    if ip_header_at(P, s, hlen) < 0:
        return drop(0)
    anno[s, A_FIX_IP_SRC] = 0
    wr32(data, s, ip + 12, st[0][0])
    wr16(data, s, ip + 10, 0)
    wr16(data, s, ip + 10, in_cksum(data, s, ip, hlen))
    return 0


class FixIPSrc(Element):
    """Sets the IP source field to IPADDR when the Fix IP Source annotation asks for it.

    ICMPError marks its packets with the Fix IP Source annotation; FixIPSrc on
    the output path rewrites their source to the outgoing interface's address
    IPADDR, recomputes the checksum and clears the annotation.  Other packets
    pass unchanged.  A marked packet too short for its IP header is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("IPADDR", IPAddress(), required=True, positional=True,
                doc="this interface's IP address"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = fix_ip_src

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([ip_int(values["IPADDR"])], dtype=np.int64),)
