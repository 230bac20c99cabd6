"""What a test mode provides: ports to send frames into and read frames from.

A Middlebox (clickpy.testing.middlebox) holds one Backend and builds every
verb on these few calls, so a test runs unchanged whatever carries its
packets: the compiled graph in this process (memory mode), veth pairs in
network namespaces (network mode), or a booted unikernel on taps (image
mode).  Where a machine cannot run a mode, `unavailable()` says what is
missing, and the pytest plugin turns that into a skip with the reason.
"""
from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod

MODES = ("memory", "network", "image")


class ModeUnavailable(Exception):
    """This machine (or this clickpy) cannot run the mode; the message says why."""


class Backend(ABC):
    """Ports of a running configuration.

    inputs/outputs: port names (device names: "eth0"; "host" for ToHost).
    """

    mode: str = ""
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    # Ports the configuration has in other modes but not in this one: port -> why.
    missing: dict[str, str] = {}

    @abstractmethod
    def send(self, port: str, frames: list[tuple[int, bytes]]) -> None:
        """Frames (timestamp ns, bytes) arriving on an input port; not processed yet."""

    @abstractmethod
    def receive(self, port: str) -> list[tuple[int, bytes]]:
        """What the configuration sent on an output port since the last call."""

    @abstractmethod
    def settle(self, idle_rounds: int) -> None:
        """Process until the configuration is quiet (nothing moved for idle_rounds rounds)."""

    @abstractmethod
    def advance(self, seconds: float) -> None:
        """Let time pass (the configuration's timers, queues and shapers run meanwhile)."""

    @abstractmethod
    def read(self, element: str, handler: str) -> str:
        """A read handler's text."""

    @abstractmethod
    def write(self, element: str, handler: str, value: str = "") -> None:
        """Call a write handler."""

    def step(self, rounds: int = 1) -> int:
        """Rounds of the compiled loop, where the test drives them (memory mode)."""
        raise ModeUnavailable(f"{self.mode} mode has no rounds to step: the configuration runs "
                              "on the real clock; use settle() or advance()")

    def account(self):
        """The packet account (clickpy.runtime.account.Account), where the mode has one."""
        raise ModeUnavailable(f"{self.mode} mode keeps no packet account")

    def close(self) -> None:
        """Release what the mode holds (namespaces, processes)."""


# What each mode needs on the machine besides root: commands, and why.
NEEDS = {
    "network": (("ip", "iproute2's `ip`, for network namespaces and veth pairs"),),
    "image": (("ip", "iproute2's `ip`, for taps and namespaces"),
              ("qemu-system-x86_64", "QEMU, to boot the image"),
              ("gcc", "gcc, to build the image's runtime"),
              ("ld", "binutils' ld, to link the image")),
}


def unavailable(mode: str) -> str | None:
    """Why `mode` cannot run here (naming what is missing), or None when it can."""
    if mode == "memory":
        return None
    if mode not in NEEDS:
        return f"unknown mode {mode!r} (modes: {', '.join(MODES)})"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        what = "network namespaces and veth pairs" if mode == "network" else "taps in namespaces"
        return f"{mode} mode needs root (it creates {what})"
    missing = [why for cmd, why in NEEDS[mode] if shutil.which(cmd) is None]
    if missing:
        return f"{mode} mode needs " + "; ".join(missing) + " (not installed)"
    return None
