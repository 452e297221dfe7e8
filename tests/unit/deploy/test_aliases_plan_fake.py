"""Aliases and provision configs in plan and deploy (issue 10 item 1), on the in-memory FC
(tests/fakefc.py): observe → plan → execute → observe again is clean; a pending alias is a note
that keeps no plan dirty; UpdateAlias carries the description only."""

from __future__ import annotations

from tests.fakefc import FakeFc
from fcctl.deploy import planner
from fcctl.deploy.executor import ExecOptions, Executor
from fcctl.deploy.kinds import Action, AliasOp, ProvisionOp
from fcctl.deploy.service import observe_aliases
from fcctl.deploy.waiters import Clock

BODY = {"functionName": "f", "runtime": "python3.10", "handler": "index.handler"}
SCHEDULE = [{"name": "day", "scheduleExpression": "cron(0 0 8 * * *)", "target": 3,
             "timeZone": "Asia/Shanghai"}]


def desired(provision=None, aliases=()):
    return planner.Desired(name="f", region=None, body=dict(BODY), manage_triggers=False,
                           provision=provision, aliases=tuple(aliases))


def plan_of(fc, want):
    fn = fc.get_function(want.name)
    aliases, provisions = observe_aliases(fc, want, fn)
    return planner.plan([want], {want.name: planner.Live(fn, (), aliases, provisions)})


def apply(fc, want, the_plan):
    options = ExecOptions(clock=Clock(fc.clock.now, fc.clock.sleep), poll_interval_s=0.5)
    events = []
    [result] = Executor(lambda region: fc, {}, {want.name: want}, options,
                        progress=events.append).run(the_plan)
    assert result.outcome == "ok", result.error
    return result, events


def release(fc, alias, description=""):
    """What `fcctl release` would do: publish, then CreateAlias."""
    v = fc.publish_version("f")
    fc.create_alias("f", {"aliasName": alias, "versionId": v["versionId"],
                          "description": description})
    return v["versionId"]


def test_latest_provision_config_created_then_clean():
    fc = FakeFc()
    fc.seed(dict(BODY))
    want = desired(provision={"defaultTarget": 2, "alwaysAllocateCPU": False,
                              "scheduledActions": SCHEDULE})
    p = plan_of(fc, want)
    fa = p.functions[0]
    assert fa.action is Action.UPDATE and p.has_changes
    assert [(x.qualifier, x.action) for x in fa.provisions] == [("LATEST", ProvisionOp.CREATE)]
    result, events = apply(fc, want, p)
    assert result.to_dict()["provisionConfigs"][0]["qualifier"] == "LATEST"
    got = fc.get_provision_config("f")
    assert got["defaultTarget"] == 2 and got["scheduledActions"] == SCHEDULE
    assert "current" in got and "functionArn" in got  # FC's extra fields are not a difference
    again = plan_of(fc, want)
    assert not again.has_changes and again.functions[0].provisions == ()


def test_changed_target_is_an_update_field_by_field():
    fc = FakeFc()
    fc.seed(dict(BODY))
    fc.put_provision_config("f", {"defaultTarget": 1, "alwaysAllocateCPU": True})
    want = desired(provision={"defaultTarget": 4, "alwaysAllocateCPU": True})
    [prov] = plan_of(fc, want).functions[0].provisions
    assert prov.action is ProvisionOp.UPDATE
    assert [(c.path, c.live, c.desired) for c in prov.changes] == [("defaultTarget", 1, 4)]


def test_removed_provision_config_is_left_alone():
    fc = FakeFc()
    fc.seed(dict(BODY))
    fc.put_provision_config("f", {"defaultTarget": 1})
    p = plan_of(fc, desired(provision=None))
    assert not p.has_changes
    fc.calls.clear()
    apply(fc, desired(), p)
    assert "DeleteProvisionConfig" not in fc.actions()


def test_pending_alias_is_a_note_then_applied_once_released():
    fc = FakeFc()
    fc.seed(dict(BODY))
    want = desired(aliases=[{"aliasName": "prod", "description": "production",
                             "provisionConfig": {"defaultTarget": 2}}])
    p = plan_of(fc, want)
    [al] = p.functions[0].aliases
    assert al.action is AliasOp.PENDING and "fcctl release f --alias prod" in al.note
    assert not p.has_changes and p.functions[0].action is Action.NOOP  # not dirty forever
    apply(fc, want, p)
    assert "PutProvisionConfig" not in fc.actions() and "CreateAlias" not in fc.actions()

    version = release(fc, "prod", "old words")
    p = plan_of(fc, want)
    fa = p.functions[0]
    assert [(a.name, a.action) for a in fa.aliases] == [("prod", AliasOp.UPDATE)]
    assert [(x.qualifier, x.action) for x in fa.provisions] == [("prod", ProvisionOp.CREATE)]
    fc.calls.clear()
    apply(fc, want, p)
    alias = fc.get_alias("f", "prod")
    assert alias["description"] == "production" and alias["versionId"] == version
    assert fc.get_provision_config("f", "prod")["defaultTarget"] == 2
    assert not plan_of(fc, want).has_changes


def test_update_alias_sends_the_description_only():
    fc = FakeFc()
    fc.seed(dict(BODY))
    release(fc, "prod", "a")
    sent = []
    real = fc.update_alias
    fc.update_alias = lambda name, alias, body: (sent.append(body), real(name, alias, body))[1]
    want = desired(aliases=[{"aliasName": "prod", "description": "b"}])
    apply(fc, want, plan_of(fc, want))
    assert sent == [{"description": "b"}]


def test_alias_without_description_in_spec_is_not_compared():
    fc = FakeFc()
    fc.seed(dict(BODY))
    release(fc, "prod", "set by hand")
    p = plan_of(fc, desired(aliases=[{"aliasName": "prod", "provisionConfig": None}]))
    assert not p.has_changes and p.functions[0].aliases == ()


def test_new_function_provision_create_and_alias_pending():
    fc = FakeFc()
    want = desired(provision={"defaultTarget": 1}, aliases=[{"aliasName": "prod"}])
    p = plan_of(fc, want)
    fa = p.functions[0]
    assert fa.action is Action.CREATE
    assert [x.action for x in fa.provisions] == [ProvisionOp.CREATE]
    assert [a.action for a in fa.aliases] == [AliasOp.PENDING]
    doc = fa.to_dict()
    assert doc["aliases"][0]["action"] == "pending" and doc["provisionConfigs"][0]["action"] == "create"
    apply(fc, want, p)
    assert fc.get_provision_config("f")["defaultTarget"] == 1
    assert not plan_of(fc, want).has_changes
