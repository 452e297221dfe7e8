"""The routing table: (method, path pattern) → FC action, as data (moto's ``urls.py``).

Paths are FC 3.0's REST paths under ``/2023-03-30`` (SDK alibabacloud-fc20230330 4.8 client.py). ``{name}`` segments match one
path segment and are percent-decoded before they reach the handler. Control endpoints of the
emulator itself live under the reserved prefix :data:`CONTROL_PREFIX` and are routed separately
(:data:`CONTROL_ROUTES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from fcctl.fcfacts import API_VERSION

API_PREFIX = f"/{API_VERSION}"
CONTROL_PREFIX = "/_fcctl/"

# (method, path pattern, action). The action is also the handler's name in handlers.py.
API_ROUTES: list[tuple[str, str, str]] = [
    ("POST", "/functions", "CreateFunction"),
    ("GET", "/functions", "ListFunctions"),
    ("GET", "/functions/{functionName}", "GetFunction"),
    ("PUT", "/functions/{functionName}", "UpdateFunction"),
    ("DELETE", "/functions/{functionName}", "DeleteFunction"),
    ("GET", "/functions/{functionName}/code", "GetFunctionCode"),
    ("POST", "/functions/{functionName}/versions", "PublishFunctionVersion"),
    ("GET", "/functions/{functionName}/versions", "ListFunctionVersions"),
    ("DELETE", "/functions/{functionName}/versions/{versionId}", "DeleteFunctionVersion"),
    ("POST", "/functions/{functionName}/aliases", "CreateAlias"),
    ("GET", "/functions/{functionName}/aliases", "ListAliases"),
    ("GET", "/functions/{functionName}/aliases/{aliasName}", "GetAlias"),
    ("PUT", "/functions/{functionName}/aliases/{aliasName}", "UpdateAlias"),
    ("DELETE", "/functions/{functionName}/aliases/{aliasName}", "DeleteAlias"),
    ("POST", "/functions/{functionName}/triggers", "CreateTrigger"),
    ("GET", "/functions/{functionName}/triggers", "ListTriggers"),
    ("GET", "/functions/{functionName}/triggers/{triggerName}", "GetTrigger"),
    ("PUT", "/functions/{functionName}/triggers/{triggerName}", "UpdateTrigger"),
    ("DELETE", "/functions/{functionName}/triggers/{triggerName}", "DeleteTrigger"),
    ("POST", "/functions/{functionName}/invocations", "InvokeFunction"),
    ("GET", "/functions/{functionName}/instances", "ListInstances"),
    ("PUT", "/functions/{functionName}/provision-config", "PutProvisionConfig"),
    ("GET", "/functions/{functionName}/provision-config", "GetProvisionConfig"),
    ("DELETE", "/functions/{functionName}/provision-config", "DeleteProvisionConfig"),
    ("POST", "/functions/{functionName}/invoke/disable", "DisableFunctionInvocation"),
    ("POST", "/functions/{functionName}/invoke/enable", "EnableFunctionInvocation"),
    ("POST", "/tags-v2", "TagResources"),
    ("DELETE", "/tags-v2", "UntagResources"),
    ("GET", "/tags-v2", "ListTagResources"),
]

CONTROL_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "health", "health"),
    ("GET", "requests", "list_requests"),
    ("DELETE", "requests", "clear_requests"),
    ("GET", "config", "get_config"),
    ("PUT", "config", "put_config"),
    ("GET", "functions/{functionName}/instances", "instance_events"),
    ("GET", "code/{functionName}/{checksumZip}", "download_code"),
]

@dataclass(frozen=True)
class Match:
    action: str
    params: dict[str, str]


def _compile(prefix: str, pattern: str) -> re.Pattern:
    # re.escape escapes the braces too; turn the escaped placeholders into groups
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(prefix + pattern))
    return re.compile(regex + "/?")  # used with fullmatch: "$" would allow a trailing "\n"


_API = [(m, _compile(API_PREFIX, p), a) for m, p, a in API_ROUTES]
_CONTROL = [(m, _compile(CONTROL_PREFIX, p), a) for m, p, a in CONTROL_ROUTES]


def _match(table, method: str, path: str) -> tuple[Match | None, bool]:
    path_known = False
    for m, regex, action in table:
        found = regex.fullmatch(path)
        if found:
            path_known = True
            if m == method:
                return Match(action, {k: unquote(v, errors="replace")
                                     for k, v in found.groupdict().items()}), True
    return None, path_known


def match_api(method: str, path: str) -> Match | None:
    """The API route for ``method`` and raw ``path`` (no query), or None."""
    return _match(_API, method.upper(), path)[0]


def match_control(method: str, path: str) -> Match | None:
    """The control route for a path under :data:`CONTROL_PREFIX`, or None."""
    return _match(_CONTROL, method.upper(), path)[0]


def is_control(path: str) -> bool:
    return path.startswith(CONTROL_PREFIX)
