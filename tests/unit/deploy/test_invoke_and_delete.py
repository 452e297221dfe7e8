"""fcctl.deploy.invoke and fcctl.deploy.functions on the in-memory fake (FC's rules)."""

from __future__ import annotations

import io

import pytest

from fcctl import errors, fcfacts
from fcctl.cloud.client import InvokeResult
from fcctl.deploy import functions, invoke
from tests.fakefc import FakeFc


def seeded() -> FakeFc:
    fake = FakeFc()
    fake.seed({"functionName": "busy", "runtime": "custom.debian10"})
    fake.create_trigger("busy", {"triggerName": "http", "triggerType": "http",
                                 "triggerConfig": {"authType": "anonymous"}})
    fake.aliases["busy"] = [{"aliasName": "prod", "versionId": "1"}]
    fake.versions["busy"] = [{"versionId": "1"}]
    fake.provision["busy"] = {"prod": {"defaultTarget": 1}}
    return fake


def test_delete_function_is_refused_while_triggers_or_provision_configs_exist():
    fake = seeded()
    with pytest.raises(errors.ApiError) as exc:
        fake.delete_function("busy")
    assert exc.value.code == "FunctionNotEmpty"


def test_remove_deletes_in_fc_order_and_the_function_last():
    fake = seeded()
    (removal,) = functions.plan_removal(fake, ["busy"])
    assert removal.provision_qualifiers == ["prod"]
    fake.calls.clear()
    functions.remove(fake, removal)
    assert [a for a, _ in fake.calls] == ["DeleteTrigger", "DeleteProvisionConfig", "DeleteAlias",
                                         "DeleteFunctionVersion", "DeleteFunction"]
    assert "busy" not in fake.functions


def test_plan_removal_of_a_missing_name_raises_before_any_delete():
    fake = seeded()
    with pytest.raises(errors.ApiError) as exc:
        functions.plan_removal(fake, ["busy", "nosuch"])
    assert exc.value.code == "FunctionNotFound"
    assert not [a for a, _ in fake.calls if a.startswith("Delete")]


def test_an_error_type_header_fails_the_invocation_and_is_named():
    fake = FakeFc()
    fake.seed({"functionName": "f", "runtime": "custom.debian10"})
    fake.invoke_error_type = "InitializationError"
    got = invoke.invoke(fake, "f", b"")
    assert got.failed and got.error_type == "InitializationError"
    assert got.error_message == "init failed"


def test_an_error_message_body_without_the_header_is_a_failure_too(monkeypatch):
    class Answer(FakeFc):
        def invoke_function(self, function_name, payload=b"", *, qualifier=None,
                            invocation_type="Sync", function_timeout_s=None, log_tail=False):
            return InvokeResult(200, {"x-fc-request-id": "r1"},
                                b'{"errorMessage": "boom"}')

    got = invoke.invoke(Answer(), "f", b"")
    assert got.error_type == fcfacts.INVOKE_BODY_ERROR_TYPE and got.error_message == "boom"
    ok = invoke.invoke(type("A", (Answer,), {"invoke_function": lambda self, *a, **k:
                                             InvokeResult(200, {}, b'{"fine": 1}')})(), "f", b"")
    assert not ok.failed


def test_payload_from_stdin_is_bounded_by_fcs_limit():
    limit = fcfacts.ASYNC_INVOKE_PAYLOAD_MAX_BYTES
    assert invoke.read_payload(text=None, file="-", stdin=io.BytesIO(b"x" * limit),
                               invocation_type="Async") == b"x" * limit
    with pytest.raises(errors.UsageError):
        invoke.read_payload(text=None, file="-", stdin=io.BytesIO(b"x" * (limit + 1)),
                            invocation_type="Async")
    with pytest.raises(errors.UsageError):
        invoke.read_payload(text="a", file="-", stdin=io.BytesIO(b""), invocation_type="Sync")


def test_non_utf8_bodies_are_base64_in_json():
    got = invoke.Invocation(200, "r", "i", None, None, b"\xff\x00", None, "Sync")
    assert got.body_json() == {"body": "/wA=", "bodyEncoding": "base64"}
