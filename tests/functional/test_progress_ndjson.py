"""``--progress ndjson``: a pipeline reads deploy and rollout progress as one JSON object per
event on stderr, while stdout keeps the one result document (real SDK, HTTP, emulator)."""

from __future__ import annotations

import json

from tests.functional.test_deploy_pipeline import fn_yaml, spec

SECRET = "pw-" + "Zq8Xv2Lm9Tn4Rb7Kc1"


def _records(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_deploy_ndjson_progress_is_one_json_object_per_event_on_stderr(fc, project):
    path = str(project(spec(fn_yaml("orders", extra_env={"DB_PASSWORD": SECRET}),
                            fn_yaml("billing"))))
    run = fc("deploy", "-f", path, "-o", "json", "--progress", "ndjson")
    assert run.code == 0, run.err
    doc = run.json()  # stdout: the result document alone
    assert doc["schemaVersion"] == 1 and doc["summary"]["created"] == 2
    records = _records(run.err)  # every stderr line parses: no text mixed in
    assert records and all(r["schemaVersion"] == 1 for r in records)
    for name in ("orders", "billing"):
        mine = [r for r in records if r.get("function") == name]
        assert mine[0]["event"] == "FunctionWriting" and mine[0]["action"] == "create"
        assert [r["event"] for r in mine][-1] == "Settled"
        assert sum(r["event"] in ("Settled", "Failed") for r in mine) == 1
    assert SECRET not in run.err and SECRET not in run.out

    # a second deploy with a change: the update names its fields; the text rendering of the
    # same run says the same lines as the records' messages
    path = str(project(spec(fn_yaml("orders", level="debug", extra_env={"DB_PASSWORD": SECRET}),
                            fn_yaml("billing"))))
    run = fc("--progress", "ndjson", "deploy", "-f", path)
    assert run.code == 0, run.err
    records = _records(run.err)
    writing = [r for r in records if r["event"] == "FunctionWriting"]
    assert [(r["function"], r["action"]) for r in writing] == [("orders", "update")]
    assert "environmentVariables" in writing[0]["fields"]
    settled = {r["function"]: r for r in records if r["event"] == "Settled"}
    assert settled["billing"]["action"] == "noop" and settled["billing"]["waited"] is False
    assert SECRET not in run.err


def test_rollout_ndjson_progress_and_bad_value_is_a_usage_error(fc, project):
    path = str(project(spec(fn_yaml("orders"))))
    assert fc("deploy", "-f", path).code == 0
    run = fc("rollout", "-f", path, "-o", "json", "--progress", "ndjson")
    assert run.code == 0, run.err
    assert run.json()["functions"][0]["functionName"] == "orders"
    records = _records(run.err)
    assert records and all(r["schemaVersion"] == 1 and r["event"] for r in records)
    assert any("orders" in r["message"] for r in records)

    bad = fc("deploy", "-f", path, "--progress", "xml")
    assert bad.code == 2 and "--progress must be 'text' or 'ndjson'" in bad.err
