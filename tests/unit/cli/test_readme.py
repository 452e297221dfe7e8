"""The README stays true: its spec snippet validates, and CI runs its test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

from fcctl.cli.main import main

REPO = Path(__file__).resolve().parents[3]
README = (REPO / "README.md").read_text()


def test_readme_spec_snippet_validates(tmp_path, monkeypatch, capsys):
    snippet = re.search(r"```yaml\n(.*?)```", README, re.S).group(1)
    (tmp_path / "app").mkdir()
    (tmp_path / "fc.yaml").write_text(snippet)
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0, capsys.readouterr()


def test_ci_runs_the_readme_test_command():
    command = re.search(r"Run the tests.*?```sh\n(.*?)\n```", README, re.S).group(1).strip()
    assert command in (REPO / ".ci" / "run").read_text()
