"""The ``fc_target`` fixture: where a ``live_ok`` test runs — the emulator, or real FC in live
mode (tests/livemode.py; README, "For users with an account").

Every test that takes ``fc_target`` runs twice: ``[emulator]`` always, ``[live]`` only with
``FCCTL_TEST_LIVE=1`` and only when marked ``live_ok`` (otherwise skipped with the reason). The
target runs the CLI in a subprocess (credentials are read by alibabacloud-credentials at import)
and gives an SDK client; names go through ``target.name()`` so live functions carry the run's
unique prefix, and every function with that prefix is deleted at the end (triggers first).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

import livemode


@dataclass
class Target:
    kind: str  # "emulator" | "live"
    endpoint: str  # value for --endpoint
    region: str
    env: dict = field(repr=False)  # credentials for the child process
    prefix: str = ""

    def name(self, base: str) -> str:
        return self.prefix + base

    def run(self, *args: str, cwd=None, timeout: float = 600):
        child = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_",
                                                                         "FCCTL_"))}
        child.update(self.env)
        child["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
        proc = subprocess.run([sys.executable, "-m", "fcctl", "--endpoint", self.endpoint, *args],
                              capture_output=True, text=True, env=child, cwd=cwd,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        secret = self.env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        assert not secret or (secret not in proc.stdout and secret not in proc.stderr)
        return proc

    def sdk(self):
        from alibabacloud_fc20230330.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        proto, host = self.endpoint.split("://", 1)
        return Client(Config(access_key_id=self.env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                             access_key_secret=self.env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                             security_token=self.env.get("ALIBABA_CLOUD_SECURITY_TOKEN"),
                             endpoint=host, protocol=proto, region_id=self.region))


def _delete_prefixed(target: Target) -> None:
    from alibabacloud_fc20230330 import models

    client = target.sdk()
    listed = client.list_functions(models.ListFunctionsRequest(prefix=target.prefix, limit=100))
    for fn in listed.body.functions or []:
        name = fn.function_name
        if not name.startswith(target.prefix):
            continue
        triggers = client.list_triggers(name, models.ListTriggersRequest(limit=100)).body
        for trig in triggers.triggers or []:
            client.delete_trigger(name, trig.trigger_name)
        client.delete_function(name)


@pytest.fixture(params=["emulator", "live"])
def fc_target(request):
    LIVE = livemode.SESSION
    if request.param == "live":
        marked = request.node.get_closest_marker(livemode.MARKER) is not None
        reason = livemode.live_skip_reason(LIVE, marked)
        if reason:
            pytest.skip(reason)
        target = Target("live", LIVE.endpoint, LIVE.region, dict(LIVE.credentials), LIVE.prefix)
        try:
            yield target
        finally:
            _delete_prefixed(target)
        return
    emulator = request.getfixturevalue("emulator")
    # the session's test key pair (tests/conftest.py), which the emulator fixture accepts
    creds = {k: os.environ[k] for k in livemode.CREDENTIAL_VARS[:2]}
    yield Target("emulator", emulator.url, "cn-hangzhou", creds)
