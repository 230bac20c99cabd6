"""ToHost: hands packets to the host's network stack (Linux kernel Click)."""
from clickpy.args import Arg, Bool
from clickpy.argtypes.devices import DeviceName, InterfaceType
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler


class ToHost(Element):
    """Sends packets to Linux.

    Hands packets to the ordinary Linux protocol stack, as if received on
    DEVNAME (which may be an Ethernet address; packets without a device
    annotation and no DEVNAME are dropped and counted).  TYPE ETHER (the
    default) expects Ethernet headers, TYPE IP bare IP packets.  SNIFFERS
    true shows the packets only to packet sniffers such as tcpdump.
    """

    port_count = "1/0"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), positional=True,
            doc="device the packets appear to arrive on"),
        Arg("SNIFFERS", Bool(), default=False, doc="deliver only to packet sniffers"),
        Arg("TYPE", InterfaceType(), default="ETHER", doc="ETHER or IP"),
        Arg("QUIET", Bool(), default=False, doc="suppress device up/down messages"),
        Arg("ALLOW_NONEXISTENT", Bool(), default=False,
            doc="warn, not fail, when DEVNAME does not exist yet"),
        Arg("UP_CALL", HandlerCallArg(), doc="write handler called when the device comes up"),
        Arg("DOWN_CALL", HandlerCallArg(), doc="write handler called when the device goes down"),
    )
    handlers = (Handler("drops", doc="packets dropped for lack of a device annotation"),)
