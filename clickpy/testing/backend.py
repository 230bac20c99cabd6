"""What a test mode provides: ports to send frames into and read frames from.

A Middlebox (clickpy.testing.middlebox) holds one Backend and builds every
verb on these few calls, so a test runs unchanged whatever carries its
packets: the compiled graph in this process (memory mode), veth pairs in
network namespaces (network mode), or a booted unikernel on taps (image
mode).  Only memory mode exists so far; the others report why they cannot
run through `unavailable()`, which the pytest plugin turns into skips.
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

    def account(self):
        """The packet account (clickpy.runtime.account.Account), where the mode has one."""
        raise ModeUnavailable(f"{self.mode} mode keeps no packet account")

    def close(self) -> None:
        """Release what the mode holds (namespaces, processes)."""


def unavailable(mode: str) -> str | None:
    """Why `mode` cannot run here, or None when it can."""
    if mode == "memory":
        return None
    if mode == "network":
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return "network mode needs root (it creates network namespaces and veth pairs)"
        if shutil.which("ip") is None:
            return "network mode needs `ip netns` (iproute2 is not installed)"
        return ("network mode is not available yet: clickpy.testing has no network backend "
                "until FromDevice/ToDevice run on real interfaces")
    if mode == "image":
        if shutil.which("qemu-system-x86_64") is None:
            return "image mode needs qemu-system-x86_64 (not installed)"
        return ("image mode is not available yet: clickpy.testing has no image backend "
                "until `clickpy build` makes unikernel images")
    return f"unknown mode {mode!r} (modes: {', '.join(MODES)})"
