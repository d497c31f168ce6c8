"""Exceptions: one class per libtaskorch status code.

Every exception carries ``code`` (the negative status code from taskorch.h)
and ``message`` (the library's explanation, from taskorch_db_errmsg when a
store handle was involved). The base classes let callers catch by family:

    TaskorchError
      NotFoundError(KeyError)         ENOTFOUND, and AmbiguousIdError
      ValidationError(ValueError)     EINVAL, CycleError, BlockedError,
                                      HasDependentsError, ConflictError,
                                      RequestError
      StoreError(OSError)             ESTORE, CorruptStoreError, BusyError,
                                      SchemaError, ReadOnlyError,
                                      ClosedStoreError
      OutOfMemoryError(MemoryError)   ENOMEM
      WaitTimeoutError(TimeoutError)  ETIMEOUT (.pending: what was not done)
        ClaimTimeoutError             claim(wait=...) found nothing in time;
                                      also a NotFoundError, like "nothing
                                      to claim"
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple, Type

from . import _lib as L


class TaskorchError(Exception):
    """A libtaskorch call failed. ``code`` is the status code, ``message``
    the library's explanation."""

    code: int
    message: str

    def __init__(self, code: int, message: Optional[str] = None) -> None:
        text: str = message or L.taskorch_strerror(code).decode()
        # One argument only: OSError with two would treat code as errno.
        Exception.__init__(self, text)
        self.code = code
        self.message = text

    def __str__(self) -> str:
        # KeyError would otherwise print the message in quotes.
        return self.message

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.code, self.message))


class NotFoundError(TaskorchError, KeyError):
    """No such task (or message, event, dependency edge, store)."""


class AmbiguousIdError(NotFoundError):
    """An id prefix matches several tasks; the message lists them."""


class ValidationError(TaskorchError, ValueError):
    """A value was refused (bad field, unknown name, forbidden change)."""


class CycleError(ValidationError):
    """The dependency would create a cycle; the message spells it out."""


class BlockedError(ValidationError):
    """Unfinished dependencies forbid starting or completing the task."""


class HasDependentsError(ValidationError):
    """Other tasks depend on the task being deleted."""


class ConflictError(ValidationError):
    """Another agent has the task (assigned to it, or holding it under a
    claim), or the claim number given is stale; the message names the
    holder."""


class RequestError(ValidationError):
    """The request id was already used by this agent for another
    operation or other arguments; nothing was written."""


class StoreError(TaskorchError, OSError):
    """The store cannot be opened, read or written."""


class CorruptStoreError(StoreError):
    """The file is not a taskorch store (it was left untouched)."""


class BusyError(StoreError):
    """The store stayed locked past the busy timeout."""


class SchemaError(StoreError):
    """The store was written by a newer library (it was left untouched)."""


class ReadOnlyError(StoreError):
    """A write on a store opened read-only."""


class ClosedStoreError(StoreError):
    """The Store was used after close()."""

    def __init__(self, code: int = L.TASKORCH_ESTORE,
                 message: Optional[str] = "the store is closed") -> None:
        StoreError.__init__(self, code, message)


class OutOfMemoryError(TaskorchError, MemoryError):
    """The library ran out of memory."""


class WaitTimeoutError(TaskorchError, TimeoutError):
    """A wait ended without news. ``pending`` holds the ids of the tasks
    that were not done yet when Store.wait gave up (empty otherwise)."""

    pending: Tuple[str, ...]

    def __init__(self, code: int = L.TASKORCH_ETIMEOUT, message: Optional[str] = None,
                 pending: Iterable[str] = ()) -> None:
        TaskorchError.__init__(self, code, message)
        self.pending = tuple(pending)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.pending))


class ClaimTimeoutError(WaitTimeoutError, NotFoundError):
    """Store.claim(wait=...) found nothing claimable in time. It is also a
    NotFoundError, so one ``except NotFoundError`` covers "nothing to
    claim" with or without waiting."""


_BY_CODE: Dict[int, Type[TaskorchError]] = {
    L.TASKORCH_ENOMEM: OutOfMemoryError,
    L.TASKORCH_EINVAL: ValidationError,
    L.TASKORCH_ENOTFOUND: NotFoundError,
    L.TASKORCH_EAMBIGUOUS: AmbiguousIdError,
    L.TASKORCH_ECYCLE: CycleError,
    L.TASKORCH_EBLOCKED: BlockedError,
    L.TASKORCH_EHASDEPENDENTS: HasDependentsError,
    L.TASKORCH_ESTORE: StoreError,
    L.TASKORCH_ECORRUPT: CorruptStoreError,
    L.TASKORCH_EBUSY: BusyError,
    L.TASKORCH_ESCHEMA: SchemaError,
    L.TASKORCH_EREADONLY: ReadOnlyError,
    L.TASKORCH_ETIMEOUT: WaitTimeoutError,
    L.TASKORCH_ECONFLICT: ConflictError,
    L.TASKORCH_EREQUEST: RequestError,
}


def error_for(code: int, message: Optional[str] = None) -> TaskorchError:
    """The exception instance for a status code (TaskorchError for codes
    without a class of their own, such as TASKORCH_ERROR)."""
    return _BY_CODE.get(code, TaskorchError)(code, message)
