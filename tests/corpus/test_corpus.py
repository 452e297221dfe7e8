"""Every spec in tests/corpus/specs is a test, run through the real CLI.

* ``bad/**/*.yaml``: exit 2, no traceback, and an error at the line named by the file's first
  comment, ``# expect: line N: what`` or ``# expect: lines N-M: what`` (any line in the range).
  ``# base: PATH`` lines (relative to the file) name files loaded before it (overlays), and
  ``# expect-file: NAME`` says the error is in another of those files.
* ``good/**/*.yaml``: exit 0; ``# expect-warning: line N: what`` also requires a warning there.
  ``# base:`` works as for bad files. Files named ``*.base.yaml`` are only used as bases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fcctl.cli.main import main

SPECS = Path(__file__).resolve().parent / "specs"
_EXPECT = re.compile(r"#\s*expect(?P<warn>-warning)?:\s*lines?\s+(?P<a>\d+)(?:\s*-\s*(?P<b>\d+))?")


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (SPECS / kind).rglob("*.yaml") if not p.name.endswith(".base.yaml"))


def _header(path: Path) -> dict:
    out = {"bases": [], "expect": None, "warn": None, "file": None, "text": ""}
    for line in path.read_bytes().decode("utf-8", "replace").splitlines()[:8]:
        m = _EXPECT.search(line)
        if m:
            rng = (int(m["a"]), int(m["b"] or m["a"]))
            out["warn" if m["warn"] else "expect"] = rng
            out["text"] = line[m.end():].lstrip(": ").strip()
        elif line.startswith("# base:"):
            out["bases"].append((path.parent / line.split(":", 1)[1].strip()))
        elif line.startswith("# expect-file:"):
            out["file"] = path.parent / line.split(":", 1)[1].strip()
    return out


def _run(capsys, files: list[Path]) -> tuple[int, str, str]:
    args = ["validate"]
    for f in files:
        args += ["-f", str(f)]
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _lines_for(err: str, path: Path, severity: str) -> set[int]:
    found = set()
    prefix = f"{path}:"
    for line in err.splitlines():
        if line.startswith(prefix):
            rest = line[len(prefix):]
            m = re.match(r"(\d+):(\d+): (\w+): ", rest)
            if m and m.group(3) == severity:
                found.add(int(m.group(1)))
    return found


@pytest.mark.parametrize("path", _cases("bad"), ids=lambda p: str(p.relative_to(SPECS)))
def test_bad_spec(path: Path, capsys):
    head = _header(path)
    assert head["expect"], f"{path} has no '# expect: line N' header"
    code, out, err = _run(capsys, head["bases"] + [path])
    assert "Traceback" not in out + err
    assert code == 2, err
    where = head["file"] or path
    lines = _lines_for(err, where, "error")
    lo, hi = head["expect"]
    assert lines & set(range(lo, hi + 1)), f"expected an error at {where}:{lo}-{hi}, got:\n{err}"
    if path.parent == SPECS / "bad":  # the shared corpus: our message says what its header says
        said = head["text"].lower()
        assert any(said in line.lower() for line in err.splitlines()), (said, err)


@pytest.mark.parametrize("path", _cases("good"), ids=lambda p: str(p.relative_to(SPECS)))
def test_good_spec(path: Path, capsys):
    head = _header(path)
    code, out, err = _run(capsys, head["bases"] + [path])
    assert "Traceback" not in out + err
    assert code == 0, err
    assert "valid" in out
    if head["warn"]:
        lo, hi = head["warn"]
        lines = _lines_for(err, path, "warning")
        assert lines & set(range(lo, hi + 1)), f"expected a warning at {path}:{lo}-{hi}, got:\n{err}"
    else:
        assert ": warning: " not in err, err
