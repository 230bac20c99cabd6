"""ScheduleInfo: how much each task runs, relative to the others (Click's tickets)."""
import re

from clickpy.args import Arg, ArgError, ArgType
from clickpy.compile.tickets import DEFAULT_TICKETS
from clickpy.element import Element


class ScheduleParam(ArgType):
    """`ELEMENT PARAM`: (element name, PARAM as Click's fixed point with 10 fraction bits)."""

    name = "scheduling parameter"
    example = "from 0.5"

    def parse(self, text, ctx):
        parts = text.split()
        if len(parts) != 2 or not re.fullmatch(r"\+?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", parts[1]):
            raise ArgError(f"expected 'ELEMENTNAME PARAM', got '{text.strip()}'",
                           "PARAM is a number >= 0, e.g. 'from 0.5' or 'to 2'")
        return parts[0], int(float(parts[1]) * DEFAULT_TICKETS + 0.5)


class ScheduleInfo(Element):
    """Sets scheduling parameters: each argument is `ELEMENT PARAM`.

    An element with parameter 2 runs its task twice as much as one with the
    default, 1; parameter 0 stops its task.  In clickpy each task moves up to
    BATCH packets per round of the compiled loop, so PARAM scales that budget
    (at least one packet per round when PARAM > 0); Click's stride scheduler
    shares the CPU in the same proportions.  Inside a compound element the
    names are the compound's components; an outer ScheduleInfo can give the
    compound itself a parameter, which multiplies its components', or name a
    component (`c/i 10.5`), which then replaces what is set inside.  Products
    over 32 are reduced to 32, as Click does.  Names of elements without a
    task are ignored.
    """

    port_count = "0/0"
    processing = "a/a"
    info_only = True
    source = False
    args = (Arg("PARAM", ScheduleParam(), positional=True, repeat=True, doc="ELEMENT PARAM"),)

    @classmethod
    def schedule_params(cls, values) -> dict[str, int]:
        """Element name (relative to this element's compound) -> tickets (1024 is 1)."""
        return dict(values.get("PARAM") or [])
