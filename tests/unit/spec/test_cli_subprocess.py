"""`fcctl validate` as a user runs it: a real process, exit codes, the expected line, no
traceback, and never the SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BAD = REPO / "tests/corpus/specs/bad"
pytestmark = pytest.mark.timeout(120)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fcctl", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60, env={**os.environ, "TERM": "dumb"})


@pytest.mark.parametrize("name,line", [
    ("both-initializer-types.yaml", 14),
    ("prestop-typo.yaml", 14),
    ("tab-indent.yaml", 7),
])
def test_bad_spec_in_a_process(name, line):
    proc = _run("validate", "-f", f"tests/corpus/specs/bad/{name}")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"tests/corpus/specs/bad/{name}:{line}:" in proc.stderr
    assert proc.stdout == ""


def test_good_spec_json_in_a_process():
    proc = _run("--output", "json", "validate", "-f", "fc.yaml.example")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"schemaVersion": 1, "valid": True, "problems": []}
    assert proc.stderr == ""


@pytest.mark.parametrize("args", [
    ["validate", "-f", "fc.yaml.example"],
    ["validate", "-f", "tests/corpus/specs/good/realistic/several-functions.yaml"],
    ["validate", "-f", "tests/corpus/specs/bad/duplicate-key.yaml"],
    ["schema"],
])
def test_validate_and_schema_never_import_the_sdk(args):
    code = (
        "import sys\n"
        "from fcctl.cli.main import main\n"
        f"rc = main({args!r})\n"
        "sdk = sorted(m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', 'Tea')))\n"
        "sys.stderr.write('SDK-MODULES: %r\\n' % sdk)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          timeout=60, env={**os.environ, "TERM": "dumb"})
    assert proc.returncode in (0, 2), proc.stderr
    assert "SDK-MODULES: []" in proc.stderr
