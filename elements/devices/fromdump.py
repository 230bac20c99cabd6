"""FromDump: replays packets from a tcpdump (pcap) file."""
from clickpy.args import Arg, ArgIssue, Bool, Integer, Real, Seconds
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.filenames import Filename
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import IP_HEADER, Element, Handler


class FromDump(Element):
    """Reads packets from a tcpdump file.

    Emits the packets of FILENAME, a file written by `tcpdump -w` or ToDump
    (gzip- and bzip2-compressed files too), on output 0.  TIMING keeps the
    original gaps between packets; SAMPLE keeps each packet with that
    probability; START/START_AFTER and END/END_AFTER/INTERVAL select a time
    window.  With FORCE_IP only IP packets leave on output 0, with their IP
    header annotation set; the others go to output 1 if connected, else are
    dropped.  At the end, STOP stops the driver, or END_CALL calls a handler.
    """

    port_count = "0/1-2"
    processing = "a/ah"
    args = (
        Arg("FILENAME", Filename(), required=True, positional=True, doc="pcap file to read"),
        Arg("TIMING", Bool(), positional=True, default=False,
            doc="keep the original timing between packets"),
        Arg("STOP", Bool(), default=False, doc="stop the driver at the end of the file"),
        Arg("ACTIVE", Bool(), default=True, doc="emit packets at all"),
        Arg("SAMPLE", Real(0.0), default=1.0, doc="probability of emitting each packet, 0 to 1"),
        Arg("FORCE_IP", Bool(), default=False, doc="emit only IP packets, IP header marked"),
        Arg("START", Seconds(), doc="absolute time (seconds since 1970) of the first packet"),
        Arg("START_AFTER", Seconds(), doc="skip this much of the trace's beginning"),
        Arg("END", Seconds(), doc="absolute time at which to stop"),
        Arg("END_AFTER", Seconds(), doc="stop this long after the trace's first packet"),
        Arg("INTERVAL", Seconds(), doc="stop this long after the first packet emitted"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler called at the end"),
        Arg("FILEPOS", Integer(0, name="file offset"), default=0,
            doc="(uncompressed) file offset of the first packet"),
        Arg("MMAP", Bool(), doc="read the file with mmap(2) (default: false on Linux)"),
    )
    handlers = (
        Handler("count", doc="packets emitted so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("sampling_prob", doc="the sampling probability in use"),
        Handler("active", write=True, doc="whether packets are emitted"),
        Handler("encap", doc="the file's encapsulation type"),
        Handler("filename", doc="the FILENAME"),
        Handler("filesize", doc="file length in bytes, or '-'"),
        Handler("filepos", write=True, doc="position in the (uncompressed) file"),
        Handler("packet_filepos", doc="file position of the last packet emitted"),
        Handler("extend_interval", read=False, write=True, doc="push the end time back"),
        Handler("reset_timing", read=False, write=True, doc="reset TIMING's reference"),
        Handler("stop", read=False, write=True, doc="deactivate and stop the driver"),
    )
    new_packets = True

    @classmethod
    def sets_for(cls, values):
        """FORCE_IP marks the IP header of what leaves output 0."""
        return {IP_HEADER: (0,)} if values.get("FORCE_IP") else {}

    @classmethod
    def check_config(cls, values, ctx):
        given = lambda *keys: [k for k in keys if values.get(k) is not None]  # noqa: E731
        issues: list[ArgIssue] = []
        if len(given("START", "START_AFTER")) > 1:
            issues.append(ArgIssue("START and START_AFTER are mutually exclusive", None,
                                   "keep one way of giving the start time"))
        if len(given("END", "END_AFTER", "INTERVAL")) > 1:
            issues.append(ArgIssue("END, END_AFTER, and INTERVAL are mutually exclusive", None,
                                   "keep one way of giving the end time"))
        if values.get("STOP") and values.get("END_CALL") is not None:
            issues.append(ArgIssue("END_CALL and STOP are mutually exclusive", None,
                                   "STOP true is the same as END_CALL stop; keep one"))
        sample = values.get("SAMPLE")
        if sample is not None and sample > 1:
            issues.append(ArgWarning("SAMPLE probability reduced to 1", None,
                                     "SAMPLE is a probability between 0 and 1"))
        elif sample == 0:
            issues.append(ArgWarning("SAMPLE probability is 0; emitting no packets", None,
                                     "SAMPLE is the probability of keeping each packet"))
        return issues
