"""``load_spec``: files -> located trees -> overlay merge -> checks -> pydantic models."""

from __future__ import annotations

import contextlib
import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from pydantic import ValidationError

from fcctl.errors import Problem, SpecError
from fcctl.spec import rules, sensitive
from fcctl.spec.keys import check_keys
from fcctl.spec.merge import check_duplicate_names, merge
from fcctl.spec.messages import reword
from fcctl.spec.models import FunctionSpec, Spec
from fcctl.spec.composer import load_yaml_file
from fcctl.spec.locations import Loc, PathT, format_path, problem
from fcctl.spec.plain import Plain, to_plain
from fcctl.spec.tree import YMap, YNode, YScalar, YSeq, deref


@dataclass
class LoadedSpec:
    """Result of :func:`load_spec`: the validated ``spec``, its ``warnings`` (Problems with
    severity ``"warning"``), the ``files`` read (as given) and ``plain`` (merged data with the
    location of every path, for callers that point at lines)."""

    spec: Spec
    warnings: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    plain: Plain | None = None


def _check_top(root: YNode, label: str, problems: list[Problem]) -> bool:
    node = deref(root)
    if not isinstance(node, YMap):
        what = "a list" if isinstance(node, YSeq) else "a single value"
        problems.append(problem(node.loc, "", (
            f"the top level must be a mapping with `region:` and `functions:`, not {what}")))
        return False
    ok = True
    if "functions" in node.items:
        kloc, value = node.items["functions"]
        fv = deref(value)
        if isinstance(fv, YSeq):
            check_duplicate_names(fv, "functionName", ("functions",), problems)
            for i, item in enumerate(fv.items):
                fn = deref(item)
                for list_key, name_key in (("triggers", "triggerName"), ("aliases", "aliasName")):
                    if isinstance(fn, YMap) and list_key in fn.items:
                        tv = deref(fn.items[list_key][1])
                        if isinstance(tv, YSeq):
                            check_duplicate_names(tv, name_key, ("functions", i, list_key), problems)
        elif not (isinstance(fv, YScalar) and fv.value is None):
            at = kloc if isinstance(fv, YMap) else fv.loc
            problems.append(problem(at, ("functions",), (
                "functions must be a list of functions, each starting with `- functionName: …`")))
            ok = False
    return ok


def load_spec(files: Sequence[str | os.PathLike], environ: Mapping[str, str] | None = None) -> LoadedSpec:
    """Load, merge (in order, later wins) and validate spec files.

    ``environ`` feeds ``${env:NAME}`` (``None``: the process environment). Raises
    :class:`fcctl.errors.SpecError` with every problem (errors and warnings, each at
    file:line:column) if there is any error; otherwise returns :class:`LoadedSpec`.
    """
    labels: list[str] = [str(f) for f in files] or ["fc.yaml"]
    problems: list[Problem] = []
    trees = []
    dirs: dict[str, Path] = {}
    failed = False
    for label in labels:
        path = Path(label)
        dirs[label] = _base_dir(path)
        tree = load_yaml_file(path, label, environ, problems)
        if tree is None:
            failed = True
            continue
        if not _check_top(tree, label, problems):
            failed = True
            continue
        trees.append(tree)
    if failed or not trees:
        raise SpecError(_sorted(problems, labels))

    merged: YNode | None = trees[0]
    for tree in trees[1:]:
        merged = merge(merged, tree, problems=problems)
    if merged is None:  # cannot happen: every file's top level is a mapping (_check_top)
        raise SpecError(_sorted(problems, labels))
    plain = to_plain(merged, problems)
    if plain is None:
        raise SpecError(_sorted(problems, labels))
    sensitive.register(plain, problems, environ)  # before any check can quote a secret

    first_check = len(problems)
    covering = check_keys(plain, problems)
    reported, covered_by_rules = rules.check(plain, dirs, problems)
    covering |= covered_by_rules
    data = _for_models(plain, dirs)
    spec = None
    try:
        with _no_pydantic_plugins():
            spec = Spec.model_validate(data)
    except ValidationError as exc:
        skipped = []
        for err in exc.errors(include_url=False):
            at = _data_path(plain.data, err.get("loc", ()))
            if err.get("type") == "extra_forbidden" or at in reported or _covered(at, covering):
                skipped.append((at, err))  # a check already reported it, in better words
                continue
            problems.append(problem(plain.loc(at), at, reword(err, at, plain.texts.get(at))))
            reported.add(at)
        if skipped and not any(p.severity == "error" for p in problems):
            at, err = skipped[0]  # never fail without saying why
            problems.append(problem(plain.loc(at), at, reword(err, at, plain.texts.get(at))))

    if plain.unset:  # a value with an unset ${env:…}: its "not set" error is the only problem there
        unset = {format_path(p) for p in plain.unset}
        problems[first_check:] = [p for p in problems[first_check:] if p.path not in unset]
    problems = _sorted(problems, labels)
    if spec is None or any(p.severity == "error" for p in problems):
        raise SpecError(problems)
    _finish(spec, plain, dirs)
    return LoadedSpec(spec=spec, warnings=[p for p in problems if p.severity == "warning"],
                      files=labels, plain=plain)


def _base_dir(path: Path) -> Path:
    """The directory relative paths in ``path`` resolve against. Never raises: a symlink loop
    or an over-long name is reported when the file is read."""
    try:
        return Path(os.path.realpath(path)).parent
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path)).parent


def _sorted(problems: list[Problem], files: list[str]) -> list[Problem]:
    order = {f: i for i, f in enumerate(files)}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order.get(p.file, len(order)), p.line, p.column))


def _covered(path: PathT, reported: set) -> bool:
    """A problem at ``path`` is redundant if a check already reported it or an ancestor."""
    for i in range(len(path), 0, -1):
        if path[:i] in reported:
            return True
    return False


def _data_path(data, loc: tuple) -> PathT:
    """pydantic's ``loc`` -> a path into the data (drops union/validator tags)."""
    out: list = []
    cur = data
    loc = tuple(loc)
    for i, part in enumerate(loc):
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and i == len(loc) - 1:
            out.append(part)  # a missing key: point at its mapping, name the key
            cur = None
        else:
            continue
    return tuple(out)


def _code_file_dir(plain: Plain, path: PathT, dirs: dict[str, Path]) -> Path:
    return dirs.get(plain.loc(path).file, Path.cwd())


def _for_models(plain: Plain, dirs: dict[str, Path]) -> object:
    """The data pydantic validates: local ``code`` paths made absolute (relative to the file
    that set them)."""
    data = copy.deepcopy(plain.data)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    fns = data.get("functions") if isinstance(data, dict) else None
    if isinstance(fns, list):
        for i, fn in enumerate(fns):
            if isinstance(fn, dict):
                fn.pop(sensitive.KEY, None)  # fcctl's own key, not an FC field
            for key in ("environmentVariables", "tags"):
                mapping = fn.get(key) if isinstance(fn, dict) else None
                if isinstance(mapping, dict):
                    for name, value in mapping.items():
                        text = rules.scalar_as_string(plain, ("functions", i, key, name), value)
                        if text is not None:
                            mapping[name] = text
            if isinstance(fn, dict) and isinstance(fn.get("code"), str) and fn["code"]:
                base = _code_file_dir(plain, ("functions", i, "code"), dirs)
                # realpath, not Path.resolve(): a link loop is the rules' error, not a RuntimeError
                fn["code"] = os.path.realpath(base / fn["code"])
    return data


def _finish(spec: Spec, plain: Plain, dirs: dict[str, Path]) -> None:
    for i, fn in enumerate(spec.functions):
        loc: Loc = plain.loc(("functions", i, "functionName"))
        fn._source_file = loc.file
        fn._base_dir = dirs.get(loc.file, Path.cwd())
        if fn.region is None and spec.region is not None:
            fn.region = spec.region


__all__ = ["LoadedSpec", "load_spec", "FunctionSpec"]


@contextlib.contextmanager
def _no_pydantic_plugins():
    """Build the spec models' validators without looking for pydantic plugins.

    The models are built on first use (``defer_build``); pydantic then scans every installed
    package's entry points for plugins (``importlib.metadata``: ~20 ms of ``fcctl validate``'s
    start-up). fcctl's spec validation has no use for them (typer does the same for its own
    adapters)."""
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous
