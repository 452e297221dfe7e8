"""Start-up: commands that make no API call must not import the FC SDK (about 0.4-0.7 s)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import json, sys
    from fcctl.cli.main import main
    code = main({argv!r})
    heavy = sorted(m for m in sys.modules if m.startswith(("alibabacloud", "darabonba", "Tea")))
    sys.stderr.write("\\n" + json.dumps({{"code": code, "heavy": heavy}}) + "\\n")
    """
)


def run_probe(argv: list[str], cwd=None, env=None) -> dict:
    import os

    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
        env={**os.environ, **(env or {})},
    )
    last = proc.stderr.strip().splitlines()[-1]
    return json.loads(last)


@pytest.mark.parametrize("argv", [["--help"], ["deploy", "--help"], ["plan", "--help"]])
def test_help_does_not_import_the_sdk(argv):
    out = run_probe(argv)
    assert out["code"] == 0
    assert out["heavy"] == []


def test_main_module_runs_as_script():
    proc = subprocess.run([sys.executable, "-m", "fcctl", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0
    assert "deploy" in proc.stdout and "plan" in proc.stdout


def test_plan_imports_the_sdk_so_the_probe_can_see_it(tmp_path):
    """Negative control: a command that calls the API does import the SDK, and the probe sees it."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    (tmp_path / "fc.yaml").write_text(
        "region: cn-hangzhou\nfunctions:\n  - functionName: f\n    runtime: python3.10\n"
        "    handler: index.handler\n    code: ./app\n"
    )
    out = run_probe(["--endpoint", "http://127.0.0.1:9", "plan", "--detailed-exitcode"],
                    cwd=tmp_path, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "x",
                                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "y"})
    assert out["code"] == 1  # connection refused, after the SDK was loaded
    assert "alibabacloud_fc20230330" in out["heavy"]


def test_version_prints_and_exits_0():
    proc = subprocess.run([sys.executable, "-m", "fcctl", "--version"], capture_output=True,
                          text=True, timeout=120)
    from fcctl import __version__

    assert proc.returncode == 0 and proc.stdout.strip() == f"fcctl {__version__}"


def test_validate_imports_only_its_own_command_module(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys, json\nfrom fcctl.cli.main import main\n"
         "main(['validate', '-f', 'nope.yaml'])\n"
         "print(json.dumps(sorted(m for m in sys.modules if m.startswith('fcctl.cli.'))))"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    mods = json.loads(out.stdout.strip().splitlines()[-1])
    assert "fcctl.cli.validate" in mods
    assert not {"fcctl.cli.local", "fcctl.cli.plan_deploy", "fcctl.cli.emulator"} & set(mods)


@pytest.mark.parametrize("args, command", [
    (["--endpoint", "local", "plan", "-f", "x"], "plan"),
    (["-o", "json", "validate"], "validate"),
    (["--debug", "local", "check"], "local"),
    (["--help"], None),
    (["--progress", "ndjson", "deploy"], "deploy"),
])
def test_command_of(args, command):
    from fcctl.cli.commands import command_of

    assert command_of(args) == command


@pytest.mark.parametrize("args, command, wants_json", [
    (["-o", "json", "validate"], "validate", True),
    (["validate", "--output", "json", "-f", "x"], "validate", True),
    (["--output=json", "plan"], "plan", True),
    (["validate", "-f", "json"], "validate", False),  # a file named json
    (["--endpoint", "local", "deploy"], "deploy", False),
    (["--help"], None, False),
])
def test_invocation_reads_command_and_json_in_one_pass(args, command, wants_json):
    from fcctl.cli.commands import Invocation

    inv = Invocation(args, environ={})
    assert (inv.command, inv.json) == (command, wants_json)
    assert Invocation(["validate"], environ={"FCCTL_OUTPUT": "json"}).json is True


def test_usage_error_is_json_when_the_embedded_argv_asks_for_it(capsys):
    """main(argv) reads its own argv (not the process's) to answer a usage error in JSON."""
    from fcctl.cli.main import main
    from fcctl.ui import console as console_mod

    console_mod._current = None
    code = main(["validate", "--no-such-option", "-o", "json"])
    out = capsys.readouterr().out
    assert code == 2
    doc = json.loads(out)
    assert doc["error"]["type"] == "UsageError" and "--no-such-option" in doc["error"]["message"]


PYDANTIC_PROBE = textwrap.dedent(
    """
    import json, sys
    from fcctl.cli.main import main
    code = main({argv!r})
    sys.stderr.write("\\n" + json.dumps({{"code": code,
        "pydantic": "pydantic" in sys.modules}}) + "\\n")
    """
)


@pytest.mark.parametrize("argv", [["plan", "--help"], ["--help"], ["-o", "text", "deploy", "--help"]])
def test_help_does_not_import_pydantic(argv):
    """typer coerces options through pydantic adapters; fcctl passes None/str values through,
    so help (which has no other values) never loads pydantic."""
    proc = subprocess.run([sys.executable, "-c", PYDANTIC_PROBE.format(argv=argv)],
                          capture_output=True, text=True, timeout=120)
    out = json.loads(proc.stderr.strip().splitlines()[-1])
    assert out == {"code": 0, "pydantic": False}


def test_options_that_need_coercion_still_go_through_typer(tmp_path, capsys):
    """An int option with a bad value is still refused by typer's own adapter (exit 2)."""
    from fcctl.cli.main import main
    from fcctl.ui import console as console_mod

    console_mod._current = None
    code = main(["deploy", "--concurrency", "many", "-f", str(tmp_path / "fc.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "--concurrency" in err


def test_the_pre_typer_peek_knows_every_global_option_that_takes_a_value():
    """``commands.Invocation`` reads argv once before typer (to import only the command's
    module, and to answer in JSON when typer fails before the callback); it must skip the value
    of every global option typer's callback declares, or the value would read as the command."""
    import typer.main

    from fcctl.cli.commands import VALUE_OPTIONS
    from fcctl.cli.main import app

    group = typer.main.get_group(app)
    takes_value = {opt for p in group.params if not getattr(p, "is_flag", False)
                   and not getattr(p, "count", False) for opt in p.opts}
    assert takes_value and takes_value <= VALUE_OPTIONS
