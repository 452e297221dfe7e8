"""The instance transition table (lifecycle.INSTANCE_TRANSITIONS) and instances.plan_stop, on
plain records: each step happens at its due model time, never before, with its event."""

from __future__ import annotations

from fcctl.emulator import instances, lifecycle
from fcctl.emulator.lifecycle import INSTANCE_TRANSITIONS, advance


def record(**extra) -> dict:
    inst = {"instanceId": "c-1", "status": "Running", "createdTimeMs": 0, "events": [],
            "_preStop": {"handler": "stop", "timeout": 3}, "_knobs": {}}
    inst.update(extra)
    return inst


def kinds(inst: dict) -> list[str]:
    return [e["event"] for e in inst["events"]]


def test_creating_becomes_running_when_the_initializer_has_passed():
    inst = record(status="Creating", _readyAt=10.0)
    assert not advance(inst, 9.999, INSTANCE_TRANSITIONS)
    assert inst["status"] == "Creating" and inst["events"] == []
    assert advance(inst, 50.0, INSTANCE_TRANSITIONS)
    assert inst["status"] == "Running"
    assert kinds(inst) == ["initializer ok"] and inst["events"][0]["timeMs"] == 10000


def test_a_running_instance_stays_until_a_stop_is_planned():
    inst = record()
    assert not advance(inst, 1e9, INSTANCE_TRANSITIONS) and inst["status"] == "Running"


def test_stop_runs_prestop_then_destroys_at_the_planned_times():
    inst = record(_knobs={"prestopMs": 2000})
    instances.plan_stop(inst, 5.0, "alias-update")
    assert not advance(inst, 4.0, INSTANCE_TRANSITIONS)
    assert advance(inst, 6.0, INSTANCE_TRANSITIONS)
    assert inst["status"] == "Stopping" and kinds(inst) == ["pre-stop started"]
    assert inst["events"][0]["trigger"] == "alias-update"
    assert advance(inst, 7.0, INSTANCE_TRANSITIONS)
    assert inst["status"] == "Destroyed" and inst["destroyedTimeMs"] == 7000
    assert kinds(inst) == ["pre-stop started", "pre-stop ok", "destroyed"]
    assert [e["timeMs"] for e in inst["events"]] == [5000, 7000, 7000]


def test_one_late_observation_takes_every_due_step_with_its_own_time():
    inst = record(status="Creating", _readyAt=1.0)
    advance(inst, 2.0, INSTANCE_TRANSITIONS)
    instances.plan_stop(inst, 3.0, "scale-in")
    assert advance(inst, 100.0, INSTANCE_TRANSITIONS)
    assert inst["status"] == "Destroyed"
    assert [(e["event"], e["timeMs"]) for e in inst["events"]] == [
        ("initializer ok", 1000), ("pre-stop started", 3000), ("pre-stop ok", 3000),
        ("destroyed", 3000)]


def test_without_a_prestop_hook_the_stop_is_logged_as_skipped():
    inst = record(_preStop=None)
    instances.plan_stop(inst, 1.0, "idle")
    advance(inst, 1.0, INSTANCE_TRANSITIONS)
    assert kinds(inst) == ["pre-stop skipped", "destroyed"]


def test_api_shape_keeps_private_state_out():
    inst = record(status="Stopping", qualifier="LATEST", versionId="0", resourceType="OnDemand",
                  _stopAt=1.0, invocations=3)
    out = instances.to_api(inst)
    assert set(out) <= set(instances.API_KEYS)
    assert out["status"] == "Running" and out["qualifier"] == ""
    assert lifecycle.INSTANCE_CREATING == instances.to_api(record(status="Creating"))["status"]
