"""IPRouteTable: what Click's four IP lookup elements share (not an element itself)."""
from clickpy.args import Arg, ArgIssue
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.routes import RouteArg, duplicate_routes
from clickpy.element import DST_IP, Element, Handler


class IPRouteTable(Element, abstract=True):
    """IP routing table superclass: routes as arguments, longest-prefix match on DST_IP.

    Each argument is a route `ADDR/MASK [GATEWAY] OUTPUT`.  A packet's
    destination IP annotation is looked up; the annotation becomes the
    route's GATEWAY when it has one, and the packet leaves on OUTPUT.
    Packets without a route are dropped.  The element needs one output more
    than its highest route OUTPUT.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("ROUTE", RouteArg(), positional=True, repeat=True,
                doc="ADDR/MASK [GATEWAY] OUTPUT"),)
    handlers = (
        Handler("table", doc="the routing table, one route per line"),
        Handler("lookup", doc="read with an IP address: its OUTPUT port and GATEWAY"),
        Handler("add", read=False, write=True,
                doc="add a route ADDR/MASK [GW] OUT; fails if the prefix has one"),
        Handler("set", read=False, write=True, doc="add or replace a route"),
        Handler("remove", read=False, write=True, doc="remove the route for ADDR/MASK"),
        Handler("ctrl", read=False, write=True,
                doc="lines of add/set/remove commands, applied atomically"),
    )
    requires = {DST_IP: (0,)}
    sets = {DST_IP: None}

    @classmethod
    def check_config(cls, values, ctx):
        routes = values.get("ROUTE") or []
        issues = []
        for later, first in duplicate_routes(routes):
            issues.append(ArgWarning(
                f"argument {later + 1}: route {routes[later]} repeats the prefix of argument "
                f"{first + 1} ({routes[first]}); Click keeps argument {first + 1}",
                None, "remove one of the two routes"))
        return issues

    @classmethod
    def check_ports(cls, values, n_inputs, n_outputs):
        return [ArgIssue(f"route {r} sends packets to output {r.port}, but only "
                         f"{n_outputs} output{'s are' if n_outputs != 1 else ' is'} connected",
                         None, f"connect output {r.port}, or fix the route")
                for r in values.get("ROUTE") or [] if r.port >= n_outputs]

    @classmethod
    def highest_route_port(cls, values) -> int | None:
        """The largest OUTPUT any route names (the element needs that many + 1 outputs)."""
        routes = values.get("ROUTE") or []
        return max((r.port for r in routes), default=None)
