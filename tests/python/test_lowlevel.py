"""The low-level module mirrors taskorch.h one-to-one: every exported
function has a prototype with the header's types, every options struct has
the header's fields and the compiler's layout, every constant its value."""
import ctypes
import os
import re
import subprocess
import unittest
from ctypes import (POINTER, c_char, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint,
                    c_void_p)

import helpers
from taskorch import _lib as L

HEADER = os.path.join(helpers.SOURCE_ROOT, "include", "taskorch.h")


def header_text():
    with open(HEADER) as f:
        text = f.read()
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def ctype_of(c):
    """The ctypes type a C type from the header maps to."""
    c = " ".join(c.replace("*", " * ").split())
    base = {"void": None, "int": c_int, "unsigned int": c_uint, "int64_t": c_int64,
            "size_t": c_size_t, "double": c_double}
    if c in base:
        return base[c]
    m = re.fullmatch(r"(const )?(\w+(?: int)?)((?: (?:const )?\*)+)", c)
    assert m, "unhandled C type %r" % c
    const, name, stars = m.group(1), m.group(2), m.group(3).split("*")[:-1]
    depth = len(stars)
    if name == "void" and depth == 1:
        return c_void_p
    if name == "char":
        # const char * is a borrowed string (c_char_p); a plain char * out
        # parameter keeps its raw pointer so it can be freed.
        t = c_char_p if const else POINTER(c_char)
        depth -= 1
    else:
        t = {"int": c_int, "int64_t": c_int64}.get(name) or getattr(L, name)
    for _ in range(depth):
        t = POINTER(t)
    return t


def header_functions():
    decls = re.findall(r"^TASKORCH_API\s+([^;(]*?)\b(taskorch_\w+)\s*\(([^)]*)\)\s*;",
                       header_text(), re.M)
    out = {}
    for ret, name, args in decls:
        params = [] if args.strip() == "void" else [a.strip() for a in args.split(",")]
        # Drop the parameter name: the last identifier after the type.
        types = [re.sub(r"\b\w+$", "", p).strip() for p in params]
        out[name] = (ctype_of(ret.strip()), [ctype_of(t) for t in types])
    return out


def header_structs():
    out = {}
    for name, body in re.findall(r"typedef struct (\w+) \{(.*?)\} \1;", header_text(), re.S):
        fields = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if decl:
                m = re.fullmatch(r"(.*?)(\w+)", decl)
                fields.append((m.group(2), ctype_of(m.group(1).strip())))
        out[name] = fields
    return out


def same_type(a, b):
    if a is None or b is None:
        return a is b
    if a is b:
        return True
    if hasattr(a, "_type_") and hasattr(b, "_type_") and \
            issubclass(a, ctypes._Pointer) and issubclass(b, ctypes._Pointer):
        return same_type(a._type_, b._type_)
    return False


def type_name(t):
    if t is None:
        return "void"
    if isinstance(t, type) and issubclass(t, ctypes._Pointer):
        return type_name(t._type_) + "*"
    return t.__name__


class Prototypes(unittest.TestCase):
    def test_every_exported_symbol_has_a_prototype(self):
        nm = subprocess.run(["nm", "-D", "--defined-only", helpers.LIBRARY],
                            capture_output=True, text=True, check=True).stdout
        exported = {line.split()[-1].split("@")[0] for line in nm.splitlines()
                    if line.split()[-2:-1] in (["T"], ["W"])}
        declared = {name for name, _, _ in L.PROTOTYPES}
        self.assertTrue(exported, "nm found no functions in " + helpers.LIBRARY)
        self.assertEqual(sorted(exported - declared), [],
                         "exported without a Python prototype")
        self.assertEqual(sorted(declared - exported), [],
                         "declared in Python but not exported")

    def test_prototypes_match_the_header(self):
        header = header_functions()
        ours = {name: (res, args) for name, res, args in L.PROTOTYPES}
        self.assertEqual(sorted(set(header) ^ set(ours)), [])
        self.assertEqual(len(ours), len(L.PROTOTYPES), "a prototype is listed twice")
        for name, (res, args) in header.items():
            with self.subTest(function=name):
                got_res, got_args = ours[name]
                self.assertTrue(same_type(res, got_res), "restype %s, header says %s"
                                % (type_name(got_res), type_name(res)))
                self.assertEqual([type_name(a) for a in got_args],
                                 [type_name(a) for a in args])
                self.assertTrue(all(same_type(a, b) for a, b in zip(args, got_args)))

    def test_functions_are_configured_and_exported_by_name(self):
        for name, res, args in L.PROTOTYPES:
            fn = getattr(L, name)
            self.assertIs(fn, getattr(L.lib, name))
            self.assertEqual(fn.argtypes, args, name)
            self.assertIs(fn.restype, res, name)


class Structs(unittest.TestCase):
    def test_fields_match_the_header(self):
        header = header_structs()
        ours = {s.__name__: s for s in L.STRUCTS}
        self.assertEqual(sorted(header), sorted(ours))
        for name, fields in header.items():
            with self.subTest(struct=name):
                got = ours[name]._fields_
                self.assertEqual([f for f, _ in got], [f for f, _ in fields])
                for (f, t), (_, gt) in zip(fields, got):
                    self.assertTrue(same_type(t, gt), "%s.%s: %s, header says %s"
                                    % (name, f, type_name(gt), type_name(t)))
                self.assertEqual(fields[0][0], "version")

    def test_layout_matches_the_compiler(self):
        out = subprocess.run([os.environ["TASKORCH_STRUCT_LAYOUT"]], capture_output=True,
                             text=True, check=True).stdout
        seen = set()
        for line in out.splitlines():
            name, size, *fields = line.split()
            seen.add(name)
            s = getattr(L, name)
            with self.subTest(struct=name):
                self.assertEqual(ctypes.sizeof(s), int(size))
                self.assertEqual([f.split(":")[0] for f in fields],
                                 [f for f, _ in s._fields_])
                for f in fields:
                    field, offset = f.split(":")
                    self.assertEqual(getattr(s, field).offset, int(offset), field)
        self.assertEqual(seen, {s.__name__ for s in L.STRUCTS})

    def test_init_functions_agree_with_the_header_defaults(self):
        cases = [
            (L.taskorch_open_options, L.taskorch_open_options_init,
             L.TASKORCH_OPEN_OPTIONS_VERSION,
             {"flags": 0, "busy_timeout_ms": 0, "agent": None, "default_lease_ms": 0}),
            (L.taskorch_write_options, L.taskorch_write_options_init,
             L.TASKORCH_WRITE_OPTIONS_VERSION, {"request_id": None, "claim": 0, "flags": 0}),
            (L.taskorch_task_spec, L.taskorch_task_spec_init, L.TASKORCH_TASK_SPEC_VERSION,
             {"priority": -1, "n_tags": 0, "title": None, "estimate": 0.0}),
            (L.taskorch_task_change, L.taskorch_task_change_init,
             L.TASKORCH_TASK_CHANGE_VERSION,
             {"priority": -1, "status": -1, "flags": 0, "estimate": -1.0}),
            (L.taskorch_claim_options, L.taskorch_claim_options_init,
             L.TASKORCH_CLAIM_OPTIONS_VERSION,
             {"tag": None, "priority": -1, "lease_ms": 0, "flags": 0, "wait_ms": -1}),
            (L.taskorch_task_query, L.taskorch_task_query_init, L.TASKORCH_TASK_QUERY_VERSION,
             {"priority": -1, "sort": L.TASKORCH_SORT_PRIORITY, "limit": 0}),
            (L.taskorch_msg_query, L.taskorch_msg_query_init, L.TASKORCH_MSG_QUERY_VERSION,
             {"kinds": 0, "since": 0, "limit": 0}),
            (L.taskorch_event_query, L.taskorch_event_query_init,
             L.TASKORCH_EVENT_QUERY_VERSION, {"after": 0, "task": None, "n_kinds": 0}),
        ]
        for struct, init, version, expect in cases:
            with self.subTest(struct=struct.__name__):
                s = struct()
                s.version = 12345
                self.assertEqual(init(ctypes.byref(s), version), L.TASKORCH_OK)
                self.assertEqual(s.version, version)
                for field, value in expect.items():
                    self.assertEqual(getattr(s, field), value, field)
                self.assertEqual(init(ctypes.byref(s), version + 1), L.TASKORCH_EINVAL)


class Constants(unittest.TestCase):
    def test_every_numeric_constant_is_mirrored(self):
        text = header_text()
        values = {}
        for name, v in re.findall(r"#define (TASKORCH_\w+) (0x[0-9a-fA-F]+|-?\d+)u?\s*$",
                                  text, re.M):
            values[name] = int(v, 0)
        for name, v in re.findall(r"\b(TASKORCH_\w+) = (-?\d+)", text):
            values[name] = int(v)
        self.assertGreater(len(values), 50)
        version = {k: values.pop(k) for k in list(values) if k.startswith("TASKORCH_VERSION_")}
        for name, v in values.items():
            with self.subTest(constant=name):
                self.assertEqual(getattr(L, name, None), v)
        self.assertEqual((L.EXPECTED_MAJOR, L.EXPECTED_MINOR),
                         (version["TASKORCH_VERSION_MAJOR"], version["TASKORCH_VERSION_MINOR"]))
        self.assertEqual(L.VERSION_NUMBER, version["TASKORCH_VERSION_NUMBER"])

    def test_name_tables_match_the_library(self):
        import taskorch
        self.assertEqual(taskorch.PRIORITIES, tuple(
            L.taskorch_priority_name(i).decode() for i in range(len(taskorch.PRIORITIES))))
        self.assertIsNone(L.taskorch_priority_name(len(taskorch.PRIORITIES)))
        self.assertEqual(taskorch.STATUSES, tuple(
            L.taskorch_status_name(i).decode() for i in range(len(taskorch.STATUSES))))
        self.assertIsNone(L.taskorch_status_name(len(taskorch.STATUSES)))
        self.assertEqual(taskorch.MESSAGE_KINDS, tuple(
            L.taskorch_msg_kind_name(i).decode() for i in range(len(taskorch.MESSAGE_KINDS))))
        self.assertIsNone(L.taskorch_msg_kind_name(len(taskorch.MESSAGE_KINDS)))
        for k in taskorch.EVENT_KINDS:
            self.assertEqual(L.taskorch_event_kind_known(k.encode()), 1, k)
        self.assertEqual(L.taskorch_event_kind_known(b"nonsense"), 0)
        with open(HEADER) as f:
            documented = re.search(r"Event kinds:(.*?)Returns 1", f.read(), re.S).group(1)
        self.assertEqual(taskorch.EVENT_KINDS, tuple(re.findall(r'"(\w+)"', documented)))


class Loading(unittest.TestCase):
    def import_with(self, library):
        env = dict(os.environ, TASKORCH_LIBRARY=library)
        return helpers.run_python("import taskorch", env=env)

    def test_version_and_library(self):
        import taskorch
        self.assertEqual(taskorch.library_version(), L.taskorch_version().decode())
        self.assertEqual(L.LIBRARY_NAME, helpers.LIBRARY)

    def test_missing_library_is_a_clear_import_error(self):
        r = self.import_with(os.path.join(os.sep, "nonexistent", "libtaskorch.so.0"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError: taskorch: cannot load the C library", r.stderr)
        self.assertIn("TASKORCH_LIBRARY", r.stderr)

    def test_foreign_library_is_refused(self):
        import ctypes.util
        libc = ctypes.util.find_library("c")
        r = self.import_with(libc)
        self.assertIn("ImportError: taskorch: %s is not libtaskorch" % libc, r.stderr)

    def test_version_mismatch_is_refused(self):
        fake = os.environ["TASKORCH_FAKE_VERSION_LIBRARY"]
        r = self.import_with(fake)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError: taskorch: library %s is version 99.0.0 but this package "
                      "needs %d.%d" % (fake, L.EXPECTED_MAJOR, L.EXPECTED_MINOR), r.stderr)

    def test_soname_is_the_default(self):
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(helpers.LIBRARY))
        env.pop("TASKORCH_LIBRARY")
        r = helpers.run_python("import taskorch, taskorch._lib as L; print(L.LIBRARY_NAME, "
                               "taskorch.library_version())", env=env)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout, "libtaskorch.so.0 %s\n" % L.taskorch_version().decode())


if __name__ == "__main__":
    unittest.main()
