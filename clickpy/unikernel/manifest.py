"""Image manifests (vnf_images/*.yaml): what one middlebox image is made of.

    name: router                    # the image's name (default: the file's stem)
    config: ../configs/router.click # relative to the manifest
    devices: [eth0, eth1]           # NIC 0, 1, ... in this order (virtio-net)
    memory: 16M                     # guest memory for `clickpy boot`
    define: {IF0: eth0}             # optional: configuration variables
    replace: {ToHost: Discard}      # optional: stand-ins for host-only classes
    pool: 512                       # optional: packet slots in the image
    budget: 32                      # optional: packets per task per round

A bare configuration is an image too: its devices in the order the
configuration first names them, and the defaults below.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import yaml

DEFAULT_MEMORY = "16M"
DEFAULT_POOL = 512
DEFAULT_BUDGET = 32
KEYS = {"name", "config", "devices", "memory", "define", "replace", "pool", "budget"}


class ManifestError(Exception):
    """A manifest that cannot be used; the message says where and why."""


@dataclass
class ImageSpec:
    name: str
    config: str                       # absolute path
    devices: list[str] | None = None  # None: as the configuration names them
    memory: str = DEFAULT_MEMORY
    defines: dict[str, str] = field(default_factory=dict)
    replace: dict[str, str] = field(default_factory=dict)
    pool: int = DEFAULT_POOL
    budget: int = DEFAULT_BUDGET

    def to_json(self) -> dict:
        return dict(self.__dict__)


def memory_mib(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([MG]?)i?B?\s*", str(text), re.I)
    if not m:
        raise ManifestError(f"bad memory size {text!r}: write it like 16M or 1G")
    return int(m.group(1)) * (1024 if m.group(2).upper() == "G" else 1)


def is_manifest(path: str) -> bool:
    """A YAML file with a `config:` key (a YAML configuration has `elements:` instead)."""
    if not path.endswith((".yaml", ".yml")):
        return False
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(doc, dict) and "config" in doc


def load(path: str) -> ImageSpec:
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise ManifestError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ManifestError(f"{path}: not YAML: {e}") from None
    if not isinstance(doc, dict) or "config" not in doc:
        raise ManifestError(f"{path}: an image manifest is a mapping with at least `config:`")
    unknown = set(doc) - KEYS
    if unknown:
        raise ManifestError(f"{path}: unknown key {sorted(unknown)[0]!r} "
                            f"(known: {', '.join(sorted(KEYS))})")
    config = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), doc["config"]))
    devices = doc.get("devices")
    if devices is not None and not (isinstance(devices, list) and all(isinstance(d, str)
                                                                      for d in devices)):
        raise ManifestError(f"{path}: devices must be a list of device names")
    for key in ("define", "replace"):
        if not isinstance(doc.get(key) or {}, dict):
            raise ManifestError(f"{path}: {key} must be a mapping")
    spec = ImageSpec(
        name=str(doc.get("name") or os.path.splitext(os.path.basename(path))[0]),
        config=config, devices=devices, memory=str(doc.get("memory") or DEFAULT_MEMORY),
        defines={str(k): str(v) for k, v in (doc.get("define") or {}).items()},
        # YAML reads a bare Null as null: the element class Null is meant.
        replace={str(k): "Null" if v is None else str(v)
                 for k, v in (doc.get("replace") or {}).items()},
        pool=int(doc.get("pool") or DEFAULT_POOL), budget=int(doc.get("budget") or DEFAULT_BUDGET))
    memory_mib(spec.memory)
    return spec


def from_config(path: str, defines: dict[str, str] | None = None) -> ImageSpec:
    return ImageSpec(name=os.path.splitext(os.path.basename(path))[0],
                     config=os.path.abspath(path), defines=dict(defines or {}))
