"""Credentials through ``alibabacloud-credentials`` (the official credentials chain, github.com/aliyun/credentials-python), never hand-rolled.

* no profile: the library's default chain — environment (``ALIBABA_CLOUD_ACCESS_KEY_ID`` /
  ``_SECRET`` / ``_SECURITY_TOKEN``) → OIDC role (``ALIBABA_CLOUD_ROLE_ARN``,
  ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN``, ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``: what CI uses) → CLI profile
  (``~/.aliyun/config.json``) → the credentials file (``~/.alibabacloud/credentials.ini``, or
  ``$ALIBABA_CLOUD_CREDENTIALS_FILE``; SDK alibabacloud-credentials 1.0 provider/profile.py) → ECS
  RAM role. Half an environment key pair (an id without a secret, or a secret without an id) is
  an error naming the missing variable: the library would silently skip to a profile's key;
* ``--profile NAME``: that profile from ``~/.aliyun/config.json``, else a ``[NAME]`` section of the
  credentials file; a profile found in neither is an error, never a silent fall-back to another
  identity.

Errors never contain the secret: messages are built from provider names, not from values.
:func:`identity` describes the identity in use (provider, file, profile, a masked key id) for
``--debug`` and ``fcctl doctor``.
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
        check_env_pair()
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
    global _identity
    _identity = _describe(creds, profile)
    return CredentialClient(provider=provider)


ENV_AK_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_AK_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_CREDENTIALS_FILE = "ALIBABA_CLOUD_CREDENTIALS_FILE"
ENV_PROFILE = "ALIBABA_CLOUD_PROFILE"

_identity: dict | None = None


def check_env_pair(environ=None) -> None:
    """Half an access key pair in the environment is an error naming the missing variable (exit
    2): the default chain would skip the environment and use a profile's key without a word."""
    env = os.environ if environ is None else environ
    has_id, has_secret = bool(env.get(ENV_AK_ID)), bool(env.get(ENV_AK_SECRET))
    if has_id != has_secret:
        present, missing = (ENV_AK_ID, ENV_AK_SECRET) if has_id else (ENV_AK_SECRET, ENV_AK_ID)
        raise errors.UsageError(
            f"{present} is set but {missing} is not",
            hint=f"set {missing} too, or unset {present} to use a profile; fcctl does not "
            "fall back to another identity",
        )


def credentials_file() -> Path:
    """The credentials file ``alibabacloud-credentials`` reads (provider/profile.py):
    ``$ALIBABA_CLOUD_CREDENTIALS_FILE``, else ``~/.alibabacloud/credentials.ini``."""
    return Path(os.environ.get(ENV_CREDENTIALS_FILE)
                or Path.home() / ".alibabacloud" / "credentials.ini")


def cli_config_file() -> Path:
    """The Alibaba Cloud CLI's profiles (``aliyun configure``), read by the library too."""
    return Path.home() / ".aliyun" / "config.json"


def mask_key_id(key_id: str | None) -> str | None:
    """``LTAI****abcd``: the first and last four characters of an access key id (never more than
    a third of it); short ids show ``****`` alone."""
    if not key_id:
        return None
    keep = min(4, len(key_id) // 3)
    if keep == 0:
        return "****"
    return f"{key_id[:keep]}****{key_id[-keep:]}"


def identity() -> dict | None:
    """The identity the last :func:`credential_client` resolved (see :func:`_describe`)."""
    return _identity


def _describe(creds, profile: str | None) -> dict:
    """``{"provider", "source", "profile"?, "roleArn"?, "accessKeyId" (masked)}`` — never the
    secret or token. ``provider`` is env, profile-file, cli-profile, oidc-role, ecs-ram-role …"""
    raw = ""
    try:
        raw = creds.get_provider_name() or ""
    except Exception:  # a credentials model without a provider name
        pass
    parts = [p for p in raw.split("/") if p and p != "default"]
    head = parts[0] if parts else "unknown"
    out: dict = {}
    if head == "env":
        out = {"provider": "env", "source": f"{ENV_AK_ID} / {ENV_AK_SECRET}"}
    elif head == "cli_profile":
        name = profile or os.environ.get(ENV_PROFILE) or _cli_current()
        out = {"provider": "cli-profile", "source": str(cli_config_file()), "profile": name}
    elif head == "profile":
        out = {"provider": "profile-file", "source": str(credentials_file()),
               "profile": profile or os.environ.get(ENV_PROFILE) or "default"}
    elif head == "oidc_role_arn":
        out = {"provider": "oidc-role", "source": "ALIBABA_CLOUD_ROLE_ARN / "
               "ALIBABA_CLOUD_OIDC_PROVIDER_ARN / ALIBABA_CLOUD_OIDC_TOKEN_FILE",
               "roleArn": os.environ.get("ALIBABA_CLOUD_ROLE_ARN")}
    elif head == "ecs_ram_role":
        out = {"provider": "ecs-ram-role", "source": "ECS instance metadata",
               "roleName": os.environ.get("ALIBABA_CLOUD_ECS_METADATA")}
    else:
        out = {"provider": head, "source": raw}
    if len(parts) > 1:
        out["via"] = "/".join(parts[1:])  # the profile's own mode (static_ak, ram_role_arn, …)
    try:
        out["accessKeyId"] = mask_key_id(creds.get_access_key_id())
    except Exception:
        out["accessKeyId"] = None
    return {k: v for k, v in out.items() if v is not None}


def _cli_current() -> str | None:
    try:
        doc = json.loads(cli_config_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("current") if isinstance(doc, dict) else None


def describe_identity(ident: dict) -> str:
    """One line for people: ``profile-file (/home/u/.alibabacloud/credentials.ini, profile
    "dev"), access key id LTAI****abcd``."""
    bits = [ident.get("source", "")]
    if ident.get("profile"):
        bits.append(f'profile "{ident["profile"]}"')
    if ident.get("roleArn"):
        bits.append(f"role {ident['roleArn']}")
    if ident.get("roleName"):
        bits.append(f"role {ident['roleName']}")
    text = f"{ident['provider']} ({', '.join(b for b in bits if b)})"
    if ident.get("accessKeyId"):
        text += f", access key id {ident['accessKeyId']}"
    return text


def debug_report(endpoint_label: str, region: str | None) -> None:
    """With ``--debug``: which provider supplied the identity, and the endpoint and region in
    effect (stderr; never the secret)."""
    from fcctl.ui.console import get_console

    console = get_console()
    if not console.debug:
        return
    who = describe_identity(_identity) if _identity else "built-in local emulator key pair"
    console.info(f"debug: credentials: {who}")
    console.info(f"debug: endpoint: {endpoint_label}; region: {region or 'cn-hangzhou'}")


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

    cli_file = cli_config_file()
    ini_file = credentials_file()
    record, source, kind = _find_profile(profile, cli_file, ini_file)
    if record is None:
        raise errors.UsageError(
            f"credentials profile {profile!r} not found",
            hint=f"it must exist in {cli_file} (aliyun configure --profile NAME) or as a "
            f"[{profile}] section in {ini_file} (type = access_key, access_key_id, "
            "access_key_secret); fcctl does not fall back to another identity",
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
    provider = (CLIProfileCredentialsProvider(profile_name=profile, profile_file=str(cli_file))
                if kind == "cli"
                else ProfileCredentialsProvider(profile_name=profile, profile_file=str(ini_file)))
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
