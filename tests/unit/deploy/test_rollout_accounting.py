"""Rollout's instance accounting on FC's real ListInstances examples, and its drain polling."""

from __future__ import annotations

from fcctl.deploy import rollout
from fcctl.deploy.waiters import Clock
from tests.fakefc import FakeClock

# FC 3.0 ListInstances API example (help.aliyun.com api-fc-2023-03-30-listinstances, zh)
ZH_EXAMPLE = {"instanceId": "1ef6b6ff-7f7b-485e-ab49-501ac681****", "versionId": "0",
              "qualifier": "", "status": "", "createdTimeMs": 0, "destroyedTimeMs": 0,
              "resourceType": ""}
# the older EN example of the same API
EN_EXAMPLE = {"instanceId": "1ef6b6ff-7f7b-485e-ab49-501ac681****", "versionId": "LATEST"}


def test_latest_is_recognised_by_version_id_in_both_example_forms():
    assert rollout.serves_latest(ZH_EXAMPLE)
    assert rollout.serves_latest(EN_EXAMPLE)
    # versionId decides before qualifier: an alias's instance of version 3 is not LATEST, even
    # if FC were to echo an empty qualifier
    assert not rollout.serves_latest({"instanceId": "a", "versionId": "3", "qualifier": ""})
    assert not rollout.serves_latest({"instanceId": "a", "versionId": "3",
                                      "qualifier": "LATEST"})
    # no versionId: the qualifier decides
    assert rollout.serves_latest({"instanceId": "a", "qualifier": "LATEST"})
    assert rollout.serves_latest({"instanceId": "a"})
    assert not rollout.serves_latest({"instanceId": "a", "qualifier": "prod"})


def test_states_follow_fcs_instance_events_and_unknown_ones_stay_active():
    # the zh example: status "" and destroyedTimeMs 0 — an instance fcctl cannot call gone
    assert rollout.is_active(ZH_EXAMPLE) and rollout.unknown_status(ZH_EXAMPLE) is None
    for status in ("Creating", "Running", "Error"):
        assert rollout.is_active({"status": status}) and rollout.unknown_status(
            {"status": status}) is None
    assert not rollout.is_active({"status": "Destroyed"})
    assert not rollout.is_active({"status": "Running", "destroyedTimeMs": 1700000000000})
    for status in ("Stopping", "Terminated", "Stopped", "running"):
        assert rollout.is_active({"status": status}), status
        assert rollout.unknown_status({"status": status}) == status


class ScriptedFc:
    """FcClient-shaped: answers ListInstances from a timeline of model time → instances."""

    def __init__(self, clock: FakeClock, gone_at: float, full: bool = False) -> None:
        self.clock, self.gone_at, self.full = clock, gone_at, full
        self.calls: list[dict] = []

    def list_instances(self, name, qualifier=None, with_all_active=True, limit=None):
        self.calls.append({"qualifier": qualifier, "limit": limit})
        rows = [] if self.clock.now() >= self.gone_at else [
            {"instanceId": "old-1", "versionId": "0", "qualifier": "", "status": "Running"}]
        if self.full:
            rows += [{"instanceId": f"x{n}", "versionId": "0", "status": "Running"}
                     for n in range(limit - len(rows))]
        return rows


def test_drain_polls_at_most_one_second_apart_with_explicit_qualifier_and_limit():
    clock = FakeClock()
    fc = ScriptedFc(clock, gone_at=7.3)
    warnings: list[str] = []
    alive = rollout._wait_drained(fc, "fn", {"old-1"}, None, Clock(clock.now, clock.sleep),
                                  0.5, warnings)
    assert alive == {}
    assert max(clock.sleeps) <= rollout.DRAIN_POLL_MAX_S
    assert clock.t - 7.3 <= rollout.DRAIN_POLL_MAX_S  # noticed within 1 s of model time
    assert all(c == {"qualifier": "LATEST", "limit": 100} for c in fc.calls)
    assert warnings == []


def test_drain_timeout_names_the_survivors_with_status_and_warns_when_full():
    clock = FakeClock()
    fc = ScriptedFc(clock, gone_at=1e9, full=True)
    warnings: list[str] = []
    alive = rollout._wait_drained(fc, "fn", {"old-1"}, 3.0, Clock(clock.now, clock.sleep),
                                  0.5, warnings)
    assert alive == {"old-1": "Running"}
    assert len(warnings) == 1 and "limit" in warnings[0]


def test_update_busy_policy_treats_409_and_412_alike():
    # which answer FC gives to an update while the last is InProgress is undocumented: both
    # 409 ConcurrentUpdateError and 412 PreconditionFailed mean "wait, then send again"
    from fcctl import errors
    from fcctl.deploy.waiters import update_when_free

    for status, code in ((409, "ConcurrentUpdateError"), (412, "PreconditionFailed")):
        answers = [errors.ApiError("busy", code=code, status=status), {"functionName": "fn"}]
        waited = []

        class Busy:
            def update_function(self, name, body):
                answer = answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer

        assert update_when_free(Busy(), "fn", {}, wait=lambda: waited.append(1)) == \
            {"functionName": "fn"}
        assert waited == [1], code

    class Denied:
        def update_function(self, name, body):
            raise errors.ApiError("no", code="AccessDenied", status=403)

    try:
        update_when_free(Denied(), "fn", {}, wait=lambda: None)
    except errors.ApiError as exc:
        assert exc.code == "AccessDenied"
    else:
        raise AssertionError("AccessDenied must not be waited out")


class FakeFc:
    """FcClient-shaped, for rollout_function: one alias, FC-shaped instances; the old LATEST
    instance reports a status fcctl does not know and never goes."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.list_calls: list[tuple] = []
        self.updates: list[dict] = []

    def get_function(self, name, qualifier=None, *, missing_ok=True):
        return {"functionName": name, "runtime": "python3.10", "timeout": 3,
                "lastUpdateStatus": "Successful", "state": None, "environmentVariables": {}}

    def list_aliases(self, name):
        return [{"aliasName": "prod", "versionId": "2", "additionalVersionWeight": {}}]

    def list_instances(self, name, qualifier=None, with_all_active=True, limit=None):
        self.list_calls.append((qualifier, limit))
        if qualifier == "LATEST":
            return [{"instanceId": "old-1", "versionId": "0", "qualifier": "",
                     "status": "Stopping"},
                    {"instanceId": "gone-1", "versionId": "0", "status": "Destroyed",
                     "destroyedTimeMs": 1}]
        return [{"instanceId": "v2-1", "versionId": "2", "qualifier": "prod",
                 "status": "Running"}]

    def update_function(self, name, body):
        self.updates.append(body)
        return self.get_function(name)


def test_rollout_lists_each_serving_qualifier_and_names_unknown_states_at_timeout():
    clock = FakeClock()
    fc = FakeFc(clock)
    result = rollout.rollout_function(fc, "fn", rollout_id="r1", deadline=5.0,
                                      clock=Clock(clock.now, clock.sleep))
    assert ("LATEST", 100) in fc.list_calls and ("prod", 100) in fc.list_calls
    assert result.instances_before == ["old-1"]
    assert result.not_restarted == [{"instanceId": "v2-1", "qualifier": "prod",
                                     "versionId": "2"}]
    assert result.outcome == "timeout" and result.still_active == ["old-1"]
    assert result.unknown_statuses == {"old-1": "Stopping"}
    assert "old-1 (Stopping)" in result.message
    doc = result.to_dict()
    assert doc["stillActiveStatus"] == {"old-1": "Stopping"} and doc["warnings"] == []
    assert fc.updates[0]["environmentVariables"] == {"FCCTL_ROLLOUT_ID": "r1"}
