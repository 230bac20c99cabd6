"""DriverManager: a Script of TYPE DRIVER, which decides when the driver stops (Click's)."""
from clickpy.script.runner import DRIVER
from elements.standard.script import Script


class DriverManager(Script):
    """A Script that manages the driver's stop requests; its TYPE defaults to DRIVER.

    A source with STOP true (InfiniteSource, RatedSource, FromDump...) or a
    write to the router's `stop` handler asks the driver to stop.  Without a
    DriverManager the driver stops; with one, each request steps its script
    instead (pause, wait_stop and wait_step take them, and one ends a wait),
    and the driver stops only when the script reaches its end (a DRIVER
    script ends with an implicit stop) or a stop instruction.  For example
    `DriverManager(pause, write k.cleanup, wait 0.1s, stop)`, or
    `DriverManager(wait_stop 2)` to stop once two sources have finished.  A
    router has at most one DRIVER script.  Ctrl-C and SIGTERM still end
    the run at once.
    """

    default_type = DRIVER
