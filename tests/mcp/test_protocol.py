#!/usr/bin/env python3
"""tm mcp spoken to line by line, as a client would: both protocol eras,
the tool list and its size, tool results and our error codes, pagination,
identity, and bad input of every kind (-32700, -32600, -32601, -32602, a
line over 1 MiB, closed stdin, 10,000 requests on one connection) with no
crash and no memory growth. Under an ASan/LSan build a leak makes tm exit
non-zero, which these tests check."""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

TM = os.environ["TM"]
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {}}
TOOLS_LIST_LIMIT = 12000


def env_for(agent="alice"):
    e = {k: v for k, v in os.environ.items()
         if k not in ("TM_DB_PATH", "TM_REQUEST_ID", "TM_NO_MIRROR", "TM_AGENT_ID")}
    if agent:
        e["TM_AGENT_ID"] = agent
    # Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
    # default), which would read as growth; a small one keeps RSS honest.
    # Leaks are still reported at exit (and fail tearDown's exit check).
    e["ASAN_OPTIONS"] = ":".join(filter(None, [e.get("ASAN_OPTIONS"), "quarantine_size_mb=1"]))
    return e


class Server:
    """One tm mcp process; request() sends a line and reads one reply line."""

    def __init__(self, db, *args, agent="alice"):
        self.p = subprocess.Popen([TM, "--db", db, "mcp", *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env_for(agent))
        self.next_id = 0

    def send_line(self, line):
        self.p.stdin.write(line if isinstance(line, bytes) else line.encode())
        self.p.stdin.write(b"\n")
        self.p.stdin.flush()

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            raise AssertionError("tm mcp closed stdout: " + self.p.stderr.read().decode())
        return json.loads(line)

    def request(self, method, params=None, modern=True):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        params = dict(params or {})
        if modern:
            params["_meta"] = META
        if params:
            msg["params"] = params
        self.send_line(json.dumps(msg))
        reply = self.read()
        assert reply.get("id") == self.next_id, reply
        return reply

    def call(self, name, **arguments):
        reply = self.request("tools/call", {"name": name, "arguments": arguments})
        assert "result" in reply, reply
        return reply["result"]

    def close(self):
        self.p.stdin.close()
        rest = self.p.stdout.read()
        err = self.p.stderr.read().decode()
        code = self.p.wait(timeout=60)
        return code, rest, err


class McpTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "store")
        subprocess.run([TM, "--db", self.db, "init"], check=True, capture_output=True,
                       env=env_for())
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            code, rest, err = s.close()
            self.assertEqual(code, 0, err)
            self.assertEqual(rest, b"", "output after the last reply")
        self.tmp.cleanup()

    def server(self, *args, agent="alice"):
        s = Server(self.db, *args, agent=agent)
        self.servers.append(s)
        return s


class ErasTest(McpTestCase):
    def test_initialize_in_both_legacy_versions(self):
        s = self.server()
        for version in ("2025-11-25", "2025-06-18"):
            r = s.request("initialize", {"protocolVersion": version, "capabilities": {},
                                         "clientInfo": {"name": "t", "version": "1"}},
                          modern=False)["result"]
            self.assertEqual(r["protocolVersion"], version)
            self.assertIn("tools", r["capabilities"])
            self.assertEqual(r["serverInfo"]["name"], "tm")
        # An older version gets our newest legacy one, for the client to judge.
        r = s.request("initialize", {"protocolVersion": "2024-11-05", "capabilities": {}},
                      modern=False)["result"]
        self.assertEqual(r["protocolVersion"], "2025-11-25")
        s.send_line(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        self.assertEqual(s.request("ping", modern=False)["result"], {})

    def test_discover_and_stateless_requests(self):
        s = self.server()
        r = s.request("server/discover")["result"]
        self.assertEqual(r["supportedVersions"], [MODERN, "2025-11-25", "2025-06-18"])
        self.assertEqual(r["resultType"], "complete")
        self.assertIn("tools", r["capabilities"])
        self.assertIsInstance(r["ttlMs"], int)
        # No handshake needed: each request carries its version.
        r = s.request("tools/list")["result"]
        self.assertEqual(r["resultType"], "complete")
        self.assertIn(r["cacheScope"], ("public", "private"))
        r = s.call("tm_add", title="stateless")
        self.assertEqual(r["resultType"], "complete")
        self.assertEqual(r["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "tm")

    def test_unsupported_version_is_32022_listing_ours(self):
        s = self.server()
        s.send_line(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01"}}}))
        r = s.read()
        self.assertEqual(r["id"], 7)
        self.assertEqual(r["error"]["code"], -32022)
        self.assertEqual(r["error"]["data"]["requested"], "2099-01-01")
        self.assertIn(MODERN, r["error"]["data"]["supported"])
        self.assertIn("2025-06-18", r["error"]["data"]["supported"])


class ToolListTest(McpTestCase):
    def test_size_names_and_schemas(self):
        s = self.server()
        s.send_line(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        raw = s.p.stdout.readline()
        size = len(raw.rstrip(b"\n"))
        print(f"tools/list answer: {size} bytes")
        self.assertLess(size, TOOLS_LIST_LIMIT)
        tools = json.loads(raw)["result"]["tools"]
        names = [t["name"] for t in tools]
        for name in ("tm_add", "tm_list", "tm_show", "tm_update", "tm_complete", "tm_delete",
                     "tm_claim", "tm_heartbeat", "tm_release", "tm_wait", "tm_dep", "tm_join",
                     "tm_post", "tm_context", "tm_watch"):
            self.assertIn(name, names)
        for t in tools:
            self.assertRegex(t["name"], r"^tm_[a-z0-9_]{1,61}$")
            self.assertEqual(t["inputSchema"]["type"], "object")
            self.assertIn("agent", t["inputSchema"]["properties"])
            self.assertTrue(t["description"])
        by = {t["name"]: t["inputSchema"] for t in tools}
        # Enum choices come from the library's name tables.
        self.assertEqual(by["tm_add"]["properties"]["priority"]["enum"],
                         ["low", "medium", "high", "critical"])
        self.assertIn("in_progress", by["tm_update"]["properties"]["status"]["enum"])
        self.assertIn("discover", by["tm_watch"]["properties"]["kind"]["items"]["enum"])
        self.assertEqual(by["tm_add"]["required"], ["title"])
        self.assertEqual(by["tm_post"]["required"], ["kind", "id", "message"])

    def test_doc_states_the_measured_size(self):
        s = self.server()
        s.send_line(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        size = len(s.p.stdout.readline().rstrip(b"\n"))
        doc = open(os.path.join(os.environ["TASKORCH_SOURCE_ROOT"], "docs", "mcp.md")).read()
        m = re.search(r"tools/list.{0,80}?([\d,]+) bytes", doc, re.S)
        self.assertIsNotNone(m, "docs/mcp.md states the size of tools/list")
        stated = int(m.group(1).replace(",", ""))
        self.assertLess(abs(stated - size), 200, f"docs say {stated}, measured {size}")


class ToolsTest(McpTestCase):
    def test_tasks_claims_messages_and_errors(self):
        s = self.server()
        a = s.call("tm_add", title="Design", priority="high", tag=["db"])
        self.assertNotIn("isError", a)
        a_id = a["structuredContent"]["id"]
        self.assertIn(a_id, a["content"][0]["text"])
        self.assertEqual(a["structuredContent"]["tags"], ["db"])
        b = s.call("tm_add", title="Build", depends_on=[a_id])["structuredContent"]
        self.assertEqual(b["status"], "blocked")
        self.assertEqual(b["depends_on"], [a_id])
        # A cycle is refused with our code.
        r = s.call("tm_dep", action="add", task=a_id, deps=[b["id"]])
        self.assertTrue(r["isError"])
        self.assertEqual(r["structuredContent"]["error"], "cycle")
        # Not found.
        r = s.call("tm_show", id="abcdef12")
        self.assertTrue(r["isError"])
        self.assertEqual(r["structuredContent"]["error"], "not_found")
        # Claim the ready one; another agent conflicts.
        c = s.call("tm_claim", lease="10m")["structuredContent"]
        self.assertEqual((c["id"], c["status"], c["assignee"]), (a_id, "in_progress", "alice"))
        r = s.call("tm_heartbeat", id=a_id, agent="bob")
        self.assertEqual(r["structuredContent"]["error"], "conflict")
        # A request id reused for another request.
        s.call("tm_post", kind="share", id=a_id, message="one", request_id="r1")
        r = s.call("tm_post", kind="share", id=a_id, message="two", request_id="r1")
        self.assertEqual(r["structuredContent"]["error"], "request_reused")
        # "-" is a message, never standard input.
        m = s.call("tm_post", kind="note", id=a_id, message="-")["structuredContent"]
        self.assertEqual(m["text"], "-")
        # A value that looks like an option stays a value.
        t = s.call("tm_add", title="--force")["structuredContent"]
        self.assertEqual(t["title"], "--force")
        done = s.call("tm_complete", id=a_id, summary="ok")["structuredContent"]
        self.assertEqual(done["status"], "completed")
        self.assertEqual(s.call("tm_show", id=b["id"])["structuredContent"]["status"], "pending")
        ctx = s.call("tm_context", id=a_id)["structuredContent"]
        self.assertEqual([m["text"] for m in ctx["messages"]], ["one", "-"])
        w = s.call("tm_wait", ids=[a_id], timeout="5s")["structuredContent"]
        self.assertEqual(w, {"done": True, "not_done": []})
        w = s.call("tm_wait", ids=[b["id"]], timeout="250ms")
        self.assertEqual(w["structuredContent"], {"done": False, "not_done": [b["id"]]})
        d = s.call("tm_delete", id=t["id"])["structuredContent"]
        self.assertEqual(d, {"deleted": t["id"]})

    def test_list_is_paginated(self):
        s = self.server()
        for i in range(7):
            s.call("tm_add", title=f"t{i}")
        r = s.call("tm_list", limit=3)
        page = r["structuredContent"]
        self.assertEqual((len(page["tasks"]), page["total"], page["next_cursor"]), (3, 7, "3"))
        seen = [t["id"] for t in page["tasks"]]
        while "next_cursor" in page:
            page = s.call("tm_list", limit=3, cursor=page["next_cursor"])["structuredContent"]
            seen += [t["id"] for t in page["tasks"]]
        self.assertEqual(len(set(seen)), 7)
        for i in range(60):
            s.call("tm_add", title=f"more{i}")
        page = s.call("tm_list")["structuredContent"]
        self.assertEqual(len(page["tasks"]), 50)  # the default page
        ready = s.call("tm_list", ready=True, limit=200)["structuredContent"]
        self.assertEqual(ready["total"], 67)

    def test_watch_waits_and_notes_stay_private(self):
        alice = self.server(agent="alice")
        bob = self.server(agent="bob")
        t = alice.call("tm_add", title="shared work")["structuredContent"]["id"]
        bob.call("tm_watch")  # bob is now up to date
        alice.call("tm_post", kind="note", id=t, message="alice private")
        bob.send_line(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                                  "params": {"name": "tm_watch", "arguments": {
                                      "timeout": 20, "kind": ["discover"]}}}))
        time.sleep(0.3)
        start = time.monotonic()
        alice.call("tm_post", kind="discover", id=t, message="the API changed")
        r = bob.read()
        self.assertLess(time.monotonic() - start, 10)
        events = r["result"]["structuredContent"]["events"]
        self.assertEqual([(e["kind"], e["text"]) for e in events],
                         [("discover", "the API changed")])
        self.assertEqual(r["result"]["structuredContent"]["cursor"], events[-1]["id"])
        ctx = bob.call("tm_context", id=t)["structuredContent"]
        self.assertNotIn("alice private", json.dumps(ctx))
        ctx = alice.call("tm_context", id=t)["structuredContent"]
        self.assertIn("alice private", json.dumps(ctx))
        # An explicit agent per call.
        ctx = alice.call("tm_context", id=t, agent="bob")["structuredContent"]
        self.assertNotIn("alice private", json.dumps(ctx))

    def test_agent_from_flag_overrides_environment(self):
        s = self.server("--agent", "carol", agent="alice")
        t = s.call("tm_add", title="x")["structuredContent"]
        self.assertEqual(t["created_by"], "carol")
        t = s.call("tm_add", title="y", agent="dave")["structuredContent"]
        self.assertEqual(t["created_by"], "dave")
        r = s.call("tm_add", title="z", agent="no/slash")
        self.assertEqual(r["structuredContent"]["error"], "invalid")


class BadInputTest(McpTestCase):
    def test_protocol_errors(self):
        s = self.server()
        s.send_line("{not json")
        r = s.read()
        self.assertEqual((r["id"], r["error"]["code"]), (None, -32700))
        s.send_line(json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]))
        self.assertEqual(s.read()["error"]["code"], -32600)
        s.send_line(json.dumps({"jsonrpc": "1.0", "id": 2, "method": "ping"}))
        self.assertEqual(s.read()["error"]["code"], -32600)
        s.send_line(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": [1]}))
        self.assertEqual(s.read()["error"]["code"], -32600)
        r = s.request("no/such/method")
        self.assertEqual(r["error"]["code"], -32601)
        for params in ({"name": "tm_nope"}, {"name": "tm_add", "arguments": []},
                       {"name": "tm_add", "arguments": {"title": "x", "colour": "red"}},
                       {"name": "tm_add", "arguments": {"title": 5}},
                       {"name": "tm_list", "arguments": {"limit": 0}},
                       {"name": "tm_list", "arguments": {"mine": "yes"}},
                       {"name": "tm_post", "arguments": {"kind": "shout", "id": "x",
                                                         "message": "m"}}):
            r = s.request("tools/call", params)
            self.assertEqual(r["error"]["code"], -32602, params)
        # Values the command refuses are tool errors with the command's code.
        r = s.call("tm_add", title="x", priority="urgent")
        self.assertEqual(r["structuredContent"]["error"], "invalid")
        self.assertIn("urgent", r["content"][0]["text"])
        r = s.call("tm_show")
        self.assertEqual(r["structuredContent"]["error"], "usage")
        # Notifications are never answered; the server still serves.
        s.send_line(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                "params": {"requestId": 1}}))
        self.assertEqual(s.request("ping")["result"]["resultType"], "complete")

    def test_line_over_one_mib(self):
        s = self.server()
        big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "tm_add", "arguments": {"title": "x" * (1024 * 1024 + 10)}}})
        s.send_line(big)
        r = s.read()
        self.assertEqual((r["id"], r["error"]["code"]), (None, -32600))
        self.assertIn("1 MiB", r["error"]["message"])
        self.assertEqual(s.request("ping")["result"]["resultType"], "complete")

    def test_closed_stdin_ends_cleanly(self):
        p = subprocess.run([TM, "--db", self.db, "mcp"], input=b"", capture_output=True,
                           env=env_for(), timeout=30)
        self.assertEqual((p.returncode, p.stdout), (0, b""))
        # Half a line, then the end.
        p = subprocess.run([TM, "--db", self.db, "mcp"], input=b'{"jsonrpc":"2.0","id":1,',
                           capture_output=True, env=env_for(), timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["error"]["code"], -32700)

    def test_ten_thousand_requests_without_growth(self):
        s = self.server()
        t = s.call("tm_add", title="hot")["structuredContent"]["id"]
        calls = [
            {"name": "tm_show", "arguments": {"id": t}},
            {"name": "tm_show", "arguments": {"id": "abcdef12"}},
            {"name": "tm_list", "arguments": {"limit": 5}},
            {"name": "tm_nope"},
        ]

        def rss_kb():
            with open(f"/proc/{s.p.pid}/status") as f:
                return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

        def burst(n, start):
            # Pipelined in chunks: tm answers in order.
            for base in range(0, n, 500):
                lines = []
                for i in range(base, min(n, base + 500)):
                    k = start + i
                    if k % 7 == 3:
                        lines.append("{oops")
                    elif k % 7 == 5:
                        lines.append(json.dumps({"jsonrpc": "2.0", "id": k, "method": "x/y"}))
                    else:
                        lines.append(json.dumps({"jsonrpc": "2.0", "id": k,
                                                 "method": "tools/call",
                                                 "params": calls[k % len(calls)]}))
                s.p.stdin.write(("\n".join(lines) + "\n").encode())
                s.p.stdin.flush()
                for _ in lines:
                    reply = json.loads(s.p.stdout.readline())
                    self.assertEqual(reply["jsonrpc"], "2.0")

        burst(1000, 0)
        before = rss_kb()
        burst(9000, 1000)
        after = rss_kb()
        print(f"RSS after 1,000 requests {before} kB, after 10,000 {after} kB")
        self.assertLess(after - before, 4096, "memory grew by more than 4 MiB")
        self.assertEqual(s.request("ping")["result"]["resultType"], "complete")


if __name__ == "__main__":
    unittest.main(verbosity=2)
