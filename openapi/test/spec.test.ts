import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Json,
  type JsonObject,
  asObject,
  escapePointer,
  isObject,
  loadBundledSpec,
  operationsOf,
  resolve as resolveIn,
  responsesOf,
} from '../src/walk.js';

// ajv and ajv-formats are CommonJS: under NodeNext their default import is `module.exports`,
// whose `default` property is the class / plugin (at runtime and for the type checker alike).
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

const root = new URL('..', import.meta.url);
const doc = loadBundledSpec();

/** The bundled document, added whole to ajv under this id so `#/components/...` refs resolve. */
const SPEC_ID = 'https://raas-customers.invalid/openapi.json';
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The OpenAPI 3.1 schema keywords that JSON Schema 2020-12 does not define.
ajv.addVocabulary(['example', 'discriminator', 'externalDocs', 'xml']);
// Resolving a pointer into the document compiles its root as a schema: declaring the fields of
// an OpenAPI document as keywords makes that root an empty schema, accepted in strict mode.
ajv.addVocabulary(Object.keys(doc).filter((field) => field !== 'externalDocs' && !ajv.getKeyword(field)));
ajv.addSchema(doc, SPEC_ID);

/**
 * The public contract, pinned: operationId -> method, path, tag and every documented status. The
 * RaaS v2 surface is Tango's (the 8 operations of /work/shared/API-REFERENCE.md, the 12 of
 * API-REFERENCE-FUNDING.md), not this project's to change, so this table is the reference the
 * document is checked against: a renamed operation, a path typo, PATCH for PUT or a dropped
 * 402, 409 or 422 fails here. The generic rules below hold besides.
 */
const PUBLIC_OPERATIONS: Record<string, { method: string; path: string; tag: string; statuses: string[] }> = {
  listCustomers: { method: 'get', path: '/customers', tag: 'Customers', statuses: ['200', '400', '401', '414', '429', '500', '503'] },
  createCustomer: {
    method: 'post',
    path: '/customers',
    tag: 'Customers',
    statuses: ['201', '400', '401', '403', '409', '413', '415', '414', '429', '500', '503'],
  },
  getCustomer: {
    method: 'get',
    path: '/customers/{customerIdentifier}',
    tag: 'Customers',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  listCustomerAccounts: {
    method: 'get',
    path: '/customers/{customerIdentifier}/accounts',
    tag: 'Accounts',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  createCustomerAccount: {
    method: 'post',
    path: '/customers/{customerIdentifier}/accounts',
    tag: 'Accounts',
    statuses: ['201', '400', '401', '403', '404', '409', '413', '415', '414', '429', '500', '503'],
  },
  updateCustomerAccount: {
    method: 'patch',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}',
    tag: 'Accounts',
    statuses: ['200', '400', '401', '403', '404', '409', '413', '415', '414', '429', '500', '503'],
  },
  listAccounts: { method: 'get', path: '/accounts', tag: 'Accounts', statuses: ['200', '400', '401', '414', '429', '500', '503'] },
  getAccount: {
    method: 'get',
    path: '/accounts/{accountIdentifier}',
    tag: 'Accounts',
    statuses: ['200', '400', '401', '404', '414', '429', '500', '503'],
  },
  listCreditCards: {
    method: 'get',
    path: '/creditCards',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '414', '429', '500', '503'],
  },
  createCreditCard: {
    method: 'post',
    path: '/creditCards',
    tag: 'Funding',
    statuses: ['201', '400', '401', '402', '403', '404', '422', '413', '415', '414', '429', '500', '503'],
  },
  getCreditCard: {
    method: 'get',
    path: '/creditCards/{token}',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  createCreditCardUnregister: {
    method: 'post',
    path: '/creditCardUnregisters',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '422', '413', '415', '414', '429', '500', '503'],
  },
  createCreditCardDeposit: {
    method: 'post',
    path: '/creditCardDeposits',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '409', '422', '413', '415', '414', '429', '500', '503'],
  },
  getCreditCardDeposit: {
    method: 'get',
    path: '/creditCardDeposits/{referenceDepositID}',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  transferFunds: {
    method: 'post',
    path: '/transferFunds',
    tag: 'Funding',
    statuses: ['200', '400', '401', '402', '403', '404', '409', '422', '413', '415', '414', '429', '500', '503'],
  },
  listBalanceAlerts: {
    method: 'get',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  setLowBalanceAlert: {
    method: 'post',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '409', '413', '415', '414', '429', '500', '503'],
  },
  getLowBalanceAlert: {
    method: 'get',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
  updateLowBalanceAlert: {
    method: 'patch',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '409', '413', '415', '414', '429', '500', '503'],
  },
  deleteLowBalanceAlert: {
    method: 'delete',
    path: '/customers/{customerIdentifier}/accounts/{accountIdentifier}/lowbalance/{balanceAlertID}',
    tag: 'Funding',
    statuses: ['200', '400', '401', '403', '404', '414', '429', '500', '503'],
  },
};

/**
 * The statuses every operation documents: this server's additions (400, 401, 414, 429, 500, 503
 * answer any request); an operation with a body adds 413 and 415. What else an operation
 * answers is not listed here again: the server's contract tests fail when it answers a status
 * its operation does not document, and when a documented one is never observed.
 */
const EVERY_OPERATION = ['400', '401', '414', '429', '500', '503'];
const WITH_A_BODY = ['413', '415'];

/** Follows local `$ref`s in the bundled document. */
const resolve = (node: Json | undefined, pointer: string) => resolveIn(doc, node, pointer);

const operations = operationsOf(doc);

/** Every response of every operation, with its resolved object and pointer. */
const responses = responsesOf(doc, operations);

interface ExampleCheck {
  label: string;
  schemaPointer: string;
  value: Json;
}

/** Collects every example of a media type (`example`, or each entry of `examples`). */
function mediaTypeExamples(
  content: Json | undefined,
  contentPointer: string,
  label: string,
  usedComponentExamples: Set<string>,
): ExampleCheck[] {
  if (content === undefined) return [];
  return Object.entries(asObject(content, contentPointer)).flatMap(([mediaType, media]) => {
    const mediaObject = asObject(media, mediaType);
    const schemaPointer = `${contentPointer}/${escapePointer(mediaType)}/schema`;
    const checks: ExampleCheck[] = [];
    if ('example' in mediaObject) {
      checks.push({ label: `${label} ${mediaType} example`, schemaPointer, value: mediaObject.example ?? null });
    }
    for (const [name, example] of Object.entries(asObject(mediaObject.examples ?? {}, 'examples'))) {
      const resolved = resolve(example, `${contentPointer}/${escapePointer(mediaType)}/examples/${name}`);
      const match = /^\/components\/examples\/([^/]+)$/.exec(resolved.pointer);
      if (match?.[1] !== undefined) usedComponentExamples.add(match[1]);
      expect(resolved.node, `${label} example ${name} has a value`).toHaveProperty('value');
      checks.push({ label: `${label} ${mediaType} example ${name}`, schemaPointer, value: resolved.node.value ?? null });
    }
    return checks;
  });
}

function validatorFor(pointer: string) {
  return ajv.getSchema(`${SPEC_ID}#${pointer}`) ?? ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
}

function validates(schemaName: string, value: Json): boolean {
  return validatorFor(`/components/schemas/${schemaName}`)(value) === true;
}

describe('the bundled RaaS Customers contract', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('has exactly the twenty public operations, each at its method and path', () => {
    const found = Object.fromEntries(
      operations.map((operation) => [operation.operationId, { method: operation.method, path: operation.path }]),
    );
    const expected = Object.fromEntries(
      Object.entries(PUBLIC_OPERATIONS).map(([operationId, { method, path }]) => [operationId, { method, path }]),
    );
    expect(found).toEqual(expected);
    expect(operations).toHaveLength(20);
  });

  it('tags each public operation with its tag', () => {
    for (const operation of operations) {
      expect(operation.node.tags, operation.operationId).toEqual([PUBLIC_OPERATIONS[operation.operationId]?.tag]);
    }
  });

  it('documents exactly the pinned statuses of each public operation', () => {
    for (const operation of operations) {
      const statuses = Object.keys(asObject(operation.node.responses, 'responses')).sort();
      expect(statuses, operation.operationId).toEqual([...(PUBLIC_OPERATIONS[operation.operationId]?.statuses ?? [])].sort());
    }
  });

  it('has operations, each with one operationId, at most one per method and path', () => {
    expect(operations.length).toBeGreaterThan(0);
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(operations.length);
    expect(new Set(operations.map((operation) => `${operation.method} ${operation.path}`)).size).toBe(operations.length);
  });

  it('tags each operation with one tag the document declares', () => {
    const declared = (doc.tags as JsonObject[]).map((tag) => tag.name);
    for (const operation of operations) {
      expect(operation.node.tags, operation.operationId).toHaveLength(1);
      expect(declared, operation.operationId).toContain((operation.node.tags as Json[])[0]);
    }
  });

  it('secures every operation with HTTP Basic authentication', () => {
    const schemes = asObject(asObject(doc.components, 'components').securitySchemes, 'securitySchemes');
    expect(schemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    for (const operation of operations) {
      const security = operation.node.security ?? doc.security;
      expect(Array.isArray(security), operation.operationId).toBe(true);
      const requirements = (security as Json[]).map((requirement) => asObject(requirement, 'security'));
      expect(requirements.length, operation.operationId).toBeGreaterThan(0);
      for (const requirement of requirements) {
        expect(Object.keys(requirement), operation.operationId).toEqual(['basicAuth']);
      }
    }
  });

  it('documents one success status, the statuses every operation answers, and 404 for a path parameter', () => {
    for (const operation of operations) {
      const statuses = Object.keys(asObject(operation.node.responses, 'responses'));
      const body = 'requestBody' in operation.node;
      expect(
        statuses.filter((status) => status.startsWith('2')),
        operation.operationId,
      ).toHaveLength(1);
      expect(statuses, operation.operationId).toEqual(expect.arrayContaining([...EVERY_OPERATION, ...(body ? WITH_A_BODY : [])]));
      if (!body) expect(statuses, operation.operationId).not.toEqual(expect.arrayContaining(['413']));
      if (operation.path.includes('{')) expect(statuses, operation.operationId).toContain('404');
    }
  });

  it('answers every 4xx and 5xx with an ErrorInfo body', () => {
    const errors = responses.filter(({ status }) => /^[45]/.test(status));
    expect(errors.length).toBeGreaterThan(0);
    for (const { operation, status, node } of errors) {
      const content = asObject(node.content, `${operation.operationId} ${status} content`);
      expect(Object.keys(content), `${operation.operationId} ${status}`).toEqual(['application/json']);
      const media = asObject(content['application/json'], 'application/json');
      expect(media.schema, `${operation.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorInfo' });
    }
  });

  it('declares the X-REQUEST-ID header on every response', () => {
    for (const { operation, status, node, pointer } of responses) {
      const headers = asObject(node.headers, `${operation.operationId} ${status} headers`);
      const header = resolve(headers['X-REQUEST-ID'], `${pointer}/headers/X-REQUEST-ID`).node;
      expect(header.schema, `${operation.operationId} ${status}`).toEqual({ type: 'string', format: 'uuid' });
    }
  });

  it('declares the WWW-Authenticate header on every 401', () => {
    for (const { operation, status, node } of responses.filter(({ status }) => status === '401')) {
      expect(asObject(node.headers, 'headers'), `${operation.operationId} ${status}`).toHaveProperty('WWW-Authenticate');
    }
  });

  it('takes JSON request bodies only, and requires them', () => {
    for (const operation of operations.filter(({ node }) => 'requestBody' in node)) {
      const body = resolve(operation.node.requestBody, `${operation.pointer}/requestBody`).node;
      expect(body.required, operation.operationId).toBe(true);
      expect(Object.keys(asObject(body.content, 'content')), operation.operationId).toEqual(['application/json']);
    }
  });

  describe('examples', () => {
    const usedComponentExamples = new Set<string>();
    const checks: ExampleCheck[] = [];

    beforeAll(() => {
      for (const operation of operations) {
        if ('requestBody' in operation.node) {
          const body = resolve(operation.node.requestBody, `${operation.pointer}/requestBody`);
          checks.push(
            ...mediaTypeExamples(body.node.content, `${body.pointer}/content`, `${operation.operationId} request`, usedComponentExamples),
          );
        }
      }
      for (const { operation, status, node, pointer } of responses) {
        checks.push(...mediaTypeExamples(node.content, `${pointer}/content`, `${operation.operationId} ${status}`, usedComponentExamples));
      }
    });

    it('are each valid against the schema of the media type that uses them', () => {
      const failures = checks.flatMap(({ label, schemaPointer, value }) => {
        const validate = validatorFor(schemaPointer);
        return validate(value) ? [] : [`${label}: ${ajv.errorsText(validate.errors)}`];
      });
      expect(failures).toEqual([]);
      expect(checks.length).toBeGreaterThan(20);
    });

    it('are all used by some media type, so every one of them is checked', () => {
      const declared = Object.keys(asObject(asObject(doc.components, 'components').examples, 'examples'));
      expect([...usedComponentExamples].sort()).toEqual(declared.sort());
    });

    it('in schemas, parameters and headers are valid too', () => {
      const failures: string[] = [];
      let checked = 0;
      const check = (value: Json, schemaPointer: string, label: string): void => {
        checked += 1;
        const validate = validatorFor(schemaPointer);
        if (!validate(value)) failures.push(`${label}: ${ajv.errorsText(validate.errors)}`);
      };
      // Every schema object holding an `example`, at any depth of the named schemas.
      const walk = (node: Json | undefined, pointer: string): void => {
        if (Array.isArray(node)) for (const [index, item] of node.entries()) walk(item, `${pointer}/${index}`);
        if (!isObject(node)) return;
        if ('example' in node) check(node.example ?? null, pointer, pointer);
        for (const [key, value] of Object.entries(node)) {
          if (key !== 'example') walk(value, `${pointer}/${escapePointer(key)}`);
        }
      };
      const components = asObject(doc.components, 'components');
      walk(components.schemas, '/components/schemas');
      for (const [name, parameter] of Object.entries(asObject(components.parameters, 'parameters'))) {
        walk(asObject(parameter, name).schema, `/components/parameters/${name}/schema`);
      }
      const headers: { node: JsonObject; pointer: string }[] = [
        ...Object.entries(asObject(components.headers, 'headers')).map(([name, header]) => ({
          node: asObject(header, name),
          pointer: `/components/headers/${escapePointer(name)}`,
        })),
        ...responses.flatMap(({ node, pointer }) =>
          Object.entries(asObject(node.headers ?? {}, 'headers'))
            .filter(([, header]) => isObject(header) && !('$ref' in header))
            .map(([name, header]) => ({ node: asObject(header, name), pointer: `${pointer}/headers/${escapePointer(name)}` })),
        ),
      ];
      for (const { node, pointer } of headers) {
        if ('example' in node) check(node.example ?? null, `${pointer}/schema`, pointer);
      }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(20);
    });
  });

  describe('identifier rules', () => {
    it('takes a customerIdentifier of 5 to 100 letters, digits and hyphens', () => {
      expect(validates('CustomerIdentifier', 'a'.repeat(4))).toBe(false);
      expect(validates('CustomerIdentifier', 'a'.repeat(5))).toBe(true);
      expect(validates('CustomerIdentifier', 'Acme-Retail-US')).toBe(true);
      expect(validates('CustomerIdentifier', 'a'.repeat(100))).toBe(true);
      expect(validates('CustomerIdentifier', 'a'.repeat(101))).toBe(false);
      expect(validates('CustomerIdentifier', 'abc_de')).toBe(false);
    });

    it('takes an accountIdentifier of 5 to 100 lower-case letters, digits and hyphens', () => {
      expect(validates('AccountIdentifier', 'a'.repeat(4))).toBe(false);
      expect(validates('AccountIdentifier', 'a'.repeat(5))).toBe(true);
      expect(validates('AccountIdentifier', 'a'.repeat(100))).toBe(true);
      expect(validates('AccountIdentifier', 'a'.repeat(101))).toBe(false);
      expect(validates('AccountIdentifier', 'abc_de')).toBe(false);
      expect(validates('AccountIdentifier', 'Abcde')).toBe(false);
      expect(validates('AccountIdentifier', 'acme-retail-q4-bonus')).toBe(true);
    });

    it('takes a displayName of 5 to 100 letters, digits, punctuation and spaces', () => {
      expect(validates('DisplayName', 'Ab')).toBe(false);
      expect(validates('DisplayName', 'Acme Retail US')).toBe(true);
      expect(validates('DisplayName', 'Café Zürich, Ltd.')).toBe(true);
      expect(validates('DisplayName', 'a'.repeat(101))).toBe(false);
    });

    // Closed request schemas: the server drops what they do not name (or, in strict mode, rejects it).
    it('closes the request schemas and rejects empty updates', () => {
      const customer = { customerIdentifier: 'acme-retail-us', displayName: 'Acme Retail US' };
      expect(validates('CreateCustomerCriteria', customer)).toBe(true);
      expect(validates('CreateCustomerCriteria', { ...customer, nickname: 'Acme' })).toBe(false);
      expect(validates('UpdateAccountCriteria', {})).toBe(false);
      expect(validates('UpdateAccountCriteria', { displayName: 'Acme Retail Q4 Bonus' })).toBe(true);
      expect(validates('UpdateAccountCriteria', { currencyCode: 'EUR' })).toBe(false);
    });
  });

  it('bundles every component file of the source tree, and nothing else', () => {
    const components = asObject(doc.components, 'components');
    for (const kind of ['schemas', 'parameters', 'responses', 'examples', 'headers']) {
      const files = readdirSync(fileURLToPath(new URL(`components/${kind}/`, root)))
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => file.slice(0, -'.yaml'.length))
        .sort();
      expect(Object.keys(asObject(components[kind], kind)).sort(), kind).toEqual(files);
    }
  });
});
