"""IPPrint: prints IP packets in a tcpdump-like format."""
from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Bool, Integer, String, Word
from clickpy.element import IP_HEADER, Element, Handler


class _Contents(ArgType):
    """CONTENTS: a boolean or NONE/HEX/ASCII; PAYLOAD: false/true/HEX/ASCII (any case).

    The value is "none", "hex" or "ascii".
    """

    name = "contents mode"
    example = "HEX"
    _WORDS = {
        "CONTENTS": {"NONE": "none", "FALSE": "none", "NO": "none", "0": "none",
                     "HEX": "hex", "TRUE": "hex", "YES": "hex", "1": "hex", "ASCII": "ascii"},
        "PAYLOAD": {"NO": "none", "FALSE": "none", "YES": "hex", "TRUE": "hex",
                    "HEX": "hex", "ASCII": "ascii"},
    }

    def __init__(self, keyword: str):
        self.keyword = keyword

    def parse(self, text, ctx):
        word = text.strip()
        mode = self._WORDS[self.keyword].get(word.upper())
        if mode is not None:
            return mode
        if self.keyword == "PAYLOAD":
            raise ArgError(f"bad payload value '{word}'; should be 'false', 'hex', or 'ascii'",
                           "for example PAYLOAD ascii")
        raise ArgError(f"bad contents value '{word}'; should be 'NONE', 'HEX', or 'ASCII'",
                       "for example CONTENTS HEX")


class IPPrint(Element):
    """Pretty-prints IP packets, tcpdump-style, preceded by LABEL.

    Place it after CheckIPHeader or an equivalent: it reads the IP header
    annotation.  Packets pass through unchanged.  CONTENTS or PAYLOAD also
    dumps the packet or its payload in hex or ASCII.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LABEL", String(), positional=True, default="", doc="text printed first"),
        Arg("CONTENTS", _Contents("CONTENTS"), default="none",
            doc="dump the whole packet: NONE, HEX or ASCII"),
        Arg("PAYLOAD", _Contents("PAYLOAD"), default="none",
            doc="dump only the payload: false, HEX or ASCII"),
        Arg("MAXLENGTH", Integer(), default=1500, doc="bytes to dump; -1 for all"),
        Arg("NBYTES", Integer(), doc="deprecated name of MAXLENGTH"),
        Arg("ID", Bool(), default=False, doc="print the IP ID"),
        Arg("TIMESTAMP", Bool(), default=True, doc="print the timestamp"),
        Arg("PAINT", Bool(), default=False, doc="print the paint annotation"),
        Arg("TOS", Bool(), default=False, doc="print the TOS field"),
        Arg("TTL", Bool(), default=False, doc="print the TTL field"),
        Arg("SWAP", Bool(), default=True,
            doc="byte-swap ICMP ids and sequence numbers (Click's code defaults to true; "
                "its documentation says false)"),
        Arg("LENGTH", Bool(), default=False, doc="print the IP length"),
        Arg("AGGREGATE", Bool(), default=False, doc="print the aggregate annotation"),
        Arg("ACTIVE", Bool(), default=True, doc="print anything at all"),
        Arg("OUTFILE", String(), doc="file to print to instead of standard error"),
        Arg("CHANNEL", Word(), doc="chatter channel to print to"),
    )
    handlers = (Handler("active", write=True, doc="the ACTIVE setting"),)
    requires = {IP_HEADER: (0,)}

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("CONTENTS", "none") != "none" and values.get("PAYLOAD", "none") != "none":
            return [ArgIssue("specify at most one of PAYLOAD and CONTENTS", None,
                             "CONTENTS dumps the whole packet, PAYLOAD only the payload")]
        return []
