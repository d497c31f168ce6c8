"""taskorch: Python bindings for libtaskorch, the task store many agents
share to coordinate work on one project.

    import taskorch
    with taskorch.Store(".task-orchestrator", agent="backend", create=True) as store:
        t = store.add("Build the login API", priority="high", tags=["api"])
        for task in store.ready():
            ...
        for ev in store.watch(follow=True, timeout=5):
            print(ev.kind, ev.task, ev.text)

The low-level module taskorch._lib mirrors the C API one-to-one.
The package is typed (PEP 561): type checkers read its annotations.
"""
from __future__ import annotations

import ctypes
import os
from typing import Optional

from . import _args
from . import _lib
from .errors import (AmbiguousIdError, BlockedError, BusyError, ClaimTimeoutError,
                     ClosedStoreError, ConflictError, CorruptStoreError, CycleError,
                     HasDependentsError, NotFoundError, OutOfMemoryError, ReadOnlyError,
                     RequestError, SchemaError, StoreError, TaskorchError, ValidationError,
                     WaitTimeoutError, error_for)
from .store import Store
from .types import (EVENT_KINDS, MESSAGE_KINDS, PRIORITIES, STATUSES, Duration, Event,
                    FileRef, Message, Names, PathArg, Task, TaskRef, TaskRefs)

__version__ = "0.2.0"

__all__ = [
    "Store", "Task", "FileRef", "Message", "Event",
    "TaskorchError", "NotFoundError", "AmbiguousIdError", "ValidationError", "CycleError",
    "BlockedError", "HasDependentsError", "ConflictError", "RequestError", "StoreError",
    "CorruptStoreError", "BusyError", "SchemaError", "ReadOnlyError", "ClosedStoreError",
    "OutOfMemoryError", "WaitTimeoutError", "ClaimTimeoutError",
    "PRIORITIES", "STATUSES", "MESSAGE_KINDS", "EVENT_KINDS",
    "TaskRef", "TaskRefs", "Names", "Duration", "PathArg",
    "library_version", "locate", "is_valid_agent", "parse_duration",
]


def library_version() -> str:
    """The loaded C library's version, "MAJOR.MINOR.PATCH"."""
    version: bytes = _lib.taskorch_version()
    return version.decode()


def locate(path: Optional[PathArg] = None) -> str:
    """The store file a Store(path) would open, found as tm finds it
    (nothing is created)."""
    p = _args.path(path)
    out = _lib.owned_str()
    rc = _lib.taskorch_locate_ext(ctypes.byref(out), p, _lib.TASKORCH_OPEN_FROM_ENV)
    if rc:
        raise error_for(rc)
    try:
        return os.fsdecode(ctypes.string_at(out))
    finally:
        _lib.taskorch_free(out)


def is_valid_agent(agent: str) -> bool:
    """Whether agent is a valid agent id: 1..64 bytes of UTF-8 without
    whitespace, control characters or '/'."""
    rc: int = _lib.taskorch_agent_check(_args.text(agent, "agent"))
    return rc == _lib.TASKORCH_OK


def parse_duration(text: str) -> float:
    """A duration as tm takes it ("90" seconds, "90s", "15m", "2h", "1d",
    "250ms") in seconds, as a float. Zero, negative or malformed values
    raise ValidationError."""
    _args.text(text, "duration")  # a str, or TypeError
    return _args.duration_ms(text, "duration") / 1000
