"""VLANEncap: inserts an 802.1Q VLAN shim header."""
from dataclasses import dataclass

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Integer
from clickpy.element import Element, Handler


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


class VLANEncap(Element):
    """Adds VLAN information to Ethernet packets: an 802.1Q shim header.

    Input packets are Ethernet frames; the output frame has type ETHERTYPE
    (0x8100) followed by the TCI, given whole as VLAN_TCI (or ANNO, for the
    packet's VLAN_TCI annotation) or as VLAN_ID plus VLAN_PCP.  Frames whose
    VLAN ID equals NATIVE_VLAN are left untagged.
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
