"""IPInputCombo: Paint, Strip(14), CheckIPHeader and GetIPAddress(16) in one element."""
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, Integer, IPAddress, IPPrefix, SpaceList
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION
from clickpy.datapath.ipheader import ip_int
from clickpy.element import DST_IP, IP_HEADER, PAINT, Element, Handler
from clickpy.packet import A_DST_IP
from elements.ip.checkipheader import (CHECKSUM, DROPS, LOG_SIZE, NOUT, REASONS, check_ip_header,
                                       check_ip_header_pending)
from elements.ip.getipaddress import FROM_OFFSET, get_ip_address
from elements.standard.paint import paint, paint_state
from elements.standard.strip import strip

INT32 = (-2**31, 2**31 - 1)   # Click's IntArg for int
CHECK, PAINTING, STRIPPING, GETTING = 0, 5, 6, 7   # where each element's state starts in st


@njit(cache=True, _nrt=False)
def ip_input_combo(P, s, st):
    # The separate elements' kernels, in Click's order, on their own parts of st.
    paint(P, s, (st[PAINTING],))
    strip(P, s, (st[STRIPPING],))
    r = check_ip_header(P, s, (st[0], st[1], st[2], st[3], st[4]))
    if r != 0:
        return r
    return get_ip_address(P, s, (st[GETTING],))


class IPInputCombo(Element):
    """Input combo for IP routing.

    A single element encapsulating common tasks on an IP router's input
    path; effectively `Paint(COLOR) -> Strip(14) -> CheckIPHeader(BADSRC)
    -> GetIPAddress(16)`.  Packets leave with the paint annotation COLOR
    (its low byte), without their Ethernet header, shortened to the IP
    length, with the IP header and destination IP annotations set.  Bad
    packets are dropped (CheckIPHeader's checks and reasons, checksum
    always checked) and counted in `drops`; the first one is reported.

    The second positional argument lists bad source addresses (with 0.0.0.0
    and 255.255.255.255 added); the INTERFACES, BADSRC and GOODDST keywords
    are CheckIPHeader's.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("COLOR", Integer(*INT32, name="color"), required=True, positional=True,
            doc="paint annotation value (its low byte)"),
        Arg("OLD_BADSRC", SpaceList(IPAddress()), positional=True,
            doc="Click's positional BADSRC: bad sources, plus 0.0.0.0 and 255.255.255.255"),
        Arg("INTERFACES", SpaceList(IPPrefix()), doc="this router's addresses with prefixes"),
        Arg("BADSRC", SpaceList(IPAddress()), doc="source addresses to drop"),
        Arg("GOODDST", SpaceList(IPAddress()), doc="destinations exempt from BADSRC"),
    )
    handlers = (Handler("drops", doc="packets dropped as invalid"),)
    sets = {PAINT: (0,), IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = REASONS
    simple_action = ip_input_combo
    host_pending = check_ip_header_pending

    @classmethod
    def addresses(cls, values):
        """(bad sources, good destinations), each argument replacing the last, in Click's
        order: the positional list, INTERFACES, BADSRC, GOODDST."""
        bad: list[int] = []
        good: list[int] = []
        if values.get("OLD_BADSRC") is not None:
            bad = [ip_int(a) for a in values["OLD_BADSRC"]] + [0, 0xFFFFFFFF]
        if values.get("INTERFACES") is not None:
            bad = [ip_int(p.network.broadcast_address) for p in values["INTERFACES"]]
            bad += [0, 0xFFFFFFFF]
            good = [ip_int(p.ip) for p in values["INTERFACES"]]
        if values.get("BADSRC") is not None:
            bad = [ip_int(a) for a in values["BADSRC"]]
        if values.get("GOODDST") is not None:
            good = [ip_int(a) for a in values["GOODDST"]]
        return bad, good

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        bad, good = cls.addresses(values)
        cfg = np.zeros(4, dtype=np.int64)     # CheckIPHeader's: OFFSET 0, no VERBOSE
        cfg[CHECKSUM], cfg[NOUT] = 1, 1       # checksum always; bad packets dropped
        color = {"COLOR": values["COLOR"] & 0xFF, "ANNO": PAINT_ANNOTATION}
        get = np.zeros(3, dtype=np.int64)
        get[0], get[1], get[2] = FROM_OFFSET, 16, A_DST_IP
        return (cfg, np.zeros(1 + len(REASONS), dtype=np.int64),
                np.array(bad, dtype=np.int64), np.array(good, dtype=np.int64),
                np.zeros(2 + LOG_SIZE, dtype=np.int64),
                paint_state(cls, color), np.array([14], dtype=np.int64), get)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "drops":
            raise KeyError(name)
        return str(int(st[1][DROPS]))

    @classmethod
    def host_flush(cls, values, st, pool):
        log = st[4]
        if log[0] or log[1]:
            print("IP checksum failed", file=sys.stderr)   # Click's words, for any reason
        log[:2] = 0
