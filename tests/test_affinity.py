"""clickpy run -a: worker w pinned to the w-th allowed CPU, as Click's -a pins thread t."""
import os
import subprocess
import sys

from clickpy.runtime.affinity import cpu_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_workers_take_the_allowed_cpus_in_order_and_wrap_around():
    assert [cpu_for(w, {5, 2, 7}) for w in range(5)] == [2, 5, 7, 2, 5]
    assert cpu_for(0, {0, 1}) == 0 and cpu_for(1, {0, 1}) == 1


def test_pin_leaves_the_process_on_one_cpu():
    allowed = sorted(os.sched_getaffinity(0))
    code = ("import os; from clickpy.runtime.affinity import pin; "
            "cpu = pin(1); print(cpu, sorted(os.sched_getaffinity(0)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split(maxsplit=1)
    expected = allowed[1 % len(allowed)]
    assert out == [str(expected), f"[{expected}]\n"]
