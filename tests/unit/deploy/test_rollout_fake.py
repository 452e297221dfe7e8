"""Every rollout phase on the in-memory FC (tests/fakefc.py): no HTTP, model time."""

from __future__ import annotations

from fcctl import fcfacts
from fcctl.deploy import rollout
from fcctl.deploy.waiters import Clock
from tests.fakefc import FakeFc

BASE = {"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
        "environmentVariables": {"A": "1"}, "timeout": 3}


def run(fc, *, timeout=60.0, **kw):
    clock = Clock(fc.clock.now, fc.clock.sleep)
    lines = []
    result = rollout.rollout_function(
        fc, "f", rollout_id="r1", deadline=fc.clock.now() + timeout, clock=clock,
        poll_interval_s=0.5, progress=lines.append, **kw)
    return result, lines


def phases(result):
    return {p.name: p.status for p in result.phases}


def test_every_phase_ok_records_restarts_drains_and_probes():
    fc = FakeFc(update_delay_s=2.0, drain_after_s=3.0)
    fc.seed(BASE)
    old = [fc.start_instance("f"), fc.start_instance("f")]
    fc.aliases["f"] = [{"aliasName": "prod", "versionId": "1"}]
    on_alias = fc.start_instance("f", qualifier="prod", version="1")
    result, lines = run(fc, probe=True)
    assert result.outcome == "ok", result.message
    # live progress while draining, once per change of the counts (not once per poll)
    waiting = [ln for ln in lines if "still active" in ln]
    assert waiting == ["f: 2 old instance(s) still active: Running 2"], lines
    assert phases(result) == {"record": "ok", "restart": "ok", "accepted": "ok",
                              "drained": "ok", "probe": "ok"}
    assert result.instances_before == old and result.drained == old
    assert result.not_restarted == [{"instanceId": on_alias, "qualifier": "prod",
                                     "versionId": "1"}]
    env = fc.functions["f"].doc["environmentVariables"]
    assert env == {"A": "1", fcfacts.ROLLOUT_ENV: "r1"}  # only the marker changed
    assert fc.clock.now() >= 5.0  # accepted after 2 s, drained 3 s later
    assert fc.actions().count("UpdateFunction") == 1


def test_old_instances_alive_at_the_deadline_are_a_timeout_naming_them():
    fc = FakeFc(update_delay_s=1.0, drain_after_s=None)  # they never go
    fc.seed(BASE)
    old = fc.start_instance("f")
    result, _ = run(fc, timeout=10.0)
    assert result.outcome == "timeout"
    assert phases(result)["drained"] == "timeout"
    assert result.still_active == [old] and result.still_active_status == {old: "Running"}
    assert old in result.message


def test_a_slow_update_times_out_in_the_accepted_phase():
    fc = FakeFc(update_delay_s=100.0)
    fc.seed(BASE)
    result, _ = run(fc, timeout=5.0)
    assert result.outcome == "timeout"
    assert phases(result) == {"record": "ok", "restart": "ok", "accepted": "timeout"}


def test_nothing_to_drain_when_no_instance_ran():
    fc = FakeFc(update_delay_s=1.0)
    fc.seed(BASE)
    result, lines = run(fc)
    assert result.outcome == "ok"
    drained = next(p for p in result.phases if p.name == "drained")
    assert drained.status == "ok" and "nothing to drain" in drained.detail
    assert phases(result)["probe"] == "skipped"
    assert "f: nothing to drain" in lines


def test_detach_stops_once_fc_accepted_the_update():
    fc = FakeFc(update_delay_s=1.0, drain_after_s=None)
    fc.seed(BASE)
    fc.start_instance("f")
    result, _ = run(fc, detach=True)
    assert result.outcome == "ok"
    assert phases(result) == {"record": "ok", "restart": "ok", "accepted": "ok",
                              "drained": "skipped", "probe": "skipped"}
    assert "ListInstances" in fc.actions()  # the record, not a drain poll after the update
    assert fc.actions()[-1] == "GetFunction"


def test_a_probe_answering_initialization_error_fails_the_rollout():
    fc = FakeFc(update_delay_s=1.0)
    fc.seed(BASE)
    fc.invoke_error_type = "InitializationError"
    result, _ = run(fc, probe=True)
    assert result.outcome == "failed"
    assert phases(result)["probe"] == "failed"
    assert "InitializationError" in result.message and "fake-invoke" in result.message


def test_an_update_in_progress_is_waited_for_before_the_restart():
    fc = FakeFc(update_delay_s=4.0)
    fc.seed(BASE, status=fcfacts.UPDATE_IN_PROGRESS, ready_in=4.0)
    result, lines = run(fc)
    assert result.outcome == "ok"
    assert any("another update is InProgress" in line for line in lines)
    first_update = fc.actions().index("UpdateFunction")
    assert fc.actions()[:first_update].count("GetFunction") >= 2
    assert fc.actions().count("UpdateFunction") == 1


def test_a_missing_function_fails_in_the_first_step():
    fc = FakeFc()
    result, _ = run(fc)
    assert result.outcome == "failed" and result.error["code"] == "FunctionNotFound"
    assert fc.write_calls() == 0


def test_run_rollout_connects_every_region_first_and_returns_one_document():
    fc = FakeFc(update_delay_s=1.0)
    fc.seed(BASE)
    asked: list = []

    def client_for(region):
        asked.append(region)
        return fc

    lines: list[str] = []
    run = rollout.run_rollout([("f", "cn-hangzhou"), ("gone", "cn-shanghai")], client_for,
                              timeout_s=30.0, concurrency=1, progress=lines.append,
                              clock=Clock(fc.clock.now, fc.clock.sleep))
    assert asked[:2] == ["cn-hangzhou", "cn-shanghai"]  # before any call to FC
    assert lines[0].startswith(f"rollout {run.rollout_id}: 2 function(s)")
    doc = run.document()
    assert doc["command"] == "rollout" and doc["qualifier"] == "LATEST" and doc["ok"] is False
    assert [f["outcome"] for f in doc["functions"]] == ["ok", "failed"]
    assert {f["rolloutId"] for f in doc["functions"]} == {run.rollout_id}
    assert run.exit_code() == 1
