"""The executor's convergence rules on the in-memory FC (tests/fakefc.py): no HTTP, model time."""

from __future__ import annotations

import pytest

from tests.fakefc import FakeFc
from fcctl import fcfacts
from fcctl.deploy import planner
from fcctl.deploy.executor import ExecOptions, Executor
from fcctl.deploy.waiters import Clock


def desired(memory=256, triggers=None):
    return planner.Desired(
        name="f", region=None,
        body={"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
              "memorySize": memory},
        triggers=tuple(triggers or ()), manage_triggers=triggers is not None)


def observe(fc, want):
    fn = fc.get_function(want.name)
    trig = tuple(fc.list_triggers(want.name)) if fn is not None and want.manage_triggers else ()
    return planner.plan([want], {want.name: planner.Live(fn, trig)})


def apply(fc, want, the_plan, **opts):
    options = ExecOptions(clock=Clock(fc.clock.now, fc.clock.sleep), poll_interval_s=0.5,
                          **opts)
    events = []
    ex = Executor(lambda region: fc, {}, {want.name: want}, options, progress=events.append)
    [result] = ex.run(the_plan)
    return result


def test_function_already_exists_on_create_becomes_an_update():
    fc = FakeFc()
    want = desired(memory=512)
    the_plan = observe(fc, want)
    assert the_plan.functions[0].action == "create"
    fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
             "memorySize": 128})  # created meanwhile (an earlier run, a dropped connection)
    fc.calls.clear()
    result = apply(fc, want, the_plan)
    assert result.outcome == "ok", result.error
    assert fc.actions()[:3] == ["CreateFunction", "GetFunction", "UpdateFunction"]
    assert fc.functions["f"].doc["memorySize"] == 512
    assert result.last_update_status == fcfacts.UPDATE_SUCCESSFUL


@pytest.mark.parametrize("busy_code", fcfacts.UPDATE_BUSY_CODES)
def test_update_busy_while_in_progress_waits_then_sends_again(busy_code):
    fc = FakeFc(busy_code=busy_code, update_delay_s=2.0)
    base = {"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
            "memorySize": 128}
    fc.seed(base)
    want = desired(memory=512)
    the_plan = observe(fc, want)
    assert the_plan.functions[0].action == "update"
    fc.update_function("f", {"description": "someone else's update"})  # now InProgress
    fc.calls.clear()
    result = apply(fc, want, the_plan)
    assert result.outcome == "ok", result.error
    actions = fc.actions()
    assert actions[0] == "UpdateFunction" and "GetFunction" in actions
    assert actions.count("UpdateFunction") == 2
    assert actions.index("GetFunction") < len(actions) - 1 - actions[::-1].index("UpdateFunction")
    doc = fc.functions["f"].doc
    assert doc["memorySize"] == 512 and doc["description"] == "someone else's update"
    assert doc["lastUpdateStatus"] == fcfacts.UPDATE_SUCCESSFUL


def trigger(name, ttype, config):
    return {"triggerName": name, "triggerType": ttype, "triggerConfig": config,
            "qualifier": "LATEST"}


HTTP = {"authType": "anonymous", "methods": ["GET"]}
TIMER = {"cronExpression": "@every 5m", "enable": True}


def test_trigger_replace_deletes_before_it_creates():
    fc = FakeFc(update_delay_s=0)
    fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
             "memorySize": 256})
    fc.create_trigger("f", trigger("t", "timer", TIMER))
    fc.create_trigger("f", trigger("old-http", "http", HTTP))
    want = desired(triggers=[trigger("t", "http", HTTP)])  # t changes type; old-http goes
    the_plan = observe(fc, want)
    assert {(t.name, t.action) for t in the_plan.functions[0].triggers} == {
        ("t", "replace"), ("old-http", "delete")}
    fc.calls.clear()
    result = apply(fc, want, the_plan)
    assert result.outcome == "ok", result.error
    writes = [a for a in fc.actions() if a.endswith("Trigger")]
    assert writes == ["DeleteTrigger", "DeleteTrigger", "CreateTrigger"]
    assert list(fc.triggers["f"]) == ["t"] and fc.triggers["f"]["t"]["triggerType"] == "http"


def test_a_failed_update_is_sent_again_on_the_next_run():
    fc = FakeFc(update_delay_s=1.0)
    fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
             "memorySize": 128})
    want = desired(memory=512)
    fc.fail_updates = "image pull failed"
    first = apply(fc, want, observe(fc, want))
    assert first.outcome == "failed" and first.last_update_status == fcfacts.UPDATE_FAILED
    assert "image pull failed" in first.message
    fc.fail_updates = None
    again = observe(fc, want)
    assert again.functions[0].action == "update"  # not "no changes" over a Failed function
    second = apply(fc, want, again)
    assert second.outcome == "ok", second.error
    assert fc.functions["f"].doc["lastUpdateStatus"] == fcfacts.UPDATE_SUCCESSFUL


@pytest.mark.parametrize("exists", [False, True])
def test_no_poll_when_the_write_answered_successful(exists):
    fc = FakeFc(update_delay_s=0)  # FC settles the update within the call
    if exists:
        fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
                 "memorySize": 128})
    want = desired(memory=512)
    the_plan = observe(fc, want)
    fc.calls.clear()
    result = apply(fc, want, the_plan)
    assert result.outcome == "ok", result.error
    assert fc.actions() == ["UpdateFunction" if exists else "CreateFunction"]
    assert fc.clock.sleeps == []


def test_an_in_progress_write_is_polled_until_it_settles():
    fc = FakeFc(update_delay_s=3.0)
    fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
             "memorySize": 128})
    want = desired(memory=512)
    the_plan = observe(fc, want)
    fc.calls.clear()
    result = apply(fc, want, the_plan)
    assert result.outcome == "ok" and result.last_update_status == fcfacts.UPDATE_SUCCESSFUL
    assert fc.actions()[0] == "UpdateFunction" and fc.actions()[-1] == "GetFunction"
    assert fc.clock.now() >= 3.0


def test_the_deadline_ends_a_wait_with_a_timeout():
    fc = FakeFc(update_delay_s=100.0)
    fc.seed({"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
             "memorySize": 128})
    want = desired(memory=512)
    result = apply(fc, want, observe(fc, want), timeout_s=5.0)
    assert result.outcome == "timeout"
    assert "lastUpdateStatus=InProgress" in result.message
