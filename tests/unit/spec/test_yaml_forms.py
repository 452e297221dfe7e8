"""YAML 1.1 vs 1.2 number and boolean forms, environment variable names, and values from unset
``${env:…}`` — through the real CLI (``fcctl validate --output json``)."""

from __future__ import annotations

import json

import pytest

from fcctl.cli.main import main

FN = """region: {region}
functions:
  - functionName: fn
    runtime: {runtime}
    handler: index.handler
    code: {code}
"""


def _validate(tmp_path, capsys, body: str, *, region="cn-hangzhou", runtime="python3.10",
              env=None, monkeypatch=None) -> tuple[int, list[dict]]:
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    (app / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    (app / "index.js").write_text("exports.handler = async () => 'ok';\n")
    f = tmp_path / "fc.yaml"
    f.write_text(FN.format(region=region, runtime=runtime, code=app) + body)
    code = main(["validate", "--output", "json", "-f", str(f)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out)["problems"]


@pytest.mark.parametrize("field,text", [
    ("timeout", "010"), ("timeout", "0x10"), ("timeout", "1_0"), ("timeout", "1:30"),
    ("timeout", "1e2"), ("timeout", "0o400"), ("timeout", "08"), ("memorySize", "0x800"),
    ("memorySize", "2_048"), ("instanceConcurrency", "010"), ("diskSize", "0o1000"),
    ("cpu", "0_1.5"), ("cpu", "1.0e+0"), ("cpu", ".inf"), ("idleTimeout", "0b11"),
])
def test_every_non_decimal_number_form_is_one_error_at_its_line(tmp_path, capsys, field, text):
    code, problems = _validate(tmp_path, capsys, f"    memorySize: 2048\n    {field}: {text}\n"
                               if field == "cpu" else f"    {field}: {text}\n")
    assert code == 2
    line = 8 if field == "cpu" else 7
    at = [p for p in problems if p["line"] == line]
    assert len(at) == 1, problems
    assert at[0]["severity"] == "error" and "write a plain decimal number" in at[0]["message"]


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "Yes", "NO", "On", "OFF"])
def test_yaml11_booleans_are_errors_in_boolean_fields(tmp_path, capsys, text):
    code, problems = _validate(tmp_path, capsys, f"    internetAccess: {text}\n")
    assert code == 2
    (p,) = problems
    assert p["line"] == 7 and "write true or false" in p["message"]
    assert f"reads {text} as" in p["message"]


@pytest.mark.parametrize("text", ["true", "false", "True", "FALSE"])
def test_true_and_false_are_fine(tmp_path, capsys, text):
    code, problems = _validate(tmp_path, capsys, f"    internetAccess: {text}\n")
    assert code == 0 and problems == []


@pytest.mark.parametrize("text,kind", [("0x10", "number"), ("010", "number"), ("on", "boolean"),
                                       ("1:30", "number")])
def test_string_field_quotes_the_text_as_written(tmp_path, capsys, text, kind):
    code, problems = _validate(tmp_path, capsys, f"    description: {text}\n")
    assert code == 2
    (p,) = problems
    assert p["message"] == (f'description must be a string; quote it: "{text}" (unquoted, YAML '
                            f"reads it as a {kind})")


def test_env_values_keep_the_text_written_with_a_warning(tmp_path, capsys):
    code, problems = _validate(tmp_path, capsys, "    environmentVariables:\n      A: 010\n      B: yes\n")
    assert code == 0
    assert [p["severity"] for p in problems] == ["warning", "warning"]


@pytest.mark.parametrize("key,ok", [
    ("2", False), ("1.5", False), ("null", False), ("~", False), ("true", False), ("yes", False),
    ("ON", False), ('"A-B"', False), ('"2FA"', False), ("a.b", False), ('""', False),
    ('"true"', True), ('"ON"', True), ("_A1", False), ("lower", True), ("PATH_2", True),
])
def test_environment_variable_names(tmp_path, capsys, key, ok):
    code, problems = _validate(tmp_path, capsys, f"    environmentVariables:\n      {key}: x\n")
    if ok:
        assert code == 0, problems
        return
    assert code == 2
    (p,) = problems
    assert (p["line"], p["column"]) == (8, 7)
    assert "environment variable name" in p["message"]


def test_unset_region_is_only_the_unset_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FCCTL_TEST_UNSET_REGION", raising=False)
    code, problems = _validate(tmp_path, capsys, "", region="${env:FCCTL_TEST_UNSET_REGION}")
    assert code == 2
    (p,) = problems
    assert p["line"] == 1 and "FCCTL_TEST_UNSET_REGION is not set" in p["message"]


@pytest.mark.parametrize("body,runtime", [
    ("    region: ${env:FCCTL_TEST_UNSET_X}\n", "python3.10"),
    ("    memorySize: ${env:FCCTL_TEST_UNSET_X}\n", "python3.10"),
    ("    internetAccess: ${env:FCCTL_TEST_UNSET_X}\n", "python3.10"),
    ("    instanceLifecycleConfig:\n      initializer:\n        handler: index.handler\n"
     "        timeout: ${env:FCCTL_TEST_UNSET_X}\n", "python3.10"),
    ("    customContainerConfig:\n      image: registry.${env:FCCTL_TEST_UNSET_X}.aliyuncs.com/ns/i:1\n",
     "custom-container"),
    ("    triggers:\n      - triggerName: t\n        triggerType: http\n        triggerConfig:\n"
     "          authType: ${env:FCCTL_TEST_UNSET_X}\n", "python3.10"),
])
def test_a_value_from_an_unset_variable_has_only_that_error(tmp_path, capsys, monkeypatch, body, runtime):
    monkeypatch.delenv("FCCTL_TEST_UNSET_X", raising=False)
    code, problems = _validate(tmp_path, capsys, body, runtime=runtime)
    assert code == 2
    # (the template gives every function code; a container's "no code" error is not the point)
    real = [p for p in problems if "custom-container runs an image, not code" not in p["message"]]
    assert len(real) == 1, problems
    assert "FCCTL_TEST_UNSET_X is not set" in real[0]["message"]


def test_unset_runtime_is_only_the_unset_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FCCTL_TEST_UNSET_RT", raising=False)
    code, problems = _validate(tmp_path, capsys, "", runtime="${env:FCCTL_TEST_UNSET_RT}")
    assert code == 2
    (p,) = problems
    assert "FCCTL_TEST_UNSET_RT is not set" in p["message"]


@pytest.mark.parametrize("text", ["0" + "7" * 5000, "0x" + "f" * 5000, "1_" + "1" * 5000,
                                  "0o" + "7" * 5000, "9" * 5000])
def test_absurdly_long_numbers_are_errors_not_crashes(tmp_path, capsys, text):
    code, problems = _validate(tmp_path, capsys, f"    timeout: {text}\n    description: {text}\n")
    assert code == 2
    assert [p["line"] for p in problems if p["severity"] == "error"] == [7]
    assert len(problems[0]["message"]) < 400
