import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { printable } from '../text/printable';
import type { SourceMap } from './source-map';

/** The JSON Schema of a retention policy, shipped in the package beside lib/. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const POLICY_SCHEMA = require('../../schema/retention-policy.schema.json') as Record<string, unknown>;

let compiled: { policy: ValidateFunction; holds: ValidateFunction } | undefined;

function validators(): { policy: ValidateFunction; holds: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
    ajv.addSchema(POLICY_SCHEMA, 'policy');
    compiled = {
      policy: ajv.compile({ $ref: 'policy' }),
      holds: ajv.compile({
        type: 'object',
        additionalProperties: false,
        required: ['holds'],
        properties: { version: { const: 1 }, holds: { type: 'array', items: { $ref: 'policy#/definitions/hold' } } },
      }),
    };
  }
  return compiled;
}

/** Checks a policy document against the schema; the first error is a bad-input error at its line and column. */
export function checkPolicySchema(map: SourceMap, data: unknown): void {
  check(validators().policy, map, data);
}

/** Checks a holds file (`{"holds": [...]}`) against the schema's hold definition. */
export function checkHoldsSchema(map: SourceMap, data: unknown): void {
  check(validators().holds, map, data);
}

function check(validate: ValidateFunction, map: SourceMap, data: unknown): void {
  if (validate(data)) return;
  const error = mostSpecific(validate.errors ?? []);
  if (!error) return;
  const path = pathOf(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    throw map.errorAt(path, `unknown key "${printable(key)}": ${allowedKeys(error)}.`, key);
  }
  throw map.errorAt(path, `${describePath(path)} ${describe(error)}.`);
}

/**
 * The error that says the most: an unknown key first (a misspelt key also makes a required one
 * look missing), then the one deepest in the document (of alternatives, the branch that got
 * furthest), then the first.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  const rank = (error: ErrorObject) =>
    (error.keyword === 'additionalProperties' ? 1000 : 0) + pathOf(error.instancePath).length;
  let best: ErrorObject | undefined;
  for (const error of errors) {
    if (error.keyword === 'anyOf') continue;
    if (!best || rank(error) > rank(best)) best = error;
  }
  return best ?? errors[0];
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describePath(path: (string | number)[]): string {
  if (path.length === 0) return 'the document';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

const DURATION_KEYS = new Set(['keep', 'minimumAge', 'minDuration', 'maxDuration']);

function allowedKeys(error: ErrorObject): string {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const keys = Object.keys(properties ?? {});
  return keys.length > 0 ? `use ${keys.join(', ')}` : 'remove it';
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `is missing "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'type': {
      const key = pathOf(error.instancePath).at(-1);
      if (typeof key === 'string' && DURATION_KEYS.has(key)) {
        const forever = key === 'keep' ? ', or forever' : '';
        return `must be a number with a unit (s, m, h, d, w, mo or y), for example 90d${forever}`;
      }
      return `must be ${describeType(String(params.type))}`;
    }
    case 'minItems':
      return 'must not be empty';
    case 'minLength':
      return 'must not be empty';
    case 'minProperties':
      if (error.instancePath.endsWith('/match')) return 'must name at least one condition, or be left out';
      if (error.instancePath.endsWith('/s3')) return 'must name storageClass, sse or kmsKeyId, or be left out';
      return 'must name a recording, call or conference';
    case 'pattern':
      return `is not well formed (${printable(String(error.data))})`;
    default:
      return printable(error.message ?? 'is not valid');
  }
}

function describeType(type: string): string {
  if (type === 'object') return 'a mapping of keys to values';
  if (type === 'array') return 'a list';
  return `a ${type}`;
}
