"""Errors as FC's API gateway sends them, through the official SDK over real HTTP: a stand-in
server answers a few calls with the gateway's throttling codes (any status) before FC's
answer; FcClient must retry them, and must not retry what is not throttling."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fcctl import errors
from fcctl.cloud.client import FcClient
from fcctl.cloud.retry import RetryPolicy


class Gateway:
    def __init__(self, answers: list[tuple[int, str]]) -> None:
        self.answers = list(answers)
        self.seen = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.seen += 1
                if outer.answers:
                    status, code = outer.answers.pop(0)
                    body = {"Code": code, "Message": f"{code} by the gateway",
                            "RequestId": f"rid-{outer.seen}"}
                else:
                    status, body = 200, {"functionName": "fn", "lastUpdateStatus": "Successful"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-acs-request-id", f"rid-{outer.seen}")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def client(self) -> FcClient:
        from alibabacloud_tea_openapi.utils_models import Config

        port = self.httpd.server_address[1]
        return FcClient(lambda: Config(access_key_id="ak", access_key_secret="sk",
                                       endpoint=f"127.0.0.1:{port}", protocol="http"),
                        endpoint_label="gateway", region="cn-hangzhou",
                        policy=RetryPolicy(max_attempts=6, initial_s=0.01, max_backoff_s=0.05))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def gateway():
    made = []

    def make(answers):
        gw = Gateway(answers)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        gw.close()


def test_gateway_throttling_is_retried_whatever_the_status(gateway):
    gw = gateway([(400, "Throttling.User"), (403, "Rejected.Throttling"),
                  (400, "ServiceUnavailable"), (502, "BadGateway")])
    client = gw.client()
    assert client.get_function("fn")["functionName"] == "fn"
    assert gw.seen == 5
    assert [o for a, o in client.log.calls] == ["retry"] * 4 + ["ok"]


@pytest.mark.parametrize("status, code, hint_word", [
    (400, "SignatureDoesNotMatch", "secret"),
    (404, "InvalidAccessKeyId.NotFound", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    (412, "PreconditionFailed", "InProgress"),
])
def test_non_throttling_answers_are_not_retried_and_explained(gateway, status, code, hint_word):
    gw = gateway([(status, code)])
    with pytest.raises(errors.ApiError) as exc:
        gw.client().get_function("fn", missing_ok=False)
    assert gw.seen == 1
    assert exc.value.code == code and exc.value.status == status
    assert hint_word in exc.value.hint


def test_each_retry_is_reported_with_its_reason_not_an_sdk_exception(gateway):
    from fcctl.cloud.api import RetryNotice

    gw = gateway([(429, "Throttling.User"), (503, "ServiceUnavailable")])
    client = gw.client()
    notices: list = []
    client.on_retry = notices.append
    assert client.get_function("fn")["functionName"] == "fn"
    assert [type(n) for n in notices] == [RetryNotice, RetryNotice]
    assert [(n.action, n.function, n.code, n.status, n.attempt) for n in notices] == [
        ("GetFunction", "fn", "Throttling.User", 429, 1),
        ("GetFunction", "fn", "ServiceUnavailable", 503, 2)]
    assert all(n.delay >= 0 for n in notices)
    assert notices[0].reason() == "Throttling.User" and notices[0].subject() == "GetFunction fn"


def test_a_bug_inside_a_call_is_not_reported_as_an_api_failure(gateway):
    """A TypeError/KeyError raised while making a call is fcctl's bug: it propagates as itself
    (the CLI reports it as an internal error), never as ApiError "GetFunction failed"."""
    gw = gateway([])
    client = gw.client()
    with pytest.raises(TypeError):
        client._call("GetFunction", lambda sdk: sdk.get_function("fn", "not a request", 3))
    with pytest.raises(KeyError):
        client._call("GetFunction", lambda sdk: {}["functionName"])
    assert [o for _a, o in client.log.calls] == ["error", "error"]  # and never retried
    # the same path still turns FC's answers and transport failures into ApiError
    assert client.get_function("fn")["functionName"] == "fn"
    gw.close()
    with pytest.raises(errors.ApiError) as exc:
        FcClient(gw.client()._config_factory, endpoint_label="gateway", region=None,
                 policy=RetryPolicy(max_attempts=1)).get_function("fn")
    assert exc.value.code == "ConnectionError"


def test_the_cli_reports_a_bug_as_an_internal_error_not_api_failed(gateway, monkeypatch,
                                                                     tmp_path, capsys):
    from fcctl.cli.main import main

    gw = gateway([])
    client = gw.client()

    def connect(endpoint, profile, region, *, policy=None, on_retry=None):
        return client

    monkeypatch.setattr("fcctl.cloud.connect", connect)
    monkeypatch.setattr(client, "_sdk", lambda: None)  # a bug: calls on None → AttributeError
    monkeypatch.delenv("FCCTL_DEBUG", raising=False)
    (tmp_path / "fc.yaml").write_text(
        "region: cn-hangzhou\nfunctions:\n  - functionName: fn\n    runtime: python3.10\n"
        "    handler: index.handler\n    code: ./src\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.py").write_text("def handler(e, c):\n    return 'ok'\n")
    monkeypatch.chdir(tmp_path)
    code = main(["plan", "--endpoint", "http://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == errors.EXIT_FAILED
    assert "internal error: AttributeError" in err
    assert "GetFunction failed" not in err
