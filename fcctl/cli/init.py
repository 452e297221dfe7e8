"""``fcctl init TEMPLATE [DIR]`` and ``fcctl init --list``: scaffold a project from a template.

Templates live in ``templates/<name>/`` of a source checkout and in ``fcctl/_templates/<name>/``
of an installed wheel (``pyproject.toml`` force-includes them). Each has a ``template.toml``
with a one-line ``description``; every other file is copied. Existing files are never
overwritten (exit 2, listing them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from fcctl import errors
from fcctl.cli.context import OutputOpt, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

META_FILE = "template.toml"


def templates_root() -> Path:
    """The templates directory: ``fcctl/_templates`` (installed wheel) or ``<repo>/templates``
    (source / editable checkout). Raises :class:`fcctl.errors.UsageError` when neither exists."""
    import fcctl

    pkg = Path(fcctl.__file__).resolve().parent
    for candidate in (pkg / "_templates", pkg.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise errors.UsageError("fcctl's templates are not installed (no fcctl/_templates or "
                            "templates/ directory)")


def _description(meta: Path) -> str:
    try:
        text = meta.read_text(encoding="utf-8")
    except OSError:
        return ""
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # Python 3.10: the one key we need, read plainly
        import re

        m = re.search(r'^description\s*=\s*"(.*)"\s*$', text, re.M)
        return m.group(1) if m else ""
    try:
        return str(tomllib.loads(text).get("description", ""))
    except tomllib.TOMLDecodeError:
        return ""


def list_templates() -> list[dict]:
    """``[{"name", "description", "files": [relative paths]}]`` sorted by name."""
    root = templates_root()
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        out.append({"name": d.name, "description": _description(d / META_FILE),
                    "files": [str(p) for p in _template_files(d)]})
    return out


def _template_files(tdir: Path) -> list[Path]:
    files = []
    for p in sorted(tdir.rglob("*")):
        rel = p.relative_to(tdir)
        if p.is_dir() or rel.name == META_FILE and len(rel.parts) == 1:
            continue
        if "__pycache__" in rel.parts or rel.suffix == ".pyc":
            continue
        files.append(rel)
    return files


def scaffold(name: str, dest: Path) -> list[Path]:
    """Copy template ``name`` into ``dest`` (created if missing); returns the files written.

    Raises :class:`fcctl.errors.UsageError` (exit 2) for an unknown template or when any target
    file already exists (nothing is written then).
    """
    import shutil

    root = templates_root()
    tdir = root / name
    if not tdir.is_dir() or name.startswith((".", "_")):
        names = ", ".join(t["name"] for t in list_templates())
        raise errors.UsageError(f"no template named {name!r}", hint=f"templates: {names}")
    files = _template_files(tdir)
    clashes = [rel for rel in files if (dest / rel).exists() or (dest / rel).is_symlink()]
    if clashes:
        listed = ", ".join(str(dest / c) for c in clashes)
        raise errors.UsageError(f"refusing to overwrite existing file(s): {listed}",
                                hint="choose an empty directory: fcctl init TEMPLATE DIR")
    written = []
    try:
        for rel in files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tdir / rel, target)  # keeps the executable bit of scripts
            written.append(target)
    except OSError as exc:
        raise errors.UsageError(f"cannot write {exc.filename or dest}: {exc.strerror or exc}")
    return written


@app.command("init")
def init(
    ctx: typer.Context,
    template: Optional[str] = typer.Argument(None, help="Template name (see --list)."),
    directory: str = typer.Argument(".", help="Where to create the files (default: here)."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the templates."),
    output: Optional[str] = OutputOpt,
) -> None:
    """Create a project from a template: fcctl init python-web my-app. Never overwrites files."""
    merged(ctx, output=output)
    console = get_console()
    if list_:
        items = list_templates()

        def render(c):
            width = max(len(t["name"]) for t in items) if items else 0
            for t in items:
                c.print(f"{t['name'].ljust(width)}  {t['description']}")

        console.result({"schemaVersion": 1, "templates": items}, render)
        return
    if not template:
        raise errors.UsageError("name a template, or use --list to see them",
                                hint="fcctl init python-web my-app")
    dest = Path(directory)
    written = scaffold(template, dest)

    def render(c):
        for p in written:
            c.print(f"created {p}")

    console.result({"schemaVersion": 1, "template": template,
                    "directory": str(dest.resolve()), "files": [str(p) for p in written]}, render)
    if console.json_mode:
        return
    if (dest / "fc.yaml").exists():
        console.info(f"next: cd {dest} && fcctl validate && fcctl local check"
                     + (" --command 'python3 app.py'" if "container" in template else ""))
    else:
        console.info("next: copy the files into your project's repository and read the "
                     "comments at the top of each (repository variables to set)")
