"""SetIPECN: sets the ECN field (the low two bits of the IP TOS byte)."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, ParseContext
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at, update_cksum
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import rd16, wr16

ECN_NAMES = ("no", "ect1", "ect2", "ce")   # 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE


@njit(cache=True, _nrt=False)
def set_ip_ecn(P, s, st):
    data = P[0]
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(0)
    old_hw = rd16(data, s, ip)
    data[s, ip + 1] = (data[s, ip + 1] & 0xFC) | st[0][0]
    wr16(data, s, ip + 10, update_cksum(rd16(data, s, ip + 10), old_hw, rd16(data, s, ip)))
    return 0


class ECN(ArgType):
    """Click's SetIPECN argument: 0 to 3, or no/-, ect1/ECT(1), ect2/ECT(0), ce/CE."""

    name = "ECN value"
    example = "ce"

    def parse(self, text, ctx):
        t = text.strip()
        if len(t) == 1 and t in "0123":
            return int(t)
        # Click compares prefixes (String::equals(s, n)) of the lengths it names.
        for words, value in ((("no", "-"), 0), (("ect1", "ECT(1)"), 1),
                             (("ect2", "ECT(0)"), 2), (("ce", "CE"), 3)):
            if t in words:
                return value
        raise ArgError("bad ECN argument",
                       "expected 0 to 3, no, ect1 (ECT(1)), ect2 (ECT(0)) or ce (CE)")


class SetIPECN(Element):
    """Sets IP packets' ECN fields.

    Sets the ECN bits (the low two bits of the TOS byte) of the IP header the
    annotation points to, to ECN: 0 to 3 or a keyword, no (Not-ECT), ect1 or
    ECT(1), ect2 or ECT(0), ce or CE.  The IP checksum is updated
    incrementally.  Packets without a whole 20-byte IP header are dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("ECN", ECN(), required=True, positional=True, doc="ECN value or keyword"),)
    handlers = (Handler("ecn", write=True, doc="the ECN argument"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = set_ip_ecn

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["ECN"]], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "ecn":
            # Click's read_keyword_handler gives the argument as written ("ce"); this
            # gives its value (3), which reads back the same.
            return str(int(st[0][0]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "ecn":
            raise KeyError(name)
        try:
            st[0][0] = ECN().parse(text, ParseContext())
        except ArgError as e:
            raise ValueError(f"ecn: {e.message} ({e.hint})") from None
