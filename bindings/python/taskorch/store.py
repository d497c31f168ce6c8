"""The Pythonic layer: Store, a handle on one task store."""
import ctypes
import math
import os
import threading
import time
from ctypes import byref

from . import _args as A
from . import _lib as L
from .errors import ClosedStoreError, error_for
from .types import MESSAGE_KINDS, PRIORITIES, STATUSES, Event, Message, Task

_SORTS = ("priority", "created", "updated")
# Longest single wait inside the library, so Ctrl-C (handled between C
# calls) stops a wait or a watch promptly.
_WAIT_SLICE_MS = 200


def _task_id(value, what="task"):
    """A task id or unique prefix, as str or a Task, to bytes."""
    if isinstance(value, Task):
        value = value.id
    return A.text(value, what)


def _task_ids(values, what):
    """Task ids given as varargs, each a str, a Task or an iterable of them."""
    out = []
    for v in values:
        if isinstance(v, (str, Task)):
            out.append(_task_id(v, what))
        elif isinstance(v, (bytes, bytearray)) or not hasattr(v, "__iter__"):
            raise TypeError("%s must be a task id (str), a Task or an iterable of "
                            "them, not %s" % (what, type(v).__name__))
        else:
            out.extend(_task_id(x, what) for x in v)
    return out


def _raise_plain(rc):
    """Raises for a status code from a call that has no store handle."""
    if rc:
        raise error_for(rc)


class _Closing:
    """Context-manager protocol for objects owning C memory: `close()`
    releases it, on leaving a `with` block or at garbage collection."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class _Iterator(_Closing):
    """Walks a C iterator, copying each borrowed item into a Python value,
    and frees the C iterator with the library's own function when
    exhausted, closed, or garbage-collected. The C side was filled when it
    was created, so the store may be changed (or closed) while iterating."""

    def __init__(self, ptr, item_type, next_fn, free_fn, convert, count=None):
        self._ptr = ptr
        self._item_type = item_type
        self._next = next_fn
        self._free = free_fn
        self._convert = convert
        self._count = count

    def __iter__(self):
        return self

    def __next__(self):
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

    def __len__(self):
        """Number of items the query matched in all (tasks only)."""
        if self._count is None:
            raise TypeError("this iterator has no length")
        return self._count

    def close(self):
        ptr, self._ptr = self._ptr, None
        if ptr:
            self._free(ptr)


class Store(_Closing):
    """An open task store.

    ``Store(path=None, agent=None, create=False, mirror=True,
    readonly=False, busy_timeout=None)``

    path: a folder holding tasks.db, or a file ending in ``.db``; None
    locates the store as tm does (TM_DB_PATH, else the nearest
    ``.task-orchestrator`` folder walking up, else ``./.task-orchestrator``).
    agent: the identity to act as; None means TM_AGENT_ID, then USER.
    create: create the store (and its folder) when missing; otherwise a
    missing store raises NotFoundError. mirror: write the markdown mirror
    beside a store named tasks.db. readonly: refuse every write
    (ReadOnlyError). busy_timeout: longest wait in seconds for a lock
    (default 10).

    Use it as a context manager, or call close(). A Store may be shared by
    threads (calls are serialised) but not across fork(): open a new one
    in each process.
    """

    def __init__(self, path=None, agent=None, create=False, mirror=True,
                 readonly=False, busy_timeout=None):
        self._db = None
        self._lock = threading.RLock()
        path_b = A.path(path)
        agent_b = A.text(agent, "agent", optional=True)
        opts = L.taskorch_open_options()
        _raise_plain(L.taskorch_open_options_init(byref(opts), L.TASKORCH_OPEN_OPTIONS_VERSION))
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
        db = L.db_p()
        rc = L.taskorch_db_open(byref(db), path_b, byref(opts))
        if rc:
            message = L.taskorch_db_errmsg(db).decode("utf-8", "replace") if db else None
            L.taskorch_db_close(db)
            raise error_for(rc, message)
        self._db = db

    # -- handle --------------------------------------------------------------

    def _require(self):
        if not self._db:
            raise ClosedStoreError()
        return self._db

    def _fail(self, rc):
        raise error_for(rc, L.taskorch_db_errmsg(self._db).decode("utf-8", "replace"))

    def _check(self, rc):
        if rc:
            self._fail(rc)

    def close(self):
        """Closes the store; later calls raise ClosedStoreError. Closing
        twice is fine."""
        with self._lock:
            db, self._db = self._db, None
            if db:
                L.taskorch_db_close(db)

    @property
    def closed(self):
        return not self._db

    def __enter__(self):
        self._require()
        return self

    def __repr__(self):
        if not self._db:
            return "<taskorch.Store closed>"
        return "<taskorch.Store %r agent=%r>" % (self.path, self.agent)

    @property
    def path(self):
        """Path of the store file."""
        with self._lock:
            return os.fsdecode(L.taskorch_db_path(self._require()))

    @property
    def agent(self):
        """The agent identity this store acts as; assignable."""
        with self._lock:
            return L.taskorch_db_agent(self._require()).decode()

    @agent.setter
    def agent(self, value):
        b = A.text(value, "agent")
        with self._lock:
            self._check(L.taskorch_db_set_agent(self._require(), b))

    # -- tasks -----------------------------------------------------------------

    def _take_task(self, ptr):
        try:
            return Task._from_c(ptr)
        finally:
            L.taskorch_task_free(ptr)

    def add(self, title, description=None, priority=None, assignee=None, tags=(),
            files=(), depends_on=()):
        """Creates a task as this agent and returns it. priority: low,
        medium (default), high or critical. files: "path[:line[:end]]"
        strings. depends_on: ids, prefixes or Tasks; the task starts
        blocked while any of them is unfinished."""
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
        out = L.task_p()
        with self._lock:
            self._check(L.taskorch_task_create(byref(out), self._require(), byref(spec)))
        return self._take_task(out)

    def resolve(self, task):
        """The full id of a task given by id or unique prefix."""
        b = _task_id(task)
        buf = ctypes.create_string_buffer(L.TASKORCH_ID_SIZE)
        with self._lock:
            self._check(L.taskorch_task_resolve(buf, self._require(), b))
        return buf.value.decode()

    def get(self, task):
        """The task with this id or unique prefix (NotFoundError if none,
        AmbiguousIdError if several)."""
        b = _task_id(task)
        out = L.task_p()
        with self._lock:
            self._check(L.taskorch_task_get(byref(out), self._require(), b))
        return self._take_task(out)

    def __getitem__(self, task):
        return self.get(task)

    def __contains__(self, task):
        try:
            self.resolve(task)
        except KeyError:
            return False
        return True

    def update(self, task, title=None, description=None, priority=None, status=None,
               assignee=None, add_tags=(), remove_tags=(), add_files=(), summary=None,
               force=False):
        """Changes a task and returns it as it now is. None leaves a field
        as it is; description="" clears it, assignee="" unassigns. Changing
        nothing raises ValidationError. force overrides unfinished
        dependencies when starting or completing."""
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
        out = L.task_p()
        with self._lock:
            self._check(L.taskorch_task_update(byref(out), self._require(), b, byref(ch)))
        return self._take_task(out)

    def complete(self, task, summary=None, force=False):
        """Marks a task completed (BlockedError while a dependency is
        unfinished, unless force) and unblocks its ready dependents."""
        b = _task_id(task)
        s = A.text(summary, "summary", optional=True)
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        with self._lock:
            self._check(L.taskorch_task_complete(self._require(), b, s, flags))

    def set_status(self, task, status, force=False):
        """Sets a task's status: pending, in_progress, completed, blocked
        (by hand: it sticks) or cancelled."""
        b = _task_id(task)
        s = A.choice(status, STATUSES, "status")
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        with self._lock:
            self._check(L.taskorch_task_set_status(self._require(), b, s, flags))

    def start(self, task, force=False):
        """Sets a task in_progress."""
        self.set_status(task, "in_progress", force=force)

    def assign(self, task, agent):
        """Assigns a task to an agent; None or "" unassigns it."""
        b = _task_id(task)
        a = A.text(agent, "agent", optional=True)
        with self._lock:
            self._check(L.taskorch_task_assign(self._require(), b, a))

    def claim(self, task=None):
        """Takes a task for this agent in one transaction and returns it as
        it now is: assigned to this agent (if it had no assignee),
        in_progress, joined. Two agents never take the same task.

        task None takes the next ready task (pending, every dependency
        completed, assigned to this agent or to nobody; this agent's own
        first, then by priority and age); NotFoundError when there is none.
        Claiming a task this agent already has in progress returns it
        unchanged. ConflictError: assigned to another agent. BlockedError:
        unfinished dependencies (no force; use start(task, force=True)).
        ValidationError: completed, cancelled, blocked by hand, or in
        progress without belonging to this agent."""
        b = None if task is None else _task_id(task)
        out = L.task_p()
        with self._lock:
            self._check(L.taskorch_task_claim(byref(out), self._require(), b))
        return self._take_task(out)

    def delete(self, task, force=False):
        """Deletes a task and everything attached to it. While other tasks
        depend on it: HasDependentsError, unless force (which removes those
        edges)."""
        b = _task_id(task)
        flags = L.TASKORCH_FORCE if A.flag(force, "force") else 0
        with self._lock:
            self._check(L.taskorch_task_delete(self._require(), b, flags))

    def tasks(self, status=None, assignee=None, unassigned=False, tag=None, priority=None,
              has_deps=False, ready=False, limit=None, sort="priority"):
        """Iterates over matching tasks (with tags, files and dependency
        ids). status: a name or several. sort: priority (critical first,
        then oldest), created (oldest first) or updated (newest first).
        len() of the result is the number of matches."""
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

    def __iter__(self):
        return self.tasks()

    def ready(self, assignee=None, limit=None):
        """Pending tasks whose dependencies are all completed, most
        important first."""
        return self.tasks(assignee=assignee, ready=True, limit=limit)

    # -- dependencies ------------------------------------------------------------

    def add_dependencies(self, task, *deps):
        """Makes task depend on each of deps (ids, prefixes, Tasks or lists
        of them), in one transaction. CycleError for a cycle or a
        self-dependency; an edge that exists already is skipped."""
        b = _task_id(task)
        arr, n = A.str_array(_task_ids(deps, "dependency"))
        with self._lock:
            self._check(L.taskorch_dep_add(self._require(), b, arr, n))

    def remove_dependencies(self, task, *deps):
        """Removes the edges task -> each of deps (NotFoundError for an edge
        that does not exist)."""
        b = _task_id(task)
        arr, n = A.str_array(_task_ids(deps, "dependency"))
        with self._lock:
            self._check(L.taskorch_dep_remove(self._require(), b, arr, n))

    def _dep_list(self, task, direction):
        b = _task_id(task)
        it = L.titer_p()
        with self._lock:
            self._check(L.taskorch_dep_iter_new(byref(it), self._require(), b, direction))
            ids = [t.id for t in _Iterator(it, L.task_p, L.taskorch_task_iter_next,
                                           L.taskorch_task_iter_free, Task._from_c)]
            # The dependency listing carries no tags/files/edges; load each
            # task in full so every Task this package returns is complete.
            return [self.get(i) for i in ids]

    def dependencies(self, task):
        """The tasks this task depends on, oldest first."""
        return self._dep_list(task, L.TASKORCH_DEP_PREREQUISITES)

    def dependents(self, task):
        """The tasks that depend on this task, oldest first."""
        return self._dep_list(task, L.TASKORCH_DEP_DEPENDENTS)

    # -- messages ----------------------------------------------------------------

    def join(self, task):
        """Joins a task's channel as this agent (idempotent)."""
        b = _task_id(task)
        with self._lock:
            self._check(L.taskorch_task_join(self._require(), b))

    def post(self, task, kind, text, request_id=None):
        """Posts a message (kind: note, share, discover, sync or progress)
        and returns its id. The author joins the task. The same request_id
        from the same agent on the same task posts only once and returns
        the first message's id."""
        b = _task_id(task)
        k = A.choice(kind, MESSAGE_KINDS, "message kind")
        t = A.text(text, "text")
        r = A.text(request_id, "request_id", optional=True)
        out = ctypes.c_int64()
        with self._lock:
            self._check(L.taskorch_msg_post(byref(out), self._require(), b, k, t, r))
        return out.value

    def note(self, task, text, request_id=None):
        """A private note: only its author ever sees it."""
        return self.post(task, "note", text, request_id)

    def share(self, task, text, request_id=None):
        """A shared update for everyone on the task."""
        return self.post(task, "share", text, request_id)

    def discover(self, task, text, request_id=None):
        """A discovery: it alerts every agent (it shows in mine=True feeds)."""
        return self.post(task, "discover", text, request_id)

    def sync(self, task, text, request_id=None):
        """A sync point: a checkpoint every agent sees."""
        return self.post(task, "sync", text, request_id)

    def progress(self, task, text, request_id=None):
        """A progress update."""
        return self.post(task, "progress", text, request_id)

    def messages(self, task, kinds=None, since=None, limit=None):
        """Iterates over a task's messages visible to this agent (other
        agents' notes never appear), oldest first. kinds: a kind or
        several; since: only messages with a larger id; limit: only the
        newest N."""
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

    def participants(self, task):
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

    def events(self, after=0, task=None, kinds=None, mine=False, limit=None):
        """Iterates over the change feed visible to this agent, oldest
        first: events with an id larger than after, optionally of one task,
        of some kinds, or only mine (tasks I created, am assigned to or
        joined, plus every discovery and sync point)."""
        q = L.taskorch_event_query()
        _raise_plain(L.taskorch_event_query_init(byref(q), L.TASKORCH_EVENT_QUERY_VERSION))
        q.after = A.integer(after, "after", minimum=0, maximum=2**63 - 1)
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

    def last_event_id(self):
        """Id of the newest event (0 when there is none)."""
        out = ctypes.c_int64()
        with self._lock:
            self._check(L.taskorch_event_last_id(byref(out), self._require()))
        return out.value

    def wait(self, after, timeout=None):
        """Waits until an event with an id larger than after exists (True)
        or timeout seconds pass (False; None waits for ever). Any process's
        writes count."""
        after = A.integer(after, "after", minimum=0, maximum=2**63 - 1)
        timeout = A.seconds(timeout, "timeout")
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

    def cursor(self, consumer=None):
        """A consumer's stored position in the feed (0 if never stored).
        The default consumer is this agent, the cursor tm watch uses."""
        c = A.text(consumer, "consumer", optional=True)
        out = ctypes.c_int64()
        with self._lock:
            db = self._require()
            self._check(L.taskorch_cursor_get(byref(out), db, c or L.taskorch_db_agent(db)))
        return out.value

    def set_cursor(self, event_id, consumer=None):
        """Stores a consumer's position (default consumer: this agent)."""
        e = A.integer(event_id, "event_id", minimum=0, maximum=2**63 - 1)
        c = A.text(consumer, "consumer", optional=True)
        with self._lock:
            db = self._require()
            self._check(L.taskorch_cursor_set(db, c or L.taskorch_db_agent(db), e))

    def watch(self, timeout=None, consumer=None):
        """Yields every event after the consumer's cursor, then each new one
        as it is written (by any process), until timeout seconds have
        passed (None: for ever). The cursor (default: this agent's, shared
        with tm watch) moves past each event as it is handed over, so the
        next watch starts where this one stopped."""
        timeout = A.seconds(timeout, "timeout")
        c = A.text(consumer, "consumer", optional=True)
        consumer = None if c is None else c.decode()
        position = self.cursor(consumer)  # also checks the name and the handle
        return self._watch(position, timeout, consumer)

    def _watch(self, position, timeout, consumer):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            for ev in self.events(after=position):
                self.set_cursor(ev.id, consumer)
                position = ev.id
                yield ev
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            if not self.wait(position, left):
                return
