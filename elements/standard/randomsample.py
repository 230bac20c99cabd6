"""RandomSample: lets each packet through with a fixed probability."""
from clickpy.args import Arg, ArgIssue, Bool, Real
from clickpy.element import Element, Handler


class RandomSample(Element):
    """Samples packets with some probability.

    Each packet is sent to output 0 with probability P; the others are
    dropped, or emitted on output 1 (push) when it is connected.  Give P, or
    one of SAMPLE (the same) and DROP (1 - P).  With ACTIVE false every packet
    goes to output 0.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("P", Real(0.0), positional=True, doc="sampling probability, 0 to 1"),
        Arg("SAMPLE", Real(0.0), doc="sampling probability, 0 to 1"),
        Arg("DROP", Real(0.0), doc="drop probability, 0 to 1"),
        Arg("ACTIVE", Bool(), default=True, doc="when false, every packet goes to output 0"),
    )
    handlers = (
        Handler("sampling_prob", write=True, doc="the sampling probability"),
        Handler("drop_prob", write=True, doc="the drop probability (1 - sampling_prob)"),
        Handler("active", write=True, doc="whether packets are sampled"),
        Handler("drops", doc="packets dropped or sent to output 1"),
        Handler("config", doc="SAMPLE and ACTIVE as a configuration string"),
    )

    @classmethod
    def sampling_probability(cls, values):
        """The probability Click ends up with: DROP wins, then SAMPLE, then P."""
        if values.get("DROP") is not None:
            return 1.0 - values["DROP"]
        if values.get("SAMPLE") is not None:
            return values["SAMPLE"]
        return values.get("P")

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("SAMPLE") is not None and values.get("DROP") is not None:
            return [ArgIssue("give at most one of SAMPLE and DROP", None,
                             "SAMPLE q is the same as DROP 1-q; keep one")]
        p = cls.sampling_probability(values)
        if p is None:
            return [ArgIssue("no sampling probability: give P, SAMPLE or DROP", None,
                             "for example RandomSample(0.1) keeps one packet in ten")]
        if not 0.0 <= p <= 1.0:
            return [ArgIssue("sampling probability must be between 0 and 1", None,
                             "for example RandomSample(0.1) or RandomSample(DROP 0.25)")]
        return []
