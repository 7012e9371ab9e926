/**
 * Requests generated from the bundled spec, valid and broken, each with the exact set of
 * statuses the server may legitimately answer.
 *
 * Everything is read from the spec: the operations, their path and query parameters and schemas,
 * their request-body schemas. Valid values are built from the schemas (patterns, formats, enums,
 * bounds); broken ones break one thing at a time (a wrong type, a missing or extra property, a
 * string one past a bound, unicode and control characters, invalid JSON, a wrong content type, an
 * odd path segment, a duplicated or malformed query parameter, a broken Basic header...).
 *
 * The oracle is the spec itself, through ajv in the mode the server's validator uses ("fast"
 * formats, query coercion): a request whose parts validate must reach the domain; one that does
 * not must be a 400. The server runs in its default, lenient mode: the body properties a closed
 * schema does not name are ignored, so the oracle drops them before it validates the body. The order in which the server checks things (the README's "a request goes
 * one way") decides which error wins when several apply:
 *   URL over 4096 chars (414) → outside /raas/v2 (404) → credentials (401, or 429 once throttled)
 *   → body: declared size (413), media type (415), JSON syntax (400.501), streamed size (413)
 *   → route (404 unknown path, 405 unknown method) → parameters and body against the spec (400)
 *   → the domain (403, 404, 409, 200/201).
 */
import { gzipSync } from 'node:zlib';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { operations, spec } from './spec.js';

type Json = Record<string, unknown>;
export type Operation = (typeof operations)[number];

/** Limits the server enforces outside the spec (README, app.ts). */
export const BODY_LIMIT_BYTES = 64 * 1024;
export const MAX_URL_LENGTH = 4096;
export const API = '/raas/v2';

/** Building an arbitrary can be costly (a pattern of unicode classes): build each one once. */
function memo<K, V>(build: (key: K) => V, keyOf: (key: K) => unknown = (k) => k): (key: K) => V {
  const cache = new Map<unknown, V>();
  return (key) => {
    const k = keyOf(key);
    if (!cache.has(k)) cache.set(k, build(key));
    return cache.get(k)!;
  };
}

// ---------------------------------------------------------------------------------------------
// The spec, resolved

function deref(node: unknown): Json {
  let value = node as Json;
  while (value && typeof value.$ref === 'string') {
    value = value.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((n, key) => (n as Json)[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec) as Json;
  }
  return value;
}

/** A schema with every $ref (and nested property/item $ref) resolved, for generation. */
function resolved(schema: unknown): Json {
  const s = { ...deref(schema) };
  if (s.properties) {
    s.properties = Object.fromEntries(Object.entries(s.properties as Json).map(([k, v]) => [k, resolved(v)]));
  }
  if (s.items) s.items = resolved(s.items);
  return s;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Json;
  style?: string;
  explode?: boolean;
}

export function parametersOf(op: Operation): Parameter[] {
  const item = spec.paths[op.path]!;
  const all = [
    ...((item.parameters as unknown as unknown[] | undefined) ?? []),
    ...(((item[op.method.toLowerCase()] as Json).parameters as unknown[] | undefined) ?? []),
  ];
  return all.map((p) => {
    const param = deref(p);
    return { ...(param as unknown as Parameter), schema: resolved(param.schema) };
  });
}

export function bodySchemaOf(op: Operation): { ref: string; schema: Json } | undefined {
  const requestBody = deref((spec.paths[op.path]![op.method.toLowerCase()] as Json).requestBody);
  const raw = (requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined;
  if (!raw) return undefined;
  return { ref: String((raw.schema as Json).$ref), schema: resolved(raw.schema) };
}

// ---------------------------------------------------------------------------------------------
// The oracle: ajv over the spec, in the server validator's mode

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv, { mode: 'fast' });
ajv.addSchema(spec, 'spec');
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(ref: string) {
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ref.startsWith('#') ? ajv.compile({ $ref: `spec${ref}` }) : ajv.compile(JSON.parse(ref) as Json);
    compiled.set(ref, validate);
  }
  return validate;
}

/** Whether a JSON value is valid against a schema of the spec ($ref) or an inline schema. */
export function validAgainst(refOrSchema: string | Json, value: unknown): boolean {
  try {
    return Boolean(validatorFor(typeof refOrSchema === 'string' ? refOrSchema : JSON.stringify(refOrSchema))(value));
  } catch {
    // ajv's uniqueItems (fast-deep-equal) throws on objects with an own `valueOf`/`toString` key.
    // No schema of the spec names such a property, so a value holding one is invalid.
    return false;
  }
}

/**
 * A copy of a body without the properties the server ignores (lenient mode): those a closed
 * object schema (`additionalProperties: false`) does not name, at every depth the schema describes.
 */
export function withoutUnknownProperties(schema: Json, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((item) => withoutUnknownProperties(schema.items as Json, item)) : value;
  if (value === null || typeof value !== 'object' || !schema.properties) return value;
  const properties = schema.properties as Record<string, Json>;
  const kept = Object.entries(value).filter(([key]) => Object.hasOwn(properties, key) || schema.additionalProperties !== false);
  // defineProperty: a kept `__proto__` key stays a plain property.
  return kept.reduce<Json>((copy, [key, v]) => {
    const known = Object.hasOwn(properties, key) ? withoutUnknownProperties(properties[key]!, v) : v;
    return Object.defineProperty(copy, key, { value: known, enumerable: true, writable: true, configurable: true });
  }, {});
}

/** Any ErrorInfo, for answers that belong to no operation (unknown routes, methods). */
export function errorInfoProblems(body: unknown): string[] {
  const validate = validatorFor('#/components/schemas/ErrorInfo');
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** A query value as the validator sees it: coerced to the parameter's type like ajv's coerceTypes. */
function coerceQuery(schema: Json, raw: string): unknown {
  switch (schema.type) {
    // Query numbers are decimal (the server refuses `0x10`, ` `, `+5`, `.5`, `Infinity`).
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case 'number':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

// ---------------------------------------------------------------------------------------------
// Generation from schemas

const emailArb = fc.emailAddress().filter((e) => validAgainst('#/components/schemas/EmailAddress', e));

/** A value valid against a resolved schema. */
export const validValue: (schema: Json) => fc.Arbitrary<unknown> = memo(
  (schema: Json) => buildValidValue(schema),
  (schema) => JSON.stringify(schema),
);

function buildValidValue(schema: Json): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  // One of several formats (a card holder's IP address, v4 or v6): a value of any of them.
  if (Array.isArray(schema.anyOf)) {
    const { anyOf, ...rest } = schema;
    return fc.oneof(...(anyOf as Json[]).map((alternative) => validValue({ ...rest, ...alternative })));
  }
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'email') return emailArb;
      if (schema.format === 'ipv4') return fc.ipV4();
      if (schema.format === 'ipv6') return fc.ipV6();
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern, 'u'));
      return fc
        .string({ unit: 'grapheme', maxLength: Math.min(Number(schema.maxLength ?? 40), 40) })
        .filter((s) => validAgainst(schema, s));
    }
    case 'integer':
      return fc.integer({ min: Number(schema.minimum ?? -1e6), max: Number(schema.maximum ?? 1e6) });
    case 'number':
      return fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = validValue(schema.items as Json);
      return schema.uniqueItems
        ? fc.uniqueArray(item, { selector: (v) => JSON.stringify(v), maxLength: 3 })
        : fc.array(item, { maxLength: 3 });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = (schema.required as string[] | undefined) ?? [];
      const record = fc.record(
        // Identifiers come mostly from a small pool, so that creates collide and reads find rows.
        Object.fromEntries(
          Object.entries(properties).map(([k, v]) => [
            k,
            k === 'customerIdentifier' ? poolOr(CUSTOMER_POOL, v) : k === 'accountIdentifier' ? poolOr(ACCOUNT_POOL, v) : validValue(v),
          ]),
        ),
        { requiredKeys: required },
      ) as fc.Arbitrary<Json>;
      const min = Number(schema.minProperties ?? 0);
      return min > 0 ? record.filter((o) => Object.keys(o).length >= min) : record;
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** Characters that break or stress strings: controls, bidi, BOM, combining marks, emoji, NBSP, surrogates. */
const STRANGE = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\n',
  '\t',
  '\u007f',
  '\u202e',
  '\ufeff',
  '\u200b',
  '\u0301',
  '😀',
  '\u00a0',
  '\u3000',
  '中',
  'é',
  'ß',
  '\ud800',
  '\udfff',
  '"',
  '\\',
  '<',
  '%',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  "'",
  '`',
];
const strangeChar = fc.constantFrom(...STRANGE);

/** A string with strange characters spliced in (valid or not: the oracle decides). */
const strangeString = fc
  .tuple(
    fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }),
    fc.array(fc.tuple(strangeChar, fc.nat()), { minLength: 1, maxLength: 4 }),
  )
  .map(([base, inserts]) => inserts.reduce((s, [c, at]) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1)), base));

/** A string whose length is exactly n, of the characters the pattern's class allows. */
const stringOfLength = (schema: Json, n: number): fc.Arbitrary<string> => stringOfLengthMemo([schema, n]);
const stringOfLengthMemo = memo(
  ([schema, n]: [Json, number]) => buildStringOfLength(schema, n),
  ([schema, n]) => `${JSON.stringify(schema)}|${n}`,
);
function buildStringOfLength(schema: Json, n: number): fc.Arbitrary<string> {
  if (schema.format === 'email') {
    const domain = '@acme.example';
    return fc.constant(`${'x'.repeat(Math.max(1, n - domain.length))}${domain}`);
  }
  const charClass = /^\^(\[.*\])\{\d+,\d+\}\$$/u.exec(String(schema.pattern ?? ''))?.[1];
  if (charClass) return fc.stringMatching(new RegExp(`^${charClass}{${n}}$`, 'u'));
  return fc.constant('a'.repeat(n));
}

/** The lengths around a string's bounds: one under, at, and one over each. */
function boundaryLengths(schema: Json): number[] {
  const fromPattern = /\{(\d+),(\d+)\}\$$/.exec(String(schema.pattern ?? ''));
  const min = Number(fromPattern?.[1] ?? schema.minLength ?? 1);
  const max = Number(fromPattern?.[2] ?? schema.maxLength ?? 100);
  return [min - 1, min, max, max + 1].filter((n) => n >= 0);
}

const otherType = (schema: Json): fc.Arbitrary<unknown> => {
  const others: fc.Arbitrary<unknown>[] = [
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
  ];
  if (schema.type !== 'string') others.push(fc.string({ maxLength: 8 }));
  return fc.oneof(...others);
};

const extraKey = fc.oneof(
  fc.string({ minLength: 0, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'accountNumber', 'currentBalance', 'status', 'createdAt'),
);

/** A body built from a valid one by one schema-directed change; the oracle says whether it is still valid. */
const mutatedBody = memo(
  (schema: Json) => buildMutatedBody(schema),
  (schema) => JSON.stringify(schema),
);
function buildMutatedBody(schema: Json): fc.Arbitrary<{ how: string; value: unknown }> {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const names = Object.keys(properties);
  const required = (schema.required as string[] | undefined) ?? [];
  const base = validValue(schema) as fc.Arbitrary<Json>;
  const stringNames = names.filter((n) => properties[n]!.type === 'string' && !properties[n]!.enum);
  const mutations: fc.Arbitrary<{ how: string; value: unknown }>[] = [
    fc
      .tuple(
        base,
        fc.constantFrom(...names),
        fc.constantFrom(...names).chain((n) => otherType(properties[n]!)),
      )
      .map(([b, name, v]) => ({
        how: `wrong-type:${name}`,
        value: { ...b, [name]: v },
      })),
    fc.tuple(base, extraKey, fc.jsonValue({ maxDepth: 2 })).map(([b, key, v]) => ({
      how: 'extra-property',
      value: JSON.parse(
        JSON.stringify(b).replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(v ?? null)}${Object.keys(b).length ? ',' : ''}`),
      ),
    })),
    fc.tuple(base, fc.constantFrom(...names)).map(([b, name]) => {
      const copy = { ...b };
      delete copy[name];
      return { how: `missing:${name}`, value: copy };
    }),
    // Thousands of unknown properties (each a reported error to a validator in allErrors mode).
    fc.tuple(base, fc.constantFrom(51, 3_000)).map(([b, n]) => ({
      how: `many-unknown-properties:${n}`,
      value: { ...b, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`unknown${i}`, i])) },
    })),
    fc.constant({ how: 'empty-object', value: {} }),
    fc.oneof(fc.constant([]), fc.constant(null), fc.string(), fc.integer(), fc.array(base, { maxLength: 2 })).map((v) => ({
      how: 'not-an-object',
      value: v,
    })),
  ];
  if (stringNames.length > 0) {
    mutations.push(
      fc.constantFrom(...stringNames).chain((name) =>
        fc
          .tuple(
            base,
            fc.constantFrom(...boundaryLengths(properties[name]!)).chain((n) => stringOfLength(properties[name]!, n)),
          )
          .map(([b, s]) => ({
            how: `boundary:${name}:${s.length}`,
            value: { ...b, [name]: s },
          })),
      ),
      fc
        .tuple(base, fc.constantFrom(...stringNames), strangeString)
        .map(([b, name, s]) => ({ how: `strange-string:${name}`, value: { ...b, [name]: s } })),
      fc.tuple(base, fc.constantFrom(...stringNames), fc.string({ unit: 'binary', minLength: 1, maxLength: 120 })).map(([b, name, s]) => ({
        how: `unicode:${name}`,
        value: { ...b, [name]: s },
      })),
    );
  }
  const arrayName = names.find((n) => properties[n]!.type === 'array');
  if (arrayName) {
    const item = validValue(properties[arrayName]!.items as Json);
    mutations.push(
      fc.tuple(base, item).map(([b, i]) => ({ how: `duplicate-items:${arrayName}`, value: { ...b, [arrayName]: [i, i] } })),
      fc
        .tuple(
          base,
          fc.oneof(
            fc.string(),
            fc.integer(),
            fc.constant(null),
            fc.constant({}),
            fc.record({ emailAddress: fc.string({ maxLength: 20 }) }),
            item.map((i) => ({ ...(i as Json), extra: 1 })),
          ),
        )
        .map(([b, i]) => ({
          how: `bad-item:${arrayName}`,
          value: { ...b, [arrayName]: [i] },
        })),
      // Far over maxItems, all distinct (a uniqueness check would compare every pair), under 64 KiB:
      // refused on the array's size before any costlier check (prechecks.ts).
      fc.tuple(base, fc.constantFrom(51, 1_000, 5_000)).map(([b, n]) => ({
        how: `over-max-items:${arrayName}:${n}`,
        value: { ...b, [arrayName]: Array.from({ length: n }, (_, i) => (n <= 1_000 ? { emailAddress: `r${i}@acme.example` } : { e: i })) },
      })),
      // Items whose keys shadow Object.prototype members: uniqueItems compares them pairwise.
      fc
        .tuple(
          base,
          fc.array(
            fc.dictionary(
              fc.constantFrom('valueOf', 'toString', 'constructor', 'hasOwnProperty', '__proto__', 'emailAddress'),
              fc.oneof(fc.string({ maxLength: 6 }), fc.integer()),
              { minKeys: 1, maxKeys: 2 },
            ),
            { minLength: 2, maxLength: 3 },
          ),
        )
        .map(([b, items]) => ({ how: `prototype-keys:${arrayName}`, value: JSON.parse(JSON.stringify({ ...b, [arrayName]: items })) })),
    );
  }
  if (required.length === 0 && names.length > 0) {
    // e.g. UpdateAccountCriteria: minProperties, nothing required
    mutations.push(fc.constant({ how: 'only-unknown', value: { nickname: 'x' } }));
  }
  return fc.oneof(...mutations);
}

// ---------------------------------------------------------------------------------------------
// Identifiers: a small pool (so creates collide and reads find things) and the pattern at large

export const CUSTOMER_POOL = [
  'acme-retail-us',
  'restricted-one',
  'restricted-two',
  'fuzz-customer-1',
  'fuzz-customer-2',
  'FUZZ-Customer-3',
];
export const ACCOUNT_POOL = [
  'acme-q4-bonus',
  'fuzz-account-1',
  'fuzz-account-2',
  'fuzz-account-3',
  'fuzz-account-4',
  'fuzz-account-5',
  'fuzz-account-6',
  'fuzz-account-7',
];
/** Customers the restricted credential (harness: oneRestricted) may touch. */
export const RESTRICTED_TO = new Set(['restricted-one', 'restricted-two']);

function poolOr(pool: string[], schema: Json): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: validValue(schema) as fc.Arbitrary<string> });
}

/** A path segment: valid (pool or pattern) or odd. `raw` is sent as is; the oracle decodes it like the router. */
const segment = memo(
  (param: Parameter) => buildSegment(param),
  (param) => `${param.name}|${JSON.stringify(param.schema)}`,
);
function buildSegment(param: Parameter): fc.Arbitrary<{ raw: string; how: string }> {
  const pool = param.name === 'customerIdentifier' ? CUSTOMER_POOL : ACCOUNT_POOL;
  const valid = poolOr(pool, param.schema).map((v) => ({ raw: encode(v), how: 'valid' }));
  const odd = fc.oneof(
    fc
      .constantFrom(...boundaryLengths(param.schema))
      .chain((n) => stringOfLength(param.schema, n))
      .map((v) => ({ raw: v, how: `length-${v.length}` })),
    strangeString.filter((s) => s.length > 0).map((v) => ({ raw: encode(v), how: 'strange-encoded' })),
    fc
      .constantFrom(
        '..',
        '.',
        '%2F',
        'abc%2Fdef',
        'abc%2fdef',
        '%2e%2e',
        'abc%252Fdef',
        '%ZZabc',
        '%E0%A4%A',
        '%',
        'abc%00def',
        '%C0%AF',
        '~user',
        '*',
        'a;b=c',
        'abc+def',
        'abcde%20',
      )
      .map((v) => ({ raw: v, how: `odd:${v}` })),
    fc.integer({ min: 200, max: 3500 }).map((n) => ({ raw: 'a'.repeat(n), how: `long-${n}` })),
    fc.integer({ min: 3600, max: 6000 }).map((n) => ({ raw: 'b'.repeat(n), how: `very-long-${n}` })),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((v) => ({ raw: encode(v), how: 'unicode-encoded' })),
    fc.stringMatching(/^[A-Z]{5,10}$/).map((v) => ({ raw: v, how: 'upper-case' })),
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: odd });
}

/** A lone surrogate cannot be percent-encoded: it becomes U+FFFD, as a UTF-8 encoder would make it. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
const encode = (s: string) => encodeURIComponent(wellFormed(s));

/** How the router would see a raw segment: decoded, or undefined when it cannot be decoded. */
function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Queries

type QueryPairs = [string, string][];
interface Query {
  pairs: QueryPairs;
  how: string;
  /**
   * false: the validator rejects it (400); true: valid; 'either': format-valid but ambiguous (200 or
   * 400, never 5xx); 'cursor': a forged cursor, which the domain rejects with 400 after its own
   * checks of the customer (403, 404).
   */
  valid: boolean | 'either' | 'cursor';
}

function encodeQuery(pairs: QueryPairs): string {
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

/** Values valid by the spec's schema that stress the store: extremes, controls, unicode. */
function edgeValues(param: Parameter): { value: string; valid: boolean | 'either' }[] {
  const s = param.schema;
  if (s.type === 'number') {
    // Valid when finite and within the schema's bounds; Infinity and 1e400 depend on coercion.
    return ['1e20', '-1e20', '1e308', '9007199254740993', '0.005', '-0', '1e12', '-1e12', 'Infinity', '1e400'].map((value) => {
      const n = Number(value);
      if (!Number.isFinite(n)) return { value, valid: 'either' as const };
      const aboveMin = s.minimum === undefined || n >= Number(s.minimum);
      const belowMax = s.maximum === undefined || n <= Number(s.maximum);
      return { value, valid: aboveMin && belowMax };
    });
  }
  if (s.format === 'date-time') {
    return [
      { value: '1970-01-01T00:00:00Z', valid: true },
      { value: '0001-01-01T00:00:00.000Z', valid: true },
      { value: '9999-12-31T23:59:59.999Z', valid: true },
      { value: '2020-06-30T23:59:60Z', valid: 'either' }, // a leap second: RFC 3339 allows it, an instant cannot hold it
      { value: '2020-01-01T00:00:00+14:00', valid: true },
      { value: '2020-02-30T00:00:00Z', valid: 'either' },
      { value: '2020-01-01T00:00:00+25:00', valid: 'either' },
      { value: '2020-01-01T25:61:00Z', valid: 'either' },
    ];
  }
  if (s.type === 'string' && !s.pattern && !s.enum && !s.format) {
    return ['\u0000', 'a\u0000b', '\u202e', '😀', '\ufffd', "'; DROP TABLE customers; --", '%', '_', '\\', ' ', 'é'.repeat(100)].map(
      (value) => ({
        value,
        valid: value.length <= Number(s.maxLength ?? Infinity),
      }),
    );
  }
  return [];
}

const queryArb = memo(
  (op: Operation) => buildQueryArb(op),
  (op) => op.operationId,
);
function buildQueryArb(op: Operation): fc.Arbitrary<Query> {
  const params = parametersOf(op).filter((p) => p.in === 'query');
  if (params.length === 0) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant<Query>({ pairs: [], how: 'none', valid: true }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.stringMatching(/^[a-zA-Z]{1,10}$/), fc.string({ maxLength: 5 }))
          .map(([k, v]) => ({ pairs: [[k, v]] as QueryPairs, how: 'unknown-param', valid: false })),
      },
    );
  }
  const opaque = new Set(['nextCursor', 'prevCursor']);
  const usable = params.filter((p) => !opaque.has(p.name));
  const byName = new Map(params.map((p) => [p.name, p]));

  // An empty value is not a value: OpenAPI's allowEmptyValue defaults to false, so `name=` is a 400.
  const validPairs = (p: Parameter): fc.Arbitrary<QueryPairs> => {
    if (p.schema.type === 'array') {
      return fc
        .array(validValue(p.schema.items as Json), { minLength: 1, maxLength: 3 })
        .map((vs) => vs.map((v) => [p.name, String(v)] as [string, string]));
    }
    return validValue(p.schema)
      .filter((v) => String(v) !== '')
      .map((v) => [[p.name, String(v)]] as QueryPairs);
  };
  const valid = fc
    .subarray(usable, { maxLength: Math.min(3, usable.length) })
    .chain((chosen) => (chosen.length === 0 ? fc.constant([] as QueryPairs[]) : fc.tuple(...chosen.map(validPairs))))
    .map((groups) => ({ pairs: groups.flat(), how: 'valid', valid: true }) as Query);

  const withEdges = usable.filter((p) => edgeValues(p).length > 0);
  const edge = fc.constantFrom(...(withEdges.length > 0 ? withEdges : usable)).chain((p) =>
    fc.constantFrom(...edgeValues(p)).map(
      (e) =>
        ({
          pairs: [[p.name, e.value]] as QueryPairs,
          how: `edge:${p.name}=${JSON.stringify(e.value).slice(0, 20)}`,
          valid: e.valid,
        }) as Query,
    ),
  );

  const scalarNames = usable.filter((p) => p.schema.type !== 'array').map((p) => p.name);
  const broken: fc.Arbitrary<Query>[] = [
    fc.constantFrom('0', '201', '-1', '1.5', 'abc', '', '10abc', '[]', '0x10', ' ', '1e1', '+5', '0b11', ' 5').map((v) => ({
      pairs: [
        ['paginate', 'true'],
        ['maxResults', v],
      ] as QueryPairs,
      how: `maxResults=${v}`,
      valid: false,
    })),
    fc
      .constantFrom('yes', '1', 'TRUE', '', 'null', 'on')
      .map((v) => ({ pairs: [['paginate', v]] as QueryPairs, how: `paginate=${v}`, valid: false })),
    fc.constant<Query>({
      pairs: [
        ['paginate', 'true'],
        ['maxResults', '1'],
        ['maxResults', '2'],
      ],
      how: 'duplicate-maxResults',
      valid: false,
    }),
    fc.constant<Query>({
      pairs: [
        ['paginate', 'true'],
        ['paginate', 'true'],
      ],
      how: 'duplicate-paginate',
      valid: false,
    }),
    fc.tuple(fc.constantFrom(...scalarNames), fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([name, a, b]) => ({
      pairs: [
        [name, a],
        [name, b],
      ] as QueryPairs,
      how: `duplicate-${name}`,
      valid: false,
    })),
    fc
      .tuple(
        fc.stringMatching(/^[a-zA-Z_]{1,12}$/).filter((k) => !byName.has(k)),
        fc.string({ maxLength: 6 }),
      )
      .map(([k, v]) => ({ pairs: [[k, v]] as QueryPairs, how: 'unknown-param', valid: false })),
    fc
      .tuple(
        fc.constantFrom('nextCursor', 'prevCursor'),
        fc.oneof(fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 40 }), fc.constant('x'.repeat(600))),
      )
      .map(
        ([name, v]) =>
          ({
            pairs: [
              ['paginate', 'true'],
              [name, v],
            ] as QueryPairs,
            how: `forged-${name}`,
            valid: v.length > 512 ? false : 'cursor',
          }) as Query,
      ),
  ];
  // A value that breaks the parameter's schema (a bad enum, format, pattern, type or length).
  for (const p of usable) {
    const s = p.schema.type === 'array' ? (p.schema.items as Json) : p.schema;
    const bad: string[] = [];
    if (s.enum) bad.push('bogus', String((s.enum as string[])[0]).toLowerCase());
    if (s.format === 'date-time') bad.push('2020-01-01', 'yesterday', '2020-01-01 00:00:00', '');
    if (s.format === 'email') bad.push('not-an-email', 'a@', '@b.example', '');
    if (s.pattern) bad.push('', 'x', 'A1234567', 'a'.repeat(101));
    if (s.type === 'number') bad.push('abc', 'NaN', '', '1,5', '0x10', ' ', '+5', '.5', '0b11', '5 ', 'Infinity', '1_000');
    if (s.type === 'string' && s.maxLength && !s.pattern && !s.format) bad.push('x'.repeat(Number(s.maxLength) + 1));
    const invalid = bad.filter((v) => !validAgainst(s, coerceQuery(s, v)));
    if (invalid.length > 0) {
      broken.push(fc.constantFrom(...invalid).map((v) => ({ pairs: [[p.name, v]] as QueryPairs, how: `invalid-${p.name}`, valid: false })));
    }
  }
  broken.push(
    fc
      .constantFrom('displayName[]=x', 'displayName[a]=x', '&&=', '=x', 'paginate', '%ZZ=1', 'a=%ZZ')
      .map((raw) => ({ pairs: [['\0raw', raw]] as QueryPairs, how: `malformed:${raw}`, valid: false })),
  );
  // An operation may have no parameter with edge values (the alerts' page numbers).
  return withEdges.length > 0
    ? fc.oneof({ weight: 5, arbitrary: valid }, { weight: 2, arbitrary: edge }, { weight: 3, arbitrary: fc.oneof(...broken) })
    : fc.oneof({ weight: 5, arbitrary: valid }, { weight: 3, arbitrary: fc.oneof(...broken) });
}

function queryString(q: Query): string {
  if (q.pairs.length === 0) return '';
  if (q.pairs[0]![0] === '\0raw') return `?${q.pairs[0]![1]}`;
  return `?${encodeQuery(q.pairs)}`;
}

// ---------------------------------------------------------------------------------------------
// Bodies

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string; chunked: boolean; how: string }
  | { kind: 'text'; text: string; contentType: string; how: string }
  | { kind: 'oversize'; bytes: number; chunked: boolean; contentType: string; how: string }
  | { kind: 'wrong-media-type'; text: string; contentType: string | undefined; how: string }
  | { kind: 'gzip'; payload: 'valid' | 'garbage' | 'bomb'; value: unknown; how: string }
  | { kind: 'empty'; contentType: string | undefined; how: string };

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8'];
const NOT_JSON_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  'text/json',
  ';;;',
];
const INVALID_JSON = [
  '{',
  '}',
  '{"a":}',
  "{'customerIdentifier':'abcde'}",
  '{"a":1,}',
  'null',
  'true',
  '"string"',
  '12',
  'undefined',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":01}',
  '{"a":"\u0000"}',
  '\u0000',
  '{"a":"\\x41"}',
  '{"a" 1}',
  '[1,2',
  'nul',
  '{"a":"unterminated}',
  '{} trailing',
  '<?xml version="1.0"?><a/>',
  '{"a":1}{"b":2}',
];

const bodyArb = memo(
  (op: Operation) => buildBodyArb(op),
  (op) => op.operationId,
);
function buildBodyArb(op: Operation): fc.Arbitrary<Body> {
  const body = bodySchemaOf(op);
  if (!body) return fc.constant<Body>({ kind: 'none' });
  const valid = validValue(body.schema);
  const json = (value: fc.Arbitrary<{ how: string; value: unknown }>) =>
    fc
      .tuple(value, fc.constantFrom(...JSON_TYPES), fc.boolean())
      .map(([v, contentType, chunked]) => ({ kind: 'json', value: v.value, contentType, chunked, how: v.how }) as Body);
  return fc.oneof(
    { weight: 8, arbitrary: json(valid.map((value) => ({ how: 'valid', value }))) },
    { weight: 8, arbitrary: json(mutatedBody(body.schema)) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(...INVALID_JSON),
          valid.chain((v) => {
            const text = JSON.stringify(v);
            return fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => text.slice(0, cut));
          }),
        )
        .map((text) => ({ kind: 'text', text, contentType: 'application/json', how: 'invalid-json' }) as Body),
    },
    {
      // Valid JSON nested thousands of levels deep, in an unknown property or as the whole body.
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.integer({ min: 2_000, max: 8_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
        .map(([v, depth, open, whole]) => {
          const close = open === '[' ? ']' : '}';
          const deep = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
          const text = whole ? deep : JSON.stringify(v).replace(/^\{/, `{"nested":${deep},`);
          return { kind: 'text', text, contentType: 'application/json', how: `deeply-nested-${depth}` } as Body;
        }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(BODY_LIMIT_BYTES + 1, BODY_LIMIT_BYTES + 1000, 100_000, 300_000),
          fc.boolean(),
          fc.constantFrom('application/json', 'text/plain'),
        )
        .map(
          ([bytes, chunked, contentType]) =>
            ({ kind: 'oversize', bytes, chunked, contentType, how: `oversize-${bytes}${chunked ? '-chunked' : ''}` }) as Body,
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.option(fc.constantFrom(...NOT_JSON_TYPES), { nil: undefined }))
        .map(
          ([v, contentType]) =>
            ({ kind: 'wrong-media-type', text: JSON.stringify(v), contentType, how: `media-type:${contentType ?? 'missing'}` }) as Body,
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .option(fc.constant('application/json'), { nil: undefined })
        .map((contentType) => ({ kind: 'empty', contentType, how: 'empty-body' }) as Body),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom<'valid' | 'garbage' | 'bomb'>('valid', 'garbage', 'bomb'), valid)
        .map(([payload, value]) => ({ kind: 'gzip', payload, value, how: `gzip-${payload}` }) as Body),
    },
  );
}

/** The bytes, headers and transfer mode of a body, and what the body phase of the server answers. */
export function renderBody(body: Body): {
  data?: Buffer;
  headers: Record<string, string>;
  chunked: boolean;
  parsed?: unknown;
  bodyPhase?: number[];
  hasBody: boolean;
} {
  switch (body.kind) {
    case 'none':
      return { headers: {}, chunked: false, hasBody: false };
    case 'empty':
      // No body: without a Content-Type the validator's media-type check (415) may come before its
      // "body is required" (400); both are documented answers to this request.
      return {
        headers: body.contentType ? { 'content-type': body.contentType } : {},
        data: Buffer.alloc(0),
        chunked: false,
        hasBody: false,
        bodyPhase: body.contentType ? undefined : [400, 415],
      };
    case 'json': {
      const data = Buffer.from(JSON.stringify(body.value) ?? 'null');
      const parsed: unknown = JSON.parse(data.toString());
      // body-parser's strict mode takes only an object or an array: any other JSON is a 400.501.
      const strict = parsed !== null && typeof parsed === 'object';
      return {
        data,
        headers: { 'content-type': body.contentType },
        chunked: body.chunked,
        parsed,
        hasBody: true,
        bodyPhase: strict ? undefined : [400],
      };
    }
    case 'text': {
      const data = Buffer.from(body.text);
      // body-parser's strict mode takes only an object or array, after optional whitespace (and a BOM).
      let parsed: unknown;
      let ok = /^[ \t\n\r]*[[{]/.test(body.text.replace(/^\ufeff/, ''));
      if (ok) {
        try {
          parsed = JSON.parse(body.text);
        } catch {
          ok = false;
        }
      }
      return {
        data,
        headers: { 'content-type': body.contentType },
        chunked: false,
        parsed,
        bodyPhase: ok ? undefined : [400],
        hasBody: data.length > 0,
      };
    }
    case 'oversize': {
      const padding = 'x'.repeat(body.bytes);
      const data = Buffer.from(`{"displayName":"${padding}"}`).subarray(0, body.bytes);
      const isJson = body.contentType === 'application/json';
      // Declared length over the limit: 413 before anything else. Streamed: media type first, then 413.
      return {
        data,
        headers: { 'content-type': body.contentType },
        chunked: body.chunked,
        bodyPhase: body.chunked && !isJson ? [415] : [413],
        hasBody: true,
      };
    }
    case 'wrong-media-type':
      return {
        data: Buffer.from(body.text),
        headers: body.contentType ? { 'content-type': body.contentType } : {},
        chunked: false,
        bodyPhase: [415],
        hasBody: true,
      };
    case 'gzip': {
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
      if (body.payload === 'garbage')
        return { data: Buffer.from('{"not":"gzip"}'), headers, chunked: false, bodyPhase: [400], hasBody: true };
      if (body.payload === 'bomb')
        return { data: gzipSync(Buffer.alloc(2_000_000, 0x20)), headers, chunked: false, bodyPhase: [413], hasBody: true };
      // The server sees the JSON round trip (fast-check may build null-prototype objects).
      return {
        data: gzipSync(JSON.stringify(body.value)),
        headers,
        chunked: false,
        parsed: JSON.parse(JSON.stringify(body.value)),
        hasBody: true,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Credentials

export type Who = 'one' | 'two' | 'readOnly' | 'restricted';
export type Auth =
  | { kind: 'valid'; who: Who; style: 'canonical' | 'lower-case-scheme' | 'extra-spaces' }
  | { kind: 'broken'; how: string; render: (creds: Record<Who, { name: string; key: string }>) => string | undefined };

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

const BROKEN_AUTH: fc.Arbitrary<Auth> = fc.oneof(
  fc.constant<Auth>({ kind: 'broken', how: 'missing', render: () => undefined }),
  fc
    .constantFrom(
      '',
      'Basic',
      'Basic ',
      'Bearer abc',
      'Digest username="x"',
      'Basic !!!',
      'Basic ====',
      'Basic a',
      'Basic cGxhdGZvcm0tb25l',
      'Basic Og==',
    )
    .map((value) => ({ kind: 'broken', how: `literal:${value}`, render: () => value }) as Auth),
  fc.constantFrom<Who>('one', 'two', 'readOnly', 'restricted').chain((who) =>
    fc.oneof(
      fc.nat().map(
        (at) =>
          ({
            kind: 'broken',
            how: 'wrong-key-one-char',
            render: (c) => {
              const key = c[who].key;
              const i = at % key.length;
              return `Basic ${b64(`${c[who].name}:${key.slice(0, i)}${key[i] === 'A' ? 'B' : 'A'}${key.slice(i + 1)}`)}`;
            },
          }) as Auth,
      ),
      fc.constant<Auth>({
        kind: 'broken',
        how: 'truncated-key',
        render: (c) => `Basic ${b64(`${c[who].name}:${c[who].key.slice(0, -1)}`)}`,
      }),
      fc.constant<Auth>({ kind: 'broken', how: 'key-plus-char', render: (c) => `Basic ${b64(`${c[who].name}:${c[who].key}x`)}` }),
      fc.constant<Auth>({ kind: 'broken', how: 'no-colon', render: (c) => `Basic ${b64(`${c[who].name}${c[who].key}`)}` }),
      fc.constant<Auth>({ kind: 'broken', how: 'empty-name', render: (c) => `Basic ${b64(`:${c[who].key}`)}` }),
      fc.constant<Auth>({ kind: 'broken', how: 'empty-key', render: (c) => `Basic ${b64(`${c[who].name}:`)}` }),
      fc.constant<Auth>({ kind: 'broken', how: 'bearer-key', render: (c) => `Bearer ${c[who].key}` }),
      fc.constant<Auth>({
        kind: 'broken',
        how: 'bad-base64',
        render: (c) => `Basic ${b64(`${c[who].name}:${c[who].key}`).replace(/^(.{6})/, '$1*')}`,
      }),
      fc.constant<Auth>({
        kind: 'broken',
        how: 'key-of-other-platform',
        render: (c) => `Basic ${b64(`${who === 'two' ? c.one.name : c.two.name}:${c[who].key}`)}`,
      }),
      fc.constant<Auth>({
        kind: 'broken',
        how: 'two-credentials',
        render: (c) => `Basic ${b64(`${c[who].name}:${c[who].key}`)}, Basic ${b64('x:y')}`,
      }),
      fc
        .stringMatching(/^[a-z][a-z0-9-]{2,30}$/)
        .map((name) => ({ kind: 'broken', how: 'unknown-platform', render: (c) => `Basic ${b64(`${name}:${c[who].key}`)}` }) as Auth),
      fc
        .string({ unit: 'binary', minLength: 1, maxLength: 20 })
        .map((name) => ({ kind: 'broken', how: 'unicode-name', render: (c) => `Basic ${b64(`${name}:${c[who].key}`)}` }) as Auth),
    ),
  ),
  fc
    .integer({ min: 1000, max: 6000 })
    .map((n) => ({ kind: 'broken', how: `huge-${n}`, render: () => `Basic ${b64(Buffer.alloc(n, 0x61))}` }) as Auth),
  fc
    .uint8Array({ minLength: 1, maxLength: 60 })
    .map((bytes) => ({ kind: 'broken', how: 'random-bytes', render: () => `Basic ${b64(Buffer.from(bytes))}` }) as Auth),
);

const AUTH: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Auth>({ kind: 'valid', who: 'one', style: 'canonical' }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<'lower-case-scheme' | 'extra-spaces'>('lower-case-scheme', 'extra-spaces')
      .map((style) => ({ kind: 'valid', who: 'one', style }) as Auth),
  },
  { weight: 4, arbitrary: fc.constant<Auth>({ kind: 'valid', who: 'two', style: 'canonical' }) },
  { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'valid', who: 'readOnly', style: 'canonical' }) },
  { weight: 3, arbitrary: fc.constant<Auth>({ kind: 'valid', who: 'restricted', style: 'canonical' }) },
  { weight: 3, arbitrary: BROKEN_AUTH },
);

export function renderAuth(auth: Auth, creds: Record<Who, { name: string; key: string }>): string | undefined {
  if (auth.kind === 'broken') return auth.render(creds);
  const token = b64(`${creds[auth.who].name}:${creds[auth.who].key}`);
  if (auth.style === 'lower-case-scheme') return `basic ${token}`;
  if (auth.style === 'extra-spaces') return `Basic   ${token}  `;
  return `Basic ${token}`;
}

// ---------------------------------------------------------------------------------------------
// Whole requests

export interface FuzzCase {
  /** `operationId:what was broken`, or a route-level label. */
  label: string;
  operation?: Operation;
  method: string;
  /** The request target in origin form (absolute path with query). */
  target: string;
  /**
   * Sent before the target when set: an absolute-form target (`http://user:pass@host/path`),
   * which must be answered exactly as the origin form, never echoing the user information.
   */
  authority?: string;
  auth: Auth;
  body: Body;
  /** Set when the route is a spec operation whose path parameters and query are known. */
  params?: Record<string, { raw: string; how: string }>;
  query?: Query;
  route: 'operation' | 'unknown-route' | 'unknown-method' | 'outside-api';
}

const operationCase: fc.Arbitrary<FuzzCase> = fc.constantFrom(...operations).chain((op) => caseOf(op));
const caseOf = memo(
  (op: Operation) => buildCaseOf(op),
  (op) => op.operationId,
);
function buildCaseOf(op: Operation): fc.Arbitrary<FuzzCase> {
  const pathParams = parametersOf(op).filter((p) => p.in === 'path');
  const segments = pathParams.length === 0 ? fc.constant([] as { raw: string; how: string }[]) : fc.tuple(...pathParams.map(segment));
  return fc.record({ segments, query: queryArb(op), body: bodyArb(op), auth: AUTH }).map(({ segments: segs, query, body, auth }) => {
    const params = Object.fromEntries(pathParams.map((p, i) => [p.name, segs[i]!]));
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => params[name]!.raw);
    const broken = [
      ...Object.entries(params)
        .filter(([, s]) => s.how !== 'valid')
        .map(([n, s]) => `${n}:${s.how.slice(0, 24)}`),
      query.how !== 'valid' && query.how !== 'none' ? `query:${query.how}` : '',
      body.kind === 'none' || (body.kind === 'json' && body.how === 'valid') ? '' : `body:${body.how}`,
      auth.kind === 'broken' ? `auth:${auth.how.slice(0, 24)}` : '',
    ].filter(Boolean);
    return {
      label: `${op.operationId}:${broken.join(',') || 'valid'}`,
      operation: op,
      method: op.method,
      target: `${API}${path}${queryString(query)}`,
      auth,
      body,
      params,
      query,
      route: 'operation',
    } as FuzzCase;
  });
}

const templates = [...new Set(operations.map((op) => op.path))];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

const routeCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        '/customerz',
        '/customers/acme-retail-us/accounts/acme-q4-bonus/extra',
        '/accounts/acme-q4-bonus/x',
        '/',
        '',
        '/%63ustomers',
        '/customers;x=1',
        '/raas/v2/customers',
        '/account',
        '/customers/acme-retail-us/account',
      ),
      fc.constantFrom('GET', 'POST', 'PATCH'),
      AUTH,
    )
    .map(
      ([path, method, auth]) =>
        ({
          label: `unknown-route:${method} ${path}`,
          method,
          target: `${API}${path}`,
          auth,
          body: { kind: 'none' },
          route: 'unknown-route',
        }) as FuzzCase,
    ),
  fc
    .tuple(fc.constantFrom(...templates), fc.constantFrom(...METHODS), AUTH)
    .filter(([path, method]) => !operations.some((op) => op.path === path && op.method === method))
    .map(
      ([path, method, auth]) =>
        ({
          label: `unknown-method:${method} ${path}`,
          method,
          target: `${API}${path.replace('{customerIdentifier}', 'acme-retail-us').replace('{accountIdentifier}', 'acme-q4-bonus')}`,
          auth,
          body: { kind: 'none' },
          route: 'unknown-method',
        }) as FuzzCase,
    ),
  fc
    .tuple(
      fc.constantFrom(
        '/raas/v3/customers',
        '/raas/v2x/customers',
        '/raas',
        '/raas/customers',
        '/customers',
        '/favicon.ico',
        '/.env',
        '/admin',
      ),
      fc.constantFrom('GET', 'POST'),
      AUTH,
    )
    .map(
      ([path, method, auth]) =>
        ({ label: `outside-api:${method} ${path}`, method, target: path, auth, body: { kind: 'none' }, route: 'outside-api' }) as FuzzCase,
    ),
);

/** User information an absolute-form target carries: it must never come back in an answer. */
export const AUTHORITY_SECRET = 'fuzz-secret';
const AUTHORITIES = [
  `http://fuzz-user:${AUTHORITY_SECRET}@127.0.0.1`,
  `HTTPS://${AUTHORITY_SECRET}@example.test:8443`,
  'http://127.0.0.1:1',
];

/** One request: mostly spec operations, some unknown routes and methods; some in absolute form. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: operationCase }, { weight: 1, arbitrary: routeCase }),
    fc.option(fc.constantFrom(...AUTHORITIES), { freq: 12 }),
    // A trailing slash reaches the same operation (non-strict routing), so the same checks apply.
    fc.nat({ max: 15 }).map((n) => n === 0),
  )
  .map(([c, authority, slash]) => {
    const slashed =
      slash && c.route === 'operation' ? { ...c, target: c.target.replace(/^([^?]*)/, '$1/'), label: `${c.label},trailing-slash` } : c;
    return authority === null ? slashed : { ...slashed, authority, label: `${slashed.label},absolute-form` };
  });

// ---------------------------------------------------------------------------------------------
// The expected answer

export interface Expected {
  statuses: number[];
  /** Acceptable i18nKeys for an error answer, when the cause is known. */
  keys?: string[];
  /** Why, for the failure report. */
  because: string;
}

/** What a fully valid request gets from the domain, by operation and credential. */
function domainOutcome(op: Operation, who: Who, params: Record<string, string>, body: unknown): Expected {
  const write = op.method !== 'GET';
  if (write && who === 'readOnly') return { statuses: [403], keys: ['403.017'], because: 'read-only credential writes' };
  const customer =
    op.operationId === 'createCustomer' ? String((body as { customerIdentifier: string }).customerIdentifier) : params.customerIdentifier;
  if (who === 'restricted' && customer !== undefined && !RESTRICTED_TO.has(customer)) {
    return { statuses: [403], keys: ['403.007'], because: 'restricted credential, customer outside its list' };
  }
  switch (op.operationId) {
    case 'listCustomers':
    case 'listAccounts':
      return { statuses: [200], because: 'valid list' };
    case 'createCustomer':
      return { statuses: [201, 409], keys: ['409.012'], because: 'valid create' };
    case 'getCustomer':
    case 'listCustomerAccounts':
      return { statuses: [200, 404], keys: ['404.002'], because: 'valid read of a customer' };
    case 'createCustomerAccount':
      // 409.017: another account holds the display name.
      return { statuses: [201, 404, 409], keys: ['404.002', '409.017', '409.018'], because: 'valid account create' };
    case 'updateCustomerAccount':
      return { statuses: [200, 404, 409], keys: ['404.002', '404.016', '404.020', '409.017'], because: 'valid update' };
    case 'getAccount':
      // For a restricted credential an account of another customer does not exist: 404.016 too.
      return { statuses: [200, 404], keys: ['404.016'], because: 'valid read of an account' };
    // Funding: a valid body may still break a rule of the domain (an amount's decimals as
    // written are 400.001; a random card number is not a sandbox card, 402.051), and the body
    // names its customer, so a limited credential may get 403.007 there.
    case 'listCreditCards':
      return { statuses: [200, 403], keys: ['403.007'], because: 'valid list of cards' };
    case 'createCreditCard':
      return {
        statuses: [201, 402, 403, 404, 422],
        keys: ['402.051', '403.007', '404.002', '404.016', '404.020', '422.050', '422.156'],
        because: 'valid card registration',
      };
    case 'getCreditCard':
      return { statuses: [200, 403, 404], keys: ['403.007', '404.022'], because: 'valid read of a card' };
    case 'createCreditCardUnregister':
      return { statuses: [200, 403, 404, 422], keys: ['403.007', '404.002', '404.016', '404.020', '422.002'], because: 'valid unregister' };
    case 'createCreditCardDeposit':
      return {
        statuses: [200, 400, 403, 404, 409, 422, 429],
        keys: ['400.001', '403.007', '404.002', '404.016', '404.020', '409.001', '422.003', '422.004', '422.036', '422.052', '429.003'],
        because: 'valid deposit',
      };
    case 'getCreditCardDeposit':
      return { statuses: [200, 403, 404], keys: ['403.007', '404.011'], because: 'valid read of a deposit' };
    case 'transferFunds':
      return {
        statuses: [200, 400, 402, 403, 404, 409, 422],
        keys: ['400.001', '402.001', '403.007', '404.016', '409.001', '422.003', '422.004', '422.052'],
        because: 'valid transfer',
      };
    case 'listBalanceAlerts':
    case 'getLowBalanceAlert':
    case 'deleteLowBalanceAlert':
      return { statuses: [200, 404], keys: ['404.001', '404.002', '404.016', '404.020'], because: 'valid alert read or delete' };
    case 'setLowBalanceAlert':
    case 'updateLowBalanceAlert':
      return {
        statuses: [200, 400, 404, 409],
        keys: ['400.001', '404.001', '404.002', '404.016', '404.020', '409.001'],
        because: 'valid alert write',
      };
    default:
      throw new Error(`no domain outcome for ${op.operationId}`);
  }
}

export function expectedFor(c: FuzzCase, rendered: ReturnType<typeof renderBody>): Expected {
  if (c.target.length > MAX_URL_LENGTH) return { statuses: [414], keys: ['414.001'], because: 'URL over the limit' };
  if (c.route === 'outside-api') return { statuses: [404], keys: ['404.001'], because: 'outside the API' };
  // No credentials at all is a challenge (401), never counted or throttled; bad ones may be throttled.
  if (c.auth.kind === 'broken' && (c.auth.how === 'missing' || c.auth.how === 'literal:')) {
    return { statuses: [401], keys: ['401.501'], because: 'no credentials' };
  }
  if (c.auth.kind === 'broken') return { statuses: [401, 429], keys: ['401.501', '429.001'], because: 'bad credentials' };
  const who = c.auth.who;
  // A write the credential may never make is refused before its body is read (prechecks.ts).
  if (c.route === 'operation' && c.operation!.method !== 'GET') {
    if (who === 'readOnly') return { statuses: [403], keys: ['403.017'], because: 'read-only credential writes' };
    const raw = c.params?.customerIdentifier?.raw;
    const customer = raw === undefined ? undefined : decodeSegment(raw);
    if (who === 'restricted' && customer !== undefined && !RESTRICTED_TO.has(customer)) {
      return { statuses: [403], keys: ['403.007'], because: 'restricted credential writes under another customer' };
    }
  }
  if (rendered.bodyPhase) return { statuses: rendered.bodyPhase, because: `body: ${'how' in c.body ? c.body.how : c.body.kind}` };
  // ...and a limited credential's createCustomer as soon as its body is parsed.
  const parsed = rendered.parsed as Record<string, unknown> | undefined;
  if (
    who === 'restricted' &&
    c.operation?.operationId === 'createCustomer' &&
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed)
  ) {
    const customer = parsed.customerIdentifier;
    if (typeof customer === 'string' && !RESTRICTED_TO.has(customer))
      return { statuses: [403], keys: ['403.007'], because: 'restricted credential creates another customer' };
  }
  if (c.route === 'unknown-route') return { statuses: [404], keys: ['404.001'], because: 'unknown route' };
  if (c.route === 'unknown-method') return { statuses: [405], keys: ['405.001'], because: 'unknown method' };

  const op = c.operation!;
  const invalid = { statuses: [400], keys: ['400.001'], because: 'invalid against the spec' };
  const decoded: Record<string, string> = {};
  for (const p of parametersOf(op).filter((p) => p.in === 'path')) {
    const value = decodeSegment(c.params![p.name]!.raw);
    if (value === undefined || !validAgainst(p.schema, value)) return { ...invalid, because: `path ${p.name} invalid` };
    decoded[p.name] = value;
  }
  const query = c.query!;
  if (query.valid === false) return { ...invalid, because: `query ${query.how}` };
  const bodySchema = bodySchemaOf(op);
  if (bodySchema) {
    if (!rendered.hasBody) return { ...invalid, because: 'missing body' };
    const known = withoutUnknownProperties(bodySchema.schema, rendered.parsed);
    if (!validAgainst(bodySchema.ref, known)) return { ...invalid, because: `body invalid (${'how' in c.body ? c.body.how : ''})` };
  }
  const outcome = domainOutcome(op, (c.auth as { who: Who }).who, decoded, rendered.parsed);
  if (query.valid === 'cursor') {
    return {
      statuses: [...outcome.statuses.filter((s) => s !== 200), 400],
      keys: [...(outcome.keys ?? []), '400.001'],
      because: `${outcome.because}; ${query.how}`,
    };
  }
  if (query.valid === 'either')
    return {
      ...outcome,
      statuses: [...outcome.statuses, 400],
      keys: outcome.keys && [...outcome.keys, '400.001'],
      because: `${outcome.because}; ambiguous ${query.how}`,
    };
  return outcome;
}
