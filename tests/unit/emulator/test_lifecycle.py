"""The function status transition table (fcctl.emulator.lifecycle) on its own."""

from __future__ import annotations

from fcctl import fcfacts
from fcctl.emulator import lifecycle


def container(**kw) -> dict:
    fn = {"runtime": fcfacts.CONTAINER_RUNTIME, "customContainerConfig": {"image": "i"},
          "state": fcfacts.STATE_PENDING, "_stateReadyAt": 100.0,
          "lastUpdateStatus": fcfacts.UPDATE_SUCCESSFUL, "environmentVariables": {}}
    fn.update(kw)
    return fn


def accel(fn: dict) -> str:
    return fn["customContainerConfig"]["accelerationInfo"]["status"]


def test_container_goes_active_then_ready_in_order():
    fn = container(environmentVariables={"FCCTL_EMULATOR_ACCELERATION_S": "5"})
    assert lifecycle.advance(fn, 50.0)
    assert (fn["state"], accel(fn)) == (fcfacts.STATE_PENDING, fcfacts.ACCELERATION_PREPARING)
    assert not lifecycle.advance(fn, 60.0)  # nothing due: nothing changes
    assert lifecycle.advance(fn, 100.0)
    assert (fn["state"], accel(fn)) == (fcfacts.STATE_ACTIVE, fcfacts.ACCELERATION_PREPARING)
    assert lifecycle.advance(fn, 105.0)
    assert accel(fn) == fcfacts.ACCELERATION_READY
    fn["state"], fn["_stateReadyAt"] = fcfacts.STATE_PENDING, 200.0  # a new image
    assert lifecycle.advance(fn, 150.0) and accel(fn) == fcfacts.ACCELERATION_PREPARING


def test_update_ends_successful_with_a_new_generation_or_failed_with_the_reason():
    ok = {"lastUpdateStatus": fcfacts.UPDATE_IN_PROGRESS, "_updateReadyAt": 10.0, "_gen": 3}
    assert not lifecycle.advance(ok, 9.0)
    assert lifecycle.advance(ok, 10.0)
    assert (ok["lastUpdateStatus"], ok["_gen"], ok["_genAt"]) == (
        fcfacts.UPDATE_SUCCESSFUL, 4, 10.0)
    bad = {"lastUpdateStatus": fcfacts.UPDATE_IN_PROGRESS, "_updateReadyAt": 10.0,
           "_updateFails": "disk full", "_gen": 3}
    assert lifecycle.advance(bad, 11.0)
    assert (bad["lastUpdateStatus"], bad["lastUpdateStatusReason"], bad["_gen"]) == (
        fcfacts.UPDATE_FAILED, "disk full", 3)
    assert "accelerationInfo" not in str(bad)  # not a container: the row does not apply


def test_instance_runs_prestop_then_is_destroyed_at_the_planned_times():
    inst = {"status": lifecycle.INSTANCE_RUNNING, "_stopAt": 10.0, "_destroyAt": 12.5,
            "_stopReason": "idle", "_preStopResult": "ok", "events": []}
    table = lifecycle.INSTANCE_TRANSITIONS
    assert not lifecycle.advance(inst, 9.0, table)
    assert lifecycle.advance(inst, 11.0, table)
    assert inst["status"] == lifecycle.INSTANCE_STOPPING
    assert lifecycle.advance(inst, 20.0, table)
    assert inst["status"] == lifecycle.INSTANCE_DESTROYED and inst["destroyedTimeMs"] == 12_500
    # stamped with the model time of each step, not the time it was noticed
    assert [(e["event"], e["timeMs"]) for e in inst["events"]] == [
        ("pre-stop started", 10_000), ("pre-stop ok", 12_500), ("destroyed", 12_500)]
    running = {"status": lifecycle.INSTANCE_RUNNING}  # no stop planned: stays Running
    assert not lifecycle.advance(running, 1e9, table)
