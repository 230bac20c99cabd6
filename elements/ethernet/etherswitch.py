"""EtherSwitch: a learning Ethernet switch between its port pairs."""
from clickpy.args import Arg, Seconds
from clickpy.element import Element, Handler


class EtherSwitch(Element):
    """Learning, forwarding Ethernet switch among the LANs on its port pairs.

    Input i and output i form one LAN.  A packet from address A on input i
    teaches that A is on LAN i; packets to a known address go to its output
    (dropped if that is the one they came from), others are flooded to every
    output except their own.  Associations last TIMEOUT seconds; TIMEOUT 0
    makes a hub.
    """

    port_count = "2-/="
    processing = "h/h"
    flow_code = "#/[^#]"
    args = (Arg("TIMEOUT", Seconds(), default=300.0, doc="lifetime of a learned address"),)
    handlers = (
        Handler("table", doc="the address-to-port table"),
        Handler("timeout", write=True, doc="the TIMEOUT argument"),
    )
