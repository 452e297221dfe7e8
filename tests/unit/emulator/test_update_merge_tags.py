"""UpdateFunction's merge of nested objects and the tag storage, without HTTP."""

from __future__ import annotations

import pytest

from fcctl import fcfacts
from fcctl.emulator import errors
from fcctl.emulator.backend import Backend, merge_update
from fcctl.emulator.routes import match_api
from fcctl.emulator.store import Store


@pytest.fixture
def be():
    return Backend(Store(":memory:"), clock=lambda: 1_700_000_000.0)


def create(be, **kw):
    body = {"functionName": "fn", "runtime": "custom.debian12", "handler": "h",
            "code": {"zipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
            "customRuntimeConfig": {"command": ["python3", "app.py"], "args": ["--debug"],
                                    "port": 9000}}
    body.update(kw)
    return be.create_function(body)


def test_update_keeps_an_omitted_nested_sub_key(be):
    create(be, logConfig={"project": "p", "logstore": "l", "enableRequestMetrics": True})
    out = be.update_function("fn", {"customRuntimeConfig": {"port": 9001},
                                    "logConfig": {"logstore": "l2"}})
    assert out["customRuntimeConfig"] == {"command": ["python3", "app.py"], "args": ["--debug"],
                                          "port": 9001}
    assert out["logConfig"] == {"project": "p", "logstore": "l2", "enableRequestMetrics": True}


def test_explicit_empties_clear_and_lists_and_user_maps_are_replaced(be):
    create(be, vpcConfig={"vpcId": "v", "vSwitchIds": ["a", "b"], "securityGroupId": "sg"},
           environmentVariables={"A": "1", "B": "2"},
           tracingConfig={"type": "Jaeger", "params": {"endpoint": "x", "k": "v"}})
    out = be.update_function("fn", {
        "customRuntimeConfig": {"args": []},
        "vpcConfig": dict(fcfacts.CLEARED_EMPTY["vpcConfig"]),
        "environmentVariables": {"A": "1"},
        "tracingConfig": {"params": {"endpoint": "y"}},
    })
    assert out["customRuntimeConfig"]["args"] == []
    assert out["customRuntimeConfig"]["command"] == ["python3", "app.py"]
    assert out["vpcConfig"] == {"vpcId": "", "vSwitchIds": [], "securityGroupId": ""}
    assert out["environmentVariables"] == {"A": "1"}  # a map of the user's: replaced whole
    assert out["tracingConfig"] == {"type": "Jaeger", "params": {"endpoint": "y"}}


def test_merge_update_is_recursive():
    stored = {"a": {"b": {"c": 1, "d": 2}, "l": [1, 2]}, "x": 1}
    merge_update(stored, {"a": {"b": {"c": 3}, "l": [9]}})
    assert stored == {"a": {"b": {"c": 3, "d": 2}, "l": [9]}, "x": 1}


def test_tags_add_change_remove_and_list(be):
    arn = create(be, tags=[{"Key": "team", "Value": "a"}])["functionArn"]
    be.tag_resources({"ResourceId": [arn], "ResourceType": "FUNCTION",
                      "Tag": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}]})
    assert be.get_function("fn")["tags"] == [{"Key": "team", "Value": "b"},
                                             {"Key": "env", "Value": "prod"}]
    be.untag_resources([arn], "function", ["team", "absent"], False)
    assert be.get_function("fn")["tags"] == [{"Key": "env", "Value": "prod"}]
    listed = be.list_tag_resources([arn], "function", None)
    assert listed["TagResources"] == [{"ResourceId": arn, "ResourceType": "function",
                                       "TagKey": "env", "TagValue": "prod"}]
    be.untag_resources([arn], "function", None, True)
    assert be.get_function("fn")["tags"] == []


def test_tag_errors(be):
    arn = create(be)["functionArn"]
    with pytest.raises(errors.InvalidArgument):
        be.tag_resources({"ResourceId": [arn], "ResourceType": "alias",
                          "Tag": [{"Key": "a", "Value": "b"}]})
    with pytest.raises(errors.FunctionNotFound):
        be.tag_resources({"ResourceId": [arn.replace("/fn", "/nope")], "ResourceType": "function",
                          "Tag": [{"Key": "a", "Value": "b"}]})
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(fcfacts.MAX_TAGS_PER_RESOURCE + 1)]
    with pytest.raises(errors.InvalidArgument):
        be.tag_resources({"ResourceId": [arn], "ResourceType": "function", "Tag": many})
    with pytest.raises(errors.InvalidArgument):
        be.untag_resources([arn], "function", None, False)
    with pytest.raises(errors.InvalidArgument, match="JSON object"):  # was a 500 (AttributeError)
        be.tag_resources([{"Key": "a", "Value": "b"}])


def test_tag_routes():
    for method, action in (("POST", "TagResources"), ("DELETE", "UntagResources"),
                           ("GET", "ListTagResources")):
        assert match_api(method, "/2023-03-30/tags-v2").action == action
