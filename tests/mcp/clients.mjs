// Drives tm mcp through the real MCP SDKs' stdio transports:
// @modelcontextprotocol/client (v2) in the 2026-07-28 era and with the
// initialize handshake, and @modelcontextprotocol/sdk (v1, legacy era).
// Run by run_clients.py with: node clients.mjs STORE_DIR (TM in the environment).
import assert from 'node:assert/strict';
import { Client as Client2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as Stdio2 } from '@modelcontextprotocol/client/stdio';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as Stdio1 } from '@modelcontextprotocol/sdk/client/stdio.js';

const TM = process.env.TM;
const DB = process.argv[2];

async function connect(kind, agent) {
  const env = { ...process.env };
  delete env.TM_AGENT_ID;
  const params = { command: TM, args: ['--db', DB, 'mcp', '--agent', agent], env, stderr: 'inherit' };
  if (kind === 'sdk1') {
    const c = new Client1({ name: 'tm-test-sdk1', version: '1.0.0' });
    await c.connect(new Stdio1(params));
    return c;
  }
  const opts = kind === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};
  const c = new Client2({ name: 'tm-test-client2', version: '1.0.0' }, opts);
  await c.connect(new Stdio2(params));
  return c;
}

async function call(c, name, args) {
  const r = await c.callTool({ name, arguments: args });
  assert.ok(Array.isArray(r.content) && r.content[0].type === 'text', `${name}: text summary`);
  assert.equal(r.content[0].text.split('\n').length, 1, `${name}: one-line summary`);
  return r;
}

async function ok(c, name, args) {
  const r = await call(c, name, args);
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.structuredContent)}`);
  return r.structuredContent;
}

async function scenario(kind) {
  const c = await connect(kind, `agent-${kind}`);
  if (kind === 'modern') assert.equal(c.getNegotiatedProtocolVersion(), '2026-07-28');
  if (kind === 'legacy') assert.equal(c.getNegotiatedProtocolVersion(), '2025-11-25');
  assert.equal(c.getServerVersion().name, 'tm');
  const { tools } = await c.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['tm_add', 'tm_list', 'tm_show', 'tm_claim', 'tm_post', 'tm_watch', 'tm_complete'])
    assert.ok(names.includes(n), `${kind}: ${n} listed`);
  const tag = `t-${kind}`;
  const a = await ok(c, 'tm_add', { title: `design (${kind})`, priority: 'high', tag: [tag] });
  const b = await ok(c, 'tm_add', { title: `build (${kind})`, depends_on: [a.id], tag: [tag] });
  assert.equal(b.status, 'blocked');
  const claimed = await ok(c, 'tm_claim', { tag, lease: '5m' });
  assert.equal(claimed.id, a.id);
  assert.equal(claimed.status, 'in_progress');
  assert.equal(claimed.assignee, `agent-${kind}`);
  const posted = await ok(c, 'tm_post', { kind: 'share', id: a.id, message: `progress from ${kind}` });
  assert.equal(posted.text, `progress from ${kind}`);
  const feed = await ok(c, 'tm_watch', { task: a.id, since: 0 });
  assert.ok(feed.events.some((e) => e.kind === 'share'), `${kind}: watch shows the share`);
  const done = await ok(c, 'tm_complete', { id: a.id, summary: 'done' });
  assert.equal(done.status, 'completed');
  assert.equal((await ok(c, 'tm_show', { id: b.id })).status, 'pending');
  const page = await ok(c, 'tm_list', { tag, limit: 1 });
  assert.equal(page.tasks.length, 1);
  assert.equal(page.total, 2);
  assert.equal(page.next_cursor, '1');
  // Errors are tool results with our code.
  let r = await call(c, 'tm_show', { id: 'abcdef12' });
  assert.equal(r.isError, true);
  assert.equal(r.structuredContent.error, 'not_found');
  r = await call(c, 'tm_dep', { action: 'add', task: a.id, deps: [b.id] });
  assert.equal(r.structuredContent.error, 'cycle');
  r = await call(c, 'tm_heartbeat', { id: b.id });
  assert.equal(r.isError, true);
  // A call the schema cannot take is a protocol error (-32602).
  await assert.rejects(c.callTool({ name: 'tm_nope', arguments: {} }), /32602|unknown tool/);
  await c.close();
  console.log(`ok ${kind}`);
}

async function twoAgents() {
  const alice = await connect('modern', 'alice');
  const bob = await connect('sdk1', 'bob');
  const t = await ok(alice, 'tm_add', { title: 'shared work' });
  await ok(bob, 'tm_watch', {}); // bob is up to date
  await ok(alice, 'tm_post', { kind: 'note', id: t.id, message: 'alice private' });
  const waiting = ok(bob, 'tm_watch', { kind: ['discover'], timeout: 30 });
  await new Promise((res) => setTimeout(res, 300));
  const started = Date.now();
  await ok(alice, 'tm_post', { kind: 'discover', id: t.id, message: 'schema changed' });
  const seen = await waiting;
  assert.ok(Date.now() - started < 10000, 'the discovery arrived promptly');
  assert.deepEqual(seen.events.map((e) => [e.kind, e.text, e.agent]),
                   [['discover', 'schema changed', 'alice']]);
  const bobView = await ok(bob, 'tm_context', { id: t.id });
  assert.ok(!JSON.stringify(bobView).includes('alice private'), 'notes stay private');
  const aliceView = await ok(alice, 'tm_context', { id: t.id });
  assert.ok(JSON.stringify(aliceView).includes('alice private'));
  await alice.close();
  await bob.close();
  console.log('ok two agents');
}

for (const kind of ['modern', 'legacy', 'sdk1']) await scenario(kind);
await twoAgents();
