"""Counter: counts packets and bytes."""
from clickpy.args import Arg, Raw
from clickpy.element import Element, Handler


class Counter(Element):
    """Measures packet count and rate.

    Passes packets unchanged from its input to its output, keeping counts of
    packets and bytes and their rates.  COUNT_CALL and BYTE_COUNT_CALL name a
    handler to call when a count is reached.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("COUNT_CALL", Raw(), doc="N HANDLER: call HANDLER after N packets"),
        Arg("BYTE_COUNT_CALL", Raw(), doc="N HANDLER: call HANDLER after N bytes"),
    )
    handlers = (
        Handler("count", doc="packets counted"),
        Handler("byte_count", doc="bytes counted"),
        Handler("rate", doc="recent arrival rate, packets per second"),
        Handler("bit_rate", doc="recent arrival rate, bits per second"),
        Handler("byte_rate", doc="recent arrival rate, bytes per second"),
        Handler("reset", read=False, write=True, doc="reset counts and rates"),
        Handler("reset_counts", read=False, write=True, doc="reset counts only"),
    )
