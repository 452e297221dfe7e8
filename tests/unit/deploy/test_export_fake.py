"""fcctl export's work on the in-memory FC: a result object, secrets never in it."""

from __future__ import annotations

from fcctl.deploy.export import export_functions
from tests.fakefc import FakeFc


def test_export_returns_the_spec_with_secrets_as_env_references_and_dollars_doubled():
    fc = FakeFc()
    fc.seed({"functionName": "api", "runtime": "python3.10", "handler": "index.handler",
             "description": "costs $5", "environmentVariables": {
                 "DB_PASSWORD": "hunter2-very-secret", "MODE": "prod"}})
    fc.create_trigger("api", {"triggerName": "http", "triggerType": "http",
                              "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}})
    warnings: list[str] = []
    out = export_functions(fc, ["api", "api"], code_dir=None, region=None, warn=warnings.append)
    [fn] = out.spec["functions"]
    assert out.spec["region"] == "cn-hangzhou"
    assert fn["description"] == "costs $$5"
    assert fn["environmentVariables"] == {"DB_PASSWORD": "${env:DB_PASSWORD}", "MODE": "prod"}
    assert fn["triggers"] == [{"triggerName": "http", "triggerType": "http",
                               "triggerConfig": {"authType": "anonymous", "methods": ["GET"]}}]
    assert "hunter2-very-secret" not in repr(out.spec)
    assert any("DB_PASSWORD" in w for w in warnings)
    assert fc.write_calls() == 1  # only the set-up's CreateTrigger: export writes nothing
