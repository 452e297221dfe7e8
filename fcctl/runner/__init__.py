"""Local instance runner: run a function's server on this machine and drive its lifecycle hooks
as FC would (start, readiness, Initializer, invocation, PreStop, stop). See ``docs/local.md``.

Standard library only; :mod:`fcctl.runner.config` is the one place that reads spec objects.
"""
