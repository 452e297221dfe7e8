"""One event stream, every renderer: the text lines (and spinner count) and the NDJSON records
of a deploy are made from the same recorded :mod:`fcctl.deploy.events` events."""

from __future__ import annotations

import json

from fcctl.cloud.api import RetryNotice
from fcctl.deploy import events as ev
from fcctl.deploy import planner
from fcctl.deploy.executor import ExecOptions, Executor
from fcctl.deploy.kinds import Action
from fcctl.deploy.waiters import Clock
from fcctl.ui.console import SCHEMA_VERSION, Console
from fcctl.ui.render import DeployProgress, event_record, progress_line
from tests.fakefc import FakeFc

BODY = {"functionName": "f", "runtime": "python3.10", "handler": "index.handler",
        "memorySize": 256, "environmentVariables": {"DB_PASSWORD": "hunter2-very-secret"}}


class _Status:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def update(self, text: str) -> None:
        self.texts.append(text)


def _recorded_deploy() -> list:
    """The events of one real executor run on the fake: g updated after a throttled call."""
    fc = FakeFc(update_delay_s=2.0)
    fc.seed(BODY)
    fc.seed({**BODY, "functionName": "g"})
    wants = [planner.Desired("f", None, BODY),
             planner.Desired("g", None, {**BODY, "functionName": "g", "memorySize": 512})]
    live = {w.name: planner.Live(fc.get_function(w.name)) for w in wants}
    events: list = []
    options = ExecOptions(clock=Clock(fc.clock.now, fc.clock.sleep), concurrency=1)
    Executor(lambda r: fc, {}, {w.name: w for w in wants}, options,
             progress=events.append).run(planner.plan(wants, live))
    events.append(ev.RetryScheduled(RetryNotice("UpdateFunction", 1, 0.5,
                                                code="TooManyRequests", status=429,
                                                function="g")))
    return events


def test_text_and_ndjson_renderings_of_one_deploy_come_from_the_same_events(capsys):
    events = _recorded_deploy()
    assert {type(e) for e in events} >= {ev.Settled, ev.FunctionWriting, ev.Waiting}

    text = Console("text", progress="text")
    status = _Status()
    spinner = DeployProgress(text, status, total=2)
    for e in events:
        spinner(e)
    text_lines = [ln for ln in capsys.readouterr().err.splitlines() if ln]

    machine = Console("text", progress="ndjson")
    ndjson = DeployProgress(machine, _Status(), total=2)
    for e in events:
        ndjson(e)
    err = capsys.readouterr().err
    records = [json.loads(line) for line in err.splitlines()]

    # one line per event in both renderings, in the same order, saying the same thing
    assert text_lines == [progress_line(e) for e in events]
    assert len(records) == len(events)
    assert [r["message"] for r in records] == text_lines
    for record, event in zip(records, events):
        assert list(record)[:2] == ["schemaVersion", "event"]
        assert record["schemaVersion"] == SCHEMA_VERSION
        assert record["event"] == type(event).__name__
        assert record["function"] == event.function
        assert record == json.loads(json.dumps({"schemaVersion": SCHEMA_VERSION,
                                                **event_record(event)}))
    # the spinner counted the same finishing events the NDJSON carries
    assert spinner.finished == sum(r["event"] in ("Settled", "Failed") for r in records) == 2
    assert status.texts[-1] == "applying: 2/2 function(s) finished"
    # typed fields, FC's words
    writing = next(r for r in records if r["event"] == "FunctionWriting")
    assert writing["function"] == "g" and writing["action"] == Action.UPDATE.value
    assert writing["fields"] == ["memorySize"] and writing["code"] is False
    waiting = next(r for r in records if r["event"] == "Waiting")
    assert waiting["for"] == "lastUpdateStatus"
    retry = records[-1]
    assert (retry["event"], retry["code"], retry["status"], retry["attempt"],
            retry["reason"]) == ("RetryScheduled", "TooManyRequests", 429, 1, "TooManyRequests")


def test_ndjson_progress_never_carries_a_secret_and_no_spinner(capsys, monkeypatch):
    secret = "sk-" + "A1b2C3d4E5f6G7h8I9j0"
    machine = Console("text", progress="ndjson")
    machine.ndjson(event_record(ev.Failed("f", ev.Outcome.FAILED,
                                          f"InvalidArgument: ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret}")))
    machine.progress(f"rollout note: password={secret}")
    err = capsys.readouterr().err
    assert secret not in err
    lines = [json.loads(x) for x in err.splitlines()]
    assert [x["event"] for x in lines] == ["Failed", "Message"]
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert type(machine.status("x")).__name__ == "_NoStatus"
