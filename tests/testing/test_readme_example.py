"""The README's ten-line test runs, as written."""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_passes(middlebox):
    text = README.read_text()
    code = re.search(r"## Testing a middlebox with packets.*?```python\n(.*?)```", text, re.S)
    assert code, "the README lost its example"
    assert len(code.group(1).strip().splitlines()) <= 10
    namespace: dict = {}
    exec(compile(code.group(1), str(README), "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 1
    tests[0](middlebox)
