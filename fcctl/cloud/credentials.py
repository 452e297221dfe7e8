"""Credentials through ``alibabacloud-credentials`` (the official credentials chain, github.com/aliyun/credentials-python), never hand-rolled.

* no profile: the library's default chain — environment (``ALIBABA_CLOUD_ACCESS_KEY_ID`` /
  ``_SECRET`` / ``_SECURITY_TOKEN``) → OIDC role (``ALIBABA_CLOUD_ROLE_ARN``,
  ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN``, ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``: what CI uses) → CLI profile
  (``~/.aliyun/config.json``) → ``~/.alibabacloud/credentials`` → ECS RAM role;
* ``--profile NAME``: that profile from ``~/.aliyun/config.json``, else from
  ``~/.alibabacloud/credentials``; a profile found in neither is an error, never a silent fall-back
  to another identity.

Errors never contain the secret: messages are built from provider names, not from values.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fcctl import errors


def credential_client(profile: str | None):
    """An ``alibabacloud_credentials.client.Client`` for the SDK's ``Config(credential=...)``.

    Resolves credentials once, eagerly, so a missing identity fails here with
    :class:`fcctl.errors.UsageError` (exit 2) instead of deep inside the first API call.
    """
    from alibabacloud_credentials.client import Client as CredentialClient

    if profile:
        provider = _profile_provider(profile)
    else:
        from alibabacloud_credentials.provider.default import DefaultCredentialsProvider

        provider = DefaultCredentialsProvider()
    try:
        creds = provider.get_credentials()
    except Exception as exc:  # the library raises CredentialException with provider details
        raise errors.UsageError(
            "no Alibaba Cloud credentials found",
            hint=(
                "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or the OIDC "
                "role variables in CI (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, "
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE), or pass --profile; for the local emulator use "
                "--endpoint local"
                + (f" (details: {_scrub(str(exc))})" if not profile else "")
            ),
        ) from None
    _mask_in_output(creds)
    return CredentialClient(provider=provider)


def _mask_in_output(creds) -> None:
    """The secret and token in use (from a profile file, an OIDC exchange, …) are scrubbed from
    everything fcctl prints, like the environment's (``fcctl.ui.redact``)."""
    from fcctl.ui.redact import register

    values = []
    for getter in ("get_access_key_secret", "get_security_token"):
        try:
            values.append(getattr(creds, getter)())
        except Exception:  # a credentials model without that field
            continue
    register(v for v in values if isinstance(v, str))


def static_credential_client(access_key_id: str, access_key_secret: str):
    """Credentials for a fixed key pair (the embedded local emulator's built-in pair)."""
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_credentials.provider.static_ak import StaticAKCredentialsProvider

    return CredentialClient(
        provider=StaticAKCredentialsProvider(
            access_key_id=access_key_id, access_key_secret=access_key_secret
        )
    )


def _profile_provider(profile: str):
    """The provider of a named profile, from ~/.aliyun/config.json or ~/.alibabacloud/credentials.

    The profile's own record is read first so that a profile without keys is refused: the
    library would otherwise fill it from ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET.
    """
    from alibabacloud_credentials.provider.cli_profile import CLIProfileCredentialsProvider
    from alibabacloud_credentials.provider.profile import ProfileCredentialsProvider

    cli_file = Path.home() / ".aliyun" / "config.json"
    ini_file = Path(os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
                    or Path.home() / ".alibabacloud" / "credentials")
    record, source, kind = _find_profile(profile, cli_file, ini_file)
    if record is None:
        raise errors.UsageError(
            f"credentials profile {profile!r} not found",
            hint="it must exist in ~/.aliyun/config.json (aliyun configure --profile NAME) or as "
            "a [section] in ~/.alibabacloud/credentials; fcctl does not fall back to another "
            "identity",
        )
    key_fields = [k for k in record if "access_key_id" in k.lower() or k.lower() == "access_key"]
    # modes whose keys live in the profile itself (CLI: AK, StsToken, RamRoleArn; ini:
    # access_key, ram_role_arn); the others (OIDC, EcsRamRole, SSO…) hold no key
    static_modes = {"", "ak", "access_key", "ststoken", "ramrolearn", "ram_role_arn"}
    mode = str(record.get("mode") or record.get("type") or "").lower()
    if mode in static_modes and not any(record.get(k) for k in key_fields):
        raise errors.UsageError(
            f"credentials profile {profile!r} in {source} has no access key of its own",
            hint="the credentials library would use ALIBABA_CLOUD_ACCESS_KEY_ID instead; fcctl "
            "never falls back to another identity — complete the profile or drop --profile",
        )
    provider = (CLIProfileCredentialsProvider(profile_name=profile) if kind == "cli"
                else ProfileCredentialsProvider(profile_name=profile))
    try:
        provider.get_credentials()
    except Exception as exc:
        raise errors.UsageError(
            f"credentials profile {profile!r} in {source} cannot be used: {_scrub(str(exc))}",
            hint="check the profile's mode and fields (aliyun configure list)",
        ) from None
    return provider


def _find_profile(profile: str, cli_file: Path, ini_file: Path):
    """``(record, file, "cli"|"ini")`` of the named profile, or ``(None, None, None)``.
    Raises :class:`fcctl.errors.UsageError` when a file exists but cannot be parsed."""
    import configparser

    if cli_file.is_file():
        try:
            doc = json.loads(cli_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.UsageError(f"cannot read {cli_file}: {exc}",
                                    hint="fix or remove the file (`aliyun configure` rewrites it)"
                                    ) from None
        for rec in (doc.get("profiles") or []) if isinstance(doc, dict) else []:
            if isinstance(rec, dict) and rec.get("name") == profile:
                return rec, cli_file, "cli"
    if ini_file.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(ini_file, encoding="utf-8")
        except (OSError, configparser.Error) as exc:
            raise errors.UsageError(f"cannot read {ini_file}: {exc}") from None
        if parser.has_section(profile):
            rec = dict(parser.items(profile))
            rec.setdefault("mode", rec.get("type", ""))
            return rec, ini_file, "ini"
    return None, None, None


def _scrub(text: str) -> str:
    # Provider messages name files and variables, not values; cut long ones all the same.
    return text if len(text) < 400 else text[:400] + "…"
