"""GetIPAddress: copies an IP address from packet data into an annotation."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Choice, Integer
from clickpy.argtypes.packet_annotations import Annotation, AnnotationRef, KNOWN_ANNOTATIONS
from clickpy.datapath.ipheader import NO_IP_HEADER, anno_column, ip_header_at
from clickpy.element import DST_IP, Element
from clickpy.kernel import drop
from clickpy.packet import rd32

DST_IP_ANNOTATION = AnnotationRef("DST_IP", *KNOWN_ANNOTATIONS["DST_IP"])

FROM_OFFSET, FROM_IP_SRC, FROM_IP_DST = range(3)   # where the address comes from
MODE, OFFSET, COLUMN = range(3)                    # state words


@njit(cache=True, _nrt=False)
def get_ip_address(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    if c[MODE] == FROM_OFFSET:
        if c[OFFSET] + 4 > length[s]:
            return drop(0)
        addr = rd32(data, s, head[s] + c[OFFSET])
    else:
        ip = ip_header_at(P, s, 20)
        if ip < 0:
            return drop(1)
        addr = rd32(data, s, ip + (12 if c[MODE] == FROM_IP_SRC else 16))
    anno[s, c[COLUMN]] = addr
    return 0


class GetIPAddress(Element):
    """Sets the destination IP address annotation from packet data.

    Copies the 4 bytes at OFFSET (usually 16, an IP header's destination) into
    the destination IP annotation, or into ANNO when given.  Instead of
    OFFSET, the keyword IP `src` or `dst` takes the address from the IP header
    the IP header annotation points at.  A packet too short for the bytes
    read is dropped (Click would read past its end).
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("OFFSET", Integer(0), positional=True, doc="byte offset of the address"),
        Arg("ANNO", Annotation(4), positional=True, default=DST_IP_ANNOTATION,
            doc="annotation to set"),
        Arg("IP", Choice("src", "dst", name="IP header field"),
            doc="src or dst: read the IP header's address instead of OFFSET"),
    )
    sets = {DST_IP: (0,)}
    drop_reasons = ("packet too short for OFFSET", NO_IP_HEADER)
    simple_action = get_ip_address

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(3, dtype=np.int64)
        ip = values.get("IP")
        c[MODE] = FROM_OFFSET if ip is None else (FROM_IP_SRC if ip == "src" else FROM_IP_DST)
        c[OFFSET] = values.get("OFFSET") or 0
        c[COLUMN] = anno_column(values.get("ANNO") or DST_IP_ANNOTATION, cls.class_name)
        return (c,)

    @classmethod
    def check_config(cls, values, ctx):
        if (values.get("OFFSET") is None) == (values.get("IP") is None):
            return [ArgIssue("set one of OFFSET, IP", None,
                             "write GetIPAddress(16) or GetIPAddress(IP dst)")]
        return []
