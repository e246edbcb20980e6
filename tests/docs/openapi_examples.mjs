#!/usr/bin/env node
// Sends every example request of docs/openapi.yaml to a live server and checks each answer
// against the spec: the status is the one the example expects (and one the spec lists), the body
// is compact JSON with sorted keys that validates against the schema of that status, and the
// required headers are present and valid.
//
//   node tests/docs/openapi_examples.mjs [BASE_URL [USER [PASSWORD]]] [options]
//     --base-url URL          or OPENAPI_BASE_URL      e.g. http://127.0.0.1:9080
//     --user NAME             or OPENAPI_USER          a user with every permission (admin)
//     --password TEXT         or OPENAPI_PASSWORD
//     --viewer-user NAME      or OPENAPI_VIEWER_USER   a user without the OCSP permissions (for
//     --viewer-password TEXT  or OPENAPI_VIEWER_PASSWORD  the 403 examples; skipped without one)
//     --cacert FILE           or OPENAPI_CACERT        CA certificate for an https:// base URL
//     --tools DIR             or OPENAPI_TOOLS_DIR     node_modules with ajv, ajv-formats, yaml
//     --spec FILE             or OPENAPI_SPEC          default docs/openapi.yaml
//
// What is sent, walking the spec (nothing here is specific to an endpoint):
//   1. every operation, reads before writes (GET, then POST, then PUT...): one request per
//      request-body example in spec order (x-expected-status, default the operation's 2xx; the
//      ones meant to fail are named invalid_*), or one request without a body;
//   2. every response example with x-live-request (how to provoke it: auth admin, viewer, none or
//      wrong; method, path, body, body_bytes, header_bytes; or raw bytes), for each operation that lists
//      it, then those of x-unrouted-responses; examples with x-live-skip are listed as SKIP.
// One line per example: PASS, FAIL (with the reason) or SKIP (with the reason). Exit status 1 on
// any FAIL, 2 on a usage error.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  METHOD_RANK, SchemaSet, compactSortedProblem, deref, examplesOf, fail, loadSpec, loadTools,
  operations, responseFor, successStatus, takeOption, unroutedResponses,
} from './openapi_lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, env) => takeOption(argv, name) ?? process.env[env];
const specFile = opt('spec', 'OPENAPI_SPEC') ?? path.join(here, '../../docs/openapi.yaml');
const toolsDir = opt('tools', 'OPENAPI_TOOLS_DIR') ?? path.join(here, '../../tools/openapi');
let baseUrl = opt('base-url', 'OPENAPI_BASE_URL');
let user = opt('user', 'OPENAPI_USER');
let password = opt('password', 'OPENAPI_PASSWORD');
const viewerUser = opt('viewer-user', 'OPENAPI_VIEWER_USER');
const viewerPassword = opt('viewer-password', 'OPENAPI_VIEWER_PASSWORD');
const cacert = opt('cacert', 'OPENAPI_CACERT');
const timeoutMs = Number(opt('timeout-ms', 'OPENAPI_TIMEOUT_MS') ?? 20000);
const unknownOption = argv.find((a) => a.startsWith('--'));
if (unknownOption) fail(`unknown option ${unknownOption}`);
if (argv.length > 3) fail(`unexpected arguments: ${argv.slice(3).join(' ')}`);
baseUrl = argv[0] ?? baseUrl;
user = argv[1] ?? user;
password = argv[2] ?? password;
if (!baseUrl || !user || password === undefined) {
  fail('a base URL, a user and a password are needed (arguments, --base-url/--user/--password, or OPENAPI_BASE_URL/OPENAPI_USER/OPENAPI_PASSWORD)');
}
let base;
try {
  base = new URL(baseUrl);
} catch {
  fail(`not a URL: ${baseUrl}`);
}
if (base.protocol !== 'http:' && base.protocol !== 'https:') fail(`the base URL must be http:// or https://, got ${baseUrl}`);
const ca = cacert ? readFileSync(cacert) : undefined;

const tools = loadTools(toolsDir);
const spec = loadSpec(tools, specFile);
const schemas = new SchemaSet(tools, spec);

const credentials = {
  admin: { user, password },
  viewer: viewerUser && viewerPassword !== undefined ? { user: viewerUser, password: viewerPassword } : undefined,
  wrong: { user, password: `${password}-not-the-password` },
  none: null,
};

/// One HTTP exchange on a fresh connection: { status, headers, text }.
function send({ method, target, auth, body, headerBytes }) {
  return new Promise((resolve, reject) => {
    const headers = { Accept: 'application/json', Connection: 'close' };
    if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    if (headerBytes) headers['X-Padding'] = 'p'.repeat(headerBytes);
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    // Like curl: a large body waits for 100 Continue (or one second), so that a server refusing
    // it from its headers (413) is heard before the body is sent.
    const expectContinue = body !== undefined && Buffer.byteLength(body) > 1024;
    if (expectContinue) headers.Expect = '100-continue';
    const prefix = base.pathname.replace(/\/$/, '');
    const lib = base.protocol === 'https:' ? https : http;
    const req = lib.request({
      protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method,
      path: prefix + target, headers, agent: false, ca,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    // A server may answer (413) and stop reading before the whole body is sent.
    req.on('socket', (s) => s.on('error', () => {}));
    if (!expectContinue) {
      req.end(body);
      return;
    }
    let sent = false;
    const sendBody = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      req.end(body);
    };
    const timer = setTimeout(sendBody, 1000);
    req.on('continue', sendBody);
    req.on('response', () => clearTimeout(timer));
  });
}

/// Sends `raw` as it is on a fresh connection and reads one answer until the server closes or
/// the Content-Length is complete: { status, headers, text }.
function sendRaw(raw) {
  return new Promise((resolve, reject) => {
    const port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
    const options = { host: base.hostname, port, ca, servername: net.isIP(base.hostname) ? undefined : base.hostname };
    const socket = base.protocol === 'https:' ? tls.connect(options) : net.connect(options);
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const data = Buffer.concat(chunks).toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no complete answer: ${JSON.stringify(data.slice(0, 120))}`));
      const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!m) return reject(new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`));
      const headers = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = Buffer.from(data.slice(end + 4), 'latin1');
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : body.length;
      resolve({ status: Number(m[1]), headers, text: body.subarray(0, length).toString('utf8') });
    };
    socket.setTimeout(timeoutMs, () => {
      done = true;
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    });
    socket.on(base.protocol === 'https:' ? 'secureConnect' : 'connect', () => socket.write(raw, 'latin1'));
    socket.on('data', (c) => {
      chunks.push(c);
      const data = Buffer.concat(chunks).toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(data.slice(0, end));
      if (end >= 0 && cl && data.length - end - 4 >= Number(cl[1])) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e) => {
      if (!chunks.length && !done) {
        done = true;
        reject(e);
      } else {
        finish();
      }
    });
  });
}

/// Checks an answer against the spec; returns the list of problems.
function judge(op, expected, answer, expectedCode) {
  const problems = [];
  const found = responseFor(spec, op, answer.status);
  if (!found) return [`status ${answer.status} is not listed in the spec (expected ${expected})`];
  if (answer.status !== expected) problems.push(`status ${answer.status}, expected ${expected}`);
  const { response } = found;

  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const header = deref(spec, h);
    const value = answer.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`header ${name} is missing`);
    } else if (header.schema) {
      const p = schemas.check(header.schema, value);
      if (p) problems.push(`header ${name}: ${JSON.stringify(value)}: ${p}`);
    }
  }

  const types = Object.keys(response.content ?? {});
  if (!types.length) {
    if (answer.text.length) problems.push(`a body where the spec has none: ${answer.text.slice(0, 120)}`);
    return problems;
  }
  const contentType = (answer.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const media = response.content[contentType];
  if (!media) return [...problems, `Content-Type ${JSON.stringify(contentType)}, expected one of ${types.join(', ')}`];
  let value;
  try {
    value = JSON.parse(answer.text);
  } catch (e) {
    return [...problems, `the body is not JSON (${e.message}): ${answer.text.slice(0, 120)}`];
  }
  const layout = compactSortedProblem(answer.text, value);
  if (layout) problems.push(layout);
  const invalid = schemas.check(media.schema, value);
  if (invalid) problems.push(`body ${answer.text.slice(0, 200)}: ${invalid}`);
  if (expectedCode !== undefined && value?.error_code !== expectedCode) {
    problems.push(`error_code ${JSON.stringify(value?.error_code)}, expected ${expectedCode}`);
  }
  return problems;
}

// The plan: [{ label, skip } | { label, op, request, expected, expectedCode }].
const plan = [];
const ordered = operations(spec).sort((a, b) => (METHOD_RANK[a.method] ?? 99) - (METHOD_RANK[b.method] ?? 99));

for (const { path: p, method, op, where } of ordered) {
  const success = successStatus(op);
  const body = op.requestBody ? deref(spec, op.requestBody) : undefined;
  const media = body?.content?.['application/json'];
  const examples = examplesOf(spec, media);
  if (!examples.length) {
    plan.push({ label: `${where} (no body)`, op, expected: success, request: { method: method.toUpperCase(), target: p, auth: credentials.admin } });
  }
  for (const { name, example } of examples) {
    const label = `${where} request example ${name}`;
    if (example['x-live-skip']) {
      plan.push({ label, skip: example['x-live-skip'] });
      continue;
    }
    plan.push({
      label, op, expected: example['x-expected-status'] ?? success, expectedCode: example['x-expected-error-code'],
      request: { method: method.toUpperCase(), target: p, auth: credentials.admin, body: JSON.stringify(example.value) },
    });
  }
}

function provoked(where, op, defaults, responses) {
  for (const [status, ref] of Object.entries(responses)) {
    const response = deref(spec, ref);
    for (const media of Object.values(response.content ?? {})) {
      for (const { name, example } of examplesOf(spec, media)) {
        const label = `${where} ${status} example ${name}`;
        const live = example['x-live-request'];
        if (example['x-live-skip']) {
          plan.push({ label, skip: example['x-live-skip'] });
          continue;
        }
        if (!live) continue;  // a success body: checked by the requests of part 1
        const auth = credentials[live.auth];
        if (auth === undefined) {
          plan.push({ label, skip: `needs ${live.auth} credentials (--${live.auth}-user, --${live.auth}-password)` });
          continue;
        }
        const method = live.method ?? defaults.method;
        const target = live.path ?? defaults.path;
        let body = live.body;
        if (live.body_bytes) body = `{${' '.repeat(Math.max(0, live.body_bytes - 2))}}`;
        // The answer's error_code must be the example's.
        const expectedCode = example.value?.error_code;
        if (live.raw !== undefined) {
          plan.push({ label: `${label} (raw request)`, op, expected: Number(status), expectedCode, request: { raw: live.raw } });
          continue;
        }
        plan.push({
          label: `${label} (${method} ${target})`, op, expected: Number(status), expectedCode,
          request: { method, target, auth, body, headerBytes: live.header_bytes },
        });
      }
    }
  }
}

for (const { path: p, method, op, where } of ordered) {
  provoked(where, op, { method: method.toUpperCase(), path: p }, op.responses ?? {});
}
provoked('(unrouted)', undefined, {}, unroutedResponses(spec));

// A server that is not there is one clear error, not a FAIL line per example.
await new Promise((resolve) => {
  const port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  const probe = net.connect({ host: base.hostname, port }, () => {
    probe.destroy();
    resolve();
  });
  probe.setTimeout(timeoutMs, () => probe.destroy(new Error('timed out')));
  probe.on('error', (e) => {
    console.log(`FAIL cannot connect to ${base.host}: ${e.message}`);
    process.exit(1);
  });
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const step of plan) {
  if (step.skip) {
    ++skipped;
    console.log(`SKIP ${step.label}: ${step.skip}`);
    continue;
  }
  let problems;
  try {
    const answer = step.request.raw !== undefined ? await sendRaw(step.request.raw) : await send(step.request);
    problems = judge(step.op, step.expected, answer, step.expectedCode);
  } catch (e) {
    problems = [`request failed: ${e.message}`];
  }
  if (problems.length) {
    ++failed;
    console.log(`FAIL ${step.label}: ${problems.join('; ')}`);
  } else {
    ++passed;
    console.log(`PASS ${step.label} -> ${step.expected}`);
  }
}
console.log(`openapi examples (live, ${base.origin}): ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed || !passed ? 1 : 0);
