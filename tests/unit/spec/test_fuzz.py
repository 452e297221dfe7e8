"""Property tests of the spec loader (Hypothesis): whatever the input — arbitrary text, YAML-ish
token soup, or structured specs with known keys and random values, alone or as overlays — the
loader either returns a spec or raises SpecError whose every problem has the file, a line and a
column inside the file; it never raises anything else and never hangs (pytest-timeout).

Bounded (max_examples 200, no per-example deadline) so CI stays fast; Hypothesis keeps the
examples that once failed in its database and replays them first."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcctl.errors import SpecError
from fcctl.spec import load_spec

pytestmark = pytest.mark.timeout(600)

FUZZ = settings(max_examples=200, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ENV = {"X": "1", "NAME": "fn", "BIG": "b" * 4096, "EMPTY": ""}
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "app").mkdir()
    (root / "app/index.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "app/index.js").write_text("exports.handler = async () => 1;\n")
    return root


def _write(root: Path, data: bytes) -> Path:
    path = root / f"spec-{next(_counter)}.yaml"
    path.write_bytes(data)
    return path


def _line_count(data: bytes) -> int:
    text = data.decode("utf-8", "replace")
    return text.count("\r\n") + (text.count("\r") - text.count("\r\n")) + text.count("\n") + 1


def check(paths: list[Path]) -> None:
    """The property: a spec, or SpecError with every problem located inside a named file."""
    try:
        load_spec([str(p) for p in paths], environ=ENV)
    except SpecError as exc:
        assert exc.problems, "SpecError without problems"
        names = {str(p) for p in paths}
        for prob in exc.problems:
            assert prob.file in names, prob
            assert prob.line >= 1 and prob.column >= 1, prob
            assert prob.message.strip(), prob
            lines = _line_count(Path(prob.file).read_bytes())
            assert prob.line <= lines + 1, (prob, lines)


# --- arbitrary text ----------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(workdir, data):
    check([_write(workdir, data)])


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text(workdir, text):
    check([_write(workdir, text.encode("utf-8", "surrogatepass"))])


# --- YAML-ish token soup -------------------------------------------------------------------------

TOKENS = [
    "region: cn-hangzhou\n", "functions:\n", "  - ", "functionName: f1", "functionName: ",
    "runtime: python3.10", "runtime: custom.debian12", "handler: index.handler", "code: ./app",
    "instanceLifecycleConfig:", "initializer:", "preStop:", "handler: ", "command: [", "timeout: ",
    "triggers:", "triggerName: t", "triggerType: timer", "triggerConfig: {cronExpression: ",
    "\"@every 5m\"", "\"0 0 4 * * *\"", "}", "{", "[", "]", ",", ": ", "- ", "\n", "  ", "    ",
    "\t", "\r", "\r\n", "&a ", "*a", "&b ", "*b", "<<: ", "<<: *a", "---\n", "...\n", "|\n",
    ">-\n", "#", "'", "\"", "\\", "?", "!", "!!python/object/apply:os.system ", "!!binary ",
    "!Ref ", "!!str ", "${env:X}", "${env:MISSING}", "${env:BIG}", "${env:A:-${env:B:-x}}",
    "$$", "${", "~", "null", "yes", "0x10", "010", "1e3", "1:30", ".inf", "-1", "0", "99999999999999999999",
    "中文", "😀", "\u2028", "\u0085", "\ufeff", "\x00", "\x1b", "x-a: ", "memorySize: ",
    "environmentVariables: {", "tags: {", "role: ", "layers: [", "gpuConfig: {", "cpu: ",
]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_yaml_token_soup(workdir, text):
    check([_write(workdir, text.encode("utf-8", "surrogatepass"))])


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join),
       st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_yaml_token_soup_as_overlays(workdir, a, b):
    base = "region: cn-hangzhou\nfunctions:\n  - functionName: f1\n    runtime: python3.10\n" \
           "    handler: index.handler\n    code: ./app\n"
    check([_write(workdir, (base + a).encode("utf-8", "surrogatepass")),
           _write(workdir, b.encode("utf-8", "surrogatepass"))])


# --- structured specs: known keys, random values --------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["", " ", "index.handler", "index.initialize", "true", "python3.10",
                     "custom.debian12", "custom-container", "cn-hangzhou", "./app", "${env:X}",
                     "@every 1m", "0 0 4 * * *", "CRON_TZ=Asia/Shanghai 0 0 4 * * *", "f1\n",
                     "acs:ram::1234567890123456:role/r", "registry.cn-hangzhou.aliyuncs.com/a/b:1"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)

HOOK_KEYS = ["handler", "command", "timeout"]
FN_KEYS = ["functionName", "runtime", "handler", "code", "region", "description", "cpu",
           "memorySize", "diskSize", "timeout", "instanceConcurrency", "environmentVariables",
           "customRuntimeConfig", "customContainerConfig", "gpuConfig", "layers", "role", "tags",
           "internetAccess", "vpcConfig", "logConfig", "triggers", "instanceLifecycleConfig"]
TRIGGER_KEYS = ["triggerName", "triggerType", "triggerConfig", "qualifier", "description"]


def _mapping(keys, value_strategy=values):
    return st.dictionaries(st.sampled_from(keys), value_strategy, max_size=len(keys))


hooks = st.fixed_dictionaries({}, optional={
    "initializer": st.one_of(_mapping(HOOK_KEYS), values),
    "preStop": st.one_of(_mapping(HOOK_KEYS), values)})
triggers = st.lists(st.one_of(_mapping(TRIGGER_KEYS), values), max_size=3)
functions = st.fixed_dictionaries(
    {"functionName": st.one_of(st.sampled_from(["f1", "f2", "", "1bad", "a" * 70]), values)},
    optional={k: values for k in FN_KEYS if k not in ("functionName", "triggers",
                                                      "instanceLifecycleConfig")}
    | {"triggers": triggers, "instanceLifecycleConfig": st.one_of(hooks, values)},
)
specs = st.fixed_dictionaries(
    {"functions": st.one_of(st.lists(functions, max_size=3), values)},
    optional={"region": st.one_of(st.just("cn-hangzhou"), values),
              "x-defaults": values},
)


def _dump(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


@FUZZ
@given(specs)
def test_structured_specs(workdir, data):
    check([_write(workdir, _dump(data))])


@FUZZ
@given(specs, specs)
def test_structured_specs_as_overlays(workdir, a, b):
    check([_write(workdir, _dump(a)), _write(workdir, _dump(b))])


@FUZZ
@given(specs, st.sampled_from(["\r\n", "\r", "\n"]))
def test_structured_specs_with_any_line_ending(workdir, data, newline):
    text = _dump(data).decode("utf-8", "surrogatepass").replace("\n", newline)
    check([_write(workdir, text.encode("utf-8", "surrogatepass"))])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=50).map("".join))
def test_the_validate_command_exits_0_or_2_with_located_problems(workdir, capsys, text):
    from fcctl.cli.main import main

    path = _write(workdir, text.encode("utf-8", "surrogatepass"))
    code = main(["validate", "-f", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "Traceback" not in out + err and "internal error" not in out + err
    if code == 2:
        located = [re.match(r"(\d+):(\d+): (error|warning): ", line[len(f"{path}:"):])
                   for line in err.splitlines() if line.startswith(f"{path}:")]
        located = [m for m in located if m]
        assert any(m.group(3) == "error" for m in located), err
        assert all(int(m.group(1)) >= 1 and int(m.group(2)) >= 1 for m in located), err
