"""Position mapping: every key and value keeps file:line:column through anchors, merge keys,
flow style, overlays and pydantic's error locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from fcctl.spec.loader import _data_path
from fcctl.spec.merge import merge
from fcctl.spec.composer import load_yaml_text
from fcctl.spec.envrefs import substitute_env
from fcctl.spec.locations import Loc, format_path
from fcctl.spec.plain import to_plain


def _plain(text: str, label: str = "f.yaml", environ=None):
    problems = []
    root = load_yaml_text(text, label, environ or {}, problems)
    assert root is not None, problems
    plain = to_plain(root, problems)
    return plain, problems


DOC = """\
region: cn-hangzhou
functions:
  - functionName: a
    memorySize: 512
    instanceLifecycleConfig:
      initializer: {handler: "true", timeout: 10}
      preStop:
        handler: "true"
        timeout: 5
    layers: [x,
      y]
"""


def test_values_and_keys_are_located():
    plain, problems = _plain(DOC)
    assert not problems
    assert plain.values[("region",)] == Loc("f.yaml", 1, 9)
    assert plain.keys[("region",)] == Loc("f.yaml", 1, 1)
    assert plain.values[("functions", 0, "memorySize")] == Loc("f.yaml", 4, 17)
    assert plain.keys[("functions", 0, "memorySize")] == Loc("f.yaml", 4, 5)
    ilc = ("functions", 0, "instanceLifecycleConfig")
    assert plain.values[ilc + ("initializer", "timeout")] == Loc("f.yaml", 6, 47)
    assert plain.values[ilc + ("preStop", "timeout")] == Loc("f.yaml", 9, 18)
    assert plain.values[("functions", 0, "layers", 1)] == Loc("f.yaml", 11, 7)


def test_containers_are_located_at_their_key_and_missing_paths_at_the_nearest_ancestor():
    plain, _ = _plain(DOC)
    ilc = ("functions", 0, "instanceLifecycleConfig")
    assert plain.loc(ilc + ("preStop",)) == Loc("f.yaml", 7, 7)      # the `preStop:` key
    assert plain.loc(ilc + ("preStop", "command")) == Loc("f.yaml", 7, 7)
    assert plain.loc(("functions", 0)) == Loc("f.yaml", 3, 5)         # list item: its first key
    assert plain.loc(("functions", 0, "memorySize"), key=True) == Loc("f.yaml", 4, 5)


def test_anchors_keep_the_anchor_location_and_merge_keys_work():
    text = """\
x-common: &common
  timeout: 30
functions:
  - functionName: a
    <<: *common
    timeout: 60
  - functionName: b
    <<: *common
"""
    plain, problems = _plain(text)
    assert not problems
    assert plain.data["functions"][0]["timeout"] == 60
    assert plain.data["functions"][1]["timeout"] == 30
    assert plain.values[("functions", 1, "timeout")] == Loc("f.yaml", 2, 12)


def test_duplicate_key_points_at_second_occurrence_and_names_the_first():
    _, problems = _plain("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert len(problems) == 1
    p = problems[0]
    assert (p.line, p.column, p.path) == (4, 3, "b.c")
    assert "first at line 3" in p.message


def test_keys_stay_as_written():
    plain, _ = _plain("environmentVariables:\n  on: x\n  1: y\n  null: z\n")
    assert plain.data["environmentVariables"] == {"on": "x", "1": "y", "null": "z"}


def test_overlay_values_point_into_their_file():
    p1, p2 = [], []
    base = load_yaml_text("functions:\n  - functionName: a\n    timeout: 3\n    memorySize: 512\n",
                          "base.yaml", {}, p1)
    over = load_yaml_text("functions:\n  - functionName: a\n    timeout: 9\n  - functionName: b\n",
                          "prod.yaml", {}, p2)
    plain = to_plain(merge(base, over), [])
    assert plain.data["functions"] == [
        {"functionName": "a", "timeout": 9, "memorySize": 512},
        {"functionName": "b"},
    ]
    assert plain.values[("functions", 0, "timeout")] == Loc("prod.yaml", 3, 14)
    assert plain.values[("functions", 0, "memorySize")] == Loc("base.yaml", 4, 17)
    assert plain.values[("functions", 1, "functionName")] == Loc("prod.yaml", 4, 19)


def test_overlay_null_removes_a_key():
    base = load_yaml_text("a: {b: 1, c: 2}\n", "1.yaml", {}, [])
    over = load_yaml_text("a: {b: ~}\n", "2.yaml", {}, [])
    assert to_plain(merge(base, over), []).data == {"a": {"c": 2}}


@pytest.mark.parametrize("overlay, path, line", [
    ("functions: null\n", "functions", 1),
    ("region: x\nfunctions: ~\n", "functions", 2),
    ("functions:\n  - functionName: a\n    triggers:\n      - triggerName: t\n"
     "        qualifier: null\n", None, None),  # an ordinary key: removed, no problem
])
def test_an_overlay_removing_a_required_key_is_reported_at_the_overlay(overlay, path, line):
    base = load_yaml_text("functions:\n  - functionName: a\n    triggers:\n"
                          "      - {triggerName: t, qualifier: LATEST}\n", "base.yaml", {}, [])
    over = load_yaml_text(overlay, "prod.yaml", {}, [])
    problems: list = []
    merged = to_plain(merge(base, over, problems=problems), [])
    if path is None:
        assert problems == []
        assert merged.data["functions"][0]["triggers"] == [{"triggerName": "t"}]
        return
    (p,) = problems
    assert (p.file, p.line, p.path) == ("prod.yaml", line, path)
    assert "cannot remove functions" in p.message
    assert merged.data["functions"][0]["functionName"] == "a"  # nothing lost


@pytest.mark.parametrize("text,env,expected,missing", [
    ("${env:A}", {"A": "1"}, "1", []),
    ("img:${env:TAG:-latest}", {}, "img:latest", []),
    ("img:${env:TAG:-latest}", {"TAG": ""}, "img:", []),
    ("${env:NOPE}", {}, "", ["NOPE"]),
    ("cost $$5 ${env:A}", {"A": "x"}, "cost $5 x", []),
    ("no vars", {}, "no vars", []),
    # one level of nesting in a default; the default is expanded only when used
    ("${env:A:-${env:B}}", {"B": "b"}, "b", []),
    ("${env:A:-${env:B}}", {"A": "a"}, "a", []),
    ("${env:A:-${env:B}}", {}, "", ["B"]),
    ("x${env:A:-p-${env:B:-q}-r}y", {}, "xp-q-ry", []),
    ("${env:A:-$$${env:B:-1}}", {}, "$1", []),
])
def test_substitute_env(text, env, expected, missing):
    out, miss, _ = substitute_env(text, env)
    assert (out, miss) == (expected, missing)


def test_whole_value_variable_takes_its_yaml_type_and_is_marked():
    plain, problems = _plain("memorySize: ${env:MEM}\nname: '${env:MEM}'\nd: v${env:MEM}\n",
                             environ={"MEM": "1024"})
    assert not problems
    assert plain.data == {"memorySize": 1024, "name": "1024", "d": "v1024"}
    assert ("memorySize",) in plain.from_env


def test_unset_variable_is_an_error_at_its_line():
    _, problems = _plain("a: 1\nb: x-${env:FCCTL_TEST_UNSET_VAR}\n", environ={})
    assert [(p.line, p.column) for p in problems] == [(2, 4)]
    assert "FCCTL_TEST_UNSET_VAR" in problems[0].message


def test_pydantic_loc_maps_to_data_path():
    data = {"functions": [{"code": {"ossBucketName": "b"}, "tags": [{"Key": "k"}]}]}
    assert _data_path(data, ("functions", 0, "code", "OssCode", "ossObjectName")) == (
        "functions", 0, "code", "ossObjectName")
    assert _data_path(data, ("functions", 0, "tags", 0, "Value")) == ("functions", 0, "tags", 0, "Value")
    assert _data_path(data, ("functions", 0, "function-after[x]", "code")) == ("functions", 0, "code")


def test_format_path():
    assert format_path(("functions", 0, "instanceLifecycleConfig", "initializer", "timeout")) == (
        "functions[0].instanceLifecycleConfig.initializer.timeout")
    assert format_path(()) == ""


def test_c_and_python_parsers_give_the_same_locations(monkeypatch):
    """The C parser is used only because its events keep marks: prove it on the corpus."""
    import yaml

    from fcctl.spec import composer, plain as plain_mod

    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML built without libyaml")
    corpus = Path(__file__).resolve().parents[2] / "corpus/specs"
    files = [p for p in corpus.rglob("*.yaml") if "syntax" not in p.name]

    def locate(loader) -> list:
        monkeypatch.setattr(composer, "_Loader", loader)
        out = []
        for f in files:
            problems: list = []
            root = composer.load_yaml_file(f, f.name, {}, problems)
            plain = plain_mod.to_plain(root, problems) if root is not None else None
            marks = sorted(plain.values.items(), key=str) if plain else []
            out.append((f.name, [(p.line, p.column) for p in problems], marks))
        return out

    assert locate(yaml.CSafeLoader) == locate(yaml.SafeLoader)


@pytest.mark.parametrize("text,words", [
    ("${env:A:-${env:B:-${env:C}}}", "more than one level deep"),
    ("${env:A:-${env:B}", "not a variable fcctl understands"),
    ("${B}", "not a variable fcctl understands"),
])
def test_bad_env_references(text, words):
    _, problems = _plain(f"a: 1\nb: {text}\n", environ={})
    assert any(words in p.message and p.line == 2 for p in problems), problems


def test_nested_default_is_not_deployed_literally():
    plain, problems = _plain("d: ${env:A:-${env:B}}\n", environ={"B": "from-b"})
    assert not problems
    assert plain.data == {"d": "from-b"}
