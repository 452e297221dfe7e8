"""fc.yaml `aliases:` and `provisionConfig:` (LATEST on the function, an alias in its entry), and
the trigger-qualifier rule (issue 10 item 1): every rule good and bad, each problem at its
file:line:column through `load_spec`, and the model attributes `fcctl release` reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcctl import fcfacts
from fcctl.cli.main import main
from fcctl.errors import SpecError
from fcctl.spec import load_spec

HEAD = """\
region: cn-hangzhou
functions:
  - functionName: web
    runtime: python3.10
    handler: index.handler
    code: ./app
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    return tmp_path


def load(root: Path, body: str):
    f = root / "fc.yaml"
    f.write_text(HEAD + body)
    return load_spec([f], environ={})


def errors(root: Path, body: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(SpecError) as info:
        load(root, body)
    return sorted((p.line, p.column, p.path, p.message) for p in info.value.problems
                  if p.severity == "error")


GOOD = """\
    provisionConfig:
      defaultTarget: 1
      alwaysAllocateCPU: false
      scheduledActions:
        - name: morning
          scheduleExpression: cron(0 0 8 * * *)
          target: 3
          startTime: "2026-01-01T00:00:00Z"
          endTime: "2027-01-01T00:00:00Z"
          timeZone: Asia/Shanghai
      targetTrackingPolicies:
        - {name: cpu, metricType: CPUUtilization, metricTarget: 0.6, minCapacity: 1, maxCapacity: 5}
    aliases:
      - aliasName: prod
        description: production traffic
        provisionConfig: {defaultTarget: 2}
      - aliasName: staging
    triggers:
      - {triggerName: h, triggerType: http, qualifier: prod, triggerConfig: {authType: anonymous}}
      - {triggerName: v, triggerType: http, qualifier: "3", triggerConfig: {authType: anonymous}}
      - {triggerName: l, triggerType: http, qualifier: LATEST, triggerConfig: {authType: anonymous}}
"""


def test_good_spec_loads_with_the_model_attributes_release_reads(root):
    fn = load(root, GOOD).spec.functions[0]
    assert [a.aliasName for a in fn.aliases] == ["prod", "staging"]
    assert fn.aliases[0].description == "production traffic"
    assert fn.aliases[0].provisionConfig.api_body() == {"defaultTarget": 2}
    assert fn.aliases[1].provisionConfig is None
    body = fn.provisionConfig.api_body()
    assert body["defaultTarget"] == 1 and body["alwaysAllocateCPU"] is False
    assert body["scheduledActions"][0]["scheduleExpression"] == "cron(0 0 8 * * *)"
    assert body["targetTrackingPolicies"][0] == {
        "name": "cpu", "metricType": "CPUUtilization", "metricTarget": 0.6,
        "minCapacity": 1, "maxCapacity": 5}
    # neither goes into CreateFunction/UpdateFunction
    assert "aliases" not in fn.api_fields() and "provisionConfig" not in fn.api_fields()


def test_trigger_qualifier_must_name_latest_a_version_or_a_spec_alias(root):
    probs = errors(root, """\
    aliases: [{aliasName: prod}, {aliasName: canary}]
    triggers:
      - {triggerName: h, triggerType: http, qualifier: prd, triggerConfig: {authType: anonymous}}
""")
    assert [(line, path) for line, _, path, _ in probs] == [(9, "functions[0].triggers[0].qualifier")]
    msg = probs[0][3]
    assert "prod, canary" in msg and "did you mean prod?" in msg


def test_trigger_qualifier_without_aliases_says_there_are_none(root):
    probs = errors(root, """\
    triggers:
      - {triggerName: h, triggerType: http, qualifier: prod, triggerConfig: {authType: anonymous}}
""")
    assert len(probs) == 1 and "declares no `aliases:`" in probs[0][3]


def test_alias_rules(root):
    probs = errors(root, """\
    aliases:
      - aliasName: prod
      - aliasName: prod
      - aliasName: LATEST
      - aliasName: 1st
      - {aliasName: ok, versionId: "1"}
""")
    got = [(line, path) for line, _, path, _ in probs]
    assert got == [
        (9, "functions[0].aliases[1].aliasName"),      # duplicate, at the second
        (10, "functions[0].aliases[2].aliasName"),     # LATEST is not an alias
        (11, "functions[0].aliases[3].aliasName"),     # FC's name rule
        (12, "functions[0].aliases[4].versionId"),     # the version is `fcctl release`'s
    ]
    assert "first at line 8" in probs[0][3]


def test_provision_rules_each_at_its_line(root):
    probs = errors(root, """\
    provisionConfig:
      defaultTarget: 10001
      scheduledActions:
        - {name: a, scheduleExpression: "every 5m", target: 1}
        - {name: a, scheduleExpression: "cron(0 0 8 * * *)", target: -1}
        - {name: b, scheduleExpression: "at(2026-08-01T10:00:00)", target: 1, startTime: 2026-01-01, endTime: "2026-01-01T00:00:00Z"}
        - {name: c, scheduleExpression: "cron()", target: 1, startTime: "2026-02-01T00:00:00Z", endTime: "2026-01-01T00:00:00Z", timeZone: Mars/Base}
      targetTrackingPolicies:
        - {name: t, metricType: QPS, metricTarget: 0.5, minCapacity: 1, maxCapacity: 2}
        - {name: u, metricType: CPUUtilization, metricTarget: 0.5, minCapacity: 3, maxCapacity: 2}
    aliases:
      - aliasName: prod
        provisionConfig: {defaultTarget: 1, target: 1}
""")
    got = sorted((line, path) for line, _, path, _ in probs)
    sa = "functions[0].provisionConfig.scheduledActions"
    tt = "functions[0].provisionConfig.targetTrackingPolicies"
    assert got == [
        (8, "functions[0].provisionConfig.defaultTarget"),
        (10, f"{sa}[0].scheduleExpression"),
        (11, f"{sa}[1].name"),
        (11, f"{sa}[1].target"),
        (12, f"{sa}[2].startTime"),
        (13, f"{sa}[3].endTime"),
        (13, f"{sa}[3].scheduleExpression"),
        (13, f"{sa}[3].timeZone"),
        (15, f"{tt}[0].metricType"),
        (16, f"{tt}[1].minCapacity"),
        (19, "functions[0].aliases[0].provisionConfig.target"),  # deprecated: defaultTarget only
    ]


def test_validate_exits_2_without_an_api_call(root, monkeypatch, capsys):
    monkeypatch.chdir(root)
    (root / "fc.yaml").write_text(HEAD + "    provisionConfig: {defaultTarget: 1}\n"
                                  "    aliases: [{aliasName: prod, provisionConfig: {defaultTarget: 20000}}]\n")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "fc.yaml:8:" in err and "defaultTarget" in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True))
def test_qualifier_rule_property(root, q):
    """Any qualifier is accepted exactly when it is LATEST, digits or a declared alias."""
    import re

    body = ("    aliases: [{aliasName: prod}]\n    triggers:\n"
            f"      - {{triggerName: h, triggerType: http, qualifier: '{q}', "
            "triggerConfig: {authType: anonymous}}\n")
    expected_ok = q in ("LATEST", "prod") or re.fullmatch(r"[0-9]+", q) is not None
    try:
        load(root, body)
        ok = True
    except SpecError as e:
        assert [p.path for p in e.problems if p.severity == "error"] == [
            "functions[0].triggers[0].qualifier"]
        ok = False
    assert ok == expected_ok


def test_facts_are_the_sdk_ranges():
    assert fcfacts.PROVISION_TARGET_RANGE == (0, 10000)
    assert "GPUMemUtilization" in fcfacts.PROVISION_METRIC_TYPES


@pytest.mark.parametrize("expr, ok", [
    ("cron(0 0 8 * * *)", True), ("cron(0 30 9 ? * MON-FRI)", True),
    ("cron(0/30 * * * *)", True),  # FC 2.0's documented 5-field example
    ("at(2026-08-01T10:00:00)", True), ("at(2026-08-01T10:00:00Z)", True),
    ("cron(bad)", False), ("cron(99 0 8 * * *)", False), ("cron(0 0 8 * * * *)", False),
    ("cron(0 8 * 13 *)", False), ("cron(@every 5m)", False), ("cron(CRON_TZ=UTC 0 0 8 * * *)", False),
    ("at(2026-13-45T00:00:00Z)", False), ("at(tomorrow)", False), ("every 5m", False),
])
def test_schedule_expressions_are_checked_inside_the_wrapper(expr, ok):
    from fcctl.spec.rules import schedule_problem

    why = schedule_problem(expr)
    assert (why is None) is ok, why
    if not ok:
        assert expr in why
