"""fc.yaml: loading with node marks, pydantic models, cross-field rules, ``${env:…}``,
overlays and the JSON Schema. Never imports the SDK.

API (docs/architecture.md, "spec")::

    loaded = load_spec(["fc.yaml", "fc.prod.yaml"], environ=None)  # raises SpecError(problems)
    loaded.spec.region, loaded.spec.functions        # list[FunctionSpec], in file order
    loaded.warnings                                  # list[Problem] (severity "warning")
    fn.region                                        # effective: own `region`, else top-level
    fn.code                                          # LocalCode(path) | OssCode(...) | None
    fn.api_fields()  /  trigger.api_fields()         # CreateFunctionInput / CreateTriggerInput bodies
    fn.source_file, fn.base_dir                      # where the function was first defined

The file format
---------------
* Top level: ``region`` (default of every function) and ``functions`` (a list). Keys starting
  with ``x-`` are ignored (a place for YAML anchors, as in docker compose).
* A function is FC's ``CreateFunctionInput`` with FC's camelCase names (SDK
  ``alibabacloud-fc20230330`` 4.8.x ``to_map()`` keys; only fields a user sets). fcctl adds:
  ``region`` (the function's own region), ``code`` as a local directory (relative to the file
  that sets it; fcctl zips it) or ``{ossBucketName, ossObjectName}``, ``tags`` as a mapping (FC's
  ``[{Key, Value}]`` list also works) and ``triggers`` (``CreateTriggerInput`` fields, with
  ``triggerConfig`` as a mapping).
* ``null`` means unset; in an overlay it removes the key from the files before it.
* ``${env:NAME}`` / ``${env:NAME:-default}`` expand in string values (whole value or part;
  ``$$`` is a literal ``$``). A default may hold one more level, ``${env:A:-${env:B:-x}}``
  (expanded only when A is unset); deeper nesting is an error. A whole plain value takes the
  YAML type of its text (``memorySize: ${env:MEM}`` is a number). An unset variable without
  default is an error (and the only problem reported for that value).
* Overlays (``-f a.yaml -f b.yaml``): later files win; mappings deep-merge; ``functions`` merge
  by ``functionName`` and ``triggers`` by ``triggerName``; other lists are replaced.

* Numbers are plain decimals (``10``, ``-3``, ``0.5``) and booleans ``true``/``false``: forms
  YAML 1.1 (PyYAML, fcctl) and YAML 1.2 read differently — ``010``, ``0x10``, ``1_0``, ``1:30``,
  ``1e2``, ``0o17``, ``yes``/``no``/``on``/``off`` — are errors in number and boolean fields
  (environment variable and tag values keep the text written, with a warning).
* Environment variable names (``environmentVariables``, ``juiceFsConfig.envs``) match
  ``fcfacts.ENV_VAR_NAME_PATTERN``; an unquoted key YAML reads as a number, boolean or null is
  an error at its line.

* Positions are an editor's: lines end at ``\n``, ``\r\n`` or a lone ``\r``; columns count
  characters (code points). NEL/U+2028/U+2029 (line breaks to PyYAML only), YAML tags other
  than the plain ones (``!!python/…`` is never constructed) and recursive aliases are errors.
* Built-in runtimes (python*, nodejs*): the handler and hook handlers must be defined in the
  code directory (read with ``ast`` / a regex, never imported: :mod:`fcctl.spec.handlers`);
  timer ``cronExpression`` is checked field by field (:mod:`fcctl.cron`).

Every problem carries file:line:column and the key path; all are reported at once. Limits and
policies come from :mod:`fcctl.fcfacts` (sources in docs/fc-facts.md); rules live in
:mod:`fcctl.spec.rules`, FC 2.0 / Serverless Devs keys in :mod:`fcctl.spec.keys`, hostile-input
budgets in :mod:`fcctl.spec.tree` (loading: :mod:`fcctl.spec.reading`, :mod:`fcctl.spec.composer`).
"""

from __future__ import annotations

from fcctl.spec.loader import LoadedSpec, load_spec
from fcctl.spec.models import (AliasSpec, FunctionSpec, LocalCode, OssCode, ProvisionConfig, Spec,
                               TriggerSpec)

__all__ = ["load_spec", "LoadedSpec", "Spec", "FunctionSpec", "LocalCode", "OssCode", "TriggerSpec",
           "AliasSpec", "ProvisionConfig"]
