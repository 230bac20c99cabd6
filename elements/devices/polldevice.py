"""PollDevice: polls a network interface for packets (Linux kernel Click)."""
from clickpy.args import Arg, Bool, Integer
from clickpy.argtypes.devices import DeviceName
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler
from elements.devices.fromdevice import FromDevice, fromdevice_budget, fromdevice_task


class PollDevice(Element):
    """Polls packets from a network device (kernel).

    Pushes out output 0 the packets received on interface DEVNAME (or the
    interface with that Ethernet address), link header included, taking at
    most BURST (default 8) per scheduling by polling the driver instead of
    taking interrupts.  Linux does not see these packets; hand them to
    ToHost if it should.  Pair it with a ToDevice on the same interface.

    clickpy has no kernel driver to poll: PollDevice reads the same
    PACKET_MMAP receive ring as FromDevice(DEVNAME, SNIFFER false), BURST
    frames per round (a round is costlier than a Click poll: raise BURST for
    speed), so Linux does not see the packets here either.  Click's driver
    statistics (calls, buffers_reused) have no counterpart.
    """

    port_count = "0/1"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True,
            doc="interface name or Ethernet address"),
        Arg("BURST", Integer(0, name="packet count"), positional=True, default=8,
            doc="packets taken per scheduling"),
        Arg("PROMISC", Bool(), default=False, doc="put the device in promiscuous mode"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
        Arg("QUIET", Bool(), default=False, doc="suppress device up/down messages"),
        Arg("HEADROOM", Integer(0, name="byte count"), default=64, doc="extra headroom per packet"),
        Arg("LENGTH", Integer(0, name="byte count"), doc="minimum packet buffer size"),
        Arg("ALLOW_NONEXISTENT", Bool(), default=False,
            doc="warn, not fail, when DEVNAME does not exist yet"),
        Arg("UP_CALL", HandlerCallArg(), doc="write handler called when the device comes up"),
        Arg("DOWN_CALL", HandlerCallArg(), doc="write handler called when the device goes down"),
    )
    handlers = (
        Handler("count", doc="packets received so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
    )
    new_packets = True
    run_task = fromdevice_task
    task_budget = fromdevice_budget

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        burst = values.get("BURST")
        if burst == 0:
            raise ValueError("BURST 0 would never take a packet")
        return FromDevice.state({"DEVNAME": values["DEVNAME"], "PROMISC": values.get("PROMISC"),
                                 "BURST": 8 if burst is None else burst, "SNIFFER": False,
                                 "TIMESTAMP": values.get("TIMESTAMP")}, n_inputs, n_outputs)

    @classmethod
    def wait_fds(cls, values, st):
        return FromDevice.wait_fds(values, st)

    @classmethod
    def wake_after(cls, values, st):
        return None

    @classmethod
    def host_close(cls, values, st, pool):
        FromDevice.host_close(values, st, pool)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "count":
            raise KeyError(name)
        return FromDevice.read_handler(name, values, st)

    @classmethod
    def write_handler(cls, name, text, values, st):
        FromDevice.write_handler(name, text, values, st)
