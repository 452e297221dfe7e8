"""YAML and spec edge cases, each through a real ``fcctl validate`` run: exit 2, the exact
file:line:column of the problem, no traceback (issue 14 items 4, 6 and 8; issue 9 item 10).

Positions are the ones an editor shows: lines end at \\n, \\r\\n or a lone \\r; columns count
characters (code points), so 中 and 😀 are one column each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fcctl.cli.main import main

pytestmark = pytest.mark.timeout(120)
REPO = Path(__file__).resolve().parents[3]

HEAD = "region: cn-hangzhou\nfunctions:\n"
PY_FN = ("  - functionName: f1\n    runtime: python3.10\n    handler: index.handler\n"
         "    code: ./app\n")


@pytest.fixture
def project(tmp_path, monkeypatch):
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.py").write_text(
        "import os\n\n\ndef handler(event, context):\n    return 'ok'\n\n\n"
        "async def initialize(context):\n    pass\n\n\nPRE = 1\n")
    (app / "index.js").write_text("exports.handler = async () => 'ok';\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(capsys, *files, env=None) -> tuple[int, list[dict], str]:
    args = ["validate", "--output", "json"]
    for f in files:
        args += ["-f", str(f)]
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "RecursionError" not in out + err
    return code, json.loads(out)["problems"], err


def write(root: Path, name: str, text: str | bytes) -> Path:
    p = root / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def errors_at(problems, file: str) -> list[tuple[int, int]]:
    return [(p["line"], p["column"]) for p in problems
            if p["severity"] == "error" and p["file"].endswith(file)]


def one_error(problems) -> dict:
    errs = [p for p in problems if p["severity"] == "error"]
    assert len(errs) == 1, problems
    return errs[0]


# --- never hangs, never crashes ------------------------------------------------------------


def test_recursive_anchor_in_each_overlay_is_an_error_at_the_alias(project, capsys):
    a = write(project, "a.yaml", HEAD + PY_FN + "x-r: &r {a: *r}\n")
    b = write(project, "b.yaml", "x-r: &r\n  a: *r\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    assert errors_at(problems, "a.yaml") == [(7, 13)]
    assert errors_at(problems, "b.yaml") == [(2, 6)]
    assert all("alias *r is used inside the node it names" in p["message"] for p in problems)


def test_recursive_function_list_merged_with_itself(project, capsys):
    a = write(project, "a.yaml", HEAD.replace("functions:\n", "functions: &f\n") + PY_FN
              + "    triggers: *f\n")
    code, problems, _ = validate(capsys, a, a)
    assert code == 2
    assert errors_at(problems, "a.yaml") == [(7, 15)]


def test_recursive_anchor_across_overlays_in_a_process(project):
    a = write(project, "a.yaml", HEAD + PY_FN + "x-r: &r {a: *r}\n")
    b = write(project, "b.yaml", "x-r: &r {a: [*r]}\n")
    proc = subprocess.run([sys.executable, "-m", "fcctl", "validate", "-f", str(a), "-f", str(b)],
                          capture_output=True, text=True, timeout=60, cwd=project,
                          env={**os.environ, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                               "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert f"{a}:7:13: error:" in proc.stderr and f"{b}:1:14: error:" in proc.stderr


def test_alias_chains_deeper_than_the_budget_merge_without_recursion_error(project, capsys):
    lines = ["x-a0: &a0 {k: 1}"]
    for i in range(1, 300):
        lines.append(f"x-a{i}: &a{i} {{k: {{k: {{k: *a{i - 1}}}}}}}")
    f = write(project, "chain.yaml", HEAD + PY_FN + "\n".join(lines) + "\n")
    code, problems, _ = validate(capsys, f, f)
    assert code == 2
    assert problems and all(p["file"].endswith("chain.yaml") for p in problems)
    assert any("too deep" in p["message"] for p in problems)
    assert all(len(p["path"]) < 80 for p in problems)  # deep paths are shortened, not 10 KB long


def test_deep_flow_nesting_in_one_file(project, capsys):
    f = write(project, "deep.yaml", "region: x\nfunctions: " + "[" * 50000 + "]" * 50000 + "\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert p["line"] == 2 and "nests too deeply" in p["message"]


def test_env_expansion_past_the_size_cap_is_refused_before_it_is_built(project, capsys, monkeypatch):
    monkeypatch.setenv("BIG", "x" * (1024 * 1024))
    refs = " ".join(["${env:BIG}"] * 1000)
    f = write(project, "big.yaml", HEAD + PY_FN + f'    description: "{refs}"\n')
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (7, 18)
    assert "${env:BIG} makes the spec larger than 1 MB" in p["message"]


def test_env_expansion_within_the_cap_is_fine(project, capsys, monkeypatch):
    monkeypatch.setenv("MID", "y" * 1000)
    f = write(project, "mid.yaml", HEAD + PY_FN + '    description: "${env:MID} ${env:MID}"\n')
    code, problems, _ = validate(capsys, f)
    assert code == 0, problems


def test_aliases_repeating_a_large_string_past_the_cap(project, capsys):
    big = "z" * 300_000
    f = write(project, "alias-text.yaml", HEAD + PY_FN + f"    description: &d {big}\n"
              "x-copies: [*d, *d, *d, *d]\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert p["line"] == 8 and "more than 1 MB of text" in p["message"]


# --- positions: multi-byte characters and line endings --------------------------------------

BAD_RUNTIME = "    runtime: python9\n"


@pytest.mark.parametrize("prefix,line,col", [
    # a CJK description before the error, and the error value after CJK on its own line
    ("    description: 中文中文中文\n    memorySize: 中文\n", 8, 17),
    # emoji (outside the BMP) count one column each
    ("    description: 😀😀😀\n    memorySize: 😀😀\n", 8, 17),
])
def test_columns_count_characters_after_multibyte_text(project, capsys, prefix, line, col):
    f = write(project, "mb.yaml", HEAD + PY_FN + prefix)
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert errors_at(problems, "mb.yaml") == [(line, col)]


def test_column_after_emoji_on_the_same_line(project, capsys):
    f = write(project, "emoji.yaml", HEAD + PY_FN + "    tags: {😀😀: 1, team: [x]}\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    # `{` is column 11, 😀😀 columns 12-13, ": 1, " columns 14-18, the key team at 19 (a value
    # that is a list or mapping is placed at its key)
    assert errors_at(problems, "emoji.yaml") == [(7, 19)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_lf_crlf_and_cr_only(project, capsys, newline):
    text = (HEAD + "# 注释 😀\n" + PY_FN + "    memorySize: 中文\n").replace("\n", newline)
    f = write(project, "eol.yaml", text)
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert errors_at(problems, "eol.yaml") == [(8, 17)]


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085"])
def test_yaml11_only_line_breaks_are_refused_at_the_editor_position(project, capsys, char):
    # PyYAML would start a new line here; an editor shows one line 3 with the character at col 21
    f = write(project, "ls.yaml", HEAD + f"  - functionName: f1{char}x\n" + PY_FN[21:])
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (3, 21)
    assert f"U+{ord(char):04X}" in p["message"]


def test_syntax_error_after_cjk_is_placed_in_characters(project, capsys):
    f = write(project, "syn.yaml", "region: cn-hangzhou # 杭州\nfunctions:\n  - 中文: [a, b\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert p["line"] == 4 and "syntax" in p["message"]


def test_invalid_utf8_after_multibyte_is_placed_in_characters(project, capsys):
    f = write(project, "bad8.yaml", "region: 杭州\nfunctions: [中\xff]\n".encode("utf-8").replace(
        "\xff".encode("utf-8"), b"\xff"))
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (2, 14) and "0xff" in p["message"]


# --- aliases and overlays point at the right file and place ----------------------------------


def test_function_repeated_through_an_alias_is_reported_at_the_repeat(project, capsys):
    f = write(project, "rep.yaml", HEAD + "  - &fn\n    functionName: f1\n    runtime: python3.10\n"
              "    handler: index.handler\n    code: ./app\n  - *fn\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (8, 5) and "defined twice (first at line 3)" in p["message"]


def test_overlay_function_without_name_is_named_at_the_overlay(project, capsys):
    a = write(project, "a.yaml", HEAD + PY_FN)
    b = write(project, "b.yaml", "functions:\n  - description: no name\n    memorySize: 512\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    p = one_error(problems)
    assert p["file"].endswith("b.yaml") and (p["line"], p["column"]) == (2, 5)
    assert "has no functionName" in p["message"]


def test_overlay_functions_not_a_list_is_named_at_the_overlay(project, capsys):
    a = write(project, "a.yaml", HEAD + PY_FN)
    b = write(project, "b.yaml", "region: cn-hangzhou\nfunctions: {functionName: f1}\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    p = one_error(problems)
    assert p["file"].endswith("b.yaml") and p["line"] == 2 and "must be a list" in p["message"]


def test_overlay_wrong_type_at_a_key_is_named_at_the_overlay(project, capsys):
    a = write(project, "a.yaml", HEAD + PY_FN + "    instanceLifecycleConfig:\n"
              "      initializer: {handler: index.initialize, timeout: 10}\n")
    b = write(project, "b.yaml", "functions:\n  - functionName: f1\n"
              "    instanceLifecycleConfig: {initializer: soon}\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    p = one_error(problems)
    assert p["file"].endswith("b.yaml") and p["line"] == 3


def test_overlay_trigger_without_name_is_named_at_the_overlay(project, capsys):
    a = write(project, "a.yaml", HEAD + PY_FN + "    triggers:\n"
              "      - {triggerName: web, triggerType: http, triggerConfig: {authType: anonymous}}\n")
    b = write(project, "b.yaml", "functions:\n  - functionName: f1\n    triggers:\n"
              "      - {triggerType: http}\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    p = one_error(problems)
    assert p["file"].endswith("b.yaml") and (p["line"], p["column"]) == (4, 9)
    assert "has no triggerName" in p["message"]


# --- values FC refuses -------------------------------------------------------------------------


@pytest.mark.parametrize("tagged,line,col", [
    ("    description: !!python/object/apply:os.system [echo hi]\n", 7, 18),
    ("    description: !!python/name:os.system x\n", 7, 18),
    ("    description: !!binary aGVsbG8=\n", 7, 18),
    ("    description: !Ref x\n", 7, 18),
    ("    tags: !!python/object:collections.OrderedDict {a: b}\n", 7, 11),
    ("    !!python/str description: x\n", 7, 5),
])
def test_tags_are_errors_at_their_line_and_never_constructed(project, capsys, tagged, line, col):
    marker = project / "constructed"
    f = write(project, "tag.yaml", HEAD + PY_FN + tagged.replace("echo hi", f"touch {marker}"))
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert (line, col) in errors_at(problems, "tag.yaml")
    assert any("YAML tag" in p["message"] for p in problems)
    assert not marker.exists()


def test_empty_function_handler_is_an_error_but_empty_hook_handler_is_unset(project, capsys):
    f = write(project, "h.yaml", HEAD + PY_FN.replace("index.handler", '""')
              + "    instanceLifecycleConfig:\n      preStop: {handler: \"\", timeout: 5}\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (5, 14) and "handler is empty" in p["message"]


@pytest.mark.parametrize("body,line,col", [
    ("    runtime: custom.debian12\n    customRuntimeConfig: {command: [\"\", x]}\n", 7, 37),
    ("    runtime: custom.debian12\n    customRuntimeConfig:\n      command: [python3, \"\"]\n", 8, 26),
    ("    runtime: custom.debian12\n    instanceLifecycleConfig:\n      preStop: {handler: \"true\"}\n"
     "    customContainerConfig: {}\n", None, None),
])
def test_empty_command_items_are_errors_at_their_line(project, capsys, body, line, col):
    text = HEAD + PY_FN.replace("    runtime: python3.10\n", "") + body
    f = write(project, "cmd.yaml", text)
    code, problems, _ = validate(capsys, f)
    assert code == 2
    if line is not None:
        assert (line, col) in errors_at(problems, "cmd.yaml")
        assert any("is empty" in p["message"] for p in problems)


def test_empty_gpu_initializer_command_item(project, capsys):
    f = write(project, "gpu.yaml", HEAD + "  - functionName: g\n    runtime: custom-container\n"
              "    handler: index.handler\n    cpu: 8\n    memorySize: 32768\n"
              "    gpuConfig: {gpuType: fc.gpu.tesla.1, gpuMemorySize: 16384}\n"
              "    customContainerConfig: {image: registry.cn-hangzhou.aliyuncs.com/a/b:1, "
              "entrypoint: [\"\"]}\n"
              "    instanceLifecycleConfig:\n      initializer: {command: [\"\", warm.sh], timeout: 60}\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert (9, 90) in errors_at(problems, "gpu.yaml")
    assert (11, 31) in errors_at(problems, "gpu.yaml")


@pytest.mark.parametrize("text", ['""', '"f1\\n"', '"f1\\t"', '"f1\\r"'])
def test_empty_and_control_character_function_names(project, capsys, text):
    f = write(project, "n.yaml", HEAD + PY_FN.replace("functionName: f1", f"functionName: {text}"))
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert errors_at(problems, "n.yaml") == [(3, 19)]


@pytest.mark.parametrize("name", ['""', '"web\\n"', '"web\\u0000"'])
def test_empty_and_control_character_trigger_names(project, capsys, name):
    f = write(project, "t.yaml", HEAD + PY_FN + "    triggers:\n"
              f"      - {{triggerName: {name}, triggerType: http}}\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert (8, 23) in errors_at(problems, "t.yaml")


# --- names on the command line ----------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["get", "f1\n"], ["export", "ok", "f1\n"], ["rollout", "f1\n"], ["get", "f1\t"],
    ["plan", "--function", "f1\n"], ["deploy", "--function", "f1\n"],
    ["local", "check", "--function", "f1\n"], ["get", ""],
])
def test_every_command_that_takes_a_name_refuses_control_characters(project, capsys, args):
    write(project, "fc.yaml", HEAD + PY_FN)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "is not a function name" in err and "Traceback" not in err


# --- timer triggers ------------------------------------------------------------------------------


@pytest.mark.parametrize("cron,ok", [
    ("@every 5m", True), ("@every 1h30m", True), ("0 0 4 * * *", True),
    ("CRON_TZ=Asia/Shanghai 0 0 4 1 * *", True), ("0 */5 * * * *", True),
    ("0 0 9 ? * MON-FRI", True), ("0 0 0 1 JAN,JUL *", True), ("0 30 9-17/2 * * 1-5", True),
    ("@every 30s", False), ("@every 5", False), ("@hourly", False), ("0 4 * * *", False),
    ("0 0 4 * * * 2026", False), ("60 0 4 * * *", False), ("0 0 24 * * *", False),
    ("0 0 4 32 * *", False), ("0 0 4 * 13 *", False), ("0 0 4 * FOO *", False),
    ("0 0 4 L * ?", False), ("0 0 4 15W * ?", False), ("0 0 4 ? * MON#2", False),
    ("0 0 ? * * *", False), ("0 */0 * * * *", False), ("0 0 5-4 * * *", False),
    ("CRON_TZ=Asia/Shanghi 0 0 4 * * *", False), ("CRON_TZ=Mars/Base 0 0 4 * * *", False),
])
def test_timer_cron_expressions(project, capsys, cron, ok):
    f = write(project, "timer.yaml", HEAD + PY_FN + "    triggers:\n"
              f"      - triggerName: tick\n        triggerType: timer\n"
              f"        triggerConfig: {{cronExpression: \"{cron}\", enable: true}}\n")
    code, problems, _ = validate(capsys, f)
    if ok:
        assert code == 0, problems
    else:
        assert code == 2
        p = one_error(problems)
        assert (p["line"], p["column"]) == (10, 41) and "cronExpression" in p["message"]


# --- handlers the code does not define (issue 9 item 10) -----------------------------------------


@pytest.mark.parametrize("runtime,hook,handler,severity", [
    ("python3.10", None, "index.handler", None),
    ("python3.10", None, "index.missing", "error"),
    ("python3.10", None, "main.handler", "error"),
    ("python3.10", "initializer", "index.initialize", None),
    ("python3.10", "initializer", "index.initializer", "error"),
    ("python3.10", "preStop", "index.PRE", None),
    ("python3.10", "preStop", "index.os", None),
    ("nodejs18", None, "index.handler", None),
    ("nodejs18", None, "index.main", "error"),
    ("nodejs18", "initializer", "index.initializer", "error"),
])
def test_handlers_are_looked_up_in_the_code(project, capsys, runtime, hook, handler, severity):
    fn = PY_FN.replace("python3.10", runtime)
    if hook is None:
        fn = fn.replace("index.handler", handler)
        line, col = 5, 14
    else:
        fn += f"    instanceLifecycleConfig:\n      {hook}: {{handler: {handler}}}\n"
        line, col = 8, 19 + len(hook)
    f = write(project, "hd.yaml", HEAD + fn)
    code, problems, _ = validate(capsys, f)
    found = [p for p in problems if "handler" in p["path"]]
    if severity is None:
        assert code == 0, problems
        assert not found
    else:
        assert code == 2
        p = one_error(problems)
        assert (p["line"], p["column"]) == (line, col), p
        assert handler in p["message"]


def test_handler_in_a_file_that_does_not_parse_is_a_warning(project, capsys):
    (project / "app/broken.py").write_text("def handler(event, context)\n    return 1\n")
    f = write(project, "w.yaml", HEAD + PY_FN.replace("index.handler", "broken.handler"))
    code, problems, _ = validate(capsys, f)
    assert code == 0
    assert [(p["severity"], p["line"]) for p in problems] == [("warning", 5)]
    assert "cannot parse" in problems[0]["message"]


def test_node_exports_built_at_run_time_are_a_warning(project, capsys):
    (project / "app/dyn.js").write_text("module.exports = require('./impl');\n")
    f = write(project, "w.yaml", HEAD + PY_FN.replace("python3.10", "nodejs18")
              .replace("index.handler", "dyn.handler"))
    code, problems, _ = validate(capsys, f)
    assert code == 0
    assert [(p["severity"], p["line"]) for p in problems] == [("warning", 5)]


@pytest.mark.parametrize("source", [
    "export const handler = async () => 'ok';\n",
    "export async function handler(event) { return 1 }\n",
    "const h = () => 1;\nmodule.exports = { handler: h };\n",
    "function handler() {}\nexport { handler };\n",
    "module.exports.handler = function () {};\n",
])
def test_node_export_forms(project, capsys, source):
    (project / "app/index.mjs").write_text(source)
    (project / "app/index.js").unlink()
    f = write(project, "n.yaml", HEAD + PY_FN.replace("python3.10", "nodejs18"))
    code, problems, _ = validate(capsys, f)
    assert code == 0, problems


def test_user_code_is_never_imported(project, capsys):
    marker = project / "imported"
    (project / "app/index.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n\ndef handler(event, context):\n    return 1\n")
    f = write(project, "imp.yaml", HEAD + PY_FN)
    code, problems, _ = validate(capsys, f)
    assert code == 0, problems
    assert not marker.exists()


@pytest.mark.parametrize("role,warned", [
    ("acs:ram::1234567890123456:role/fc-role", False),
    ("fc-role", True),
    ("acs:ram:::role/fc-role", True),
    ("arn:aws:iam::123:role/x", True),
])
def test_role_must_be_a_full_ram_role_arn(project, capsys, role, warned):
    f = write(project, "role.yaml", HEAD + PY_FN + f"    role: \"{role}\"\n")
    code, problems, _ = validate(capsys, f)
    assert code == 0
    warnings = [p for p in problems if p["path"] == "functions[0].role"]
    assert bool(warnings) == warned
    if warned:
        assert warnings[0]["line"] == 7 and "acs:ram::<your-account-id>:role/" in warnings[0]["message"]


@pytest.mark.parametrize("text,line,col", [
    # libyaml reports a byte offset for a control character; the column is in characters
    ("region: cn-hangzhou\nfunctions: [中文\x01]\n", 2, 15),
    ('region: cn-hangzhou\nfunctions: {中文: "x" y}\n', 2, 21),
    ("region: cn-hangzhou\nfunctions: [a]\n中文: b: c\n", 3, 6),
    ("region: cn-hangzhou\r\nfunctions: [😀😀, \"x\" y]\r\n", 2, 21),
])
def test_syntax_errors_after_multibyte_text(project, capsys, text, line, col):
    f = write(project, "syn2.yaml", text)
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert errors_at(problems, "syn2.yaml") == [(line, col)]


def test_merge_key_tag_is_plain_yaml(project, capsys):
    f = write(project, "mk.yaml", "x-base: &b {runtime: python3.10, handler: index.handler, code: ./app}\n"
              + HEAD + "  - functionName: f1\n    !!merge <<: *b\n")
    code, problems, _ = validate(capsys, f)
    assert code == 0, problems


def test_alias_bomb_in_base_and_overlay_does_not_hang_the_merge(project, capsys):
    lines = ["x-l0: &l0 {v: 1}"]
    for i in range(1, 12):
        lines.append(f"x-l{i}: &l{i} {{" + ", ".join(f"k{j}: *l{i - 1}" for j in range(10)) + "}")
    a = write(project, "bomb.yaml", HEAD + PY_FN + "\n".join(lines) + "\n")
    b = write(project, "bomb2.yaml", "\n".join(lines) + "\n")
    code, problems, _ = validate(capsys, a, b)
    assert code == 2
    assert any("alias bomb" in p["message"] for p in problems)
    assert {p["file"].rsplit("/", 1)[-1] for p in problems} <= {"bomb.yaml", "bomb2.yaml"}


@pytest.mark.parametrize("name", ['"API_KEY\\n"', '"A\\tB"', '"X\\r"'])
def test_environment_variable_names_with_control_characters(project, capsys, name):
    f = write(project, "envn.yaml", HEAD + PY_FN + f"    environmentVariables:\n      {name}: v\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    assert errors_at(problems, "envn.yaml") == [(8, 7)]


def test_empty_trigger_qualifier_is_an_error_at_its_line(project, capsys):
    f = write(project, "q.yaml", HEAD + PY_FN + "    triggers:\n"
              "      - {triggerName: web, triggerType: http, qualifier: \"\"}\n")
    code, problems, _ = validate(capsys, f)
    assert code == 2
    p = one_error(problems)
    assert (p["line"], p["column"]) == (8, 58) and "qualifier is empty" in p["message"]
