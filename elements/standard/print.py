"""Print: logs a line per packet with its contents, for debugging."""
from clickpy.args import Arg, ArgError, ArgType, Bool, Integer, String
from clickpy.element import Element, Handler


class _Contents(ArgType):
    """Print's CONTENTS: NONE, HEX or ASCII (any case), or a boolean (false = NONE)."""

    name = "contents mode"
    example = "HEX"

    def parse(self, text, ctx):
        word = text.strip()
        try:
            return "HEX" if Bool().parse(word, ctx) else "NONE"
        except ArgError:
            pass
        if word.upper() in ("NONE", "HEX", "ASCII"):
            return word.upper()
        raise ArgError(f"bad contents value {word!r}; should be 'NONE', 'HEX', or 'ASCII'",
                       "for example CONTENTS ASCII")


class Print(Element):
    """Prints packet contents, preceded by LABEL.

    Logs one line per packet: LABEL, then optionally the timestamp, the
    length, headroom and annotations, then up to MAXLENGTH bytes of data in
    hex (CONTENTS HEX, the default) or text (CONTENTS ASCII).  A negative
    MAXLENGTH prints the whole packet.  Packets pass through unchanged.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LABEL", String(), positional=True, default="", doc="text printed before each packet"),
        Arg("MAXLENGTH", Integer(name="byte count"), positional=True, default=24,
            doc="bytes of data printed; negative prints everything"),
        Arg("LENGTH", Integer(name="byte count"), doc="deprecated synonym for MAXLENGTH"),
        Arg("NBYTES", Integer(name="byte count"), doc="deprecated synonym for MAXLENGTH"),
        Arg("CONTENTS", _Contents(), default="HEX", doc="NONE, HEX or ASCII"),
        Arg("TIMESTAMP", Bool(), default=False, doc="print each packet's timestamp"),
        Arg("PRINTANNO", Bool(), default=False, doc="print the annotation bytes"),
        Arg("CPU", Bool(), default=False, doc="print the CPU (Linux kernel module only)"),
        Arg("HEADROOM", Bool(), default=False, doc="print headroom and tailroom"),
        Arg("ACTIVE", Bool(), default=True, doc="when false, print nothing"),
    )
    handlers = (Handler("active", write=True, doc="whether packets are printed"),)
