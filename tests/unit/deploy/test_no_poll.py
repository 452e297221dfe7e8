"""Deploy polls GetFunction only when the write's answer is not settled (issue 15 item 2)."""

from __future__ import annotations

import pytest

from fcctl.deploy.executor import needs_wait
from fcctl.deploy.planner import FunctionAction
from fcctl.deploy.waiters import Clock, UpdateFailed, wait_for_update


def action(container=False, pending=None):
    return FunctionAction(name="f", region=None, action="update", container=container,
                          pending=pending)


def fn(status, state="Active"):
    return {"functionName": "f", "lastUpdateStatus": status, "state": state}


def test_settled_answer_needs_no_poll():
    assert not needs_wait(fn("Successful"), action())
    assert not needs_wait(fn("Successful", state="Active"), action(container=True))


def test_in_progress_or_pending_container_answer_needs_a_poll():
    assert needs_wait(fn("InProgress"), action())
    assert needs_wait(fn("Successful", state="Pending"), action(container=True))
    # built-in runtimes may stay Pending: only containers wait for Active
    assert not needs_wait(fn("Successful", state="Pending"), action())


def test_failed_answer_raises_at_once():
    with pytest.raises(UpdateFailed):
        needs_wait(fn("Failed"), action())


def test_no_function_write_polls_only_over_a_pending_update():
    assert not needs_wait({}, action())
    assert needs_wait({}, action(pending="lastUpdateStatus InProgress"))
    assert not needs_wait(None, action())


def test_known_pending_sleeps_before_the_first_read():
    t = [0.0]
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        t[0] += s

    calls = []

    def get():
        calls.append(t[0])
        return fn("Successful")

    out = wait_for_update(get, name="f", container=False, deadline=None,
                          clock=Clock(now=lambda: t[0], sleep=sleep), interval_s=0.5,
                          known_pending=True)
    assert out["lastUpdateStatus"] == "Successful"
    assert sleeps == [0.5] and calls == [0.5]
