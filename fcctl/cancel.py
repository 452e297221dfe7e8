"""Process-wide cancellation for Ctrl-C.

The CLI's entry point sets :data:`CANCELLED` on ``KeyboardInterrupt``; every wait in fcctl
(backoff between retries, polling lastUpdateStatus, waiting for instances to drain) sleeps
through :func:`sleep`, which returns at once and raises ``KeyboardInterrupt`` in whatever thread
it runs, so worker threads stop at their next wait instead of finishing the run. Stdlib only.
"""

from __future__ import annotations

import threading

CANCELLED = threading.Event()


def sleep(seconds: float) -> None:
    """Sleep ``seconds``; raises ``KeyboardInterrupt`` if cancelled before or during the sleep."""
    if CANCELLED.is_set() or CANCELLED.wait(max(0.0, seconds)):
        raise KeyboardInterrupt


def check() -> None:
    """Raise ``KeyboardInterrupt`` if cancelled (call between steps)."""
    if CANCELLED.is_set():
        raise KeyboardInterrupt


def map_concurrently(fn, items, workers: int) -> list:
    """``[fn(x) for x in items]`` on up to ``workers`` threads, results in order. On Ctrl-C it
    sets :data:`CANCELLED`, drops the work not yet started and re-raises at once, without
    waiting for the threads (they stop at their next :func:`sleep` or :func:`check`)."""
    from concurrent.futures import ThreadPoolExecutor

    items = list(items)
    if not items:
        return []
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))),
                              thread_name_prefix="fcctl")
    try:
        futures = [pool.submit(fn, x) for x in items]
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        CANCELLED.set()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
