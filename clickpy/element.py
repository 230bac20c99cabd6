"""The element model: what an element class declares, as data.

An element is one small class in elements/<family>/.  It declares its Click
name, port counts ("1/2", "1/1-2", "-/1"), processing ("a/ah"), flow code
("x/x"), typed arguments, handlers and the packet annotations it needs or
sets.  The checks read these declarations; the compiler (a later stage)
adds state and kernels.  Port counts, processing and flow codes use Click's
own notation, so Click's documentation can be copied over unchanged.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from clickpy.args import Arg, ArgIssue, ParseContext

PUSH, PULL, AGNOSTIC = "push", "pull", "agnostic"
_PROCESSING_CODES = {"h": PUSH, "l": PULL, "a": AGNOSTIC}


@dataclass(frozen=True)
class PortRange:
    """How many ports one side may have: low..high, high None = unbounded."""

    low: int
    high: int | None

    def __contains__(self, n: int) -> bool:
        return n >= self.low and (self.high is None or n <= self.high)

    def __str__(self) -> str:
        if self.high == self.low:
            return str(self.low)
        if self.high is None:
            return f"{self.low} or more"
        return f"{self.low} to {self.high}"


def _parse_range(text: str) -> PortRange:
    if text == "-":
        return PortRange(0, None)
    m = re.fullmatch(r"(\d*)(-?)(\d*)", text)
    if not m or not (m.group(1) or m.group(3)):
        raise ValueError(f"bad port count {text!r}")
    low = int(m.group(1)) if m.group(1) else 0
    if not m.group(2):
        return PortRange(low, low)
    return PortRange(low, int(m.group(3)) if m.group(3) else None)


@dataclass(frozen=True)
class PortCount:
    """Click's port count `IN/OUT`; OUT may be `=` (as many as inputs) or `=+`."""

    inputs: PortRange
    outputs: PortRange | None
    outputs_follow_inputs: int | None = None  # with "=": outputs = inputs + this

    @classmethod
    def parse(cls, spec: str) -> "PortCount":
        ins, slash, outs = spec.partition("/")
        if not slash:
            outs = ins
        if outs in ("=", "=+"):
            return cls(_parse_range(ins), None, 0 if outs == "=" else 1)
        return cls(_parse_range(ins), _parse_range(outs))

    def output_range(self, n_inputs: int) -> PortRange:
        if self.outputs is not None:
            return self.outputs
        n = n_inputs + (self.outputs_follow_inputs or 0)
        return PortRange(n, n)


def _side(text: str) -> list[str]:
    """Expand one side of a processing or flow code into per-port codes.

    `[xy]` groups several letters for one port; the last code repeats.
    """
    codes: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "[":
            end = text.index("]", i)
            codes.append(text[i + 1:end])
            i = end + 1
        else:
            codes.append(text[i])
            i += 1
    return codes


def _nth(codes: list[str], port: int) -> str:
    return codes[min(port, len(codes) - 1)] if codes else ""


@dataclass(frozen=True)
class Processing:
    """Click's processing code, e.g. "a/ah": per-port push (h), pull (l), agnostic (a)."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> "Processing":
        ins, slash, outs = spec.partition("/")
        if not slash:
            outs = ins
        for c in ins + outs:
            if c not in _PROCESSING_CODES:
                raise ValueError(f"bad processing code {spec!r}")
        return cls(tuple(_PROCESSING_CODES[c] for c in ins), tuple(_PROCESSING_CODES[c] for c in outs))

    def input(self, port: int) -> str:
        return _nth(list(self.inputs), port) or AGNOSTIC

    def output(self, port: int) -> str:
        return _nth(list(self.outputs), port) or AGNOSTIC


def _tokens(code: str, port: int) -> tuple[bool, set[str]]:
    """A port's flow code as (negated, letters); `#` becomes the port's own number."""
    negated = code.startswith("^")
    letters = {f"#{port}" if c == "#" else c for c in code.lstrip("^")}
    return negated, letters


@dataclass(frozen=True)
class FlowCode:
    """Click's flow code, e.g. "x/x" or "xy/x": which inputs reach which outputs.

    Input i can reach output j when their codes share a letter; `#` links
    input i to output i only; `[^...]` means every letter but those.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> "FlowCode":
        ins, slash, outs = spec.partition("/")
        if not slash:
            outs = ins
        return cls(tuple(_side(ins)), tuple(_side(outs)))

    def flows(self, in_port: int, out_port: int) -> bool:
        a = _tokens(_nth(list(self.inputs), in_port), in_port)
        b = _tokens(_nth(list(self.outputs), out_port), out_port)
        (neg_a, set_a), (neg_b, set_b) = a, b
        if neg_a and neg_b:
            return True
        if neg_a:
            return bool(set_b - set_a)
        if neg_b:
            return bool(set_a - set_b)
        return bool(set_a & set_b)


@dataclass(frozen=True)
class Handler:
    """A named read and/or write view of an element's state (Click's handlers)."""

    name: str
    read: bool = True
    write: bool = False
    doc: str = ""
    # Not offered to other programs (Click's READ_PRIVATE: ControlSocket cannot call it);
    # the configuration's own scripts and `clickpy run -h` can.
    private: bool = False


# The read handlers every element has, as in Click (Router.read answers them from the
# configuration when the class has no handler of that name).
STANDARD_HANDLERS = (
    Handler("name", doc="the element's name"),
    Handler("class", doc="the element's class name"),
    Handler("config", doc="the element's configuration string, as written"),
    Handler("handlers", doc="the element's handlers, one per line: name, a tab, r and/or w"),
)


def element_handlers(cls: type["Element"], n_inputs: int = 0, n_outputs: int = 0,
                     values: Mapping[str, Any] | None = None) -> tuple[Handler, ...]:
    """cls's own handlers, with those it adds for each of these ports (Element.port_handlers)
    and for this configuration (Element.config_handlers)."""
    return (tuple(cls.handlers) + tuple(cls.port_handlers(n_inputs, n_outputs))
            + tuple(cls.config_handlers(values or {})))


def read_handler_names(cls: type["Element"], n_inputs: int = 0, n_outputs: int = 0,
                       values: Mapping[str, Any] | None = None) -> set[str]:
    """The names of cls's read handlers, the standard ones included."""
    return {h.name for h in STANDARD_HANDLERS
            + element_handlers(cls, n_inputs, n_outputs, values) if h.read}


# Packet annotations that checks track (Click's names in comments).
IP_HEADER = "ip_header"      # network header pointer (CheckIPHeader, MarkIPHeader)
DST_IP = "dst_ip"            # destination IP address annotation
PAINT = "paint"              # Paint annotation

# How often an idle driver runs a round for elements whose clock-driven work it
# cannot predict (Element.wake_after's default): the old fixed idle sleep.
IDLE_POLL = 0.0005

_REGISTRY: dict[str, type["Element"]] = {}

# The checks ask for these once per element instance; the specs are few.
_parse_port_count = functools.lru_cache(maxsize=None)(PortCount.parse)
_parse_processing = functools.lru_cache(maxsize=None)(Processing.parse)
_parse_flow_code = functools.lru_cache(maxsize=None)(FlowCode.parse)


class Element:
    """Base of every element declaration.  Subclass it in elements/<family>/.

    The class docstring's first line is the one-line summary `clickpy
    elements` shows; Click's documentation header is the model for the rest.
    """

    class_name: ClassVar[str] = ""
    port_count: ClassVar[str] = "1/1"
    processing: ClassVar[str] = "a/a"
    flow_code: ClassVar[str] = "x/x"
    args: ClassVar[tuple[Arg, ...]] = ()
    handlers: ClassVar[tuple[Handler, ...]] = ()
    # Annotations that packets arriving on the given inputs must carry, and
    # those this element sets on what it emits: annotation -> ports (None: all).
    requires: ClassVar[Mapping[str, tuple[int, ...] | None]] = {}
    sets: ClassVar[Mapping[str, tuple[int, ...] | None]] = {}
    # True when outputs carry packets this element made (ICMPError, ARPResponder):
    # they have only the annotations in `sets`, not those of the input.
    new_packets: ClassVar[bool] = False
    # Elements that emit packets without receiving any (FromDevice,
    # InfiniteSource); None means "has no inputs".  Idle sets False.
    source: ClassVar[bool | None] = None
    # Information-only elements (AddressInfo) have no ports and no packets.
    info_only: ClassVar[bool] = False
    # True when $x in the configuration that no define() gives is the element's own
    # (Script's variables): left as written, as Click's lexer leaves it, not an error.
    keeps_variables: ClassVar[bool] = False

    def __init_subclass__(cls, abstract: bool = False, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if abstract:
            return
        if "class_name" not in cls.__dict__ or not cls.__dict__["class_name"]:
            cls.class_name = cls.__name__
        PortCount.parse(cls.port_count)
        Processing.parse(cls.processing)
        FlowCode.parse(cls.flow_code)
        other = _REGISTRY.get(cls.class_name)
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise TypeError(f"element class {cls.class_name} declared twice "
                            f"({other.__module__} and {cls.__module__})")
        _REGISTRY[cls.class_name] = cls

    # ---- data path (see clickpy.kernel for the contract) ---------------------
    # Why packets may be dropped here, in the order of drop(r)'s r.
    drop_reasons: ClassVar[tuple[str, ...]] = ()
    # Kernels, each a numba function or None; Click's method names.
    simple_action: ClassVar[Any] = None
    push: ClassVar[Any] = None
    pull: ClassVar[Any] = None
    run_task: ClassVar[Any] = None
    pull_choice: ClassVar[Any] = None
    pull_held: ClassVar[Any] = None
    pull_offer: ClassVar[Any] = None
    pull_gate: ClassVar[Any] = None
    task_budget: ClassVar[Any] = None
    run_timer: ClassVar[Any] = None
    host_pending: ClassVar[Any] = None
    # Most (output, slot) pairs one push() call may emit.
    max_emit: ClassVar[int] = 1
    # Where packets leave the configuration: "forwarded" (devices, dumps, host)
    # or "discarded" (Discard); None for everything else.
    sink: ClassVar[str | None] = None
    # A Click Storage element (the queues): (array, word) of its state holding how
    # many packets it holds, for elements that watch queue lengths (RED).
    storage: ClassVar[tuple[int, int] | None] = None
    # True when, pulled, the element pulls again after each packet its simple_action
    # does not return on the pulled output, until one is or upstream has none (Click's
    # RED::pull); otherwise a pull that dropped its packet returns none, as Click's
    # Element::pull does.
    pulls_past_drops: ClassVar[bool] = False
    # True when a pull-to-push element's task_budget is asked before each pull of its task,
    # 1 to pull once more or 0 to stop, rather than once per round for a count
    # (LinkUnqueue: whether the link has room depends on the packets it just took).
    budget_each_pull: ClassVar[bool] = False

    @classmethod
    def state(cls, values: dict[str, Any], n_inputs: int, n_outputs: int) -> tuple:
        """The element's state: a tuple of numpy arrays sized at configure time."""
        return ()

    @classmethod
    def kernel_source(cls, values: dict[str, Any], st: tuple) -> str | None:
        """This instance's simple_action as Python source specialized to its
        configuration, or None to use simple_action.

        The source imports what it uses, then defines `kernel(P, s, st)`,
        which must behave exactly as simple_action on this state.  The
        compiler writes it into the configuration's task module, so numba
        compiles it with the configuration's values as constants: rule sets
        (Classifier, IPClassifier, IPFilter) become straight-line code rather
        than a program interpreted per packet.
        """
        return None

    @classmethod
    def graph_values(cls, graph: Any, node: str) -> dict[str, Any]:
        """What this element's state needs to know of the configuration around it, which
        Click elements ask their router for (RED its nearest queues, with flow-based
        router context; a source whether its output is push): the Router adds these to
        values before state().  Keys start with "_"."""
        return {}

    @classmethod
    def check_context(cls, values: dict[str, Any], classes: dict[str, Any]) -> list[ArgIssue]:
        """Problems state() would find with what graph_values added to values, as ArgIssues,
        for `clickpy check` (clickpy.check.context); classes maps element names to classes."""
        return []

    @classmethod
    def peers(cls, values: dict[str, Any]) -> list[str]:
        """Elements whose state this one's state() reads: the Router builds theirs first and
        passes values["_peers"][name] = (class, state).  Arrays taken from a peer's state
        are shared with it, as ICMPRewriter reads its MAPS' flow tables."""
        return []

    @classmethod
    def emits(cls, values: dict[str, Any], n_outputs: int) -> int:
        """max_emit for this configuration (Tee(N) emits N)."""
        return cls.max_emit

    @classmethod
    def config_handlers(cls, values: Mapping[str, Any]) -> tuple[Handler, ...]:
        """Handlers this configuration adds (Script's `export VAR`), beyond `handlers`."""
        return ()

    @classmethod
    def port_handlers(cls, n_inputs: int, n_outputs: int) -> tuple[Handler, ...]:
        """Handlers Click adds one per port (Suppressor's active0...activeN-1), beyond
        `handlers`: scripts, ControlSocket and the `handlers` handler find them too."""
        return ()

    @classmethod
    def read_handler(cls, name: str, values: dict[str, Any], st: tuple) -> str:
        """The text of read handler `name` (Click's format)."""
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name: str, text: str, values: dict[str, Any], st: tuple) -> None:
        """Apply write handler `name`; raise ValueError with a message on bad input."""
        raise KeyError(name)

    @classmethod
    def host_flush(cls, values: dict[str, Any], st: tuple, pool: Any) -> dict[int, int] | None:
        """Host-side work after each round of the compiled loop (only after rounds that
        left some, when the class has a host_pending kernel: see clickpy.kernel).

        Kernels cannot format text or write files; Print and ToDump leave
        records in their state and do the I/O here (pool: clickpy.packet.Pool).
        Packets dropped here (a queue flushed by a handler) are returned as
        {index in drop_reasons: count}, for the packet account.
        """

    @classmethod
    def host_close(cls, values: dict[str, Any], st: tuple, pool: Any) -> None:
        """Last host-side work when the run ends (close files)."""

    @classmethod
    def host_serve(cls, values: dict[str, Any], st: tuple, router: Any) -> None:
        """Host-side work for other programs, with the whole router at hand: after every
        burst of rounds, and when the element's wait_fds wake an idle driver.

        ControlSocket answers handler requests here (router.read, router.write),
        never while the compiled data path runs.
        """

    @classmethod
    def host_start(cls, values: dict[str, Any], st: tuple, router: Any) -> None:
        """Host-side start, once the Router is built, with the whole router at hand (Click's
        initialize for elements that call handlers: Script's init instructions)."""

    # ---- the driver's stop requests (Click's DriverManager) -------------------
    @classmethod
    def drives(cls, values: dict[str, Any]) -> bool:
        """True for the element that manages the driver's stop requests (a Script of TYPE
        DRIVER): the Router gives them to driver_steps instead of stopping."""
        return False

    @classmethod
    def driver_steps(cls, values: dict[str, Any], st: tuple, n: int) -> bool:
        """Take n stop requests; True when the driver must stop now."""
        return True

    # ---- idle waiting: what may wake a driver that found nothing to do ------
    @classmethod
    def wait_fds(cls, values: dict[str, Any], st: tuple) -> tuple[int, ...]:
        """File descriptors that become readable when this element has input (a device's
        receive ring).  When a round moves nothing, the driver blocks on all of them."""
        return ()

    @classmethod
    def wake_after(cls, values: dict[str, Any], st: tuple) -> float | None:
        """Seconds until this element may have clock-driven work (a timer, a rate) that no
        file descriptor announces; None when only arriving packets give it work.

        The default is cautious: an element with a timer, a task or a budget is
        assumed to need a round every IDLE_POLL seconds.  Elements that know
        better (a device woken by its fd, an expiry timer counted in seconds)
        override it, so an idle router sleeps instead of spinning.
        """
        if cls.run_timer is None and cls.run_task is None and cls.task_budget is None:
            return None
        return IDLE_POLL

    @classmethod
    def runnable(cls) -> bool:
        """Whether the compiled data path can run this element yet."""
        return any(k is not None for k in (cls.simple_action, cls.push, cls.pull, cls.run_task,
                                           cls.pull_choice, cls.run_timer)) \
            or cls.info_only

    # ---- declarations, parsed -------------------------------------------
    @classmethod
    def ports(cls) -> PortCount:
        return _parse_port_count(cls.port_count)

    @classmethod
    def processing_code(cls) -> Processing:
        return _parse_processing(cls.processing)

    @classmethod
    def flow(cls) -> FlowCode:
        return _parse_flow_code(cls.flow_code)

    @classmethod
    def summary(cls) -> str:
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @classmethod
    def family(cls) -> str:
        parts = cls.__module__.split(".")
        return parts[1] if len(parts) > 2 and parts[0] == "elements" else "other"

    @classmethod
    def is_source(cls) -> bool:
        if cls.source is not None:
            return cls.source
        return cls.ports().inputs.high == 0

    # ---- configuration-dependent hooks --------------------------------------
    @classmethod
    def check_config(cls, values: dict[str, Any], ctx: ParseContext) -> list[ArgIssue]:
        """Cross-argument checks beyond each argument's type; [] when fine."""
        return []

    @classmethod
    def sets_for(cls, values: dict[str, Any]) -> Mapping[str, tuple[int, ...] | None]:
        """The annotations set, for this configuration (Paint sets PAINT only by default)."""
        return cls.sets

    @classmethod
    def take_handler_calls(cls, values: dict[str, Any], st: tuple) -> list:
        """Handler calls the data path asked for since the last look (END_CALL and the
        like: a kernel only counts them), as HandlerCall values; the Router makes them."""
        return []

    @classmethod
    def check_ports(cls, values: dict[str, Any], n_inputs: int, n_outputs: int) -> list[ArgIssue]:
        """Checks of the configuration against the ports actually connected.

        A routing table's route ports must exist; Switch's OUTPUT must be one
        of its outputs.  Runs after port counts are known; [] when fine.
        """
        return []

    @classmethod
    def port_counts_for(cls, values: dict[str, Any]) -> tuple[int | None, int | None]:
        """Exact input and output counts the configuration implies, if any.

        Click's Classifier needs one output per pattern, Tee(N) N outputs,
        a routing table one output past its highest route port.
        """
        return None, None


def registry() -> dict[str, type[Element]]:
    """Every element class, by Click name, importing elements/ once."""
    if not getattr(registry, "_loaded", False):
        import elements
        for mod in pkgutil.walk_packages(elements.__path__, "elements."):
            importlib.import_module(mod.name)
        registry._loaded = True  # type: ignore[attr-defined]
    return dict(_REGISTRY)


@functools.lru_cache(maxsize=1)
def _modules_by_stem() -> dict[str, str]:
    """Element module names by file stem (elements/ip/decipttl.py: "decipttl"), not imported."""
    import elements
    return {mod.name.rsplit(".", 1)[-1]: mod.name
            for mod in pkgutil.walk_packages(elements.__path__, "elements.") if not mod.ispkg}


def lookup(class_name: str) -> type[Element] | None:
    """The class named `class_name`, importing only its own module when it is where the
    convention puts it (elements/<family>/<classname lowercased>.py): a configuration's
    start does not pay for importing the whole library."""
    if class_name not in _REGISTRY:
        module = _modules_by_stem().get(class_name.lower())
        if module is not None:
            importlib.import_module(module)
    if class_name in _REGISTRY:
        return _REGISTRY[class_name]
    return registry().get(class_name)
