"""VLANEncap: inserts an 802.1Q VLAN shim header."""
from dataclasses import dataclass

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Integer, ParseContext
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_VLAN
from elements.ethernet.etherencap import parse_handler_value, push_mac_header

TCI, USE_ANNO, NATIVE, ETHERTYPE = range(4)  # configuration words


@dataclass(frozen=True)
class TCIFromAnnotation:
    """VLAN_TCI given as ANNO: take each packet's VLAN_TCI annotation."""

    def __str__(self) -> str:
        return "ANNO"


class VLANTCI(ArgType):
    """A 16-bit VLAN TCI (ID and priority together), or ANNO."""

    name = "VLAN TCI"
    example = "0x0064"

    def parse(self, text, ctx):
        t = text.strip()
        if t == "ANNO":
            return TCIFromAnnotation()
        try:
            value = Integer(name="VLAN TCI").parse(t, ctx)
        except ArgError:
            raise ArgError(f"{t!r} is not a VLAN TCI", "give a number from 0 to 0xFFFF, "
                           "or ANNO to use the annotation") from None
        if not 0 <= value <= 0xFFFF:
            raise ArgError(f"VLAN TCI {t} is out of range",
                           "a TCI is 16 bits: 0 to 0xFFFF (VLAN ID in the low 12 bits)")
        return value


@njit(cache=True, _nrt=False)
def vlanencap(P, s, st):
    c = st[0]
    tci = (P[3][s, A_VLAN] & 0xFFFF) if c[USE_ANNO] else c[TCI]
    if (tci & 0xFFF) == c[NATIVE]:
        return 0                      # the native VLAN goes out untagged
    if P[2][s] < 12:
        return drop(0)
    if not push_mac_header(P, s, 4):
        return drop(1)
    data, h = P[0], P[1][s]
    for i in range(h, h + 12):        # the addresses move to the new front
        data[s, i] = data[s, i + 4]
    data[s, h + 12] = (c[ETHERTYPE] >> 8) & 0xFF
    data[s, h + 13] = c[ETHERTYPE] & 0xFF
    data[s, h + 14] = (tci >> 8) & 0xFF
    data[s, h + 15] = tci & 0xFF
    return 0


def _words(values) -> np.ndarray:
    """The kernel's configuration words, computed as Click's configure does."""
    c = np.zeros(4, dtype=np.int64)
    tci = values.get("VLAN_TCI")
    c[USE_ANNO] = isinstance(tci, TCIFromAnnotation)
    base = tci if isinstance(tci, int) else (values.get("VLAN_ID") or 0)
    c[TCI] = (base | (values.get("VLAN_PCP", 0) << 13)) & 0xFFFF
    native = values.get("NATIVE_VLAN", 0)
    c[NATIVE] = native
    c[ETHERTYPE] = values.get("ETHERTYPE", 0x8100)
    return c


_KEYWORDS = {"vlan_tci": "VLAN_TCI", "vlan_id": "VLAN_ID", "vlan_pcp": "VLAN_PCP",
             "native_vlan": "NATIVE_VLAN", "ethertype": "ETHERTYPE"}


class VLANEncap(Element):
    """Adds VLAN information to Ethernet packets: an 802.1Q shim header.

    Input packets are Ethernet frames; the output frame has type ETHERTYPE
    (0x8100) followed by the TCI, given whole as VLAN_TCI (or ANNO, for the
    packet's VLAN_TCI annotation) or as VLAN_ID plus VLAN_PCP.  Frames whose
    VLAN ID equals NATIVE_VLAN are left untagged.  A frame shorter than the
    two Ethernet addresses cannot be tagged and is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("VLAN_TCI", VLANTCI(), positional=True, doc="whole TCI, or ANNO"),
        Arg("VLAN_PCP", Integer(0, 7, name="VLAN PCP"), positional=True, default=0,
            doc="priority code point, 0 to 7"),
        Arg("VLAN_ID", Integer(0, 0xFFF, name="VLAN ID"),
            doc="VLAN ID, 0 to 0xFFF (0 when neither it nor VLAN_TCI is given)"),
        Arg("NATIVE_VLAN", Integer(-1, 0xFFF, name="native VLAN"), default=0,
            doc="VLAN sent untagged; -1 for none"),
        Arg("ETHERTYPE", Integer(0, 0xFFFF, name="Ethernet type"), default=0x8100,
            doc="tag type: 0x8100, 0x88a8 (QinQ) or 0x9100"),
    )
    handlers = (
        Handler("config", doc="the configuration"),
        Handler("vlan_tci", write=True, doc="the VLAN_TCI argument"),
        Handler("vlan_id", write=True, doc="the VLAN_ID argument"),
        Handler("vlan_pcp", write=True, doc="the VLAN_PCP argument"),
        Handler("native_vlan", write=True, doc="the NATIVE_VLAN argument"),
        Handler("ethertype", write=True, doc="the ETHERTYPE argument"),
    )

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("VLAN_TCI") is not None and values.get("VLAN_ID") is not None:
            return [ArgIssue("set at most one of VLAN_TCI and VLAN_ID", None,
                             "VLAN_TCI holds the VLAN ID already; give VLAN_ID and VLAN_PCP "
                             "instead of it, or VLAN_TCI alone")]
        return []

    drop_reasons = ("packet shorter than the Ethernet addresses (12 bytes)",
                    "packet too large for its slot")
    simple_action = vlanencap

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (_words(values),)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "config":
            if c[USE_ANNO]:
                text = "ANNO"
            else:
                text = f"VLAN_ID {int(c[TCI]) & 0xFFF}, VLAN_PCP {(int(c[TCI]) >> 13) & 7}"
            if c[NATIVE] != 0:
                # Click prints ntohs() of its int: -1 (no native VLAN) reads as 65535.
                text += f", NATIVE_VLAN {int(c[NATIVE]) & 0xFFFF}"
            return text
        if name == "vlan_tci":
            return "ANNO" if c[USE_ANNO] else str(int(c[TCI]))
        if name in _KEYWORDS:
            value = values.get(_KEYWORDS[name])
            return "" if value is None else str(value)
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in _KEYWORDS:
            raise KeyError(name)
        key = _KEYWORDS[name]
        arg = next(a for a in cls.args if a.keyword == key)
        new = dict(values)
        new[key] = parse_handler_value(arg.type, text, name)
        issues = cls.check_config(new, ParseContext())
        if issues:
            raise ValueError(f"{name}: {issues[0].message}")
        values.update(new)
        st[0][:] = _words(values)
