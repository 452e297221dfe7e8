"""Secrets and terminal safety: what fcctl prints never holds a secret, in any encoding, and
never drives the terminal.

Two functions carry the policy (``docs/fc-facts.md`` "Secrets and output"):

* :func:`scrub` — every *registered* secret value is replaced by ``***`` in its plain form and in
  every encoding fcctl or its libraries may print it in: JSON-escaped (``ensure_ascii`` on and
  off, and a JSON string inside a JSON string, both hex cases), Python ``repr``/``ascii``
  escapes and ``b'…'`` of its bytes, UTF-8 read as Latin-1, HTML escaping, YAML single-quote
  doubling, fc.yaml ``$$``, shell quoting, URL encoding (``quote``/``quote_plus``, both hex
  cases) and base64 (at each of the three byte alignments). Secrets recognised by their *shape* are
  masked too, registered or not: the password of ``scheme://user:password@host``,
  ``password=…``/``pwd=…`` in DSNs, ``Bearer``/``Basic`` credentials, PEM private keys, JWTs,
  STS security tokens and values shaped like an AccessKey secret (30 letters and digits, mixed).
  :func:`scrub_data` does the same on a document *before* it is serialised or rendered (so a
  wrapped table cell or a truncated tail never holds part of a secret).
* :func:`sanitize` — control characters, ANSI escapes, C1 controls and bidi overrides in user
  data are made visible (``\\x1b``, ``\\r``, ``\\u202e``), so output never changes a title,
  clears a screen or starts a fake ``error:`` line.

Which values are secret (:func:`register` adds them, process-wide): this process's secret
environment (the access key secret / security token, variables whose names look secret), the
values the spec gives secret-named or ``x-fcctl-sensitive`` variables and credential fields
(``registryConfig.authConfig.password`` …) — as the text written *and* as the value YAML read
(``0777777`` is also ``262143``) — the same from live functions, and the shaped secrets found in
any of their strings. Values shorter than ``fcfacts.MIN_SCRUB_LENGTH`` are masked by field/name
only, never scrubbed from free text (they would destroy ordinary output).

Stdlib only, and cheap to import.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Any, Iterable

from fcctl import fcfacts

ALWAYS_SECRET = ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN")
# Variables whose names match the words but hold no secret (an access key *id* is an identifier
# that FC's errors and the console show; the secret is what must never print).
NOT_SECRET = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "XAUTHORITY", "GPG_AGENT_INFO",
                        "KEYTIMEOUT", "XDG_SESSION_DESKTOP", "DBUS_SESSION_BUS_ADDRESS",
                        "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY",
                        "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE"})
MIN_LENGTH = fcfacts.MIN_SCRUB_LENGTH
MASK = fcfacts.MASK

_lock = threading.Lock()
_secrets: set[str] = set()
_sensitive_names: set[str] = set()
_version = 0
_forms_cache: tuple = ([], frozenset())
_forms_version = 0
_variants_cache: dict[str, set] = {}


# --- registry ------------------------------------------------------------------------------------
def _as_texts(value: Any) -> list[str]:
    """The texts a scalar may print as: a string itself; a number as Python writes it (int, and
    float both repr and ``:g``); booleans and None hold nothing."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        return list(dict.fromkeys([repr(value), f"{value:g}", str(value)]))
    return []


def register(values: Iterable[Any]) -> None:
    """Scrub these values from everything printed from now on (strings; numbers as their text).
    Values shorter than ``MIN_LENGTH`` are ignored here (field-level masking still hides them)."""
    global _version
    new = set()
    for value in values:
        for text in _as_texts(value):
            if len(text) >= MIN_LENGTH and text != MASK:
                new.add(text)
    with _lock:
        if not new <= _secrets:
            _secrets.update(new)
            _version += 1


def registered() -> list[str]:
    """The registered secret values, longest first."""
    with _lock:
        return sorted(_secrets, key=len, reverse=True)


def mark_sensitive(names: Iterable[str]) -> None:
    """Environment variable names the spec marks sensitive (``x-fcctl-sensitive``)."""
    with _lock:
        _sensitive_names.update(str(n) for n in names)


def is_sensitive_name(name: str) -> bool:
    """A secret-looking variable name (``fcfacts.is_secret_name``) or one the spec marked."""
    return fcfacts.is_secret_name(name) or name in _sensitive_names


def reset() -> None:
    """Forget every registered value and name (tests)."""
    global _version
    with _lock:
        _secrets.clear()
        _sensitive_names.clear()
        _version += 1


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


# --- shapes: secrets recognised by their form -----------------------------------------------------
# scheme://user:PASSWORD@host — the password runs to the last "@" before the path.
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*:(?P<secret>[^/?#\s]+)@")
# password=… / pwd=… in DSNs, connection strings and query strings.
_KV_PASSWORD = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:password|passwd|pwd|pass|secret|token|sig|signature|"
    r"access_?key_?secret|secret_?key|api_?key)\s*=\s*"
    r"(?P<secret>'[^']*'|\"[^\"]*\"|[^\s;&,'\"]+)")
# "Bearer"/"Basic" as in an Authorization header; lowercase "bearer" only before a token with a
# digit or a symbol (so prose such as "bearer tokens" stays).
_AUTH_SCHEME = re.compile(r"(?<![A-Za-z0-9])(?:(?:Bearer|BEARER|Basic|BASIC)\s+"
                          r"(?P<secret>[A-Za-z0-9\-._~+/]{4,}=*)|bearer\s+"
                          r"(?P<lower>(?=[A-Za-z]*[0-9\-._~+/])[A-Za-z0-9\-._~+/]{4,}=*))")
# "token X" as in GitHub's `Authorization: token X`: X of 16+ token characters with a digit
# (so prose such as "token expired" or "the token field" stays).
_TOKEN_SCHEME = re.compile(r"(?<![A-Za-z0-9_])(?:[Tt]oken|TOKEN)\s+"
                           r"(?P<secret>(?=[A-Za-z\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{16,}=*)")
# user:PASSWORD@tcp(host:3306)/db — the Go MySQL driver's DSN, no scheme.
_GO_DSN = re.compile(r"(?<![^\s\"'=])[^\s:/@\"']+:(?P<secret>[^\s@/\"']+)@(?:tcp|unix|udp)\(")
_PEM_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE "
                      r"KEY-----|\Z)", re.DOTALL)
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]+")
# STS security tokens start with "CAIS" (base64 of the token's header).
_STS_TOKEN = re.compile(r"(?<![A-Za-z0-9+/])CAIS[A-Za-z0-9+/=]{16,}")
# An AccessKey secret: 30 letters and digits (gitleaks rule alibaba-secret-key: [a-z0-9]{30},
# case-insensitive); fcctl's policy asks for at least one letter and one digit, so a word or a
# number of that length is not taken for one.
_AK_SECRET = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]{0,29}[A-Za-z])(?=[A-Za-z0-9]{0,29}[0-9])"
                        r"[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % fcfacts.ACCESS_KEY_SECRET_LENGTH)
# Vendor tokens by prefix (gitleaks rules github-pat / github-oauth / github-app-token /
# github-fine-grained-pat, stripe-access-token, openai-api-key, slack-*-token, slack-webhook-url).
_VENDOR_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}"
    r"|sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_\-]*[0-9])[A-Za-z0-9_\-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,})")
# A Slack incoming webhook: the path after /services/ is the credential.
_SLACK_WEBHOOK = re.compile(r"hooks\.slack\.com/services/(?P<secret>[A-Za-z0-9_/\-]+)")
# user:PASSWORD@host[:port] with no scheme (the scheme form is _URL_PASSWORD); not an image
# reference's tag before a digest (name:tag@sha256:…).
_BARE_USERINFO = re.compile(
    r"(?<![^\s\"'=,;])[A-Za-z0-9._%+\-]+:(?P<secret>[^\s@/\"':{}$]+)@"
    r"(?!sha(?:256|384|512):)[A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]{1,5})?(?![A-Za-z0-9.\-@])")
# "password": "…" (JSON / a Python dict) inside a string value, its quotes possibly escaped.
_JSON_PASSWORD = re.compile(
    r"(?i)\\?[\"'](?:password|passwd|pwd|pass|secret|token|api_?key|apikey|client_?secret|"
    r"access_?key_?secret|secret_?key|private_?key)\\?[\"']\s*:\s*\\?[\"']"
    r"(?P<secret>(?:[^\"'\\]|\\(?![\"']))+)\\?[\"']")
# fcctl's own reference to a variable (export writes secrets as these): not a secret.
_ENV_REF = re.compile(r"\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}")
_WHOLE = (_PEM_KEY, _JWT, _STS_TOKEN, _AK_SECRET, _VENDOR_TOKEN)
_PARTS = (_URL_PASSWORD, _KV_PASSWORD, _AUTH_SCHEME, _TOKEN_SCHEME, _GO_DSN, _SLACK_WEBHOOK, _BARE_USERINFO,
          _JSON_PASSWORD)


def _unquote(secret: str) -> str:
    if len(secret) >= 2 and secret[0] == secret[-1] and secret[0] in "'\"":
        return secret[1:-1]
    return secret


def shaped_secrets(text: str) -> list[str]:
    """The secrets ``text`` holds by shape (the password of a URL or DSN, a bearer token, a
    private key, an AccessKey-secret-shaped token …)."""
    if not isinstance(text, str) or not text:
        return []
    found = []
    for rx in _PARTS:
        for m in rx.finditer(text):
            value = _unquote(m.group(_group(m)))
            if value and value != MASK and not _ENV_REF.fullmatch(value):
                found.append(value)
    for rx in _WHOLE:
        found += [m.group(0) for m in rx.finditer(text)]
    return found


def looks_secret(value: Any) -> bool:
    """True when a value as a whole is secret by shape (an AccessKey secret, a bearer header, a
    private key, a token) — its field is then masked whole."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    return any(rx.fullmatch(v) for rx in _WHOLE) or bool(_AUTH_SCHEME.fullmatch(v))


def _group(m: "re.Match[str]") -> str:
    return "secret" if m.group("secret") is not None else "lower"


def _mask_group(m: "re.Match[str]") -> str:
    g = _group(m)
    value = m.group(g)
    if value == MASK or _ENV_REF.fullmatch(_unquote(value)):
        return m.group(0)
    return m.string[m.start():m.start(g)] + MASK + m.string[m.end(g):m.end()]


def _scrub_shapes(text: str) -> str:
    for rx in _PARTS:
        text = rx.sub(_mask_group, text)
    for rx in _WHOLE:
        text = rx.sub(MASK, text)
    return text


# --- encodings -----------------------------------------------------------------------------------
def _py_escape(s: str, quote_char: str | None, ascii_only: bool) -> str:
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif quote_char is not None and ch == quote_char:
            out.append("\\" + ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif (ascii_only and ord(ch) > 126) or not ch.isprintable():
            out.append(repr(ch)[1:-1] if not ascii_only else ascii(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


_BACKSLASH_HEX = re.compile(r"(\\u)([0-9A-Fa-f]{4})|(\\x)([0-9A-Fa-f]{2})|(\\U)([0-9A-Fa-f]{8})")
_PERCENT_HEX = re.compile(r"(%)([0-9A-Fa-f]{2})")


def _hex_case(m: "re.Match[str]", upper: bool) -> str:
    prefix, digits = [g for g in m.groups() if g is not None]
    return prefix + (digits.upper() if upper else digits.lower())


def _hex_cases(text: str, escapes: "re.Pattern[str]") -> set[str]:
    """``text`` with the hex digits of its escapes (``\\u00e9`` or ``%2F``) in both cases."""
    return {text, escapes.sub(lambda m: _hex_case(m, True), text),
            escapes.sub(lambda m: _hex_case(m, False), text)}


def _base64_cores(data: bytes) -> set[str]:
    """The part of base64 that depends only on ``data``, at each of the 3 byte alignments."""
    import base64

    out = set()
    n = len(data)
    for k in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = enc(b"\0" * k + data).decode("ascii")
            core = encoded[-(-8 * k // 6) if k else 0: (8 * (k + n)) // 6]
            if len(core) >= 8:
                out.add(core)
    return out


def variants(secret: str) -> set[str]:
    """Every form of ``secret`` fcctl's output could hold (see the module docstring), and the
    same of its lower-case, upper-case and case-folded forms (a hint may print a lowered ARN)."""
    forms: set[str] = set()
    for cased in dict.fromkeys((secret, secret.lower(), secret.upper(), secret.casefold())):
        forms |= _variants(cased)
    return forms


def _variants(secret: str) -> set[str]:
    import html
    import json
    from urllib.parse import quote, quote_plus

    escaped = set()
    for ascii_only in (True, False):
        inner = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        escaped.add(inner)
        escaped.add(json.dumps(inner, ensure_ascii=ascii_only)[1:-1])  # JSON inside JSON
        for q in ("'", '"', None):
            escaped.add(_py_escape(secret, q, ascii_only))
    escaped.add(repr(secret)[1:-1])
    escaped.add(ascii(secret)[1:-1])
    raw = secret.encode("utf-8", "surrogatepass")
    escaped.add(repr(raw)[2:-1])  # b'…' of the UTF-8 bytes
    escaped.add(raw.decode("latin-1"))  # UTF-8 bytes read as Latin-1 (mojibake)
    forms = {secret}
    forms.add(secret.replace("'", "''"))  # YAML single-quoted
    forms.add(secret.replace("'", "'\"'\"'"))  # shlex.quote
    forms.add(secret.replace('"', '""'))  # CSV
    forms.add(secret.replace("$", "$$"))  # fc.yaml text (export doubles "$")
    forms.add(html.escape(secret))  # HTML / XML text
    forms.add(html.escape(secret, quote=False))
    for form in escaped:
        forms |= _hex_cases(form, _BACKSLASH_HEX)
    for safe in ("", "/", ":/@", "!$&'()*+,;=:@/~"):
        forms |= _hex_cases(quote(secret, safe=safe), _PERCENT_HEX)
        forms |= _hex_cases(quote_plus(secret, safe=safe), _PERCENT_HEX)
    forms |= _base64_cores(secret.encode("utf-8", "surrogatepass"))
    return {f for f in forms if len(f) >= MIN_LENGTH}


def _forms() -> tuple[list[str], frozenset]:
    """(every form of every registered secret, longest first; the registered values)."""
    global _forms_cache, _forms_version
    with _lock:
        if _forms_version == _version:
            return _forms_cache
        version, secrets = _version, list(_secrets)
    forms: set[str] = set()
    for secret in secrets:
        cached = _variants_cache.get(secret)
        if cached is None:
            cached = _variants_cache[secret] = variants(secret)
        forms |= cached
    result = (sorted(forms, key=len, reverse=True), frozenset(secrets))
    with _lock:
        _forms_cache, _forms_version = result, version
    return result


def scrub(text: str) -> str:
    """``text`` with every registered secret (in every encoding) and every shaped secret masked."""
    if not isinstance(text, str) or not text:
        return text
    forms, _ = _forms()
    for form in forms:  # longest first: a form holding a shorter one is masked whole
        if form in text:
            text = text.replace(form, MASK)
    return _scrub_shapes(text)


def scrub_data(value: Any) -> Any:
    """A copy of a JSON-like document with secrets masked in every string (keys included) and
    numbers whose text is a registered secret replaced by the mask."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        _, secrets = _forms()
        return MASK if any(t in secrets for t in _as_texts(value)) else value
    if isinstance(value, dict):
        return {scrub_data(k) if isinstance(k, str) else k: scrub_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_data(v) for v in value]
    return value


def scrub_tail(data: bytes, limit: int, secrets: Iterable[str] = ()) -> str:
    """The last ``limit`` characters of ``data`` (decoded), masked *before* it is cut, so no
    part of a secret survives at the cut. ``secrets`` are registered first."""
    register(secrets)
    text = scrub(data.decode("utf-8", "replace"))
    return text[-limit:] if limit and len(text) > limit else text


# --- terminal safety -------------------------------------------------------------------------------
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def sanitize(text: Any, *, newlines: bool = False) -> str:
    """``text`` with control characters (C0, DEL, C1), ANSI escapes, bidi overrides and other
    invisible format characters made visible (``\\x1b``, ``\\r``, ``\\u202e``).
    ``newlines=True`` keeps ``\\n`` (and tabs) for multi-line text such as app output."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or (newlines and ch in "\n\t"):
            out.append(ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def safe(text: Any, *, newlines: bool = False) -> str:
    """:func:`scrub` then :func:`sanitize`: user data ready for a terminal or a log."""
    return scrub(sanitize(scrub(str(text)), newlines=newlines))


def safe_lines(text: str) -> str:
    """A multi-line message for stderr: each line safe, and every line after the first indented,
    so a newline inside a value can never start a line that looks like fcctl's own
    ``error:``/``warning:`` output."""
    lines = safe(text, newlines=True).replace("\r\n", "\n").split("\n")
    return "\n".join([lines[0]] + [ln if ln[:1] in (" ", "\t", "") else "  " + ln
                                   for ln in lines[1:]])


# --- stream guards --------------------------------------------------------------------------------
class RedactingWriter:
    """A text stream that masks secrets in everything written, delegating the rest. ``secrets``
    are registered process-wide."""

    def __init__(self, stream, secrets: Iterable[str] = ()) -> None:
        self._stream = stream
        register(secrets)

    def write(self, text: str) -> int:
        return self._stream.write(scrub(text))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class StdStream:
    """A file object for rich: writes go, scrubbed, to whatever ``sys.<name>`` is at write time
    (so a console created before the guards were installed, or under a test's capture, still
    never prints a secret)."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def _stream(self):
        return getattr(sys, self._name)

    def write(self, text: str) -> int:
        return self._stream.write(scrub(text))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (AttributeError, ValueError):
            return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


def add_secrets(values) -> None:
    """Scrub these values too (e.g. a spec's or a live function's secret-named variables), and
    make sure the stream guards are installed."""
    register(v for v in values if isinstance(v, (str, int, float)))
    _wrap_std()


def _wrap_std() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingWriter):
            setattr(sys, name, RedactingWriter(stream))


def install(environ=None) -> None:
    """Register the environment's secrets and wrap ``sys.stdout``/``sys.stderr`` (once)."""
    register(secret_values(environ))
    _wrap_std()
