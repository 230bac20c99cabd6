"""CheckIPHeader2: CheckIPHeader that skips the checksum by default."""
from dataclasses import replace

from clickpy.args import Arg
from elements.ip.checkipheader import CheckIPHeader


def _checksum_off(arg: Arg) -> Arg:
    return replace(arg, default=False) if arg.keyword == "CHECKSUM" else arg


class CheckIPHeader2(CheckIPHeader):
    """Checks IP headers like CheckIPHeader, but does not verify checksums by default.

    Same arguments, ports and annotations as CheckIPHeader: valid packets
    leave on output 0 with the IP header and destination IP annotations set,
    invalid ones go to output 1 if it is connected, else are dropped.  Only
    the default of CHECKSUM differs (false).
    """

    class_name = "CheckIPHeader2"
    args = tuple(_checksum_off(a) for a in CheckIPHeader.args)
