"""``fcctl validate`` (check fc.yaml, no network) and ``fcctl schema`` (JSON Schema of fc.yaml).

Light at import time: the spec package (pydantic, PyYAML) loads inside the commands, and
neither command ever imports the SDK.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import FilesOpt, OutputOpt, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console


@app.command()
def validate(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Check spec files (merged in order) without calling FC.

    Exit 0 when valid (warnings are printed), 2 when there is any error. Text mode prints one
    problem per line on stderr, 'file:line:col: severity: path: message' (a table on a
    terminal); --output json prints one document on stdout:
    {"schemaVersion": 1, "valid": true|false, "problems": [{file, line, column, path, message,
    severity}]}.
    """
    merged(ctx, output=output)
    from fcctl.spec import load_spec
    from fcctl.ui.problems import render_problems, summary

    console = get_console()
    try:
        loaded = load_spec(files)
        problems, valid, count = loaded.warnings, True, len(loaded.spec.functions)
    except errors.SpecError as exc:
        problems, valid, count = exc.problems, False, 0
    document = {  # schemaVersion: stamped by console.result
        "valid": valid,
        "problems": [p.to_dict() for p in problems],
    }
    if console.json_mode:
        console.result(document)
    else:
        render_problems(console, problems)
        line = summary(files, problems, valid, count)
        # plain writes: rich costs start-up time and adds nothing to one line
        stream = sys.stdout if valid else sys.stderr
        stream.write(line + "\n")
        stream.flush()
    if not valid:
        raise errors.ExitStatus(errors.EXIT_USAGE)


@app.command()
def schema(
    ctx: typer.Context,
) -> None:
    """Print the JSON Schema (draft 2020-12) of fc.yaml, for editors (yaml-language-server)."""
    from fcctl.spec.schema import schema_text

    sys.stdout.write(schema_text())
    sys.stdout.flush()
