"""``fcctl release`` service on the in-memory FC fake: every phase."""

from __future__ import annotations

import pytest

from fcctl import errors, fcfacts
from fcctl.deploy.kinds import Outcome
from fcctl.deploy.release import parse_steps, previous_of, run_release
from tests.fakefc import FakeClock, FakeFc

NAME = "api"


def setup(**kw) -> FakeFc:
    fc = FakeFc(FakeClock(), **kw)
    fc.seed({"functionName": NAME, "handler": "index.handler", "memorySize": 512,
             "codeChecksum": "c1"})
    return fc


def release(fc, **kw):
    return run_release(fc, NAME, "prod", clock=fc.clock, **kw)


def change_code(fc, checksum="c2"):
    fc.functions[NAME].doc["codeChecksum"] = checksum


def test_first_release_publishes_and_creates_alias():
    fc = setup()
    r = release(fc)
    assert r.outcome is Outcome.OK and r.published and r.new_version == "1"
    assert fc.get_alias(NAME, "prod")["versionId"] == "1"
    assert r.exit_code() == 0


def test_no_difference_publishes_nothing():
    fc = setup()
    release(fc)
    r = release(fc)
    assert r.action == "noop" and not r.published and r.exit_code() == 0
    assert [v["versionId"] for v in fc.list_versions(NAME)] == ["1"]


def test_rollout_marker_alone_is_no_difference():
    fc = setup()
    release(fc)
    fc.functions[NAME].doc["environmentVariables"] = {fcfacts.ROLLOUT_ENV: "x"}
    assert release(fc).action == "noop"


def test_config_and_code_differences_are_named():
    fc = setup()
    release(fc)
    change_code(fc)
    fc.functions[NAME].doc["memorySize"] = 1024
    r = release(fc)
    assert r.published and set(r.differences) == {"codeChecksum", "memorySize"}
    assert previous_of(fc.list_versions(NAME)[-1]["description"]) == "1"


def test_waits_while_latest_in_progress_never_publishes_during_it():
    fc = setup()
    fc.functions[NAME].doc["lastUpdateStatus"] = fcfacts.UPDATE_IN_PROGRESS
    fc.functions[NAME].ready_at = 5.0
    r = release(fc)
    assert r.outcome is Outcome.OK and fc.clock.now() >= 5.0
    assert fc.actions().index("PublishFunctionVersion") > 0


def test_failed_latest_exits_1_without_publishing():
    fc = setup()
    fc.functions[NAME].doc["lastUpdateStatus"] = fcfacts.UPDATE_IN_PROGRESS
    fc.functions[NAME].ready_at = 1.0
    fc.functions[NAME].fails = True
    r = release(fc)
    assert r.exit_code() == errors.EXIT_FAILED
    assert "PublishFunctionVersion" not in fc.actions()


def test_canary_sets_weight_keeps_old_version():
    fc = setup()
    release(fc)
    change_code(fc)
    r = release(fc, canary=20)
    alias = fc.get_alias(NAME, "prod")
    assert alias["versionId"] == "1" and alias["additionalVersionWeight"] == {"2": 0.2}
    assert r.action == "canary"


def test_promote_finishes_canary():
    fc = setup()
    release(fc)
    change_code(fc)
    release(fc, canary=20)
    r = release(fc, promote=True)
    alias = fc.get_alias(NAME, "prod")
    assert r.outcome is Outcome.OK
    assert alias["versionId"] == "2" and not alias["additionalVersionWeight"]


def test_rollback_during_canary_and_after_promote():
    fc = setup()
    release(fc)
    change_code(fc)
    release(fc, canary=20)
    release(fc, rollback=True)
    alias = fc.get_alias(NAME, "prod")
    assert alias["versionId"] == "1" and not alias["additionalVersionWeight"]
    fc.update_alias(NAME, "prod", {"versionId": "1", "additionalVersionWeight": {"2": 0.5}})
    release(fc, promote=True)
    assert fc.get_alias(NAME, "prod")["versionId"] == "2"
    r = release(fc, rollback=True)
    assert r.outcome is Outcome.OK and fc.get_alias(NAME, "prod")["versionId"] == "1"


def test_release_after_rollback_reuses_the_identical_newest_version():
    fc = setup()
    release(fc)
    change_code(fc)
    assert release(fc).new_version == "2"
    assert release(fc, rollback=True).new_version == "1"
    again = release(fc)
    assert again.outcome is Outcome.OK and again.new_version == "2" and not again.published
    assert fc.get_alias(NAME, "prod")["versionId"] == "2"
    assert [v["versionId"] for v in fc.list_versions(NAME)] == ["1", "2"]  # no empty version
    change_code(fc, "c3")  # a real change still publishes
    assert release(fc).new_version == "3"


def test_rollback_to_deleted_version_exits_1_and_leaves_alias():
    fc = setup()
    release(fc)
    change_code(fc)
    release(fc)
    fc.versions[NAME] = [v for v in fc.versions[NAME] if v["versionId"] != "1"]
    r = release(fc, rollback=True)
    assert r.exit_code() == 1 and "does not exist" in r.message
    assert fc.get_alias(NAME, "prod")["versionId"] == "2"


def test_rollback_without_record_is_refused():
    fc = setup()
    fc.publish_version(NAME, "by hand")
    fc.create_alias(NAME, {"aliasName": "prod", "versionId": "1"})
    r = release(fc, rollback=True)
    assert r.exit_code() == 1 and "no previous version" in r.message


def test_steps_walk_and_promote():
    fc = setup()
    release(fc)
    change_code(fc)
    r = release(fc, steps=[10, 50, 100], interval_s=30, probe_count=4)
    assert r.outcome is Outcome.OK
    assert [s["percent"] for s in r.steps] == [10, 50, 100]
    alias = fc.get_alias(NAME, "prod")
    assert alias["versionId"] == "2" and not alias["additionalVersionWeight"]
    assert 30 in fc.clock.sleeps


def test_failing_probes_roll_back_automatically_naming_responses():
    fc = setup()
    release(fc)
    change_code(fc)
    fc.version_error_type["2"] = "InitializationError"
    r = release(fc, steps=[50, 100], probe_count=10)
    assert r.exit_code() == errors.EXIT_FAILED
    alias = fc.get_alias(NAME, "prod")
    assert alias["versionId"] == "1" and not alias["additionalVersionWeight"]
    assert r.failures and all(f["errorType"] == "InitializationError" and f["version"] == "2"
                              for f in r.failures)
    assert r.failures[0]["requestId"] in r.message
    # probes go on until 10 reached the new version; those the old version served are sent
    # but not counted against the new one
    assert r.steps[0]["countedForNew"] == len(r.failures) == 10 < r.steps[0]["probes"]


def test_max_error_rate_tolerates_failures_below_it():
    fc = setup()
    release(fc)
    change_code(fc)
    fc.version_error_type["2"] = "HandledInvocationError"
    r = release(fc, steps=[50, 100], probe_count=10, max_error_rate=1.0)
    assert r.outcome is Outcome.OK and fc.get_alias(NAME, "prod")["versionId"] == "2"


def test_provision_ready_time_reported():
    fc = setup()
    release(fc)
    fc.put_provision_config(NAME, {"defaultTarget": 2}, qualifier="prod")
    change_code(fc)
    r = release(fc)
    assert r.provision_ready_s is not None
    assert r.document()["provisionReadySeconds"] is not None


def test_minimum_instances_that_cannot_start_roll_the_alias_back():
    """After the alias moved, FC reports the new version's minimum instances failing
    (``currentError``): the release does not wait out --timeout; the alias goes back to the old
    version, exit 1, the new version stays published."""
    fc = setup()
    release(fc)
    fc.put_provision_config(NAME, {"defaultTarget": 2}, qualifier="prod")
    change_code(fc)
    real_get = fc.get_provision_config

    def failing(function_name, qualifier="LATEST"):
        doc = real_get(function_name, qualifier)
        if fc.get_alias(NAME, "prod")["versionId"] == "2":
            doc.update(current=0, currentError="the Initializer of a provisioned instance failed")
        return doc

    fc.get_provision_config = failing
    r = release(fc, timeout_s=3600)
    assert r.outcome is Outcome.FAILED and r.exit_code() == 1
    assert "Initializer" in r.message and "rolled back to version 1" in r.message
    assert fc.get_alias(NAME, "prod")["versionId"] == "1"
    assert [v["versionId"] for v in fc.list_versions(NAME)] == ["1", "2"]
    assert fc.clock.now() < 60  # failed at the first look, not at --timeout


def test_a_step_no_probe_reached_is_unverified_and_rolled_back():
    """At a small weight every probe may land on the old version: the step keeps probing (up to
    its bound) and, when none reached the new version, rolls back instead of promoting a version
    nobody tried."""
    fc = setup()
    release(fc)
    change_code(fc)
    fc.version_error_type["2"] = "UnhandledInvocationError"
    real = fc._served_version

    def never_new(name, qualifier, action, pick=False):
        version = real(name, qualifier, action, pick=pick)
        return "1" if pick else version

    fc._served_version = never_new
    r = release(fc, steps=[10, 100], probe_count=3)
    assert r.exit_code() == errors.EXIT_FAILED and "unverified" in r.message
    assert r.steps[0]["countedForNew"] == 0 and r.steps[0]["probes"] == 3 * 3 * 10
    assert fc.get_alias(NAME, "prod")["versionId"] == "1"


def test_a_small_step_probes_until_enough_reached_the_new_version():
    fc = setup()
    release(fc)
    change_code(fc)
    fc.version_error_type["2"] = "UnhandledInvocationError"
    r = release(fc, steps=[10, 100], probe_count=5)
    assert r.exit_code() == errors.EXIT_FAILED  # the failing version is caught, not promoted
    assert r.steps[0]["countedForNew"] >= 1 and r.steps[0]["probes"] > r.steps[0]["countedForNew"]
    assert fc.get_alias(NAME, "prod")["versionId"] == "1"


def test_an_alias_moved_by_someone_else_mid_release_stops_it():
    fc = setup()
    release(fc)
    change_code(fc)
    fc.publish_version(NAME)  # version 2, someone else's
    change_code(fc, "c3")
    real_sleep = fc.clock.sleep

    def meddle(s: float) -> None:  # during the interval, another release promotes version 2
        real_sleep(s)
        fc.update_alias(NAME, "prod", {"versionId": "2", "additionalVersionWeight": {}})

    fc.clock.sleep = meddle
    r = release(fc, steps=[50, 100], interval_s=10, probe_count=2)
    assert r.exit_code() == errors.EXIT_FAILED and "changed while this release ran" in r.message
    assert fc.get_alias(NAME, "prod")["versionId"] == "2"  # the other move is not undone


@pytest.mark.parametrize("text", ["10,50", "50,10,100", "0,100", "x", "100", "10,,100", ","])
def test_bad_steps(text):
    with pytest.raises(errors.UsageError):
        parse_steps(text)


def test_steps_parse():
    assert parse_steps("10,50,100") == [10, 50, 100]


# --- rollout --alias -------------------------------------------------------------------------
from fcctl.deploy.release import rollout_alias  # noqa: E402
from fcctl.deploy.rollout import run_rollout  # noqa: E402


def released(fc):
    release(fc)
    iids = [fc.start_instance(NAME, "prod", "1") for _ in range(2)]
    return iids


def test_rollout_alias_replaces_every_instance_of_the_old_version():
    fc = setup()
    iids = released(fc)
    r = rollout_alias(fc, NAME, "prod", clock=fc.clock)
    assert r.outcome is Outcome.OK, r.message
    assert r.exit_code() == 0
    assert r.instances_before == sorted(iids) and sorted(r.drained) == sorted(iids)
    assert all(i["status"] == "Destroyed" for i in fc.instances[NAME] if i["instanceId"] in iids)
    alias = fc.get_alias(NAME, "prod")
    assert alias["versionId"] == r.new_version == "2"
    # the new version differs from the old only in the rollout marker
    assert r.document()["command"] == "rollout"
    assert release(fc).action == "noop"


def test_rollout_alias_refuses_while_a_canary_runs_with_exit_2_and_writes_nothing():
    fc = setup()
    released(fc)
    change_code(fc)
    assert release(fc, canary=20).outcome is Outcome.OK
    writes = fc.write_calls()
    r = rollout_alias(fc, NAME, "prod", clock=fc.clock)
    assert r.exit_code() == errors.EXIT_USAGE and r.previous_version == "1"
    assert "canary running" in r.message and "--promote or --rollback" in r.message
    assert fc.write_calls() == writes


def test_rollout_alias_refuses_unreleased_changes_with_exit_2():
    fc = setup()
    released(fc)
    change_code(fc)
    fc.functions[NAME].doc["memorySize"] = 2048
    writes = fc.write_calls()
    r = rollout_alias(fc, NAME, "prod", clock=fc.clock)
    assert r.exit_code() == errors.EXIT_USAGE
    assert r.differences == ["memorySize", "codeChecksum"]
    assert "memorySize" in r.message
    assert fc.write_calls() == writes and len(fc.list_versions(NAME)) == 1


def test_rollout_alias_waits_for_minimum_instances():
    fc = setup()
    released(fc)
    fc.put_provision_config(NAME, {"defaultTarget": 1}, qualifier="prod")
    r = rollout_alias(fc, NAME, "prod", clock=fc.clock)
    assert r.outcome is Outcome.OK and r.provision_ready_s is not None


def test_plain_rollout_leaving_alias_instances_exits_5_unless_latest_only():
    fc = setup()
    released(fc)
    run = run_rollout([(NAME, None)], lambda region: fc, timeout_s=60, clock=fc.clock)
    assert run.exit_code() == errors.EXIT_PARTIAL and not run.ok
    assert run.document()["aliasesLeft"] == [{"functionName": NAME, "aliasName": "prod",
                                              "instances": 2}]
    ok = run_rollout([(NAME, None)], lambda region: fc, timeout_s=60, clock=fc.clock,
                     latest_only=True)
    assert ok.exit_code() == 0 and ok.document()["aliasesLeft"] == []
