#!/usr/bin/env python3
"""Runs clients.mjs: tm mcp driven by the real MCP SDKs from npm, pinned
below, installed once into the build folder (kept between runs; reinstalled
when the pins change). Node.js 20 or newer and npm are required: without
them this test fails, it is never skipped."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

PINS = {"@modelcontextprotocol/client": "2.3.1", "@modelcontextprotocol/sdk": "1.32.2"}
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("FAIL: node and npm are needed (scripts/install-deps.sh installs them)")
        return 1
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    if int(version.lstrip("v").split(".")[0]) < 20:
        print(f"FAIL: Node.js 20 or newer is needed, found {version.strip()}")
        return 1
    work = os.path.join(os.environ["TASKORCH_BUILD_ROOT"], "tests", "mcp", "npm")
    os.makedirs(work, exist_ok=True)
    manifest = json.dumps({"name": "tm-mcp-tests", "private": True, "type": "module",
                           "dependencies": PINS}, indent=2, sort_keys=True)
    stamp = os.path.join(work, "installed.json")
    current = open(stamp).read() if os.path.exists(stamp) else None
    if current != manifest or not os.path.isdir(os.path.join(work, "node_modules")):
        with open(os.path.join(work, "package.json"), "w") as f:
            f.write(manifest)
        p = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=work, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print("FAIL: npm install:\n" + p.stdout + p.stderr)
            return 1
        with open(stamp, "w") as f:
            f.write(manifest)
    for name, pin in PINS.items():
        with open(os.path.join(work, "node_modules", name, "package.json")) as f:
            got = json.load(f)["version"]
        if got != pin:
            print(f"FAIL: {name} is {got}, not the pinned {pin}")
            return 1
    shutil.copy(os.path.join(HERE, "clients.mjs"), os.path.join(work, "clients.mjs"))
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store")
        subprocess.run([os.environ["TM"], "--db", store, "init"], check=True,
                       capture_output=True)
        p = subprocess.run([node, os.path.join(work, "clients.mjs"), store], cwd=work,
                           timeout=300)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
