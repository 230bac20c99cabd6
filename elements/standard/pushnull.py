"""PushNull: a push-only Null."""
from elements.standard.null import Null


class PushNull(Null):
    """Push-only null element.

    Pushes each packet pushed into it, unchanged, out its single output.
    Useful to force an agnostic path to be push.
    """

    processing = "h/h"
