"""Typed plans and progress events: enums read as the strings they were, dispatch is exhaustive,
and the UI renders the executor's events (no parsing of progress text)."""

from __future__ import annotations

import json
import typing

import pytest

from fcctl.deploy import events as ev
from fcctl.deploy import planner
from fcctl.deploy.executor import ExecOptions, Executor
from fcctl.deploy.kinds import Action, Outcome, PhaseStatus, ProvisionOp, TriggerOp
from fcctl.deploy.waiters import Clock
from fcctl.ui.render import DeployProgress, progress_line
from tests.fakefc import FakeFc

BODY = {"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
        "memorySize": 256}


def test_enums_read_as_their_values_in_json_and_text():
    for member in [*Action, *TriggerOp, *Outcome, *PhaseStatus]:
        assert str(member) == member.value and f"{member}" == member.value
        assert f"{member:<9}" == f"{member.value:<9}"
        assert json.dumps({"a": member}) == json.dumps({"a": member.value})
    the_plan = planner.plan([planner.Desired("f", None, BODY)], {})
    doc = json.loads(json.dumps([f.to_dict() for f in the_plan.functions]))
    assert doc[0]["action"] == "create" and the_plan.counts() == {
        "create": 1, "update": 0, "noop": 0}


def executor(fc, events, **opts):
    want = planner.Desired("f", None, BODY)
    options = ExecOptions(clock=Clock(fc.clock.now, fc.clock.sleep), **opts)
    return Executor(lambda region: fc, {}, {"f": want}, options, progress=events.append)


def test_an_unknown_plan_action_fails_loudly_before_any_call():
    fc = FakeFc()
    bogus = planner.FunctionAction(name="f", region=None, action="recreate")
    with pytest.raises(ValueError, match="unknown plan action: 'recreate'"):
        executor(fc, []).run(planner.Plan((bogus,)))
    assert fc.calls == []


def test_an_unknown_trigger_action_fails_loudly_before_any_trigger_call():
    fc = FakeFc(update_delay_s=0)
    fc.seed(BODY)
    odd = planner.TriggerAction(name="t", action="rename", body={})
    action = planner.FunctionAction(name="f", region=None, action=Action.UPDATE, triggers=(odd,))
    with pytest.raises(ValueError, match="unknown trigger action"):
        executor(fc, []).run(planner.Plan((action,)))
    assert not [a for a in fc.actions() if a.endswith("Trigger")]


def test_every_event_type_has_a_progress_line():
    from fcctl.cloud.api import RetryNotice

    samples = [
        ev.FunctionWriting("f", Action.CREATE),
        ev.FunctionWriting("f", Action.UPDATE, ("memorySize",), code=True),
        ev.TagsWriting("f", ("team",)), ev.TagsWriting("f", ("old",), remove=True),
        ev.TriggerWriting("f", "t", TriggerOp.DELETE),
        ev.AliasWriting("f", "prod"), ev.ProvisionWriting("f", "prod", ProvisionOp.CREATE, 2),
        *(ev.Waiting("f", w, "lastUpdateStatus InProgress") for w in ev.WaitFor),
        ev.Settled("f", Action.UPDATE), ev.Settled("f", Action.NOOP),
        ev.Settled("f", Action.NOOP, waited=False, pending="lastUpdateStatus InProgress"),
        ev.Failed("f", Outcome.FAILED, "boom"), ev.Failed("f", Outcome.TIMEOUT, "late"),
        ev.RetryScheduled(RetryNotice("GetFunction", 1, 0.25, code="Throttling.User",
                                      status=429, function="f")),
    ]
    assert {type(e) for e in samples} == set(typing.get_args(ev.Event))
    lines = [progress_line(e) for e in samples]
    assert lines == [
        "f: creating", "f: updating memorySize code", "f: tag team", "f: untag old",
        "f: trigger t: delete", "f: alias prod: update description",
        "f: provision config prod: create (defaultTarget 2)", "f: waiting for lastUpdateStatus",
        "f: another update is InProgress; waiting for it",
        "f: no changes; FC is still applying the last update (lastUpdateStatus InProgress)",
        "f: update done", "f: settled", "f: no changes (lastUpdateStatus InProgress: not waiting)",
        "f: FAILED: boom", "f: still pending (late)",
        "retrying GetFunction f (Throttling.User), attempt 2 in 0.2s"]
    with pytest.raises(ValueError):
        progress_line("f: update done")  # text is not an event


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.status: list[str] = []

    def progress(self, line: str) -> None:
        self.lines.append(line)

    def update(self, text: str) -> None:
        self.status.append(text)


@pytest.mark.parametrize("pending", [False, True])
def test_the_spinner_counts_each_function_once_from_its_final_event(pending):
    fc = FakeFc(update_delay_s=2.0)
    fc.seed(BODY, status="InProgress" if pending else "Successful", ready_in=2.0)
    fc.seed({**BODY, "functionName": "g"})
    wants = [planner.Desired("f", None, BODY),
             planner.Desired("g", None, {**BODY, "functionName": "g", "memorySize": 512})]
    live = {w.name: planner.Live(fc.get_function(w.name)) for w in wants}
    the_plan = planner.plan(wants, live)
    assert [f.action for f in the_plan.functions] == [Action.NOOP, Action.UPDATE]
    rec = Recorder()
    ui = DeployProgress(rec, rec, total=2)
    options = ExecOptions(clock=Clock(fc.clock.now, fc.clock.sleep), concurrency=1)
    results = Executor(lambda r: fc, {}, {w.name: w for w in wants}, options,
                       progress=ui).run(the_plan)
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
    assert ui.finished == 2 and rec.status[-1] == "applying: 2/2 function(s) finished"
    assert rec.lines[-1] == "g: update done"
    assert rec.lines[0] == ("f: no changes; FC is still applying the last update "
                            "(lastUpdateStatus InProgress)" if pending else "f: no changes")
