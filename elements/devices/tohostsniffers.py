"""ToHostSniffers: hands packets to the host's packet sniffers only."""
from dataclasses import replace

from elements.devices.tohost import ToHost


class ToHostSniffers(ToHost):
    """Sends packets to Linux packet sniffers.

    Hands packets to packet sniffers registered with Linux (tcpdump, packet
    sockets) but not to its network stack, as if received on DEVNAME.
    Exactly ToHost with SNIFFERS true by default.
    """

    args = tuple(replace(a, default=True) if a.keyword == "SNIFFERS" else a for a in ToHost.args)
