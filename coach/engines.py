"""Where batch work runs: in this process, on a local process pool (default), or on Ray.

``extract``, ``replay`` and ``eval`` are the same shape of work: one task per video or recording,
independent of each other, each CPU-bound (pose inference ~25 ms per frame per core, a replay a
fraction of a millisecond per frame). An engine maps a task function over the tasks and streams
the results back **in task order** as they are ready, so a table can be printed line by line
while the rest is still running.

Task functions are plain module-level functions ``fn(state, task) -> result`` (picklable by
reference); ``state`` is what ``init()`` returned, built once per worker process or Ray actor
(e.g. the pose model bundle, imported mediapipe) and reused for every task that worker runs.
A task function should catch its own per-file errors and return them as results: one damaged
file must not stop a clinic's re-score of thousands.

Ray is optional (the ``cluster`` extra). Without it, ``--engine ray`` ends with one line saying
how to install it (exit code 2); nothing else in the program imports ray.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Optional

from .errors import UsageError

ENGINES = ("local", "ray")
RAY_HINT = "Ray is not installed: pip install 'form-coach[cluster]' (or: pip install ray)"

TaskFn = Callable[[Any, Any], Any]
InitFn = Optional[Callable[[], Any]]


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------ local process pool

_STATE: Any = None  # the worker process's state (set by _init_worker)


def _init_worker(init: InitFn) -> None:
    global _STATE
    _STATE = init() if init is not None else None


def _run_in_worker(fn: TaskFn, task: Any) -> Any:
    return fn(_STATE, task)


class LocalEngine:
    """workers = 1: every task in this process, one after the other (no pickling, no start-up
    cost; what a single-recording replay uses). workers > 1: a pool of that many fresh (spawned)
    processes, each running ``init`` once; task functions and tasks must be picklable by
    reference (module-level functions of an importable module)."""

    name = "local"

    def __init__(self, workers: Optional[int] = None):
        self.workers = max(1, int(workers)) if workers else default_workers()

    def describe(self) -> str:
        return "this process" if self.workers == 1 else f"local pool of {self.workers} processes"

    def map(self, fn: TaskFn, tasks: Iterable[Any], init: InitFn = None) -> Iterator[Any]:
        tasks = list(tasks)
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            state = init() if init is not None else None
            for t in tasks:
                yield fn(state, t)
            return
        # spawn, not fork: a process that already runs MediaPipe (its graph threads) or any other
        # threaded library cannot be forked safely; fresh workers import what they need once
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(self.workers, len(tasks)), mp_context=ctx,
                                 initializer=_init_worker, initargs=(init,)) as pool:
            # map keeps the task order and hands results over as soon as the next one is done
            yield from pool.map(_run_in_worker, [fn] * len(tasks), tasks, chunksize=1)


# ------------------------------------------------------------------------ Ray

def _import_ray():
    try:
        import ray  # noqa: WPS433 - optional dependency
    except ImportError:
        raise UsageError(RAY_HINT) from None
    return ray


class RayEngine:
    """One task per video or recording on a Ray cluster: ``address`` None starts a local
    cluster on this machine (``workers`` CPUs, default all) and stops it afterwards; "auto" or
    "ray://host:10001" joins a running one (every node needs form-coach installed, with the
    same rule files if tasks name them by path). One actor per worker CPU holds ``init()``'s
    state (the pose model is built once per worker); results stream back in task order."""

    name = "ray"

    def __init__(self, address: Optional[str] = None, workers: Optional[int] = None):
        self.ray = _import_ray()
        self.address = address
        self.workers = workers
        self._started = False

    def describe(self) -> str:
        where = self.address or "a local Ray cluster"
        return f"Ray ({where}, {self.workers or 'all'} workers)"

    def _connect(self) -> int:
        ray = self.ray
        if not ray.is_initialized():
            import logging
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "ignore_reinit_error": True, "logging_level": logging.ERROR}
            if self.address:
                kwargs["address"] = self.address
            else:
                kwargs["num_cpus"] = self.workers or default_workers()
                # workers import this package from where the driver found it (source checkouts)
                pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
                path = os.pathsep.join(p for p in (pkg_root, os.environ.get("PYTHONPATH", "")) if p)
                kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": path}}
            ray.init(**kwargs)
            self._started = not self.address
        cpus = int(ray.cluster_resources().get("CPU", 1))
        return max(1, min(self.workers or cpus, cpus))

    def map(self, fn: TaskFn, tasks: Iterable[Any], init: InitFn = None) -> Iterator[Any]:
        tasks = list(tasks)
        if not tasks:
            return
        ray = self.ray
        n = min(self._connect(), len(tasks))
        try:
            from ray.util import ActorPool

            worker_cls = ray.remote(num_cpus=1)(_RayWorker)
            actors = [worker_cls.remote(init) for _ in range(n)]
            pool = ActorPool(actors)
            # ActorPool.map keeps the task order and yields each result once it and all before
            # it are done; every actor gets a new task as soon as it is free
            yield from pool.map(lambda actor, task: actor.run.remote(fn, task), tasks)
            for a in actors:
                ray.kill(a)
        finally:
            self.close()

    def close(self) -> None:
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()
            self._started = False


class _RayWorker:
    """A Ray actor: ``init()`` once, then any number of tasks."""

    def __init__(self, init: InitFn):
        self.state = init() if init is not None else None

    def run(self, fn: TaskFn, task: Any) -> Any:
        return fn(self.state, task)


def probe_init() -> tuple[int, int]:
    """A worker's identity (process id, a unique number), built once per worker."""
    import time
    return os.getpid(), time.monotonic_ns()


def probe(state: Any, task: Any) -> tuple[Any, int, Any]:
    """A task that only says where it ran: (the worker's state, this process id, the task),
    after sleeping ``task`` seconds when it is a number. For checking an engine end to end."""
    import time
    if isinstance(task, (int, float)):
        time.sleep(task)
    return state, os.getpid(), task


def make_engine(name: str = "local", workers: Optional[int] = None, address: Optional[str] = None):
    """The engine for the CLI options --engine/--workers/--address."""
    if name == "local":
        if address:
            raise UsageError("--address needs --engine ray")
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(address, workers)
    raise UsageError(f"unknown engine '{name}' (choose from {', '.join(ENGINES)})")


def add_engine_options(parser, default_workers_help: str = "every core") -> None:
    """--engine/--workers/--address on an argparse (sub)parser."""
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="where to run: local process pool (default) or ray (needs the 'cluster' extra)")
    parser.add_argument("--workers", type=int, metavar="N", help=f"parallel workers (default: {default_workers_help})")
    parser.add_argument("--address", metavar="ADDR", help="Ray cluster to join ('auto', ray://host:10001); "
                        "default: start a local one")


def engine_from_args(args):
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers expects a whole number >= 1, found {workers}")
    return make_engine(args.engine, workers, getattr(args, "address", None))

