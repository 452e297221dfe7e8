"""Session-wide test environment, set before any test imports alibabacloud-credentials (which
reads its environment variables once, at import).

* The credentials chain must never reach the ECS metadata service (a non-loopback address):
  ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true``.
* In-process CLI runs use the functional tests' key pair; tests that need other credentials run
  fcctl in a subprocess (``fc_proc``).
* The embedded emulator's state goes to a temp file, never to the user's.
"""

from __future__ import annotations

import os
import tempfile

import livemode

# Live mode (README, "For users with an account"): read before the test key pair replaces the
# credentials below; the live_ok tests' live variant uses these (tests/functional/livetarget.py).
LIVE = livemode.SESSION = livemode.live_config(os.environ)

os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "test-ak"
os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "test-secret-value-never-printed"
for _name in ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_ROLE_ARN",
              "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
              "ALIBABA_CLOUD_PROFILE", "FCCTL_ENDPOINT", "FCCTL_OUTPUT", "FCCTL_PROFILE"):
    os.environ.pop(_name, None)
os.environ.setdefault(
    "FCCTL_LOCAL_STATE", os.path.join(tempfile.mkdtemp(prefix="fcctl-test-"), "local.sqlite3")
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{livemode.MARKER}: needs no emulator knob; with FCCTL_TEST_LIVE=1 it also runs "
                   "against real FC (README, \"For users with an account\")")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_secret_registry():
    """Each fcctl run is a new process with its own registry of secrets to mask; in-process CLI
    runs share one, so a value one test registered (a fuzzed secret such as "null") must not
    mask another test's output. fcctl re-registers the environment's secrets on every run."""
    from fcctl.ui import redact

    redact.reset()
    yield
    redact.reset()
