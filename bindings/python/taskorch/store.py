"""The Pythonic layer: Store, a handle on one task store."""
from __future__ import annotations

import collections.abc
import ctypes
import math
import os
import threading
import time
import warnings
from ctypes import byref
from typing import (Any, Callable, Generic, Iterable, Iterator, List, NoReturn, Optional,
                    TypeVar, Union, overload)

from . import _args as A
from . import _lib as L
from .errors import (ClaimTimeoutError, ClosedStoreError, ValidationError, WaitTimeoutError,
                     error_for)
from .types import (EVENT_KINDS, MESSAGE_KINDS, PRIORITIES, STATUSES, Duration, Event,
                    Message, Names, PathArg, Task, TaskRef, TaskRefs)

_T = TypeVar("_T")
_C = TypeVar("_C", bound="_Closing")

_SORTS = ("priority", "created", "updated")
# Longest single wait inside the library, so Ctrl-C (handled between C
# calls) stops a wait or a watch promptly.
_WAIT_SLICE_MS = 200


def _task_id(value: object, what: str = "task") -> bytes:
    """A task id or unique prefix, as str or a Task, to bytes."""
    if isinstance(value, Task):
        value = value.id
    return A.text(value, what)


def _task_ids(values: Iterable[object], what: str) -> List[bytes]:
    """Task ids given as varargs, each a str, a Task or an iterable of them."""
    out: List[bytes] = []
    for v in values:
        if isinstance(v, (str, Task)):
            out.append(_task_id(v, what))
        elif (isinstance(v, (bytes, bytearray))
              or not isinstance(v, collections.abc.Iterable)):
            raise TypeError("%s must be a task id (str), a Task or an iterable of "
                            "them, not %s" % (what, type(v).__name__))
        else:
            out.extend(_task_id(x, what) for x in v)
    return out


_WAIT_UNTIL = {"completed": L.TASKORCH_WAIT_COMPLETED, "terminal": L.TASKORCH_WAIT_TERMINAL,
               "any-terminal": L.TASKORCH_WAIT_TERMINAL}


def _write_options(request_id: object = None, claim: object = None,
                   force: object = False) -> Optional[Any]:
    """The options of the next write (taskorch_db_next_write), or None when
    there are none. Checked before anything reaches C, so a bad argument
    never leaves options pending on the handle."""
    r = A.text(request_id, "request_id", optional=True)
    c = A.integer(claim, "claim", minimum=1, maximum=2**63 - 1, optional=True)
    f = A.flag(force, "force")
    if r is None and c is None and not f:
        return None
    wo = L.taskorch_write_options()
    _raise_plain(L.taskorch_write_options_init(byref(wo), L.TASKORCH_WRITE_OPTIONS_VERSION))
    wo.request_id = r
    wo.claim = c or 0
    wo.flags = L.TASKORCH_WRITE_TAKEOVER if f else 0
    return wo


def _lease_ms(value: object, what: str = "lease") -> int:
    """claim(lease=...): None is the default lease (0), "none" no lease
    (-1), anything else a length of time."""
    if value is None:
        return 0
    if isinstance(value, str) and value.strip().lower() == "none":
        return -1
    return A.duration_ms(value, what)


def _fnv1a(parts: Iterable[bytes]) -> int:
    """The 32-bit FNV-1a hash tm watch names a filtered view's cursor by:
    each part's bytes followed by '|'."""
    h = 2166136261
    for p in parts:
        for byte in p + b"|":
            h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def _hours(value: object, what: str, optional: bool = False,
           zero: bool = False) -> Optional[float]:
    """Hours of work: a number > 0 (>= 0 with zero=True)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number of hours%s, not %s"
                        % (what, " or None" if optional else "", type(value).__name__))
    if not (math.isfinite(value) and (value > 0 or (zero and value == 0))):
        raise ValidationError(L.TASKORCH_EINVAL, "%s must be a number of hours %s, not %r"
                              % (what, ">= 0" if zero else "> 0", value))
    return float(value)


def _since(since: Optional[int], after: Optional[int],
           default: Optional[int]) -> Optional[int]:
    """since=, or after= (its earlier name): one of them, not both."""
    if after is None:
        return since
    if since is not None and since != default:
        raise TypeError("give since or after (its earlier name), not both")
    return after


def _raise_plain(rc: int) -> None:
    """Raises for a status code from a call that has no store handle."""
    if rc:
        raise error_for(rc)


class _Closing:
    """Context-manager protocol for objects owning C memory: `close()`
    releases it, on leaving a `with` block or at garbage collection."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class _Iterator(_Closing, Generic[_T]):
    """Walks a C iterator, copying each borrowed item into a Python value,
    and frees the C iterator with the library's own function when
    exhausted, closed, or garbage-collected. The C side was filled when it
    was created, so the store may be changed (or closed) while iterating."""

    def __init__(self, ptr: Any, item_type: Any, next_fn: Callable[..., int],
                 free_fn: Callable[[Any], None], convert: Callable[[Any], _T],
                 count: Optional[int] = None) -> None:
        self._ptr = ptr
        self._item_type = item_type
        self._next = next_fn
        self._free = free_fn
        self._convert = convert
        self._count = count

    def __iter__(self) -> _Iterator[_T]:
        return self

    def __next__(self) -> _T:
        if not self._ptr:
            raise StopIteration
        item = self._item_type()
        rc = self._next(self._ptr, byref(item))
        if rc == L.TASKORCH_ITEROVER:
            self.close()
            raise StopIteration
        if rc:
            self.close()
            raise error_for(rc)
        return self._convert(item)

    def __len__(self) -> int:
        """Number of items the query matched in all (tasks only)."""
        if self._count is None:
            raise TypeError("this iterator has no length")
        return self._count

    def close(self) -> None:
        """Frees the C iterator; iterating further yields nothing."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            self._free(ptr)


class Store(_Closing):
    """An open task store.

    ``Store(path=None, agent=None, create=False, mirror=True,
    readonly=False, busy_timeout=None, default_lease=None)``

    path: a folder holding tasks.db, or a file ending in ``.db``; None
    locates the store as tm does (TM_DB_PATH, else the nearest
    ``.task-orchestrator`` folder walking up, else ``./.task-orchestrator``).
    agent: the identity to act as; None means TM_AGENT_ID, then USER.
    create: create the store (and its folder) when missing; otherwise a
    missing store raises NotFoundError. mirror: write the markdown mirror
    beside a store named tasks.db. readonly: refuse every write
    (ReadOnlyError). busy_timeout: longest wait in seconds for a lock
    (default 10). default_lease: the lease of claims that name none
    (seconds, a timedelta or a duration string such as "15m"; "none": such
    claims never expire; None: the store's "lease" setting).

    Use it as a context manager, or call close(). A Store may be shared by
    threads (calls are serialised) but not across fork(): open a new one
    in each process.
    """

    def __init__(self, path: Optional[PathArg] = None, agent: Optional[str] = None,
                 create: bool = False, mirror: bool = True, readonly: bool = False,
                 busy_timeout: Optional[float] = None,
                 default_lease: Optional[Duration] = None) -> None:
        self._db: Any = None
        self._lock = threading.RLock()
        path_b = A.path(path)
        agent_b = A.text(agent, "agent", optional=True)
        opts = L.taskorch_open_options()
        _raise_plain(L.taskorch_open_options_init(byref(opts), L.TASKORCH_OPEN_OPTIONS_VERSION))
        opts.flags |= L.TASKORCH_OPEN_FROM_ENV  # TM_DB_PATH, TM_AGENT_ID, USER as tm reads them
        if A.flag(create, "create"):
            opts.flags |= L.TASKORCH_OPEN_CREATE
        if not A.flag(mirror, "mirror"):
            opts.flags |= L.TASKORCH_OPEN_NO_MIRROR
        if A.flag(readonly, "readonly"):
            opts.flags |= L.TASKORCH_OPEN_READONLY
        timeout = A.seconds(busy_timeout, "busy_timeout")
        if timeout is not None:
            opts.busy_timeout_ms = max(1, min(int(timeout * 1000), 2**31 - 1))
        opts.agent = agent_b
        opts.default_lease_ms = _lease_ms(default_lease, "default_lease")
        db = L.db_p()
        rc = L.taskorch_db_open(byref(db), path_b, byref(opts))
        if rc:
            message = L.taskorch_db_errmsg(db).decode("utf-8", "replace") if db else None
            L.taskorch_db_close(db)
            raise error_for(rc, message)
        self._db = db

    # -- handle --------------------------------------------------------------

    def _require(self) -> Any:
        if not self._db:
            raise ClosedStoreError()
        return self._db

    def _fail(self, rc: int) -> NoReturn:
        raise error_for(rc, L.taskorch_db_errmsg(self._db).decode("utf-8", "replace"))

    def _check(self, rc: int) -> None:
        if rc:
            self._fail(rc)

    def _next_write(self, db: Any, wo: Optional[Any]) -> None:
        """Hands the options of the next write to the library; call it
        under the lock, right before the one write call."""
        if wo is not None:
            self._check(L.taskorch_db_next_write(db, byref(wo)))

    def close(self) -> None:
        """Closes the store; later calls raise ClosedStoreError. Closing
        twice is fine."""
        with self._lock:
            db, self._db = self._db, None
            if db:
                L.taskorch_db_close(db)

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return not self._db

    def __enter__(self) -> Store:
        self._require()
        return self

    def __repr__(self) -> str:
        if not self._db:
            return "<taskorch.Store closed>"
        return "<taskorch.Store %r agent=%r>" % (self.path, self.agent)

    @property
    def path(self) -> str:
        """Path of the store file."""
        with self._lock:
            return os.fsdecode(L.taskorch_db_path(self._require()))

    @property
    def agent(self) -> str:
        """The agent identity this store acts as; assignable."""
        with self._lock:
            name: bytes = L.taskorch_db_agent(self._require())
            return name.decode()

    @agent.setter
    def agent(self, value: str) -> None:
        b = A.text(value, "agent")
        with self._lock:
            self._check(L.taskorch_db_set_agent(self._require(), b))

    # -- settings --------------------------------------------------------------

    def config_get(self, key: str) -> Optional[str]:
        """A store setting (shared by every agent) as str, None when unset.
        Known keys: "lease", the default lease of claims (a duration such as
        "15m", or "none")."""
        k = A.text(key, "key")
        out = L.owned_str()
        with self._lock:
            self._check(L.taskorch_config_get(byref(out), self._require(), k))
        if not out:
            return None
        try:
            return ctypes.string_at(out).decode("utf-8", "surrogateescape")
        finally:
            L.taskorch_free(out)

    def config_set(self, key: str, value: Optional[str]) -> None:
        """Sets a store setting (ValidationError for an unknown key or a bad
        value); value None removes it."""
        k = A.text(key, "key")
        v = A.text(value, "value", optional=True)
        with self._lock:
            self._check(L.taskorch_config_set(self._require(), k, v))

    # -- maintenance -------------------------------------------------------------

    def doctor(self, fix: bool = False) -> List[str]:
        """Checks the store and its markdown mirror, as tm doctor does, and
        returns the findings, one line each ("area: text"; area is
        integrity, schema, wal, mode, foreign or mirror); an empty list means
        healthy. Nothing is changed, unless fix: then the mirror is rebuilt
        from the store first (ValidationError when this handle writes no
        mirror, ReadOnlyError when read-only; a mirror file that could not
        be rewritten shows in the findings, with a RuntimeWarning)."""
        f = A.flag(fix, "fix")
        out = ctypes.POINTER(L.owned_str)()
        with self._lock:
            db = self._require()
            if f:
                rc = L.taskorch_mirror_rebuild(db)
                if rc in (L.TASKORCH_EINVAL, L.TASKORCH_EREADONLY):
                    self._fail(rc)
                if rc:
                    warnings.warn(L.taskorch_db_errmsg(db).decode("utf-8", "replace"),
                                  RuntimeWarning, stacklevel=2)
            self._check(L.taskorch_check(byref(out), db))
        try:
            findings: List[str] = []
            i = 0
            while out[i]:
                findings.append(ctypes.string_at(out[i]).decode("utf-8", "surrogateescape"))
                i += 1
            return findings
        finally:
            L.taskorch_free(out)

    def backup(self, path: PathArg, force: bool = False) -> None:
        """Writes a consistent copy of the store to the file path while
        agents keep working, as tm backup does; the copy is a complete
        store. An existing path is refused (ValidationError) unless
        force."""
        p = A.path(path)
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        with self._lock:
            self._check(L.taskorch_db_backup(self._require(), p, flags))

    # -- tasks -----------------------------------------------------------------

    def _take_task(self, ptr: Any) -> Task:
        try:
            return Task._from_c(ptr)
        finally:
            L.taskorch_task_free(ptr)

    def add(self, title: str, description: Optional[str] = None,
            priority: Optional[str] = None, assignee: Optional[str] = None,
            tags: Names = (), files: Names = (), depends_on: TaskRefs = (),
            estimate: Optional[float] = None, *, request_id: Optional[str] = None) -> Task:
        """Creates a task as this agent and returns it. priority: low,
        medium (default), high or critical. files: "path[:line[:end]]"
        strings. depends_on: ids, prefixes or Tasks; the task starts
        blocked while any of them is unfinished. estimate: hours of work
        (> 0). request_id: repeating it with the same arguments returns
        the task the first call created and creates nothing."""
        spec = L.taskorch_task_spec()
        _raise_plain(L.taskorch_task_spec_init(byref(spec), L.TASKORCH_TASK_SPEC_VERSION))
        spec.title = A.text(title, "title")
        spec.description = A.text(description, "description", optional=True)
        p = A.choice(priority, PRIORITIES, "priority", optional=True)
        spec.priority = -1 if p is None else p
        spec.assignee = A.text(assignee, "assignee", optional=True)
        spec.tags, spec.n_tags = A.str_array(A.texts(tags, "tags"))
        spec.files, spec.n_files = A.str_array(A.texts(files, "files"))
        deps = _task_ids([depends_on], "depends_on") if depends_on else []
        spec.depends_on, spec.n_depends_on = A.str_array(deps)
        spec.estimate = _hours(estimate, "estimate", optional=True) or 0.0
        wo = _write_options(request_id)
        out = L.task_p()
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_create(byref(out), db, byref(spec)))
        return self._take_task(out)

    def resolve(self, task: TaskRef) -> str:
        """The full id of a task given by id or unique prefix."""
        b = _task_id(task)
        buf = ctypes.create_string_buffer(L.TASKORCH_ID_SIZE)
        with self._lock:
            self._check(L.taskorch_task_resolve(buf, self._require(), b))
        return buf.value.decode()

    def show(self, task: TaskRef) -> Task:
        """The task with this id or unique prefix (NotFoundError if none,
        AmbiguousIdError if several), as tm show gives it. get() is the
        same method under its earlier name."""
        b = _task_id(task)
        out = L.task_p()
        with self._lock:
            self._check(L.taskorch_task_get(byref(out), self._require(), b))
        return self._take_task(out)

    #: The earlier name of show(), kept as an alias.
    get = show

    def __getitem__(self, task: TaskRef) -> Task:
        return self.show(task)

    def __contains__(self, task: TaskRef) -> bool:
        try:
            self.resolve(task)
        except KeyError:
            return False
        return True

    def update(self, task: TaskRef, title: Optional[str] = None,
               description: Optional[str] = None, priority: Optional[str] = None,
               status: Optional[str] = None, assignee: Optional[str] = None,
               add_tags: Names = (), remove_tags: Names = (), add_files: Names = (),
               summary: Optional[str] = None, force: bool = False,
               estimate: Optional[float] = None, *, request_id: Optional[str] = None,
               claim: Optional[int] = None) -> Task:
        """Changes a task and returns it as it now is. None leaves a field
        as it is; description="" clears it, assignee="" unassigns,
        estimate=0 clears the estimate. Changing nothing raises
        ValidationError. force overrides unfinished dependencies when
        starting or completing, and another agent's claim on the task
        (recorded as forced). claim: the claim number you hold; a stale one
        raises ConflictError. request_id: see add."""
        b = _task_id(task)
        ch = L.taskorch_task_change()
        _raise_plain(L.taskorch_task_change_init(byref(ch), L.TASKORCH_TASK_CHANGE_VERSION))
        ch.title = A.text(title, "title", optional=True)
        ch.description = A.text(description, "description", optional=True)
        p = A.choice(priority, PRIORITIES, "priority", optional=True)
        ch.priority = -1 if p is None else p
        s = A.choice(status, STATUSES, "status", optional=True)
        ch.status = -1 if s is None else s
        ch.assignee = A.text(assignee, "assignee", optional=True)
        ch.add_tags, ch.n_add_tags = A.str_array(A.texts(add_tags, "add_tags"))
        ch.remove_tags, ch.n_remove_tags = A.str_array(A.texts(remove_tags, "remove_tags"))
        ch.add_files, ch.n_add_files = A.str_array(A.texts(add_files, "add_files"))
        ch.summary = A.text(summary, "summary", optional=True)
        ch.flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        e = _hours(estimate, "estimate", optional=True, zero=True)
        ch.estimate = -1.0 if e is None else e
        wo = _write_options(request_id, claim, force)
        out = L.task_p()
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_update(byref(out), db, b, byref(ch)))
        return self._take_task(out)

    def complete(self, task: TaskRef, summary: Optional[str] = None, force: bool = False, *,
                 request_id: Optional[str] = None, claim: Optional[int] = None) -> None:
        """Marks a task completed (BlockedError while a dependency is
        unfinished, ConflictError while another agent holds it, unless
        force) and unblocks its ready dependents. claim: the claim number
        you hold (ConflictError when the task has been claimed since)."""
        b = _task_id(task)
        s = A.text(summary, "summary", optional=True)
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_complete(db, b, s, flags))

    def set_status(self, task: TaskRef, status: str, force: bool = False, *,
                   request_id: Optional[str] = None, claim: Optional[int] = None) -> None:
        """Sets a task's status: pending, in_progress, completed, blocked
        (by hand: it sticks) or cancelled."""
        b = _task_id(task)
        s = A.choice(status, STATUSES, "status")
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_set_status(db, b, s, flags))

    def start(self, task: TaskRef, force: bool = False, *, request_id: Optional[str] = None,
              claim: Optional[int] = None) -> None:
        """Sets a task in_progress."""
        self.set_status(task, "in_progress", force=force, request_id=request_id, claim=claim)

    def assign(self, task: TaskRef, agent: Optional[str], *, request_id: Optional[str] = None,
               claim: Optional[int] = None, force: bool = False) -> None:
        """Assigns a task to an agent; None or "" unassigns it."""
        b = _task_id(task)
        a = A.text(agent, "agent", optional=True)
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_assign(db, b, a))

    def claim(self, task: Optional[TaskRef] = None, *, tag: Optional[str] = None,
              priority: Optional[str] = None, lease: Optional[Duration] = None,
              resume: bool = False, mine: bool = False, wait: Optional[Duration] = None,
              request_id: Optional[str] = None, claim: Optional[int] = None,
              force: bool = False) -> Task:
        """Takes a task for this agent in one write transaction and returns
        it as it now is: in_progress, assigned to this agent, joined, with
        a new claim number (Task.claim) and, with a lease, an expiry
        (Task.lease_expires). Of any number of racing agents exactly one
        wins a task.

        task None takes the best claimable task: pending with every
        dependency completed, assigned to this agent or to nobody (mine:
        only those assigned to this agent), of the given tag and priority;
        highest priority first, then oldest. A task whose holder's lease
        expired is claimable too. NotFoundError when there is none.
        resume: first hand back this agent's own oldest in_progress task
        (its lease renewed, same claim number), so a restarted agent picks
        up what it held. wait: seconds (or a duration string) to wait for
        claimable work; ClaimTimeoutError (a NotFoundError) when none comes.

        lease: seconds, a timedelta or a duration string ("15m"); "none"
        for a claim that never expires; None for the default (the Store's
        default_lease, else the store's "lease" setting, else none).
        Renew it with heartbeat(), give the task back with release().

        Claiming a task this agent already holds renews its lease and keeps
        its claim number. ConflictError: assigned to or held by another
        agent (force takes it over). BlockedError: unfinished dependencies.
        ValidationError: completed, cancelled or blocked by hand.
        request_id: repeating the claim with the same arguments returns the
        same task and claim, writing nothing; RequestError when the id was
        used for something else."""
        b = None if task is None else _task_id(task)
        opts = L.taskorch_claim_options()
        _raise_plain(L.taskorch_claim_options_init(byref(opts), L.TASKORCH_CLAIM_OPTIONS_VERSION))
        opts.tag = A.text(tag, "tag", optional=True)
        p = A.choice(priority, PRIORITIES, "priority", optional=True)
        opts.priority = -1 if p is None else p
        opts.lease_ms = _lease_ms(lease)
        if A.flag(resume, "resume"):
            opts.flags |= L.TASKORCH_CLAIM_RESUME
        if A.flag(mine, "mine"):
            opts.flags |= L.TASKORCH_CLAIM_MINE
        wait = A.timeout(wait, "wait")
        wo = _write_options(request_id, claim, force)
        out = L.task_p()
        if wait is None:
            with self._lock:
                db = self._require()
                self._next_write(db, wo)
                self._check(L.taskorch_task_claim_v2(byref(out), db, b, byref(opts)))
            return self._take_task(out)
        # Wait in slices so Ctrl-C (handled between C calls) is prompt.
        opts.flags |= L.TASKORCH_CLAIM_WAIT
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            opts.wait_ms = max(0, min(_WAIT_SLICE_MS, math.ceil(left * 1000)))
            seen = self.last_event_id()
            with self._lock:
                db = self._require()
                self._next_write(db, wo)
                rc = L.taskorch_task_claim_v2(byref(out), db, b, byref(opts))
                if rc == L.TASKORCH_ENOTFOUND and b is None:
                    # Nothing claimable, said without waiting out the slice:
                    # wait for a change here rather than ask again at once.
                    rc = L.TASKORCH_ETIMEOUT
                    self.wait_event(seen, opts.wait_ms / 1000)
                if rc not in (L.TASKORCH_OK, L.TASKORCH_ETIMEOUT):
                    self._fail(rc)
            if rc == L.TASKORCH_OK:
                return self._take_task(out)
            if time.monotonic() >= deadline:
                raise ClaimTimeoutError(
                    L.TASKORCH_ETIMEOUT, "nothing to claim for %s within %g s"
                    % (self.agent, wait))

    def heartbeat(self, task: TaskRef, lease: Optional[Duration] = None, *,
                  claim: Optional[int] = None, force: bool = False,
                  request_id: Optional[str] = None) -> Task:
        """Renews the lease of a task this agent holds and returns the task:
        the lease now ends lease from now (seconds, a timedelta or a
        duration string; None: the claim's own lease length again). Writes
        no event. ConflictError when another agent holds the task or claim
        is stale; ValidationError when the task is not in progress under a
        claim."""
        b = _task_id(task)
        ms = 0 if lease is None else A.duration_ms(lease, "lease")
        wo = _write_options(request_id, claim, force)
        out = L.task_p()
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_heartbeat(byref(out), db, b, ms))
        return self._take_task(out)

    def release(self, task: TaskRef, unassign: bool = False, *, claim: Optional[int] = None,
                force: bool = False, request_id: Optional[str] = None) -> None:
        """Gives a claimed task back: pending again (blocked when a
        dependency is unfinished), its claim and lease cleared, the
        assignee kept unless unassign. Errors as heartbeat()."""
        b = _task_id(task)
        flags = L.TASKORCH_RELEASE_UNASSIGN if A.flag(unassign, "unassign") else 0
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_release(db, b, flags))

    def delete(self, task: TaskRef, force: bool = False, *, request_id: Optional[str] = None,
               claim: Optional[int] = None) -> None:
        """Deletes a task and everything attached to it. While other tasks
        depend on it: HasDependentsError, unless force (which removes those
        edges, and overrides another agent's claim)."""
        b = _task_id(task)
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_delete(db, b, flags))

    def list(self, status: Optional[Names] = None, assignee: Optional[str] = None,
             unassigned: bool = False, tag: Optional[str] = None,
             priority: Optional[str] = None, has_deps: bool = False, ready: bool = False,
             limit: Optional[int] = None, sort: str = "priority",
             mine: bool = False) -> _Iterator[Task]:
        """Iterates over matching tasks (with tags, files and dependency
        ids), as tm list filters them. status: a name or several.
        assignee: an agent, "@me" for this agent; mine=True is the same as
        assignee="@me". sort: priority (critical first, then oldest),
        created (oldest first) or updated (newest first). len() of the
        result is the number of matches. tasks() is the same method under
        its earlier name."""
        assignee = self._assignee(assignee, mine)
        q = L.taskorch_task_query()
        _raise_plain(L.taskorch_task_query_init(byref(q), L.TASKORCH_TASK_QUERY_VERSION))
        if status is not None:
            for s in A.choices(status, STATUSES, "status"):
                q.statuses |= 1 << s
        q.assignee = A.text(assignee, "assignee", optional=True)
        q.tag = A.text(tag, "tag", optional=True)
        p = A.choice(priority, PRIORITIES, "priority", optional=True)
        q.priority = -1 if p is None else p
        q.limit = A.integer(limit, "limit", minimum=1, optional=True) or 0
        q.sort = A.choice(sort, _SORTS, "sort")
        q.flags = L.TASKORCH_QUERY_DETAILS
        if A.flag(unassigned, "unassigned"):
            q.flags |= L.TASKORCH_QUERY_UNASSIGNED
        if A.flag(has_deps, "has_deps"):
            q.flags |= L.TASKORCH_QUERY_HAS_DEPS
        if A.flag(ready, "ready"):
            q.flags |= L.TASKORCH_QUERY_READY
        it = L.titer_p()
        with self._lock:
            self._check(L.taskorch_task_iter_new(byref(it), self._require(), byref(q)))
        return _Iterator(it, L.task_p, L.taskorch_task_iter_next, L.taskorch_task_iter_free,
                         Task._from_c, count=L.taskorch_task_iter_count(it))

    #: The earlier name of list(), kept as an alias.
    tasks = list

    def _assignee(self, assignee: Optional[str], mine: bool) -> Optional[str]:
        """tm's --assignee / --mine: "@me" and mine=True mean this agent."""
        if A.flag(mine, "mine"):
            if assignee is not None and assignee != "@me":
                raise ValidationError(L.TASKORCH_EINVAL,
                                      "give assignee or mine, not both: mine is assignee='@me'")
            return self.agent
        if assignee == "@me":
            return self.agent
        return assignee

    def __iter__(self) -> _Iterator[Task]:
        return self.list()

    def ready(self, assignee: Optional[str] = None, limit: Optional[int] = None,
              mine: bool = False) -> _Iterator[Task]:
        """Pending tasks whose dependencies are all completed, most
        important first (tm ready). assignee and mine as for list()."""
        return self.list(assignee=assignee, ready=True, limit=limit, mine=mine)

    # -- dependencies ------------------------------------------------------------

    def dep_add(self, task: TaskRef, *deps: TaskRefs, request_id: Optional[str] = None,
                claim: Optional[int] = None, force: bool = False) -> None:
        """Makes task depend on each of deps (ids, prefixes, Tasks or lists
        of them), in one transaction (tm dep add). CycleError for a cycle
        or a self-dependency; an edge that exists already is skipped.
        add_dependencies() is the same method under its earlier name."""
        b = _task_id(task)
        arr, n = A.str_array(_task_ids(deps, "dependency"))
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_dep_add(db, b, arr, n))

    #: The earlier name of dep_add(), kept as an alias.
    add_dependencies = dep_add

    def dep_remove(self, task: TaskRef, *deps: TaskRefs, request_id: Optional[str] = None,
                   claim: Optional[int] = None, force: bool = False) -> None:
        """Removes the edges task -> each of deps (tm dep rm; NotFoundError
        for an edge that does not exist). remove_dependencies() is the
        same method under its earlier name."""
        b = _task_id(task)
        arr, n = A.str_array(_task_ids(deps, "dependency"))
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_dep_remove(db, b, arr, n))

    #: The earlier name of dep_remove(), kept as an alias.
    remove_dependencies = dep_remove

    def dep_list(self, task: TaskRef, dependents: bool = False) -> List[Task]:
        """The tasks this task depends on, or with dependents=True the
        tasks that depend on it, oldest first (tm dep list
        [--dependents]). dependencies() and dependents() are the two
        directions under their earlier names."""
        return self._dep_list(task, L.TASKORCH_DEP_DEPENDENTS if A.flag(dependents, "dependents")
                              else L.TASKORCH_DEP_PREREQUISITES)

    def _dep_list(self, task: TaskRef, direction: int) -> List[Task]:
        b = _task_id(task)
        it = L.titer_p()
        with self._lock:
            self._check(L.taskorch_dep_iter_new(byref(it), self._require(), b, direction))
            ids = [t.id for t in _Iterator(it, L.task_p, L.taskorch_task_iter_next,
                                           L.taskorch_task_iter_free, Task._from_c)]
            # The dependency listing carries no tags/files/edges; load each
            # task in full so every Task this package returns is complete.
            return [self.get(i) for i in ids]

    def dependencies(self, task: TaskRef) -> List[Task]:
        """The tasks this task depends on, oldest first: an alias of
        dep_list(task)."""
        return self._dep_list(task, L.TASKORCH_DEP_PREREQUISITES)

    def dependents(self, task: TaskRef) -> List[Task]:
        """The tasks that depend on this task, oldest first: an alias of
        dep_list(task, dependents=True)."""
        return self._dep_list(task, L.TASKORCH_DEP_DEPENDENTS)

    # -- messages ----------------------------------------------------------------

    def join(self, task: TaskRef, *, request_id: Optional[str] = None,
             claim: Optional[int] = None, force: bool = False) -> None:
        """Joins a task's channel as this agent (idempotent)."""
        b = _task_id(task)
        wo = _write_options(request_id, claim, force)
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_task_join(db, b))

    def post(self, task: TaskRef, kind: str, text: str, request_id: Optional[str] = None, *,
             claim: Optional[int] = None, force: bool = False) -> int:
        """Posts a message (kind: note, share, discover, sync or progress)
        and returns its id. The author joins the task. request_id makes the
        post exactly idempotent: the same agent repeating it with the same
        task, kind and text gets the first message's id back and nothing is
        posted; with anything else it raises RequestError. A progress post
        on a task another agent holds raises ConflictError unless force."""
        b = _task_id(task)
        k = A.choice(kind, MESSAGE_KINDS, "message kind")
        t = A.text(text, "text")
        r = A.text(request_id, "request_id", optional=True)
        wo = _write_options(None, claim, force)
        out = ctypes.c_int64()
        with self._lock:
            db = self._require()
            self._next_write(db, wo)
            self._check(L.taskorch_msg_post(byref(out), db, b, k, t, r))
        return out.value

    def note(self, task: TaskRef, text: str, request_id: Optional[str] = None, *,
                 claim: Optional[int] = None, force: bool = False) -> int:
        """A private note: only its author ever sees it."""
        return self.post(task, "note", text, request_id, claim=claim, force=force)

    def share(self, task: TaskRef, text: str, request_id: Optional[str] = None, *,
                  claim: Optional[int] = None, force: bool = False) -> int:
        """A shared update for everyone on the task."""
        return self.post(task, "share", text, request_id, claim=claim, force=force)

    def discover(self, task: TaskRef, text: str, request_id: Optional[str] = None, *,
                     claim: Optional[int] = None, force: bool = False) -> int:
        """A discovery: it alerts every agent (it shows in mine=True feeds)."""
        return self.post(task, "discover", text, request_id, claim=claim, force=force)

    def sync(self, task: TaskRef, text: str, request_id: Optional[str] = None, *,
                 claim: Optional[int] = None, force: bool = False) -> int:
        """A sync point: a checkpoint every agent sees."""
        return self.post(task, "sync", text, request_id, claim=claim, force=force)

    def progress(self, task: TaskRef, text: str, request_id: Optional[str] = None, *,
                     claim: Optional[int] = None, force: bool = False) -> int:
        """A progress update (only by the holder of a held task, unless
        force)."""
        return self.post(task, "progress", text, request_id, claim=claim, force=force)

    def context(self, task: TaskRef, kinds: Optional[Names] = None,
                since: Optional[int] = None, limit: Optional[int] = None) -> _Iterator[Message]:
        """Iterates over a task's messages visible to this agent (other
        agents' notes never appear), oldest first, as tm context shows
        them. kinds: a kind or several; since: only messages with a larger
        id (a message id, as tm context --since); limit: only the newest
        N. messages() is the same method under its earlier name."""
        b = _task_id(task)
        q = L.taskorch_msg_query()
        _raise_plain(L.taskorch_msg_query_init(byref(q), L.TASKORCH_MSG_QUERY_VERSION))
        if kinds is not None:
            for k in A.choices(kinds, MESSAGE_KINDS, "message kind"):
                q.kinds |= 1 << k
        q.since = A.integer(since, "since", minimum=0, maximum=2**63 - 1, optional=True) or 0
        q.limit = A.integer(limit, "limit", minimum=1, optional=True) or 0
        it = L.miter_p()
        with self._lock:
            self._check(L.taskorch_msg_iter_new(byref(it), self._require(), b, byref(q)))
        return _Iterator(it, L.msg_p, L.taskorch_msg_iter_next, L.taskorch_msg_iter_free,
                         Message._from_c)

    #: The earlier name of context(), kept as an alias.
    messages = context

    def participants(self, task: TaskRef) -> List[str]:
        """Agents who joined or posted on a task, in joining order."""
        b = _task_id(task)
        out = ctypes.POINTER(L.owned_str)()
        with self._lock:
            self._check(L.taskorch_task_participants(byref(out), self._require(), b))
        try:
            names, i = [], 0
            while out[i]:
                names.append(ctypes.string_at(out[i]).decode())
                i += 1
            return names
        finally:
            L.taskorch_free(out)

    # -- events ------------------------------------------------------------------

    def events(self, since: int = 0, task: Optional[TaskRef] = None,
               kinds: Optional[Names] = None, mine: bool = False,
               limit: Optional[int] = None, *, after: Optional[int] = None) -> Iterator[Event]:
        """Iterates over the change feed visible to this agent, oldest
        first: events with an id larger than since (an event id),
        optionally of one task, of some kinds, or only mine (tasks I
        created, am assigned to or joined, plus every discovery and sync
        point). Moves no cursor. after= is the earlier name of since=."""
        start = _since(since, after, 0)
        q = L.taskorch_event_query()
        _raise_plain(L.taskorch_event_query_init(byref(q), L.TASKORCH_EVENT_QUERY_VERSION))
        q.after = A.integer(start, "since" if after is None else "after",
                            minimum=0, maximum=2**63 - 1)
        q.task = None if task is None else _task_id(task)
        if kinds is not None:
            q.kinds, q.n_kinds = A.str_array(A.texts(kinds, "kinds"))
            if not q.n_kinds:
                return iter(())
        q.limit = A.integer(limit, "limit", minimum=1, optional=True) or 0
        if A.flag(mine, "mine"):
            q.flags |= L.TASKORCH_EVENTS_MINE
        it = L.eiter_p()
        with self._lock:
            self._check(L.taskorch_event_iter_new(byref(it), self._require(), byref(q)))
        return _Iterator(it, L.ev_p, L.taskorch_event_iter_next, L.taskorch_event_iter_free,
                         Event._from_c)

    def last_event_id(self) -> int:
        """Id of the newest event (0 when there is none)."""
        out = ctypes.c_int64()
        with self._lock:
            self._check(L.taskorch_event_last_id(byref(out), self._require()))
        return out.value

    def wait_event(self, after: int, timeout: Optional[Duration] = None) -> bool:
        """Waits until an event with an id larger than after exists (True)
        or timeout seconds pass (False; None waits for ever). Any process's
        writes count."""
        after = A.integer(after, "after", minimum=0, maximum=2**63 - 1)
        timeout = A.timeout(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            slice_ms = _WAIT_SLICE_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                slice_ms = max(0, min(slice_ms, math.ceil(left * 1000)))
            with self._lock:
                rc = L.taskorch_event_wait(self._require(), after, slice_ms)
                if rc not in (L.TASKORCH_OK, L.TASKORCH_ETIMEOUT):
                    self._fail(rc)
            if rc == L.TASKORCH_OK:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False

    @overload
    def wait(self, tasks: Optional[TaskRefs] = None, *, until: str = "completed",
             timeout: Optional[Duration] = None) -> None: ...
    @overload
    def wait(self, tasks: int, timeout: Optional[Duration] = None) -> bool: ...

    def wait(self, tasks: Union[TaskRefs, int, None] = None, *legacy: Any,
             until: str = "completed", timeout: Optional[Duration] = None) -> Optional[bool]:
        """Waits until every task in tasks (an id, prefix or Task, or an
        iterable of them) is done, or, with tasks None, until no task is
        pending, blocked or in progress. until: "completed", or "terminal"
        (completed or cancelled). timeout: seconds, a timedelta or a
        duration string; None waits for ever. Returns None when done;
        raises WaitTimeoutError, whose pending attribute lists the ids not
        done, when the timeout passes. Unknown ids raise NotFoundError
        before any waiting. Holds no transaction while waiting and wakes on
        any process's writes.

        (Store.wait(after_event_id, timeout) with an int is the old name of
        wait_event and still works, with a DeprecationWarning.)"""
        if isinstance(tasks, int) and not isinstance(tasks, bool):
            warnings.warn("Store.wait(event_id) is now Store.wait_event(event_id); "
                          "Store.wait(tasks) waits for tasks", DeprecationWarning, stacklevel=2)
            if len(legacy) > 1 or (legacy and timeout is not None):
                raise TypeError("Store.wait(after, timeout): too many arguments")
            return self.wait_event(tasks, legacy[0] if legacy else timeout)
        if legacy:
            raise TypeError("Store.wait() takes the tasks as its one positional argument; "
                            "until and timeout are keyword arguments")
        if tasks is None:
            ids = []
        else:
            ids = _task_ids([tasks], "tasks")
            if not ids:
                return None
        if not isinstance(until, str):
            raise TypeError("until must be str, not %s" % type(until).__name__)
        if until not in _WAIT_UNTIL:
            raise ValidationError(L.TASKORCH_EINVAL, "unknown until '%s'; use completed or "
                                  "terminal" % until)
        how = _WAIT_UNTIL[until]
        timeout = A.timeout(timeout, "timeout")
        arr, n = A.str_array(ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            slice_ms = _WAIT_SLICE_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                slice_ms = max(0, min(slice_ms, math.ceil(left * 1000)))
            out = ctypes.POINTER(L.owned_str)()
            with self._lock:
                rc = L.taskorch_task_wait(byref(out), self._require(), arr, n, how, slice_ms)
                if rc not in (L.TASKORCH_OK, L.TASKORCH_ETIMEOUT):
                    L.taskorch_free(out)
                    self._fail(rc)
            try:
                pending = []
                i = 0
                while out and out[i]:
                    pending.append(ctypes.string_at(out[i]).decode())
                    i += 1
            finally:
                L.taskorch_free(out)
            if rc == L.TASKORCH_OK:
                return None
            if deadline is not None and time.monotonic() >= deadline:
                state = ("completed" if how == L.TASKORCH_WAIT_COMPLETED
                         else "completed or cancelled")
                if ids:
                    msg = "%d of %d tasks not %s after %g s: %s" % (
                        len(pending), len(ids), state, timeout or 0, " ".join(pending))
                else:
                    msg = "tasks still unfinished after %g s: %s" % (timeout or 0,
                                                                     " ".join(pending))
                raise WaitTimeoutError(L.TASKORCH_ETIMEOUT, msg, pending)

    def cursor(self, consumer: Optional[str] = None) -> int:
        """A consumer's stored position in the feed (0 if never stored).
        The default consumer is this agent, the cursor tm watch uses."""
        c = A.text(consumer, "consumer", optional=True)
        out = ctypes.c_int64()
        with self._lock:
            db = self._require()
            self._check(L.taskorch_cursor_get(byref(out), db, c or L.taskorch_db_agent(db)))
        return out.value

    def set_cursor(self, event_id: int, consumer: Optional[str] = None) -> None:
        """Stores a consumer's position (default consumer: this agent)."""
        e = A.integer(event_id, "event_id", minimum=0, maximum=2**63 - 1)
        c = A.text(consumer, "consumer", optional=True)
        with self._lock:
            db = self._require()
            self._check(L.taskorch_cursor_set(db, c or L.taskorch_db_agent(db), e))

    def watch(self, since: Optional[int] = None, *, task: Optional[TaskRef] = None,
              kinds: Optional[Names] = None, mine: bool = False, follow: bool = False,
              timeout: Optional[Duration] = None, limit: Optional[int] = None,
              consumer: Optional[str] = None, after: Optional[int] = None) -> Iterator[Event]:
        """The change feed as a generator, as tm watch shows it: yields what
        is new, then stops, or with follow=True goes on yielding each new
        event as any process writes it.

        Where it starts: after an event id if since is given (tm watch
        --since; no cursor moves; after= is its earlier name); otherwise after a stored cursor, which moves past each event
        as it is handed over, so the next watch (here, in another process,
        or tm watch) starts where this one stopped. The cursor is the one
        tm watch uses for the same view: the agent's own for the whole
        feed, and one per filter combination (task, kinds, mine), or the
        cursor named consumer.

        Filters as events(): task, kinds (names from EVENT_KINDS), mine.
        follow ends after timeout seconds (a timeout implies following; None:
        never) or after limit events, counting those already waiting;
        without follow, limit caps what is yielded."""
        after = _since(since, after, None)
        if after is not None:
            after = A.integer(after, "since" if since is not None else "after",
                              minimum=0, maximum=2**63 - 1)
            if consumer is not None:
                raise ValidationError(L.TASKORCH_EINVAL,
                                      "give since or consumer, not both: since moves no cursor")
        follow = A.flag(follow, "follow")
        timeout = A.timeout(timeout, "timeout")
        if timeout is not None:
            follow = True
        limit = A.integer(limit, "limit", minimum=1, optional=True)
        mine = A.flag(mine, "mine")
        kind_list = None
        if kinds is not None:
            kind_list = [k.decode() for k in A.texts(kinds, "kinds")]
            for k in kind_list:
                if k not in EVENT_KINDS:
                    raise ValidationError(L.TASKORCH_EINVAL, "unknown event kind '%s'; use %s"
                                          % (k, ", ".join(EVENT_KINDS)))
        task_id = None if task is None else self.resolve(task)
        c = A.text(consumer, "consumer", optional=True)
        name: Optional[str] = None
        # A start given by event id moves no cursor.
        track = after is None
        if after is None:
            if c is not None:
                name = c.decode()
            elif task_id is None and kind_list is None and not mine:
                name = None  # the agent's own cursor
            else:
                parts = [(task_id or "").encode(), b"mine" if mine else b""]
                parts += [k.encode() for k in kind_list or ()]
                name = "%s/view-%08x" % (self.agent, _fnv1a(parts))
            after = self.cursor(name)  # also checks the name and the handle
        return self._watch(after, name, track, task_id, kind_list, mine, follow, timeout, limit)

    def _watch(self, position: int, consumer: Optional[str], track: bool, task: Optional[str],
               kinds: Optional[List[str]], mine: bool, follow: bool,
               timeout: Optional[float], limit: Optional[int]) -> Iterator[Event]:
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = limit
        seen = position  # the newest event looked at, matching or not
        while True:
            newest = self.last_event_id()
            for ev in self.events(after=position, task=task, kinds=kinds, mine=mine,
                                  limit=remaining):
                if track:
                    self.set_cursor(ev.id, consumer)
                position = ev.id
                yield ev
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        return
            seen = max(seen, newest, position)
            if not follow:
                return
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            # Wait past what was looked at: events the filters skip must not
            # wake this loop again and again.
            if not self.wait_event(seen, left):
                return
