"""The runner core is standard library only: no pydantic, no SDK, no rich."""

from __future__ import annotations

import json
import subprocess
import sys


def test_runner_core_imports_no_heavy_modules():
    code = (
        "import json, sys\n"
        "import fcctl.runner.instance, fcctl.runner.state, fcctl.runner.config\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'alibabacloud_fc20230330', 'rich', 'yaml', 'typer'))\n"
        "print(json.dumps(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
