"""Running images: start one under QEMU microvm, find it again by name, stop it.

Each running image has a folder (run_dir()/NAME) with its pid, the console
log (COM1), the control socket (COM2, see runtime/control.c) and a copy of
the image's description.  QEMU runs in its own session, so it outlives the
`clickpy boot` that started it; `clickpy stop` ends it and removes the folder.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

from clickpy.unikernel.build import too_little_memory
from clickpy.unikernel.manifest import memory_mib

log = logging.getLogger(__name__)

QEMU = "qemu-system-x86_64"
# Under TCG a guest with nothing to do for 1 ms halts for this long at a time (runtime/idle.S)
# instead of polling; under this machine's KVM (PVM) it cannot halt and polls.
IDLE_NS = {"tcg": 200_000}
READY = b"clickpy: ready"
FORWARDED = b"clickpy: first packet forwarded"


class VMError(Exception):
    """A VM that cannot be started, found or stopped; the message says why."""


def run_dir() -> str:
    """Where running images keep their folders: on tmpfs when there is one, since a
    folder holds the guest's RAM file (on disk, QEMU starts some 150 ms later)."""
    base = os.environ.get("CLICKPY_RUN_DIR")
    if base:
        return base
    if os.path.isdir("/dev/shm"):
        return f"/dev/shm/clickpy-{os.geteuid()}"
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR") or "/tmp", f"clickpy-{os.geteuid()}")


def nic_mac(k: int) -> str:
    """NIC k's MAC: the runtime maps it back to k (runtime/net.c)."""
    return f"52:54:00:c1:1c:{k:02x}"


def kvm_usable() -> bool:
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


@dataclass
class VM:
    name: str
    folder: str

    @property
    def console(self) -> str:
        return os.path.join(self.folder, "console.log")

    @property
    def control(self) -> str:
        return os.path.join(self.folder, "control.sock")

    @property
    def memory(self) -> str:
        """The guest's RAM, shared with QEMU (guest physical address = file offset)."""
        return os.path.join(self.folder, "memory")

    @property
    def pid(self) -> int | None:
        try:
            with open(os.path.join(self.folder, "pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def meta(self) -> dict:
        with open(os.path.join(self.folder, "image.json")) as f:
            return json.load(f)

    def alive(self) -> bool:
        pid = self.pid
        if pid is None:
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return self.folder.encode() in f.read()   # our QEMU, not a reused pid
        except OSError:
            return False

    def console_text(self) -> bytes:
        try:
            with open(self.console, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def wait_for(self, marker: bytes, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if marker in self.console_text():
                return True
            if not self.alive():
                return marker in self.console_text()
            time.sleep(0.002)
        return False


def find(name: str) -> VM:
    folder = os.path.join(run_dir(), name)
    if not os.path.isdir(folder):
        raise VMError(f"no running image named {name!r} (looked in {run_dir()})")
    return VM(name, folder)


def command(image: str, vm: VM, nics: list[str], accel: str, memory: str) -> list[str]:
    mib = memory_mib(memory)
    # acpi=off: QEMU builds no ACPI tables the image would not read (12 ms of boot here)
    cmd = [QEMU, "-M", "microvm,memory-backend=ram,acpi=off", "-accel", accel, "-nodefaults",
           "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
           "-m", f"{mib}M",
           "-object", f"memory-backend-file,id=ram,size={mib}M,mem-path={vm.memory},share=on",
           "-kernel", image, "-append", f"now={time.time_ns()} idle={IDLE_NS.get(accel, 0)}",
           "-serial", f"file:{vm.console}",
           # microvm makes one ISA serial port of -serial; COM2 is added by hand
           "-chardev", f"socket,id=control,path={vm.control},server=on,wait=off",
           "-device", "isa-serial,chardev=control,iobase=0x2f8,irq=3",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-name", f"clickpy-{vm.name},process=clickpy-{vm.name}",
           "-pidfile", os.path.join(vm.folder, "pid")]
    if os.path.isfile(image + ".bios"):   # the image's own firmware (clickpy build writes it)
        cmd += ["-bios", image + ".bios"]
    if accel == "kvm":   # this machine's KVM rejects some host CPUID bits (see the spike notes)
        cmd[5:5] = ["-cpu", "host,arch-capabilities=off"]
    for k, tap in enumerate(nics):
        cmd += ["-netdev", f"tap,id=n{k},ifname={tap},script=no,downscript=no",
                "-device", f"virtio-net-device,netdev=n{k},mac={nic_mac(k)}"]
    return cmd


def boot(image: str, nics: dict[str, str], name: str | None = None, accel: str | None = None,
         memory: str | None = None, timeout: float = 20.0) -> VM:
    """Start the image with device -> tap bindings; returns once the guest is ready.

    accel None: KVM when /dev/kvm opens, and TCG if the guest does not come
    up under KVM (a KVM that refuses the CPU model, say).
    """
    if accel is None and kvm_usable():
        try:
            return _boot(image, nics, name, "kvm", memory, timeout)
        except VMError as e:
            log.warning("%s; trying TCG", e)
    return _boot(image, nics, name, accel or "tcg", memory, timeout)


def _boot(image: str, nics: dict[str, str], name: str | None, accel: str,
          memory: str | None, timeout: float) -> VM:
    if not os.path.isfile(image) or not os.path.isfile(image + ".json"):
        raise VMError(f"{image}: no such image (or its .json description is missing)")
    with open(image + ".json") as f:
        meta = json.load(f)
    spec = meta["spec"]
    devices = spec["devices"]
    unknown = sorted(set(nics) - set(devices))
    if unknown:
        raise VMError(f"the image has no device {unknown[0]!r} (its devices: {', '.join(devices)})")
    missing = [d for d in devices if d not in nics]
    if missing:
        raise VMError(f"no tap for device {missing[0]!r}: add --nic {missing[0]}=TAP")
    why = too_little_memory(image, memory or spec["memory"])
    if why:
        raise VMError(why)
    if shutil.which(QEMU) is None:
        raise VMError(f"{QEMU} is not installed (Debian: apt-get install qemu-system-x86)")
    name = name or spec["name"]
    folder = os.path.join(run_dir(), name)
    vm = VM(name, folder)
    if os.path.isdir(folder):
        if vm.alive():
            raise VMError(f"an image named {name!r} is running already (clickpy stop {name})")
        shutil.rmtree(folder)
    os.makedirs(folder)
    shutil.copy(image + ".json", os.path.join(folder, "image.json"))
    cmd = command(os.path.abspath(image), vm, [nics[d] for d in devices], accel,
                  memory or spec["memory"])
    with open(os.path.join(folder, "qemu.log"), "wb") as log:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if READY in vm.console_text():
            return vm
        if p.poll() is not None:
            break
        time.sleep(0.002)
    with open(os.path.join(folder, "qemu.log"), "rb") as f:
        why = f.read().decode(errors="replace").strip()
    if p.poll() is None:
        p.kill()
        p.wait()
    console = vm.console_text().decode(errors="replace").strip()
    shutil.rmtree(folder, ignore_errors=True)
    raise VMError(f"{name} did not become ready ({accel}): {why or console or 'no output'}")


def stop(vm: VM, timeout: float = 5.0) -> None:
    """End the VM (SIGTERM, then SIGKILL) and remove its folder."""
    pid = vm.pid
    if pid is not None and vm.alive():
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + timeout
        while vm.alive() and time.monotonic() < end:
            time.sleep(0.01)
        if vm.alive():
            os.kill(pid, signal.SIGKILL)
            while vm.alive():
                time.sleep(0.01)
    shutil.rmtree(vm.folder, ignore_errors=True)
