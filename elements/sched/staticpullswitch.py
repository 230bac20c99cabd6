"""StaticPullSwitch: forwards pull requests to one fixed input."""
from clickpy.args import Arg, Integer
from elements.sched.pullswitch import INT32, PullSwitch


class StaticPullSwitch(PullSwitch):
    """Forwards pull requests to fixed input.

    On every pull, StaticPullSwitch returns the packet pulled from input
    INPUT; a negative INPUT, or one with no such input, means always
    returning no packet.  It has an unlimited number of inputs.  Unlike
    PullSwitch it has no `switch` handler: INPUT cannot change at run time.
    """

    args = (Arg("INPUT", Integer(*INT32, name="input number"), required=True, positional=True,
                doc="input pulled from; negative pulls nothing"),)
    handlers = ()

    @classmethod
    def read_handler(cls, name, values, st):
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        raise KeyError(name)
