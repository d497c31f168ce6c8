"""Low-level binding: the C API of libtaskorch, one-to-one.

Every function declared in taskorch.h has an entry in PROTOTYPES with its
ctypes restype and argtypes, and is available as an attribute of this
module under its C name (``_lib.taskorch_task_get``). The options structs
are ctypes.Structure classes whose fields follow the header exactly.

Which library is loaded: the file named by the environment variable
TASKORCH_LIBRARY if set, otherwise ``libtaskorch.so.0`` by its SONAME
through the dynamic linker's usual search. Importing fails with ImportError
when the library is missing, lacks a function, or has an incompatible
version.

Nothing here converts types or raises on error codes: that is the job of
the Pythonic layer (taskorch.Store).

For type checkers the C functions are ``Any``: their ctypes prototypes
below are the precise declaration, checked against the header by the
tests (tests/python/test_lowlevel.py).
"""
from __future__ import annotations

import ctypes
import os
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Type
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int64,
                    c_size_t, c_uint, c_void_p)

SONAME = "libtaskorch.so.0"

# The library version this package was written against. The major version
# must match; before 1.0 the minor must match too (no ABI promise yet),
# afterwards the library's minor may be newer.
EXPECTED_MAJOR = 0
EXPECTED_MINOR = 2

# ---------------------------------------------------------------------------
# Constants (values from taskorch.h)

TASKORCH_ID_LEN = 8
TASKORCH_ID_SIZE = 9
TASKORCH_ID_MIN_PREFIX = 4
TASKORCH_TITLE_MAX = 500
TASKORCH_MSG_MAX = 65536

TASKORCH_OK = 0
TASKORCH_ERROR = -1
TASKORCH_ENOMEM = -2
TASKORCH_EINVAL = -3
TASKORCH_ENOTFOUND = -4
TASKORCH_EAMBIGUOUS = -5
TASKORCH_ECYCLE = -6
TASKORCH_EBLOCKED = -7
TASKORCH_EHASDEPENDENTS = -8
TASKORCH_ESTORE = -9
TASKORCH_ECORRUPT = -10
TASKORCH_EBUSY = -11
TASKORCH_ESCHEMA = -12
TASKORCH_EREADONLY = -13
TASKORCH_ETIMEOUT = -14
TASKORCH_ITEROVER = -15
TASKORCH_ECONFLICT = -16
TASKORCH_EREQUEST = -17

TASKORCH_OPEN_CREATE = 0x1
TASKORCH_OPEN_READONLY = 0x2
TASKORCH_OPEN_NO_MIRROR = 0x4
TASKORCH_OPEN_FROM_ENV = 0x8
TASKORCH_OPEN_CREATE_ON_WRITE = 0x10
TASKORCH_OPEN_OPTIONS_VERSION = 2

TASKORCH_WRITE_TAKEOVER = 0x1
TASKORCH_WRITE_OPTIONS_VERSION = 1

TASKORCH_PRIORITY_LOW = 0
TASKORCH_PRIORITY_MEDIUM = 1
TASKORCH_PRIORITY_HIGH = 2
TASKORCH_PRIORITY_CRITICAL = 3

TASKORCH_STATUS_PENDING = 0
TASKORCH_STATUS_IN_PROGRESS = 1
TASKORCH_STATUS_COMPLETED = 2
TASKORCH_STATUS_BLOCKED = 3
TASKORCH_STATUS_CANCELLED = 4

TASKORCH_TASK_SPEC_VERSION = 2
TASKORCH_FORCE = 0x1
TASKORCH_TASK_CHANGE_VERSION = 2

TASKORCH_CLAIM_RESUME = 0x1
TASKORCH_CLAIM_MINE = 0x2
TASKORCH_CLAIM_WAIT = 0x4
TASKORCH_CLAIM_OPTIONS_VERSION = 1

TASKORCH_RELEASE_UNASSIGN = 0x1

TASKORCH_WAIT_COMPLETED = 0
TASKORCH_WAIT_TERMINAL = 1

TASKORCH_SORT_PRIORITY = 0
TASKORCH_SORT_CREATED = 1
TASKORCH_SORT_UPDATED = 2

TASKORCH_QUERY_UNASSIGNED = 0x1
TASKORCH_QUERY_HAS_DEPS = 0x2
TASKORCH_QUERY_READY = 0x4
TASKORCH_QUERY_DETAILS = 0x8
TASKORCH_TASK_QUERY_VERSION = 1

TASKORCH_DEP_PREREQUISITES = 0
TASKORCH_DEP_DEPENDENTS = 1

TASKORCH_MSG_NOTE = 0
TASKORCH_MSG_SHARE = 1
TASKORCH_MSG_DISCOVER = 2
TASKORCH_MSG_SYNC = 3
TASKORCH_MSG_PROGRESS = 4
TASKORCH_MSG_QUERY_VERSION = 1

TASKORCH_EVENTS_MINE = 0x1
TASKORCH_EVENT_QUERY_VERSION = 1

# ---------------------------------------------------------------------------
# Opaque handles


class taskorch_db(Structure):
    pass


class taskorch_task(Structure):
    pass


class taskorch_task_iter(Structure):
    pass


class taskorch_msg(Structure):
    pass


class taskorch_msg_iter(Structure):
    pass


class taskorch_event(Structure):
    pass


class taskorch_event_iter(Structure):
    pass


# ---------------------------------------------------------------------------
# Options structs: same fields, same order, same C types as the header.

c_str_array = POINTER(c_char_p)  # const char *const *


class taskorch_open_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("flags", c_uint),
        ("busy_timeout_ms", c_int),
        ("agent", c_char_p),
        # version 2
        ("default_lease_ms", c_int64),
    ]


class taskorch_write_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("request_id", c_char_p),
        ("claim", c_int64),
        ("flags", c_uint),
    ]


class taskorch_task_spec(Structure):
    _fields_ = [
        ("version", c_uint),
        ("title", c_char_p),
        ("description", c_char_p),
        ("priority", c_int),
        ("assignee", c_char_p),
        ("tags", c_str_array),
        ("n_tags", c_size_t),
        ("files", c_str_array),
        ("n_files", c_size_t),
        ("depends_on", c_str_array),
        ("n_depends_on", c_size_t),
        # version 2
        ("estimate", c_double),
    ]


class taskorch_task_change(Structure):
    _fields_ = [
        ("version", c_uint),
        ("title", c_char_p),
        ("description", c_char_p),
        ("priority", c_int),
        ("status", c_int),
        ("assignee", c_char_p),
        ("add_tags", c_str_array),
        ("n_add_tags", c_size_t),
        ("remove_tags", c_str_array),
        ("n_remove_tags", c_size_t),
        ("add_files", c_str_array),
        ("n_add_files", c_size_t),
        ("summary", c_char_p),
        ("flags", c_uint),
        # version 2
        ("estimate", c_double),
    ]


class taskorch_claim_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("tag", c_char_p),
        ("priority", c_int),
        ("lease_ms", c_int64),
        ("flags", c_uint),
        ("wait_ms", c_int),
    ]


class taskorch_task_query(Structure):
    _fields_ = [
        ("version", c_uint),
        ("statuses", c_uint),
        ("assignee", c_char_p),
        ("tag", c_char_p),
        ("priority", c_int),
        ("limit", c_size_t),
        ("sort", c_int),
        ("flags", c_uint),
    ]


class taskorch_msg_query(Structure):
    _fields_ = [
        ("version", c_uint),
        ("kinds", c_uint),
        ("since", c_int64),
        ("limit", c_size_t),
    ]


class taskorch_event_query(Structure):
    _fields_ = [
        ("version", c_uint),
        ("after", c_int64),
        ("task", c_char_p),
        ("kinds", c_str_array),
        ("n_kinds", c_size_t),
        ("limit", c_size_t),
        ("flags", c_uint),
    ]


STRUCTS = (taskorch_open_options, taskorch_write_options, taskorch_task_spec,
           taskorch_task_change, taskorch_claim_options, taskorch_task_query,
           taskorch_msg_query, taskorch_event_query)

# ---------------------------------------------------------------------------
# Prototypes: (name, restype, argtypes), in header order.

P = POINTER
db_p = P(taskorch_db)
task_p = P(taskorch_task)
titer_p = P(taskorch_task_iter)
msg_p = P(taskorch_msg)
miter_p = P(taskorch_msg_iter)
ev_p = P(taskorch_event)
eiter_p = P(taskorch_event_iter)
# Strings the caller must free are received as char *, not c_char_p, so the
# original pointer survives for taskorch_free.
owned_str = P(c_char)

PROTOTYPES: List[Tuple[str, Optional[Type[Any]], List[Type[Any]]]] = [
    # versions
    ("taskorch_version", c_char_p, []),
    ("taskorch_version_number", c_int, []),
    # errors
    ("taskorch_strerror", c_char_p, [c_int]),
    ("taskorch_free", None, [c_void_p]),
    # store handle
    ("taskorch_open_options_init", c_int, [P(taskorch_open_options), c_uint]),
    ("taskorch_locate", c_int, [P(owned_str), c_char_p]),
    ("taskorch_locate_ext", c_int, [P(owned_str), c_char_p, c_uint]),
    ("taskorch_db_open", c_int, [P(db_p), c_char_p, P(taskorch_open_options)]),
    ("taskorch_db_close", None, [db_p]),
    ("taskorch_db_errmsg", c_char_p, [db_p]),
    ("taskorch_db_path", c_char_p, [db_p]),
    ("taskorch_db_agent", c_char_p, [db_p]),
    ("taskorch_db_set_agent", c_int, [db_p, c_char_p]),
    ("taskorch_agent_check", c_int, [c_char_p]),
    ("taskorch_duration_parse", c_int, [P(c_int64), c_char_p]),
    ("taskorch_write_options_init", c_int, [P(taskorch_write_options), c_uint]),
    ("taskorch_db_next_write", c_int, [db_p, P(taskorch_write_options)]),
    ("taskorch_db_write_id", c_char_p, [db_p, c_size_t]),
    ("taskorch_config_get", c_int, [P(owned_str), db_p, c_char_p]),
    ("taskorch_config_set", c_int, [db_p, c_char_p, c_char_p]),
    # priorities and statuses
    ("taskorch_priority_name", c_char_p, [c_int]),
    ("taskorch_status_name", c_char_p, [c_int]),
    ("taskorch_priority_parse", c_int, [P(c_int), c_char_p]),
    ("taskorch_status_parse", c_int, [P(c_int), c_char_p]),
    # tasks
    ("taskorch_task_spec_init", c_int, [P(taskorch_task_spec), c_uint]),
    ("taskorch_task_create", c_int, [P(task_p), db_p, P(taskorch_task_spec)]),
    ("taskorch_task_resolve", c_int, [P(c_char), db_p, c_char_p]),
    ("taskorch_task_get", c_int, [P(task_p), db_p, c_char_p]),
    ("taskorch_task_free", None, [task_p]),
    ("taskorch_task_id", c_char_p, [task_p]),
    ("taskorch_task_title", c_char_p, [task_p]),
    ("taskorch_task_description", c_char_p, [task_p]),
    ("taskorch_task_status", c_int, [task_p]),
    ("taskorch_task_priority", c_int, [task_p]),
    ("taskorch_task_assignee", c_char_p, [task_p]),
    ("taskorch_task_created_by", c_char_p, [task_p]),
    ("taskorch_task_summary", c_char_p, [task_p]),
    ("taskorch_task_created_at", c_int64, [task_p]),
    ("taskorch_task_updated_at", c_int64, [task_p]),
    ("taskorch_task_completed_at", c_int64, [task_p]),
    ("taskorch_task_blocked_by_hand", c_int, [task_p]),
    ("taskorch_task_claim_number", c_int64, [task_p]),
    ("taskorch_task_lease_expires", c_int64, [task_p]),
    ("taskorch_task_estimate", c_double, [task_p]),
    ("taskorch_task_tag_count", c_size_t, [task_p]),
    ("taskorch_task_tag", c_char_p, [task_p, c_size_t]),
    ("taskorch_task_file_count", c_size_t, [task_p]),
    ("taskorch_task_file_path", c_char_p, [task_p, c_size_t]),
    ("taskorch_task_file_line", c_int, [task_p, c_size_t]),
    ("taskorch_task_file_end", c_int, [task_p, c_size_t]),
    ("taskorch_task_dep_count", c_size_t, [task_p]),
    ("taskorch_task_dep_id", c_char_p, [task_p, c_size_t]),
    ("taskorch_task_change_init", c_int, [P(taskorch_task_change), c_uint]),
    ("taskorch_task_update", c_int,
     [P(task_p), db_p, c_char_p, P(taskorch_task_change)]),
    ("taskorch_task_complete", c_int, [db_p, c_char_p, c_char_p, c_uint]),
    ("taskorch_task_set_status", c_int, [db_p, c_char_p, c_int, c_uint]),
    ("taskorch_task_assign", c_int, [db_p, c_char_p, c_char_p]),
    ("taskorch_task_claim", c_int, [P(task_p), db_p, c_char_p]),
    ("taskorch_claim_options_init", c_int, [P(taskorch_claim_options), c_uint]),
    ("taskorch_task_claim_v2", c_int,
     [P(task_p), db_p, c_char_p, P(taskorch_claim_options)]),
    ("taskorch_task_heartbeat", c_int, [P(task_p), db_p, c_char_p, c_int64]),
    ("taskorch_task_release", c_int, [db_p, c_char_p, c_uint]),
    ("taskorch_task_wait", c_int,
     [P(P(owned_str)), db_p, c_str_array, c_size_t, c_int, c_int]),
    ("taskorch_task_delete", c_int, [db_p, c_char_p, c_uint]),
    # listing tasks
    ("taskorch_task_query_init", c_int, [P(taskorch_task_query), c_uint]),
    ("taskorch_task_iter_new", c_int, [P(titer_p), db_p, P(taskorch_task_query)]),
    ("taskorch_task_iter_next", c_int, [titer_p, P(task_p)]),
    ("taskorch_task_iter_count", c_size_t, [titer_p]),
    ("taskorch_task_iter_free", None, [titer_p]),
    # dependencies
    ("taskorch_dep_add", c_int, [db_p, c_char_p, c_str_array, c_size_t]),
    ("taskorch_dep_remove", c_int, [db_p, c_char_p, c_str_array, c_size_t]),
    ("taskorch_dep_iter_new", c_int, [P(titer_p), db_p, c_char_p, c_int]),
    # messages
    ("taskorch_msg_kind_name", c_char_p, [c_int]),
    ("taskorch_msg_kind_parse", c_int, [P(c_int), c_char_p]),
    ("taskorch_msg_post", c_int,
     [P(c_int64), db_p, c_char_p, c_int, c_char_p, c_char_p]),
    ("taskorch_task_join", c_int, [db_p, c_char_p]),
    ("taskorch_msg_query_init", c_int, [P(taskorch_msg_query), c_uint]),
    ("taskorch_msg_iter_new", c_int,
     [P(miter_p), db_p, c_char_p, P(taskorch_msg_query)]),
    ("taskorch_msg_iter_next", c_int, [miter_p, P(msg_p)]),
    ("taskorch_msg_iter_free", None, [miter_p]),
    ("taskorch_msg_id", c_int64, [msg_p]),
    ("taskorch_msg_task_id", c_char_p, [msg_p]),
    ("taskorch_msg_kind", c_int, [msg_p]),
    ("taskorch_msg_author", c_char_p, [msg_p]),
    ("taskorch_msg_text", c_char_p, [msg_p]),
    ("taskorch_msg_created_at", c_int64, [msg_p]),
    ("taskorch_task_participants", c_int, [P(P(owned_str)), db_p, c_char_p]),
    # events
    ("taskorch_event_query_init", c_int, [P(taskorch_event_query), c_uint]),
    ("taskorch_event_kind_known", c_int, [c_char_p]),
    ("taskorch_event_iter_new", c_int, [P(eiter_p), db_p, P(taskorch_event_query)]),
    ("taskorch_event_iter_next", c_int, [eiter_p, P(ev_p)]),
    ("taskorch_event_iter_free", None, [eiter_p]),
    ("taskorch_event_id", c_int64, [ev_p]),
    ("taskorch_event_time", c_int64, [ev_p]),
    ("taskorch_event_kind", c_char_p, [ev_p]),
    ("taskorch_event_task_id", c_char_p, [ev_p]),
    ("taskorch_event_agent", c_char_p, [ev_p]),
    ("taskorch_event_text", c_char_p, [ev_p]),
    ("taskorch_event_from", c_int, [ev_p]),
    ("taskorch_event_to", c_int, [ev_p]),
    ("taskorch_event_assignee", c_char_p, [ev_p]),
    ("taskorch_event_claim", c_int64, [ev_p]),
    ("taskorch_event_lease_until", c_int64, [ev_p]),
    ("taskorch_event_cause", c_char_p, [ev_p]),
    ("taskorch_event_msg_id", c_int64, [ev_p]),
    ("taskorch_event_forced", c_int, [ev_p]),
    ("taskorch_event_last_id", c_int, [P(c_int64), db_p]),
    ("taskorch_event_wait", c_int, [db_p, c_int64, c_int]),
    ("taskorch_cursor_get", c_int, [P(c_int64), db_p, c_char_p]),
    ("taskorch_cursor_set", c_int, [db_p, c_char_p, c_int64]),
    # warnings, maintenance and backups (0.2)
    ("taskorch_db_warning", c_char_p, [db_p]),
    ("taskorch_check", c_int, [P(P(owned_str)), db_p]),
    ("taskorch_mirror_rebuild", c_int, [db_p]),
    ("taskorch_db_backup", c_int, [db_p, c_char_p, c_uint]),
]


def _load() -> Tuple[str, ctypes.CDLL]:
    name = os.environ.get("TASKORCH_LIBRARY") or SONAME
    try:
        lib = ctypes.CDLL(name)
    except OSError as e:
        hint = ("check the TASKORCH_LIBRARY environment variable"
                if name != SONAME else
                "install libtaskorch or point TASKORCH_LIBRARY at the file")
        raise ImportError("taskorch: cannot load the C library %s (%s); %s"
                          % (name, e, hint)) from None
    try:
        version_number = lib.taskorch_version_number
    except AttributeError:
        raise ImportError("taskorch: %s is not libtaskorch "
                          "(no taskorch_version_number)" % name) from None
    version_number.restype = c_int
    version_number.argtypes = []
    number = version_number()
    major, minor = number // 10000, number // 100 % 100
    compatible = major == EXPECTED_MAJOR and (
        minor == EXPECTED_MINOR if major == 0 else minor >= EXPECTED_MINOR)
    if not compatible:
        raise ImportError(
            "taskorch: library %s is version %d.%d.%d but this package needs "
            "%d.%d%s" % (name, major, minor, number % 100, EXPECTED_MAJOR,
                         EXPECTED_MINOR, "" if EXPECTED_MAJOR == 0 else " or newer"))
    missing: List[str] = []
    for fname, restype, argtypes in PROTOTYPES:
        try:
            fn = getattr(lib, fname)
        except AttributeError:
            missing.append(fname)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError("taskorch: library %s lacks %s" % (name, ", ".join(missing)))
    return name, lib


LIBRARY_NAME, lib = _load()
VERSION_NUMBER: int = lib.taskorch_version_number()

# Export each function under its C name.
globals().update({fname: getattr(lib, fname) for fname, _, _ in PROTOTYPES})

del P

if TYPE_CHECKING:
    # The functions exported above under their C names, as type checkers
    # see them (this module attribute hook exists only for them).
    def __getattr__(name: str) -> Any: ...
