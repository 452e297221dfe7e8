"""Planner tables: (desired, live) → expected plan. Pure: no client, no emulator."""

from __future__ import annotations

import pytest

from fcctl import fcfacts
from fcctl.deploy import fields
from fcctl.deploy.planner import Desired, Live, plan, plan_function, plan_triggers

BASE = {
    "functionName": "orders",
    "runtime": "custom.debian10",
    "handler": "index.handler",
    "memorySize": 512,
    "customRuntimeConfig": {"command": ["python3", "app.py"], "port": 9000},
    "instanceLifecycleConfig": {
        "initializer": {"handler": "true", "timeout": 30},
        "preStop": {"handler": "true", "timeout": 10},
    },
    "environmentVariables": {"LOG_LEVEL": "info"},
}


def live_of(body: dict, **extra) -> dict:
    """A GetFunction-shaped answer for ``body``, with FC's output-only fields and defaults."""
    out = {
        **body,
        "functionId": "abc", "functionArn": "acs:fc:cn-hangzhou:123:functions/orders",
        "createdTime": "2026-01-01T00:00:00Z", "lastModifiedTime": "2026-01-01T00:00:00Z",
        "codeSize": 100, "codeChecksum": "42", "state": "Active",
        "lastUpdateStatus": "Successful", "timeout": 3, "diskSize": 512, "cpu": 0.35,
        "instanceConcurrency": 1, "internetAccess": True, "layers": None, "tags": None,
    }
    out.update(extra)
    return out


def want(body=BASE, **kw) -> Desired:
    return Desired(name=body["functionName"], region="cn-hangzhou", body=body, **kw)


def test_missing_function_is_created_with_hooks_in_wire_form():
    act = plan_function(want(code_checksum="42"), Live(None))
    assert act.action == "create"
    assert act.send_code
    assert act.body["instanceLifecycleConfig"]["preStop"] == {"handler": "true", "command": [],
                                                             "timeout": 10}
    assert "code" not in act.body


def test_identical_function_with_server_defaults_and_output_fields_is_noop():
    act = plan_function(want(code_checksum="42"), Live(live_of(BASE)))
    assert act.action == "noop", act.changes
    assert act.body is None


def test_changed_initializer_timeout_is_one_field_change():
    body = {**BASE, "instanceLifecycleConfig": {
        "initializer": {"handler": "true", "timeout": 60},
        "preStop": {"handler": "true", "timeout": 10}}}
    act = plan_function(want(body, code_checksum="42"), Live(live_of(BASE)))
    assert act.action == "update"
    assert [(c.path, c.live, c.desired) for c in act.changes] == [
        ("instanceLifecycleConfig.initializer.timeout", 30, 60)]
    assert act.body == {"instanceLifecycleConfig": {
        "initializer": {"handler": "true", "command": [], "timeout": 60},
        "preStop": {"handler": "true", "command": [], "timeout": 10}}}
    assert not act.send_code


def test_hook_removed_from_spec_is_cleared_with_the_clearing_body():
    body = {**BASE, "instanceLifecycleConfig": {"initializer": {"handler": "true", "timeout": 30}}}
    act = plan_function(want(body, code_checksum="42"), Live(live_of(BASE)))
    assert act.action == "update"
    assert {c.path for c in act.changes} == {"instanceLifecycleConfig.preStop.handler"}
    assert act.body["instanceLifecycleConfig"]["preStop"] == fcfacts.cleared_hook()


@pytest.mark.parametrize("empty", [{"handler": ""}, {"handler": "", "command": []}, {},
                                   {"command": []}])
def test_empty_hook_equals_unset_hook(empty):
    """FC docs 配置实例生命周期, fc-docs 04.功能说明/040.配置实例生命周期.md: "" and [] mean unset — never a diff against a live function without it."""
    live_body = {**BASE, "instanceLifecycleConfig": {"initializer": {"handler": "true",
                                                                      "timeout": 30}}}
    body = {**BASE, "instanceLifecycleConfig": {"initializer": {"handler": "true", "timeout": 30},
                                                "preStop": empty}}
    live = live_of(live_body)
    live["instanceLifecycleConfig"]["preStop"] = {"handler": "", "command": None, "timeout": 3}
    assert plan_function(want(body, code_checksum="42"), Live(live)).action == "noop"


def test_switching_initializer_type_clears_the_other_type():
    gpu = {**BASE, "runtime": "custom-container", "gpuConfig": {"gpuType": "fc.gpu.tesla.1"},
           "instanceLifecycleConfig": {"initializer": {"command": ["/bin/sh", "/code/w.sh"],
                                                       "timeout": 60}}}
    live = live_of({**gpu, "instanceLifecycleConfig": {"initializer": {"handler": "true",
                                                                        "timeout": 60}}})
    act = plan_function(want(gpu), Live(live))
    paths = {c.path for c in act.changes}
    assert paths == {"instanceLifecycleConfig.initializer.handler",
                     "instanceLifecycleConfig.initializer.command"}
    assert act.body["instanceLifecycleConfig"]["initializer"] == {
        "handler": "", "command": ["/bin/sh", "/code/w.sh"], "timeout": 60}


def test_code_checksum_change_sends_code_only():
    act = plan_function(want(code_checksum="43"), Live(live_of(BASE)))
    assert act.action == "update"
    assert act.send_code
    assert [c.path for c in act.changes] == ["code.checksum"]
    assert act.body == {}


def test_shape_differences_are_not_changes():
    body = {**BASE, "layers": ["acs:fc:cn-hangzhou:123:layers/x/versions/1"],
            "tags": {"team": "a"}, "customContainerConfig": {"image": "reg/x:1"}}
    live = live_of(body, layers=[{"arn": "acs:fc:cn-hangzhou:123:layers/x/versions/1",
                                  "size": 10}],
                   tags=[{"Key": "team", "Value": "a"}],
                   customContainerConfig={"image": "reg/x:1", "resolvedImageUri": "reg/x@sha256:1",
                                          "accelerationInfo": {"status": "Ready"}})
    assert plan_function(want(body, code_checksum="42"), Live(live)).action == "noop"


def test_rollout_marker_is_ignored_and_preserved():
    live = live_of(BASE, environmentVariables={"LOG_LEVEL": "info", fcfacts.ROLLOUT_ENV: "r1"})
    assert plan_function(want(code_checksum="42"), Live(live)).action == "noop"
    body = {**BASE, "environmentVariables": {"LOG_LEVEL": "debug"}}
    act = plan_function(want(body, code_checksum="42"), Live(live))
    assert act.body["environmentVariables"] == {"LOG_LEVEL": "debug", fcfacts.ROLLOUT_ENV: "r1"}


def test_secret_values_are_masked_in_changes():
    body = {**BASE, "environmentVariables": {"LOG_LEVEL": "info", "DB_PASSWORD": "hunter2"}}
    act = plan_function(want(body, code_checksum="42"), Live(live_of(BASE)))
    (change,) = act.changes
    assert change.path == "environmentVariables.DB_PASSWORD"
    assert change.desired == fcfacts.MASK
    assert "hunter2" not in repr(act.changes)
    created = plan_function(want(body), Live(None))
    assert "hunter2" not in repr(created.changes)


def test_triggers_create_update_replace_delete():
    desired = (
        {"triggerName": "http", "triggerType": "http",
         "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}},
        {"triggerName": "tick", "triggerType": "timer",
         "triggerConfig": {"cronExpression": "@every 5m", "enable": True}},
        {"triggerName": "new", "triggerType": "timer", "triggerConfig": {"cronExpression": "@every 1m"}},
    )
    live = (
        {"triggerName": "http", "triggerType": "http",
         "triggerConfig": '{"authType":"anonymous","methods":["GET"],"disableURLInternet":false}'},
        {"triggerName": "tick", "triggerType": "http", "triggerConfig": "{}"},
        {"triggerName": "old", "triggerType": "timer", "triggerConfig": "{}"},
    )
    acts = {t.name: t.action for t in plan_triggers(desired, live)}
    assert acts == {"tick": "replace", "new": "create", "old": "delete"}
    changed = ({**desired[0], "triggerConfig": {"authType": "function", "methods": ["GET"]}},)
    (upd,) = plan_triggers(changed, live[:1])
    assert upd.action == "update"
    assert [c.path for c in upd.changes] == ["triggerConfig.authType"]


def test_plan_keeps_spec_order_and_counts():
    a, b = want(code_checksum="42"), want({**BASE, "functionName": "b"})
    p = plan([b, a], {"orders": Live(live_of(BASE))})
    assert [f.name for f in p.functions] == ["b", "orders"]
    assert p.counts() == {"create": 1, "update": 0, "noop": 1}
    assert p.has_changes


def test_export_fields_round_trip_to_noop():
    live = live_of(BASE)
    exported = fields.export_fields(live)
    assert "functionArn" not in exported and "codeChecksum" not in exported
    act = plan_function(want(exported, code_checksum="42"), Live(live))
    assert act.action == "noop", act.changes


def test_failed_last_update_is_retried_not_noop():
    live = live_of(BASE, lastUpdateStatus="Failed", lastUpdateStatusReason="boom")
    act = plan_function(want(code_checksum="42"), Live(live))
    assert act.action == "update"
    assert ("lastUpdateStatus", "Failed", "Successful") in [(c.path, c.live, c.desired)
                                                            for c in act.changes]
    assert set(act.body) >= {"runtime", "handler", "memorySize", "instanceLifecycleConfig",
                             "environmentVariables", "customRuntimeConfig"}


def test_key_removed_from_trigger_config_is_a_change():
    desired = ({"triggerName": "web", "triggerType": "http", "triggerConfig": {"methods": ["GET"]}},)
    live = ({"triggerName": "web", "triggerType": "http",
             "triggerConfig": '{"authType":"anonymous","methods":["GET"],"disableURLInternet":false}'},)
    (act,) = plan_triggers(desired, live)
    assert act.action == "update"
    assert [(c.path, c.live, c.desired) for c in act.changes] == [
        ("triggerConfig.authType", "anonymous", None)]


def test_changed_source_arn_replaces_the_trigger():
    desired = ({"triggerName": "o", "triggerType": "oss", "sourceArn": "acs:oss:cn-hangzhou:1:b2",
                "triggerConfig": {"events": ["oss:ObjectCreated:*"]}},)
    live = ({"triggerName": "o", "triggerType": "oss", "sourceArn": "acs:oss:cn-hangzhou:1:b1",
             "triggerConfig": '{"events":["oss:ObjectCreated:*"]}'},)
    (act,) = plan_triggers(desired, live)
    assert act.action == "replace"
    assert [(c.path, c.desired) for c in act.changes] == [("sourceArn", "acs:oss:cn-hangzhou:1:b2")]


def test_acceleration_type_is_a_user_field():
    body = {**BASE, "runtime": "custom-container",
            "customContainerConfig": {"image": "reg/x:1", "accelerationType": "None"}}
    live = live_of(body)
    assert plan_function(want(body), Live(live)).action == "noop"
    changed = {**body, "customContainerConfig": {"image": "reg/x:1", "accelerationType": "Default"}}
    act = plan_function(want(changed), Live(live))
    assert [c.path for c in act.changes] == ["customContainerConfig.accelerationType"]


def test_switching_to_a_container_runtime_is_warned():
    body = {**BASE, "runtime": "custom-container", "customContainerConfig": {"image": "reg/x:1"}}
    act = plan_function(want(body), Live(live_of(BASE)))
    assert any("delete the function" in w for w in act.warnings)


def test_memory_change_against_live_cpu_ratio_is_warned():
    live = live_of(BASE, cpu=0.1, memorySize=256)
    act = plan_function(want({**BASE, "memorySize": 512}, code_checksum="42"), Live(live))
    assert act.action == "update" and any("set cpu" in w for w in act.warnings)
    ok = plan_function(want({**BASE, "memorySize": 512}, code_checksum="42"),
                       Live(live_of(BASE, cpu=0.25, memorySize=256)))
    assert not any("set cpu" in w for w in ok.warnings)


# --- the spec is the whole truth (fields.py docstring) ----------------------------------------
def changes_of(act):
    return [(c.path, c.live, c.desired, c.cleared) for c in act.changes]


def test_defaulted_scalar_the_spec_omits_is_kept_and_named():
    """FC keeps a removed memorySize: no change, but the plan names the kept live value."""
    body = {k: v for k, v in BASE.items() if k != "memorySize"}
    act = plan_function(want(body, code_checksum="42"), Live(live_of(BASE, memorySize=4096)))
    assert act.action == "noop"
    assert ("memorySize", 4096) in act.kept
    # a kept value equal to FC's documented default is not worth a line
    assert "timeout" not in dict(act.kept) and "diskSize" not in dict(act.kept)


def test_nested_sub_key_removed_from_the_spec_is_cleared_explicitly():
    """FC merges nested objects key by key: args must be sent as [] to go away."""
    body = {**BASE, "customRuntimeConfig": {"command": ["python3", "app.py"], "port": 9001}}
    live = live_of(BASE, customRuntimeConfig={"command": ["python3", "app.py"], "port": 9000,
                                              "args": ["--debug"], "healthCheckConfig": None})
    act = plan_function(want(body, code_checksum="42"), Live(live))
    assert changes_of(act) == [("customRuntimeConfig.args", ["--debug"], None, True),
                               ("customRuntimeConfig.port", 9000, 9001, False)]
    assert act.body == {"customRuntimeConfig": {"command": ["python3", "app.py"], "port": 9001,
                                                "args": []}}


def test_extra_live_sub_key_alone_is_a_cleared_change():
    live = live_of(BASE, customRuntimeConfig={"command": ["python3", "app.py"], "port": 9000,
                                              "args": ["--debug"]})
    act = plan_function(want(code_checksum="42"), Live(live))
    assert act.action == "update"
    assert changes_of(act) == [("customRuntimeConfig.args", ["--debug"], None, True)]


@pytest.mark.parametrize("field,live_value,empty", [
    ("vpcConfig", {"vpcId": "vpc-1", "vSwitchIds": ["vsw-1"], "securityGroupId": "sg-1"},
     {"securityGroupId": "", "vSwitchIds": [], "vpcId": ""}),
    ("nasConfig", {"userId": 10003, "groupId": 10003, "mountPoints": [
        {"serverAddr": "x.nas.aliyuncs.com:/", "mountDir": "/mnt/nas"}]},
     {"groupId": 0, "userId": 0, "mountPoints": []}),
    ("logConfig", {"project": "p", "logstore": "l", "logBeginRule": "DefaultRegex",
                   "enableRequestMetrics": True, "enableInstanceMetrics": True},
     {"enableInstanceMetrics": False, "enableRequestMetrics": False, "logBeginRule": "None",
      "logstore": "", "project": ""}),
    ("ossMountConfig", {"mountPoints": [{"bucketName": "b", "mountDir": "/mnt/oss"}]},
     {"mountPoints": []}),
    ("layers", [{"arn": "acs:fc:cn-hangzhou:123:layers/x/versions/1", "size": 1}], []),
    ("description", "made on the console", ""),
    ("role", "acs:ram::123:role/fc", ""),
    ("tracingConfig", {"type": "Jaeger", "params": {"endpoint": "http://x"}},
     {"type": "", "params": {}}),
    ("customDNS", {"nameServers": ["1.1.1.1"]}, {"nameServers": [], "searches": [],
                                                 "dnsOptions": []}),
])
def test_block_removed_from_the_spec_is_sent_as_fc3s_empty(field, live_value, empty):
    act = plan_function(want(code_checksum="42"), Live(live_of(BASE, **{field: live_value})))
    assert act.action == "update"
    assert act.changes and all(c.cleared and c.path.startswith(field) for c in act.changes)
    assert act.body == {field: empty}
    # FC's read-back of the cleared block counts as unset: the next plan is clean
    read_back = empty if field != "layers" else []
    again = plan_function(want(code_checksum="42"), Live(live_of(BASE, **{field: read_back})))
    assert again.action == "noop", again.changes


def test_fc_read_back_of_an_unset_log_config_is_unset():
    live = live_of(BASE, logConfig={"enableInstanceMetrics": False, "enableRequestMetrics": False,
                                    "logBeginRule": "None", "logstore": "", "project": ""},
                   nasConfig={"userId": 10003, "groupId": 10003, "mountPoints": []},
                   vpcConfig={"vpcId": "", "vSwitchIds": None, "securityGroupId": ""},
                   instanceIsolationMode="SHARE", sessionAffinity="NONE",
                   disableOndemand=False, tracingConfig={}, resourceGroupId="rg-1")
    assert plan_function(want(code_checksum="42"), Live(live)).action == "noop"


def test_write_only_auth_config_is_never_compared_but_sent_with_its_object():
    body = {**BASE, "runtime": "custom-container", "customContainerConfig": {
        "image": "reg/x:2", "registryConfig": {"authConfig": {"userName": "u",
                                                              "password": "REGPASS"}}}}
    live = live_of(BASE, runtime="custom-container",
                   customContainerConfig={"image": "reg/x:2", "port": 9000})
    same = plan_function(want(body), Live(live))
    assert same.action == "noop", same.changes  # FC does not return authConfig: no diff
    live["customContainerConfig"]["image"] = "reg/x:1"
    act = plan_function(want(body), Live(live))
    assert [c.path for c in act.changes] == ["customContainerConfig.image"]
    assert act.body["customContainerConfig"]["registryConfig"]["authConfig"]["password"] == "REGPASS"
    assert "REGPASS" not in repr(act.changes) and "REGPASS" not in repr(act.to_dict())


def test_secrets_of_a_cleared_object_are_masked():
    live = live_of(BASE, customContainerConfig={
        "image": "reg/x:1", "registryConfig": {"certConfig": {"rootCaCertBase64": "CERT"},
                                               "authConfig": {"userName": "u",
                                                              "password": "REGPASS"}}})
    act = plan_function(want(code_checksum="42"), Live(live))
    assert "REGPASS" not in repr(act.changes)
    assert ("customContainerConfig.registryConfig.certConfig.rootCaCertBase64", "CERT", None,
            True) in changes_of(act)


def test_environment_removed_from_the_spec_is_cleared_per_variable():
    body = {k: v for k, v in BASE.items() if k != "environmentVariables"}
    act = plan_function(want(body, code_checksum="42"), Live(live_of(BASE)))
    assert changes_of(act) == [("environmentVariables.LOG_LEVEL", fcfacts.REMOVED_VALUE_HIDDEN, None, True)]
    assert act.body == {"environmentVariables": {}}


def test_tags_converge_through_tag_apis():
    body = {**BASE, "tags": {"team": "b", "env": "prod"}}
    live = live_of(BASE, tags=[{"Key": "team", "Value": "a"}, {"Key": "old", "Value": "x"},
                               {"Key": "acs:system", "Value": "s"}])
    act = plan_function(want(body, code_checksum="42"), Live(live))
    assert act.action == "update" and act.body is None
    assert dict(act.tags_set) == {"team": "b", "env": "prod"}
    assert act.tags_remove == ("old",)
    assert act.arn == live["functionArn"]
    assert changes_of(act) == [("tags.env", None, "prod", False), ("tags.old", "x", None, True),
                               ("tags.team", "a", "b", False)]
    assert not act.warnings


def test_no_tags_key_removes_the_live_tags():
    live = live_of(BASE, tags=[{"Key": "team", "Value": "a"}])
    act = plan_function(want(code_checksum="42"), Live(live))
    assert act.tags_remove == ("team",) and act.action == "update"



def test_fc_filled_defaults_inside_objects_and_list_items_are_not_drift():
    body = {**BASE, "customRuntimeConfig": {"command": ["python3", "app.py"], "port": 9000,
                                            "healthCheckConfig": {"httpGetUrl": "/ready"}},
            "nasConfig": {"mountPoints": [{"serverAddr": "x:/", "mountDir": "/mnt/nas"}]}}
    live = live_of(body, cpu=0.15, customRuntimeConfig={  # 0.15: FC's pick for 512 MB
        "command": ["python3", "app.py"], "port": 9000,
        "healthCheckConfig": {"httpGetUrl": "/ready", "failureThreshold": 3,
                              "initialDelaySeconds": 0, "periodSeconds": 3,
                              "successThreshold": 1, "timeoutSeconds": 1}},
        nasConfig={"userId": 10003, "groupId": 10003, "mountPoints": [
            {"serverAddr": "x:/", "mountDir": "/mnt/nas", "enableTLS": False}]})
    act = plan_function(want(body, code_checksum="42"), Live(live))
    assert act.action == "noop", act.changes
    assert act.kept == ()
    # a health check default changed on the console is named, not silently kept
    live["customRuntimeConfig"]["healthCheckConfig"]["failureThreshold"] = 10
    act = plan_function(want(body, code_checksum="42"), Live(live))
    assert act.action == "noop"
    assert act.kept == (("customRuntimeConfig.healthCheckConfig.failureThreshold", 10),)


def test_fc_read_back_extras_are_neither_changes_nor_kept_lines():
    live = live_of(BASE, cpu=0.15, disableInjectCredentials="None", idleTimeout=0,
                   gpuConfig={"gpuType": "", "gpuMemorySize": 0}, enableLongLiving=False,
                   sessionAffinityConfig="", customDNS={"nameServers": None},
                   useSLRAuthentication=True, invocationRestriction={"disable": False})
    act = plan_function(want(code_checksum="42"), Live(live))
    assert act.action == "noop", act.changes
    assert act.kept == (), act.kept
