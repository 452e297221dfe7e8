"""Live mode of the functional suite: the selection logic, free of pytest so it is unit-tested.

``FCCTL_TEST_LIVE=1`` with real credentials (``ALIBABA_CLOUD_ACCESS_KEY_ID`` /
``ALIBABA_CLOUD_ACCESS_KEY_SECRET``, optionally ``ALIBABA_CLOUD_SECURITY_TOKEN``) and a region
(``FCCTL_TEST_REGION``) runs the tests marked ``live_ok`` — those that need no emulator knob —
against real FC as well as against the emulator. They create functions named with a unique prefix
and delete them at the end. Without it, their live variant is skipped with the reason.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Mapping

ENV_FLAG = "FCCTL_TEST_LIVE"
ENV_REGION = "FCCTL_TEST_REGION"
CREDENTIAL_VARS = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                   "ALIBABA_CLOUD_SECURITY_TOKEN")
MARKER = "live_ok"
_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")


@dataclass(frozen=True)
class LiveConfig:
    enabled: bool
    reason: str = ""  # why live mode is off ("" when on)
    region: str = ""
    credentials: dict = field(default_factory=dict, repr=False)  # never printed
    prefix: str = ""

    @property
    def endpoint(self) -> str:
        return f"https://fcv3.{self.region}.aliyuncs.com"


def live_config(environ: Mapping[str, str], run_id: str | None = None) -> LiveConfig:
    """Read the live settings from ``environ`` (call before anything overwrites credentials)."""
    if environ.get(ENV_FLAG, "").strip().lower() not in ("1", "true", "yes"):
        return LiveConfig(False, f"{ENV_FLAG} is not set: live_ok tests run against the emulator "
                                 f"only (set {ENV_FLAG}=1, {ENV_REGION} and credentials for real FC)")
    creds = {k: environ[k] for k in CREDENTIAL_VARS if environ.get(k)}
    missing = [k for k in CREDENTIAL_VARS[:2] if k not in creds]
    if missing:
        return LiveConfig(False, f"{ENV_FLAG}=1 but {', '.join(missing)} not set")
    region = environ.get(ENV_REGION, "").strip()
    if not region:
        return LiveConfig(False, f"{ENV_FLAG}=1 but {ENV_REGION} is not set (e.g. cn-hangzhou)")
    if not _REGION.match(region):
        return LiveConfig(False, f"{ENV_REGION}={region!r} is not a region id like cn-hangzhou")
    run_id = run_id or uuid.uuid4().hex[:8]
    return LiveConfig(True, "", region, creds, f"fcctl-test-{run_id}-")


# The settings of this test session, read by tests/conftest.py before it installs the test key pair.
SESSION = LiveConfig(False, f"{ENV_FLAG} is not set")


def live_skip_reason(cfg: LiveConfig, marked_live_ok: bool) -> str | None:
    """Why the live variant of a test does not run (None: it runs against real FC)."""
    if not marked_live_ok:
        return f"not marked {MARKER}: the test needs the emulator (a knob or its control API)"
    if not cfg.enabled:
        return cfg.reason
    return None
