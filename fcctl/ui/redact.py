"""Last line of defence for secrets: every byte fcctl prints passes through a writer that
replaces known secret values with ``***``.

The values come from this process's environment: the Alibaba Cloud access key secret and
security token, and every variable whose name looks secret (``fcfacts.is_secret_name``) — which
covers values a spec pulls in with ``${env:DB_PASSWORD}`` wherever they land (a description, an
error message quoting a bad value). Field-level masking (``deploy.fields.mask``) stays the first
line; this catches what it cannot know about. Stdlib only.
"""

from __future__ import annotations

import os
import sys

from fcctl import fcfacts

ALWAYS_SECRET = ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN")
# Variables whose names match the words but hold no secret (an access key *id* is an identifier
# that FC's errors and the console show; the secret is what must never print).
NOT_SECRET = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "XAUTHORITY", "GPG_AGENT_INFO",
                        "KEYTIMEOUT", "XDG_SESSION_DESKTOP", "DBUS_SESSION_BUS_ADDRESS", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY",
                        "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE"})
MIN_LENGTH = 6  # shorter values would mask ordinary words


def secret_values(environ=None) -> list[str]:
    """Secret values from the environment, longest first (so overlapping ones mask fully)."""
    env = os.environ if environ is None else environ
    values = set()
    for name, value in env.items():
        if not value or len(value) < MIN_LENGTH or name in NOT_SECRET:
            continue
        if name in ALWAYS_SECRET or fcfacts.is_secret_name(name):
            values.add(value)
    return sorted(values, key=len, reverse=True)


class RedactingWriter:
    """A text stream that masks ``secrets`` in everything written, delegating the rest."""

    def __init__(self, stream, secrets: list[str]) -> None:
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, fcfacts.MASK)
        return self._stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def add_secrets(values) -> None:
    """Scrub these values too (e.g. a spec's or a live function's secret-named variables), in
    the writers already installed. Values shorter than ``MIN_LENGTH`` are ignored."""
    extra = [v for v in values if isinstance(v, str) and len(v) >= MIN_LENGTH]
    if not extra:
        return
    install()
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, RedactingWriter):
            merged = set(stream._secrets) | set(extra)
            stream._secrets = sorted(merged, key=len, reverse=True)
        else:
            setattr(sys, name, RedactingWriter(stream, sorted(set(extra), key=len, reverse=True)))


def install(environ=None) -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (once) when there is anything to mask."""
    secrets = secret_values(environ)
    if not secrets:
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingWriter):
            setattr(sys, name, RedactingWriter(stream, secrets))
