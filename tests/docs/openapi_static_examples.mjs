#!/usr/bin/env node
// Checks every example of docs/openapi.yaml against its schema, without a server.
//
//   node tests/docs/openapi_static_examples.mjs --tools DIR [--spec docs/openapi.yaml]
//
// DIR holds node_modules with ajv, ajv-formats and yaml (tools/openapi/package.json, installed by
// tests/docs/openapi_lint.sh). Checks, for every operation and for x-unrouted-responses:
//   - every component schema compiles (Ajv strict mode: an unknown keyword is an error);
//   - every response example validates against its media type's schema, and every response with
//     content has at least one example;
//   - every request example has an expected status (x-expected-status, default the operation's
//     single 2xx) that the operation lists; it is named invalid_* exactly when that status is an
//     error; a success example validates against the request schema; an invalid_schema example
//     does not (or sets a read-only field, which the schema cannot compare with the current value);
//     x-expected-error-code is one the expected status's schema allows;
//   - every error example says how the live test provokes it (x-live-request) or why it cannot
//     (x-live-skip), and x-live-request is well formed.
// Prints one line per failed check and a summary; exits 1 on any failure, 2 on a usage error.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SchemaSet, deref, examplesOf, fail, isSuccess, loadSpec, loadTools, operations, setsReadOnly,
  successStatus, takeOption, unroutedResponses,
} from './openapi_lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const specFile = takeOption(argv, 'spec') ?? process.env.OPENAPI_SPEC ?? path.join(here, '../../docs/openapi.yaml');
const toolsDir = takeOption(argv, 'tools') ?? process.env.OPENAPI_TOOLS_DIR ?? path.join(here, '../../tools/openapi');
if (argv.length) fail(`unexpected arguments: ${argv.join(' ')}`);

const tools = loadTools(toolsDir);
const spec = loadSpec(tools, specFile);
const schemas = new SchemaSet(tools, spec);

let passed = 0;
const failures = [];
const check = (where, problem) => {
  if (problem) failures.push(`FAIL ${where}: ${problem}`);
  else ++passed;
};

for (const e of schemas.compileAll()) failures.push(`FAIL ${e}`);

const LIVE_REQUEST_KEYS = new Set(['auth', 'method', 'path', 'body', 'body_bytes', 'header_bytes', 'raw']);
function liveRequestProblem(live, needsTarget) {
  if (live === null || typeof live !== 'object' || Array.isArray(live)) return 'x-live-request must be an object';
  for (const k of Object.keys(live)) if (!LIVE_REQUEST_KEYS.has(k)) return `x-live-request: unknown key ${k}`;
  if (!['admin', 'viewer', 'none', 'wrong'].includes(live.auth)) return 'x-live-request.auth must be admin, viewer, none or wrong';
  if (live.method !== undefined && !/^[A-Z]+$/.test(live.method)) return 'x-live-request.method must be an upper-case method';
  if (live.path !== undefined && !(typeof live.path === 'string' && live.path.startsWith('/'))) return 'x-live-request.path must start with /';
  if (live.raw !== undefined) {
    if (typeof live.raw !== 'string' || !live.raw.length) return 'x-live-request.raw must be a non-empty string';
    const other = Object.keys(live).filter((k) => k !== 'raw' && k !== 'auth');
    if (other.length) return `x-live-request.raw excludes ${other.join(', ')}`;
    if (live.auth !== 'none') return 'x-live-request.raw is sent as it is: auth must be none';
    return null;
  }
  if (needsTarget && (live.method === undefined || live.path === undefined)) return 'x-live-request needs method and path here (no operation)';
  if (live.body !== undefined && typeof live.body !== 'string') return 'x-live-request.body must be a string (the raw body)';
  if (live.body !== undefined && live.body_bytes !== undefined) return 'x-live-request: body and body_bytes exclude each other';
  for (const k of ['body_bytes', 'header_bytes']) {
    if (live[k] !== undefined && !(Number.isInteger(live[k]) && live[k] > 0 && live[k] <= 1 << 20)) return `x-live-request.${k} must be an integer in [1, 1048576]`;
  }
  return null;
}

function checkResponses(where, responses, unrouted) {
  for (const [status, ref] of Object.entries(responses)) {
    const response = deref(spec, ref);
    for (const [type, media] of Object.entries(response.content ?? {})) {
      const at = `${where} ${status} ${type}`;
      if (!media.schema) {
        check(at, 'no schema');
        continue;
      }
      const examples = examplesOf(spec, media);
      check(at, examples.length ? null : 'no example');
      for (const { name, example } of examples) {
        const ex = `${at} example ${name}`;
        if (!('value' in example)) {
          check(ex, 'no value (externalValue is not supported)');
          continue;
        }
        check(ex, schemas.check(media.schema, example.value));
        if (!isSuccess(status)) {
          const live = example['x-live-request'];
          const skip = example['x-live-skip'];
          if ((live === undefined) === (skip === undefined)) {
            check(ex, 'an error example needs exactly one of x-live-request and x-live-skip');
          } else if (live !== undefined) {
            check(ex, liveRequestProblem(live, unrouted));
          } else {
            check(ex, typeof skip === 'string' && skip.length ? null : 'x-live-skip must be the reason, a string');
          }
        }
      }
    }
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const header = deref(spec, h);
      check(`${where} ${status} header ${name}`, header.schema ? null : 'no schema');
    }
  }
}

for (const { op, where } of operations(spec)) {
  const success = successStatus(op);
  check(`${where}`, success ? null : 'needs exactly one 2xx response');
  checkResponses(where, op.responses ?? {}, false);

  const body = op.requestBody ? deref(spec, op.requestBody) : undefined;
  for (const [type, media] of Object.entries(body?.content ?? {})) {
    const examples = examplesOf(spec, media);
    check(`${where} request ${type}`, examples.length ? null : 'no request example');
    for (const { name, example } of examples) {
      const at = `${where} request ${type} example ${name}`;
      const expected = example['x-expected-status'] ?? success;
      if (!op.responses?.[String(expected)]) {
        check(at, `x-expected-status ${expected} is not a status the operation lists`);
        continue;
      }
      const error = !isSuccess(expected);
      check(at, error === name.startsWith('invalid_')
        ? null
        : `named ${name} but expects ${expected}: error examples, and only they, are named invalid_*`);
      const problem = schemas.check(media.schema, example.value);
      const code = example['x-expected-error-code'];
      if (!error) {
        check(at, problem);
        check(at, code === undefined ? null : 'x-expected-error-code on a success example');
        continue;
      }
      if (code !== undefined) {
        const r = deref(spec, op.responses[String(expected)]);
        const errorSchema = r.content?.['application/json']?.schema;
        check(at, errorSchema
          ? schemas.check(errorSchema, { description: 'x', error_code: code, message: 'x' }) && `x-expected-error-code ${code} is not allowed for ${expected}`
          : `the ${expected} response has no application/json schema`);
      }
      if (code === 'invalid_schema') {
        check(at, problem || setsReadOnly(spec, media.schema, example.value)
          ? null
          : 'expects invalid_schema but validates against the request schema (the schema is looser than the server)');
      }
    }
  }
}

checkResponses('(unrouted)', spec['x-unrouted-responses'] ?? {}, true);
for (const status of Object.keys(unroutedResponses(spec))) {
  check(`(unrouted) ${status}`, isSuccess(status) ? 'a 2xx cannot be unrouted' : null);
}

for (const f of failures) console.log(f);
console.log(`openapi examples (static): ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
