// Shared by openapi_static_examples.mjs and openapi_examples.mjs: loads docs/openapi.yaml, walks
// its operations, responses and examples, and compiles its schemas with Ajv (JSON Schema 2020-12,
// the dialect of OpenAPI 3.1).
//
// The npm packages (ajv, ajv-formats, yaml) come from the tools directory that
// tests/docs/openapi_lint.sh installs (a copy of tools/openapi/ with node_modules), not from
// the source tree: ESM imports resolve next to this file, so they are loaded with createRequire.

import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

/// The request order of the live run: reads before writes (GET before PUT).
export const METHOD_RANK = { get: 0, head: 1, options: 2, post: 3, put: 4, patch: 5, delete: 6, trace: 7 };

export function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

export function loadTools(toolsDir) {
  const manifest = path.resolve(toolsDir, 'package.json');
  if (!existsSync(path.resolve(toolsDir, 'node_modules', 'ajv'))) {
    fail(`no npm tools in ${toolsDir} (run tests/docs/openapi_lint.sh BUILD_DIR/openapi-tools, or npm ci there)`);
  }
  const require = createRequire(manifest);
  const Ajv2020 = require('ajv/dist/2020').default;
  const addFormats = require('ajv-formats').default ?? require('ajv-formats');
  const YAML = require('yaml');
  return { Ajv2020, addFormats, YAML };
}

export function loadSpec(tools, file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read the spec ${file}: ${e.message}`);
  }
  // yaml refuses duplicate keys by default (uniqueKeys), which would otherwise hide an example.
  const doc = tools.YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) fail(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS({ maxAliasCount: -1 });
}

function unescapePointer(token) {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/// Resolves a local JSON pointer ("#/components/...") in the spec.
export function pointer(spec, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref values are supported, got ${ref}`);
  let node = spec;
  for (const token of ref.slice(2).split('/').map(unescapePointer)) {
    if (node === null || typeof node !== 'object' || !(token in node)) throw new Error(`unresolved $ref ${ref}`);
    node = node[token];
  }
  return node;
}

/// Follows $ref until a non-reference object (responses, examples, request bodies, headers).
export function deref(spec, node) {
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new Error(`$ref cycle at ${node.$ref}`);
    seen.add(node.$ref);
    node = pointer(spec, node.$ref);
  }
  return node;
}

export function isSuccess(status) {
  return /^2\d\d$/.test(String(status));
}

/// Every operation: { path, method, op, where }, in spec order.
export function operations(spec) {
  const out = [];
  for (const [p, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) out.push({ path: p, method, op: item[method], where: `${method.toUpperCase()} ${p}` });
    }
  }
  return out;
}

/// The operation's single 2xx status (the default expectation of a request).
export function successStatus(op) {
  const codes = Object.keys(op.responses ?? {}).filter(isSuccess);
  return codes.length === 1 ? Number(codes[0]) : undefined;
}

/// Responses that belong to no operation (x-unrouted-responses at the root): status -> response.
export function unroutedResponses(spec) {
  const out = {};
  for (const [status, r] of Object.entries(spec['x-unrouted-responses'] ?? {})) out[status] = deref(spec, r);
  return out;
}

/// The response an answer with `status` is described by: the operation's own, else an unrouted one.
export function responseFor(spec, op, status) {
  const own = op?.responses?.[String(status)];
  if (own) return { response: deref(spec, own), unrouted: false };
  const unrouted = unroutedResponses(spec)[String(status)];
  if (unrouted) return { response: unrouted, unrouted: true };
  return undefined;
}

/// The examples of a media type object: [{ name, example }] with $ref resolved.
export function examplesOf(spec, media) {
  return Object.entries(media?.examples ?? {}).map(([name, ex]) => ({ name, example: deref(spec, ex) }));
}

/// Ajv over the spec's schemas. Every "#/components/schemas/..." reference is rewritten to an
/// absolute one into a root schema whose $defs are the component schemas, so any schema of the
/// spec (a component or one inline in an operation) compiles on its own. Strict mode stays on:
/// an unknown keyword in a schema (a typo such as "minimun") is an error.
export class SchemaSet {
  static ROOT = 'https://libocsp.invalid/openapi.yaml';

  constructor(tools, spec) {
    this.spec = spec;
    this.ajv = new tools.Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
    tools.addFormats(this.ajv);
    // OpenAPI's own schema keywords (annotations for this purpose).
    this.ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
    const extensions = new Set();
    const schemas = this.rewrite(spec.components?.schemas ?? {}, extensions, true);
    for (const k of extensions) this.ajv.addKeyword({ keyword: k });
    this.ajv.addSchema({ $id: SchemaSet.ROOT, $defs: schemas });
    this.cache = new Map();
  }

  rewrite(node, extensions, collect) {
    if (Array.isArray(node)) return node.map((v) => this.rewrite(v, extensions, collect));
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        out[k] = `${SchemaSet.ROOT}#/$defs/${v.slice('#/components/schemas/'.length)}`;
      } else {
        if (collect && k.startsWith('x-')) extensions.add(k);
        out[k] = this.rewrite(v, extensions, collect);
      }
    }
    return out;
  }

  /// A validate function for a schema of the spec (inline or a $ref to a component).
  validator(schema) {
    if (!this.cache.has(schema)) {
      const extensions = new Set();
      const rewritten = this.rewrite(schema, extensions, true);
      for (const k of extensions) {
        if (!this.ajv.getKeyword(k)) this.ajv.addKeyword({ keyword: k });
      }
      this.cache.set(schema, this.ajv.compile(rewritten));
    }
    return this.cache.get(schema);
  }

  /// Compiles every component schema; returns the error messages.
  compileAll() {
    const errors = [];
    for (const name of Object.keys(this.spec.components?.schemas ?? {})) {
      try {
        this.ajv.compile({ $ref: `${SchemaSet.ROOT}#/$defs/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
      } catch (e) {
        errors.push(`components/schemas/${name}: ${e.message}`);
      }
    }
    return errors;
  }

  /// null when `value` validates, else a one-line reason.
  check(schema, value) {
    let validate;
    try {
      validate = this.validator(schema);
    } catch (e) {
      return `the schema does not compile: ${e.message}`;
    }
    if (validate(value)) return null;
    return this.ajv.errorsText(validate.errors, { dataVar: 'value', separator: '; ' });
  }
}

/// Whether an example value sets a property the schema marks readOnly (a request example that
/// does so is refused by a server when the value differs from the current one, which the schema
/// cannot express).
export function setsReadOnly(spec, schema, value) {
  const s = deref(spec, schema);
  if (!s || typeof s !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    if (key in value && deref(spec, prop)?.readOnly === true) return true;
  }
  return false;
}

/// null when `text` is compact JSON (no whitespace outside strings) whose object keys are in
/// alphabetical order at every level (what the contract says every body is), else the reason.
export function compactSortedProblem(text, value) {
  let inString = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (inString) {
      if (c === '\\') ++i;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      return `whitespace outside strings at byte ${i}`;
    }
  }
  const walk = (v, where) => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; ++i) {
        const r = walk(v[i], `${where}[${i}]`);
        if (r) return r;
      }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      const sorted = [...keys].sort();
      if (keys.join('\0') !== sorted.join('\0')) return `keys of ${where} not in alphabetical order: ${keys.join(', ')}`;
      for (const k of keys) {
        const r = walk(v[k], `${where}.${k}`);
        if (r) return r;
      }
    }
    return null;
  };
  return walk(value, 'body');
}

/// Finds `--name value` or `--name=value` in argv; removes it. Returns undefined when absent.
export function takeOption(argv, name) {
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === `--${name}`) {
      if (i + 1 >= argv.length) fail(`--${name} needs a value`);
      const v = argv[i + 1];
      argv.splice(i, 2);
      return v;
    }
    if (argv[i].startsWith(`--${name}=`)) {
      const v = argv[i].slice(name.length + 3);
      argv.splice(i, 1);
      return v;
    }
  }
  return undefined;
}
