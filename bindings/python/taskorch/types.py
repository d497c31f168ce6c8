"""Plain, immutable Python values copied out of the library's objects.

Nothing here points into C memory: a Task, Message or Event stays valid
after the C object it was read from is freed.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _lib as L

PRIORITIES: Tuple[str, ...] = ("low", "medium", "high", "critical")
STATUSES: Tuple[str, ...] = ("pending", "in_progress", "completed", "blocked", "cancelled")
MESSAGE_KINDS: Tuple[str, ...] = ("note", "share", "discover", "sync", "progress")
EVENT_KINDS: Tuple[str, ...] = ("created", "updated", "status", "assigned", "unblocked", "blocked",
               "dep_added", "dep_removed", "deleted", "joined", "note", "share",
               "discover", "sync", "progress", "claimed", "released", "expired")


def _text(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "surrogateescape")


def _str(b: Optional[bytes]) -> str:
    """A string the library never leaves NULL."""
    return "" if b is None else b.decode("utf-8", "surrogateescape")


def _time(ms: int) -> Optional[datetime.datetime]:
    """Milliseconds since the epoch to an aware UTC datetime (None for 0)."""
    if not ms:
        return None
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)


def _when(ms: int) -> datetime.datetime:
    """A time the library always sets."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)


def _status(code: int) -> Optional[str]:
    """A status code to its name (None for -1, "no status")."""
    if code < 0:
        return None
    return _text(L.taskorch_status_name(code))


@dataclass(frozen=True)
class FileRef:
    """A file reference: path, and line / end line (None when absent)."""
    path: str
    line: Optional[int] = None
    end: Optional[int] = None

    def __str__(self) -> str:
        s = self.path
        if self.line is not None:
            s += ":%d" % self.line
            if self.end is not None:
                s += ":%d" % self.end
        return s


@dataclass(frozen=True)
class Task:
    """A task as it was when read. Times are timezone-aware UTC datetimes;
    completed_at is None unless the task is completed. claim is the number
    of the claim holding the task (None when no claim holds it),
    lease_expires when the holder's lease ends (None: no lease), estimate
    the estimated hours of work (None when not given)."""
    id: str
    title: str
    description: Optional[str]
    status: str
    priority: str
    assignee: Optional[str]
    created_by: Optional[str]
    summary: Optional[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    completed_at: Optional[datetime.datetime]
    blocked_by_hand: bool
    tags: Tuple[str, ...] = field(default=())
    files: Tuple[FileRef, ...] = field(default=())
    depends_on: Tuple[str, ...] = field(default=())
    claim: Optional[int] = None
    lease_expires: Optional[datetime.datetime] = None
    estimate: Optional[float] = None

    @property
    def done(self) -> bool:
        """Whether the task is completed."""
        return self.status == "completed"

    @classmethod
    def _from_c(cls, t: Any) -> Task:
        """Copies a borrowed taskorch_task pointer."""
        files: List[FileRef] = []
        for i in range(L.taskorch_task_file_count(t)):
            line = L.taskorch_task_file_line(t, i)
            end = L.taskorch_task_file_end(t, i)
            files.append(FileRef(_str(L.taskorch_task_file_path(t, i)),
                                 line or None, end or None))
        return cls(
            id=_str(L.taskorch_task_id(t)),
            title=_str(L.taskorch_task_title(t)),
            description=_text(L.taskorch_task_description(t)),
            status=_str(L.taskorch_status_name(L.taskorch_task_status(t))),
            priority=_str(L.taskorch_priority_name(L.taskorch_task_priority(t))),
            assignee=_text(L.taskorch_task_assignee(t)),
            created_by=_text(L.taskorch_task_created_by(t)),
            summary=_text(L.taskorch_task_summary(t)),
            created_at=_when(L.taskorch_task_created_at(t)),
            updated_at=_when(L.taskorch_task_updated_at(t)),
            completed_at=_time(L.taskorch_task_completed_at(t)),
            blocked_by_hand=bool(L.taskorch_task_blocked_by_hand(t)),
            tags=tuple(_str(L.taskorch_task_tag(t, i))
                       for i in range(L.taskorch_task_tag_count(t))),
            files=tuple(files),
            depends_on=tuple(_str(L.taskorch_task_dep_id(t, i))
                             for i in range(L.taskorch_task_dep_count(t))),
            claim=L.taskorch_task_claim_number(t) or None,
            lease_expires=_time(L.taskorch_task_lease_expires(t)),
            estimate=L.taskorch_task_estimate(t) or None,
        )


@dataclass(frozen=True)
class Message:
    """A message on a task's channel. kind is note, share, discover, sync
    or progress."""
    id: int
    task: str
    kind: str
    author: str
    text: str
    created_at: datetime.datetime

    @classmethod
    def _from_c(cls, m: Any) -> Message:
        return cls(
            id=L.taskorch_msg_id(m),
            task=_str(L.taskorch_msg_task_id(m)),
            kind=_str(L.taskorch_msg_kind_name(L.taskorch_msg_kind(m))),
            author=_str(L.taskorch_msg_author(m)),
            text=_str(L.taskorch_msg_text(m)),
            created_at=_when(L.taskorch_msg_created_at(m)),
        )


@dataclass(frozen=True)
class Event:
    """One entry of the change feed. task is None for events not about a
    task; text describes the change or holds the message (for people).

    The typed members are None when the event has no such detail:
    from_status / to_status (status names) for status changes, including
    "unblocked", "blocked", "claimed", "released" and "expired"; assignee,
    the agent a task is handed to (or, for "expired", the holder whose
    lease ended); claim, the claim number; lease_until, when a claim's
    lease ends; cause, the task whose completion unblocked this one;
    message_id, the message of a note/share/discover/sync/progress event.
    forced is True when the change was forced past unfinished
    dependencies or past another agent's claim."""
    id: int
    time: datetime.datetime
    kind: str
    task: Optional[str]
    agent: str
    text: str
    from_status: Optional[str] = None
    to_status: Optional[str] = None
    assignee: Optional[str] = None
    claim: Optional[int] = None
    lease_until: Optional[datetime.datetime] = None
    cause: Optional[str] = None
    message_id: Optional[int] = None
    forced: bool = False

    @classmethod
    def _from_c(cls, e: Any) -> Event:
        return cls(
            id=L.taskorch_event_id(e),
            time=_when(L.taskorch_event_time(e)),
            kind=_str(L.taskorch_event_kind(e)),
            task=_text(L.taskorch_event_task_id(e)),
            agent=_str(L.taskorch_event_agent(e)),
            text=_str(L.taskorch_event_text(e)),
            from_status=_status(L.taskorch_event_from(e)),
            to_status=_status(L.taskorch_event_to(e)),
            assignee=_text(L.taskorch_event_assignee(e)),
            claim=L.taskorch_event_claim(e) or None,
            lease_until=_time(L.taskorch_event_lease_until(e)),
            cause=_text(L.taskorch_event_cause(e)),
            message_id=L.taskorch_event_msg_id(e) or None,
            forced=bool(L.taskorch_event_forced(e)),
        )


# Argument types of the public API, for annotating code that calls it.

#: A task as the methods take it: its id, a unique prefix of at least 4
#: characters, or a Task.
TaskRef = Union[str, Task]
#: One task or several: a TaskRef or an iterable of them.
TaskRefs = Union[str, Task, Iterable[Union[str, Task]]]
#: One name or several (tags, kinds, statuses): a str is one name.
Names = Union[str, Iterable[str]]
#: A length of time: seconds (int or float), a datetime.timedelta, or a
#: duration string as tm takes it ("90", "90s", "15m", "2h", "1d", "250ms").
Duration = Union[int, float, datetime.timedelta, str]
#: A file system path.
PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
