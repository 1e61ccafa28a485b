"""Where judging runs: in-process, in a pool of worker processes, or on a Ray cluster. Same job everywhere."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from abc import ABC, abstractmethod
from typing import Any, Callable, Iterator, Sequence

from safegen.bench.judging import close_judges, judge_batch
from safegen.errors import InputError

Batch = list[dict[str, Any]]
Results = list[dict[str, Any]]


class JudgeExecutor(ABC):
    """Runs judge_batch jobs; results come back to the caller, which alone writes the logs."""

    def __init__(self, judges: Sequence[str], settings: dict[str, Any]) -> None:
        self.judges = list(judges)
        self.settings = settings

    @abstractmethod
    def submit(self, batch: Batch) -> None:
        """Start judging a batch."""

    @abstractmethod
    def completed(self, wait: bool) -> Iterator[Results]:
        """Results of finished batches; with ``wait``, block until every submitted batch is done."""

    def in_flight(self) -> int:
        """Batches submitted and not yet collected."""
        return 0

    def close(self, cancel: bool = False) -> None:
        """Stop the workers (dropping unfinished batches when ``cancel``)."""


class InlineExecutor(JudgeExecutor):
    """Judges in the calling process (``--workers 0``): simplest, no parallelism."""

    def __init__(self, judges: Sequence[str], settings: dict[str, Any]) -> None:
        super().__init__(judges, settings)
        self._done: list[Results] = []

    def submit(self, batch: Batch) -> None:
        self._done.append(judge_batch(batch, self.judges, self.settings))

    def completed(self, wait: bool) -> Iterator[Results]:
        while self._done:
            yield self._done.pop(0)

    def close(self, cancel: bool = False) -> None:
        close_judges()


class ProcessExecutor(JudgeExecutor):
    """A pool of spawned worker processes (spawn: the parent may hold llama.cpp threads)."""

    def __init__(self, judges: Sequence[str], settings: dict[str, Any], workers: int,
                 job: Callable[[Batch, Sequence[str], dict[str, Any]], Results] = judge_batch) -> None:
        super().__init__(judges, settings)
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._futures: set[cf.Future[Results]] = set()
        self._job = job

    def submit(self, batch: Batch) -> None:
        self._futures.add(self._pool.submit(self._job, batch, self.judges, self.settings))

    def in_flight(self) -> int:
        return sum(1 for f in self._futures if not f.done())

    def completed(self, wait: bool) -> Iterator[Results]:
        if not self._futures:
            return
        done, _ = cf.wait(self._futures, timeout=None if wait else 0,
                          return_when=cf.ALL_COMPLETED if wait else cf.FIRST_COMPLETED)
        for future in done:
            self._futures.discard(future)
            yield future.result()

    def close(self, cancel: bool = False) -> None:
        if cancel:  # a batch being judged would otherwise hold the exit for up to a minute
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class RayExecutor(JudgeExecutor):
    """Judging jobs as Ray tasks on a cluster (``--ray-address``) or a local Ray instance."""

    def __init__(self, judges: Sequence[str], settings: dict[str, Any], address: str | None,
                 num_cpus: int | None = None) -> None:
        super().__init__(judges, settings)
        try:
            import ray
        except ImportError:
            raise InputError("--executor ray needs Ray", hint="pip install 'safegen[bench]' (or ray)") from None
        self._ray = ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                kwargs["address"] = address
            elif num_cpus:
                kwargs["num_cpus"] = num_cpus
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise InputError(f"cannot connect to Ray at {address or 'a local instance'}: {exc}",
                                 hint="check --ray-address (e.g. ray://host:10001 or host:6379)") from None
            self._owned = True
        else:
            self._owned = False
        self._remote = ray.remote(judge_batch)
        self._refs: list[Any] = []

    def submit(self, batch: Batch) -> None:
        self._refs.append(self._remote.remote(batch, self.judges, self.settings))

    def in_flight(self) -> int:
        return len(self._refs)

    def completed(self, wait: bool) -> Iterator[Results]:
        if not self._refs:
            return
        ready, self._refs = self._ray.wait(self._refs, num_returns=len(self._refs) if wait else 1,
                                           timeout=None if wait else 0)
        for ref in ready:
            yield self._ray.get(ref)

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for ref in self._refs:
                self._ray.cancel(ref, force=True)
        self._refs = []
        if self._owned:
            self._ray.shutdown()


def make_executor(kind: str, judges: Sequence[str], settings: dict[str, Any], *, workers: int = 1,
                  ray_address: str | None = None) -> JudgeExecutor:
    """``local`` (workers > 0: process pool, 0: in-process) or ``ray``."""
    if kind == "ray":
        return RayExecutor(judges, settings, ray_address, num_cpus=max(1, workers))
    if kind != "local":
        raise InputError(f"unknown executor {kind!r}", hint="choose local or ray")
    if workers <= 0:
        return InlineExecutor(judges, settings)
    return ProcessExecutor(judges, settings, workers)
