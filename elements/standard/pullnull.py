"""PullNull: a pull-only Null."""
from elements.standard.null import Null


class PullNull(Null):
    """Pull-only null element.

    Answers each pull by pulling a packet from its input and returning it
    unchanged.  Useful to force an agnostic path to be pull.
    """

    processing = "l/l"
