"""Does the code package define the handler FC will call? Checked statically, never by running
or importing user code.

Built-in runtimes take a handler ``file.function`` (FC docs 请求处理程序（Handler）（Python）/
（Node.js）: ``index.handler`` is the function ``handler`` in ``index.py`` / ``index.js`` or
``index.mjs``; the Initializer and PreStop handlers the same, e.g. ``index.initialize``). A
handler the package does not define fails only at the first invocation (or the first instance
start, for the Initializer), after a successful deploy.

``find(code_dir, runtime, handler) -> (severity, message) | None``:

* Python (``python3*``): the module file is ``<module>.py`` (dots or slashes as directories),
  also under ``python/`` (FC adds it to the path), or a package ``__init__.py``. ``ast`` reads
  the top level (``def``/``async def``/``class``, assignments, imports, and the same inside
  top-level ``if``/``try``/``with``). Missing file, or a file that parses and lacks the name →
  error; a file that does not parse, or ``from x import *`` / ``globals()`` / ``__getattr__`` →
  warning (cannot tell).
* Node.js (``nodejs*``): ``<module>.js``, ``.mjs`` or ``.cjs``; a regex finds ``exports.NAME =``,
  ``module.exports.NAME =``, ``export function/const/let/var/class NAME`` and ``NAME`` inside
  ``module.exports = {…}`` / ``export {…}``. Missing file → error; a name not found → error when
  the file has no other way to export (no ``module.exports =`` of another value, no
  ``export default``/``export *``, no ``Object.assign``), else a warning.
* Other runtimes, layers (they may provide the module), OSS or zip code: not checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a larger file is not read (bundles): no check


def _split(handler: str) -> tuple[str, str] | None:
    if "." not in handler:
        return None
    module, _, name = handler.rpartition(".")
    if not module or not name:
        return None
    return module, name


def _inside(base: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(base.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _first_file(base: Path, candidates: list[str]) -> Path | None:
    for rel in candidates:
        path = base / rel
        try:
            if path.is_file() and _inside(base, path):
                return path
        except OSError:
            continue
    return None


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def find(code_dir: Path, runtime: str, handler: str, what: str) -> tuple[str, str] | None:
    """``(severity, message)`` when ``handler`` is not defined in ``code_dir`` (see module doc).

    ``what`` names the handler in messages (``handler``, ``initializer handler``…)."""
    parts = _split(handler.strip())
    if parts is None:
        return ("error", f"{what} {handler!r} must be file.function, e.g. index.handler (the "
                         "function handler in index.py / index.js)")
    module, name = parts
    if runtime.startswith("python"):
        return _python(code_dir, module, name, handler, what)
    if runtime.startswith("nodejs"):
        return _node(code_dir, module, name, handler, what)
    return None


def _python(code_dir: Path, module: str, name: str, handler: str, what: str):
    rel = module.replace(".", "/")
    candidates = [f"{rel}.py", f"{rel}/__init__.py", f"python/{rel}.py", f"python/{rel}/__init__.py"]
    if "/" in module:
        candidates.insert(1, f"{module}.py")
    path = _first_file(code_dir, list(dict.fromkeys(candidates)))
    if path is None:
        return ("error", f"{what} {handler!r}: the code has no {rel}.py (looked in {code_dir}); FC "
                         f"loads the function {name} from the file {rel}.py — fix the handler or add the file")
    source = _read(path)
    if source is None:
        return None
    shown = path.relative_to(code_dir) if _inside(code_dir, path) else path
    try:
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        return ("warning", f"{what} {handler!r}: fcctl cannot parse {shown}"
                           + (f" (line {line})" if line else "") + f" to check that it defines {name}")
    names, unsure = _python_names(tree.body)
    if name in names:
        return None
    if unsure:
        return ("warning", f"{what} {handler!r}: {shown} does not define {name} at its top level "
                           "that fcctl can see (it builds names dynamically); check the handler")
    return ("error", f"{what} {handler!r}: {shown} does not define {name}; FC calls {name} from "
                     f"{shown} — add `def {name}(…)` or fix the handler")


def _python_names(body: list) -> tuple[set, bool]:
    names: set = set()
    unsure = False
    stack = list(body)
    try_star = getattr(ast, "TryStar", None)  # Python 3.11+: try/except*
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.add(sub.id)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    unsure = True
                else:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, field, []) or [])
        elif isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
        elif try_star is not None and isinstance(node, try_star):
            stack.extend(node.body + node.orelse + node.finalbody + node.handlers)
        elif isinstance(node, ast.Expr):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in ("globals", "setattr"):
                    unsure = True
    if "__getattr__" in names:
        unsure = True
    return names, unsure


_JS_DIRECT = (
    r"\bexports\s*\.\s*{n}\s*=",
    r"\bexports\s*\[\s*['\"]{n}['\"]\s*\]\s*=",
    r"\bexport\s+(?:async\s+)?function\s*\*?\s*{n}\b",
    r"\bexport\s+(?:const|let|var|class)\s+{n}\b",
)
_JS_LISTS = (
    re.compile(r"\bmodule\s*\.\s*exports\s*=\s*\{([^}]*)\}", re.S),
    re.compile(r"\bexport\s*\{([^}]*)\}", re.S),
)
_JS_DYNAMIC = re.compile(
    r"\bmodule\s*\.\s*exports\s*=\s*(?!\{)|\bexport\s+default\b|\bexport\s*\*|Object\s*\.\s*"
    r"(?:assign|defineProperty|defineProperties)\s*\(\s*(?:module\s*\.\s*)?exports")


def _node(code_dir: Path, module: str, name: str, handler: str, what: str):
    path = _first_file(code_dir, [f"{module}.js", f"{module}.mjs", f"{module}.cjs"])
    if path is None:
        return ("error", f"{what} {handler!r}: the code has no {module}.js or {module}.mjs (looked in "
                         f"{code_dir}); FC loads the function {name} from that file — fix the handler "
                         "or add the file")
    source = _read(path)
    if source is None:
        return None
    shown = path.relative_to(code_dir) if _inside(code_dir, path) else path
    n = re.escape(name)
    if any(re.search(p.format(n=n), source) for p in _JS_DIRECT):
        return None
    for pattern in _JS_LISTS:
        for m in pattern.finditer(source):
            for entry in m.group(1).split(","):
                words = re.findall(r"[A-Za-z_$][\w$]*", entry.split(":")[0])
                if words and (words[-1] == name or words[0] == name):
                    return None
    if _JS_DYNAMIC.search(source):
        return ("warning", f"{what} {handler!r}: fcctl cannot see {name} among the exports of "
                           f"{shown} (they are built at run time); check the handler")
    return ("error", f"{what} {handler!r}: {shown} does not export {name}; FC calls {name} from "
                     f"{shown} — add `exports.{name} = …` (or `export const {name} = …`) or fix the handler")
