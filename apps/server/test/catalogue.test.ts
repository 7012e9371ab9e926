/**
 * One catalogue of errors: the code's (src/domain/errors.ts) is the source; the README's tables,
 * the spec's description tables, the spec's error examples and its response descriptions must
 * say the same key, HTTP code, message and constraint. Any drift fails here.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { describe, expect, test } from 'vitest';
import { errorCatalogue, fieldErrorCatalogue } from '../src/domain/errors.js';
import { type JsonObject, asObject, resolve, responsesOf } from '@raas-customers/openapi/walk';
import { spec } from './support/spec.js';

type Json = Record<string, unknown>;

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const description = String((spec.info as Json).description);
const customerIdentifierPattern = String(((spec.components as Json).schemas as Record<string, Json>).CustomerIdentifier?.pattern);

/** The rows of the first Markdown table whose header row is exactly `header`, as trimmed cells. */
function table(markdown: string, header: string[]): string[][] {
  const lines = markdown.split('\n').map((line) => line.trim());
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim());
  const start = lines.findIndex((line) => line.startsWith('|') && cells(line).join('|') === header.join('|'));
  if (start < 0) throw new Error(`no table with the header | ${header.join(' | ')} |`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`(.*)`$/, '$1');

/** A message as a table writes it: exact, or cut short with a trailing ` …`. */
function sameMessage(written: string, message: string): boolean {
  return written.endsWith(' …') ? message.startsWith(written.slice(0, -2)) && written.length > 10 : written === message;
}

/** A catalogue message as a pattern matching any value put in its placeholders. */
function messagePattern(message: string): RegExp {
  const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\\\{(id|name|detail)\\\}/g, '.+')}$`);
}

const errorTableHeader = ['case', 'httpCode', 'i18nKey', 'message'];
const fieldTableHeader = ['broken rule', 'i18nKey', 'message', 'constraint'];

describe.each([
  ['the README', readme],
  ["the spec's description", description],
])('%s', (_, markdown) => {
  test('lists every error of the catalogue once, with its HTTP code and message', () => {
    const rows = table(markdown, errorTableHeader);
    const keys = rows.map(([, , key]) => unquote(key!));
    expect([...keys].sort()).toEqual(Object.keys(errorCatalogue).sort());
    for (const [, httpCode, key, message] of rows) {
      const entry = errorCatalogue[unquote(key!) as keyof typeof errorCatalogue];
      expect(Number(httpCode), key).toBe(entry.httpCode);
      expect(message, key).toBe(entry.message);
    }
  });

  test('lists every field error of the catalogue once, with its message and constraint', () => {
    const rows = table(markdown, fieldTableHeader);
    const keys = rows.map(([, key]) => unquote(key!));
    expect([...keys].sort()).toEqual(Object.keys(fieldErrorCatalogue).sort());
    for (const [, key, written, constraint] of rows) {
      const entry = fieldErrorCatalogue[unquote(key!) as keyof typeof fieldErrorCatalogue];
      const message = entry.message.replace('{pattern}', customerIdentifierPattern);
      expect(sameMessage(written!, message), `${key}: "${written}" against "${message}"`).toBe(true);
      // 422.001 is named by the rule that broke: the table lists names, the catalogue has none.
      if (entry.constraint !== null) expect(unquote(constraint!), key).toBe(entry.constraint);
    }
  });
});

interface ErrorExample {
  where: string;
  status: number;
  description: string;
  value: Json;
}

/** Every example of every documented error response, with the status it is documented under. */
const errorExamples: ErrorExample[] = responsesOf(spec as JsonObject)
  .filter(({ status }) => Number(status) >= 400)
  .flatMap(({ operation, status, node, pointer }) => {
    const examples = asObject(asObject(node.content ?? {}, `${pointer}/content`)['application/json'] ?? {}, pointer).examples ?? {};
    return Object.entries(asObject(examples, `${pointer} examples`)).map(([name, example]) => ({
      where: `${operation.method.toUpperCase()} ${operation.path} ${status} ${name}`,
      status: Number(status),
      description: String(node.description ?? ''),
      value: resolve(spec as JsonObject, example, `${pointer}/content/application~1json/examples/${name}`).node.value as Json,
    }));
  });

describe("the spec's error examples", () => {
  test('there are examples of errors to check', () => {
    expect(errorExamples.length).toBeGreaterThan(20);
  });

  test.each(errorExamples.map((example) => [example.where, example] as const))('%s agrees with the catalogue', (_, example) => {
    const { value, status } = example;
    const key = String(value.i18nKey);
    expect(Object.keys(errorCatalogue), `unknown key ${key}`).toContain(key);
    const entry = errorCatalogue[key as keyof typeof errorCatalogue];
    expect(value.httpCode).toBe(entry.httpCode);
    expect(status).toBe(entry.httpCode);
    expect(value.httpPhrase).toBe(STATUS_CODES[entry.httpCode]);
    expect(String(value.message)).toMatch(messagePattern(entry.message));
    for (const field of (value.errors ?? []) as Json[]) {
      const fieldKey = String(field.i18nKey);
      expect(Object.keys(fieldErrorCatalogue), `unknown field key ${fieldKey}`).toContain(fieldKey);
      const fieldEntry = fieldErrorCatalogue[fieldKey as keyof typeof fieldErrorCatalogue];
      expect(String(field.message)).toMatch(messagePattern(fieldEntry.message.replace('{pattern}', customerIdentifierPattern)));
      if (fieldEntry.constraint !== null) expect(field.constraint).toBe(fieldEntry.constraint);
    }
  });

  test('every error an operation can answer has an example, except the one outside any operation', () => {
    const exemplified = new Set(errorExamples.map((example) => String(example.value.i18nKey)));
    // A method no operation has is answered before any operation matches (404.001, an unknown
    // route, is also an alert that does not exist: exemplified there).
    const outsideOperations = ['405.001'];
    expect(Object.keys(errorCatalogue).filter((key) => !exemplified.has(key))).toEqual(outsideOperations);
  });

  test("a response's description names only keys of its own HTTP code", () => {
    for (const { where, status, description } of errorExamples) {
      for (const [key] of description.matchAll(/\b\d{3}\.\d{3}\b/g)) {
        if (key.startsWith('422.')) continue;
        expect(errorCatalogue[key as keyof typeof errorCatalogue]?.httpCode, `${where}: ${key}`).toBe(status);
      }
    }
  });
});
