"""Every shipped manifest builds, boots, answers a handler and stops."""
import glob
import os

import pytest
from conftest import ROOT, clickpy, needs_vm

from clickpy.unikernel import vm

pytestmark = needs_vm
MANIFESTS = sorted(os.path.splitext(os.path.basename(p))[0]
                   for p in glob.glob(os.path.join(ROOT, "vnf_images", "*.yaml")))


@pytest.mark.parametrize("name", MANIFESTS)
def test_builds_boots_and_stops(name, boot_image, images):
    assert os.path.getsize(images(name)) < 256 * 1024
    v, *ports = boot_image(name)
    assert vm.READY in v.console_text()
    meta = v.meta()
    rx = next(n for n, c in zip(meta["names"], meta["classes"]) if c == "VirtioFromDevice")
    r = clickpy("handler", "read", v.name, f"{rx}.count", timeout=300)
    assert r.returncode == 0 and r.stdout.strip().isdigit(), r.stderr
    assert v.alive()
