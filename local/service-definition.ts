import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { matchesPattern } from './eventbridge-pattern';
import { readEnv } from '../shared/config/env';

// What serverless.yml declares, read the way the local runner and tests need
// it: each function's handler and the EventBridge patterns of its rules (so a
// local event reaches exactly the functions it would reach on AWS), and the
// state table's key schema.
//
// `${guardian:<address>}` variables in patterns are resolved with the guardian
// plugin's own exports (serverless/guardian-plugin.cjs), from the same policy
// file. Other Serverless variables are not resolved here; a pattern that
// needs one fails loudly rather than matching wrongly.

type EventPattern = Record<string, unknown>;

export interface FunctionDefinition {
  /** The key under `functions:`, e.g. "notify". */
  name: string;
  /** As written in serverless.yml, e.g. "functions/notify.handler". */
  handler: string;
  /** One per EventBridge rule; an event reaches the function when any matches. */
  patterns: EventPattern[];
  /** Seconds (serverless.yml `timeout`, else the provider's, else Serverless's default 6). */
  timeout: number;
  memorySize?: number;
}

interface ServiceDefinitionOptions {
  /** guardian policy for `${guardian:...}`; default: $GUARDIAN_CONFIG, else custom.guardian.configFile, else guardian.yml. */
  configFile?: string;
}

/** The repository root (where serverless.yml lives). */
export const SERVICE_DIR = resolve(__dirname, '..');

// ------------------------------------------------------------------ YAML

/**
 * CloudFormation's short-form intrinsics (!Ref, !GetAtt, !Sub, ...) turned into
 * their long form ({Ref: X}, {"Fn::GetAtt": [A, B]}, {"Fn::Sub": ...}), as
 * Serverless does, so the document parses to plain values.
 */
const INTRINSICS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'If', 'Not', 'Equals', 'And', 'Or'];

function intrinsic(name: string, value: unknown): unknown {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const CFN_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'Condition', 'GetAtt', ...INTRINSICS].flatMap((name) => {
  const tag = `!${name}`;
  const fromCollection = (node: YAMLMap.Parsed | YAMLSeq.Parsed) => intrinsic(name, node.toJSON());
  return [
    { tag, resolve: (value: string) => intrinsic(name, value) } satisfies ScalarTag,
    { tag, collection: 'seq', resolve: fromCollection } satisfies CollectionTag,
    { tag, collection: 'map', resolve: fromCollection } satisfies CollectionTag,
  ];
});

const parsed = new Map<string, Record<string, unknown>>();

/** serverless.yml as plain data, variables left as written. */
export function readServerlessYaml(file = resolve(SERVICE_DIR, 'serverless.yml')): Record<string, unknown> {
  let doc = parsed.get(file);
  if (!doc) {
    const value: unknown = parse(readFileSync(file, 'utf8'), { customTags: CFN_TAGS });
    if (!isObject(value)) throw new Error(`${file} is not a YAML mapping`);
    doc = value;
    parsed.set(file, doc);
  }
  return doc;
}

// ------------------------------------------------------------ variables

interface GuardianPlugin {
  loadGuardianConfig(configPath: string): unknown;
  deriveValues(config: unknown): Record<string, unknown>;
}

const derived = new Map<string, Record<string, unknown>>();

/** The plugin's `${guardian:...}` values for a policy file (validated by the plugin, as at package time). */
function guardianValues(configFile: string): Record<string, unknown> {
  let values = derived.get(configFile);
  if (!values) {
    // The plugin loads the TypeScript it needs through tsx's API, which works under Node and tsx
    // (npm start); under Jest, 'tsx/cjs/api' maps to tests/helpers/tsx-api.cjs (jest.config.cjs).
    const plugin = require(resolve(SERVICE_DIR, 'serverless', 'guardian-plugin.cjs')) as Partial<GuardianPlugin>;
    if (typeof plugin.loadGuardianConfig !== 'function' || typeof plugin.deriveValues !== 'function') {
      throw new Error('serverless/guardian-plugin.cjs no longer exports loadGuardianConfig and deriveValues, which the local runner resolves ${guardian:...} with');
    }
    values = plugin.deriveValues(plugin.loadGuardianConfig(configFile));
    derived.set(configFile, values);
  }
  return values;
}

/** Walks `a.b.c` through the derived values, as the plugin's variable source does. */
function guardianVariable(address: string, configFile: string): unknown {
  const values = guardianValues(configFile);
  let value: unknown = values;
  for (const key of address.split('.')) {
    if (!isObject(value) || !(key in value)) {
      throw new Error(`Unknown "\${guardian:${address}}" (addresses: ${Object.keys(values).join(', ')})`);
    }
    value = value[key];
  }
  return value;
}

const WHOLE_GUARDIAN = /^\$\{guardian:([^\s,}]+)\}$/;
const EMBEDDED_GUARDIAN = /\$\{guardian:([^\s,}]+)\}/g;

/**
 * `value` with every `${guardian:<address>}` replaced by the plugin's value for
 * `configFile` (a whole-string variable by the value itself, an embedded one by
 * its text); `where` names the place in serverless.yml for errors. Any other
 * variable is an error.
 */
export function resolveVariables(value: unknown, configFile: string, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => resolveVariables(item, configFile, `${where}[${i}]`));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v, configFile, `${where}.${k}`)]));
  }
  if (typeof value !== 'string') return value;
  const whole = WHOLE_GUARDIAN.exec(value);
  const resolved = whole
    ? guardianVariable(whole[1]!, configFile)
    : value.replace(EMBEDDED_GUARDIAN, (_, address: string) => {
        const part = guardianVariable(address, configFile);
        if (typeof part !== 'string' && typeof part !== 'number') throw new Error(`${where}: \${guardian:${address}} is not a string, it cannot be embedded in "${value}"`);
        return String(part);
      });
  if (typeof resolved === 'string' && resolved.includes('${')) {
    throw new Error(`${where}: cannot resolve "${resolved}" locally (only \${guardian:...} variables are)`);
  }
  return resolved;
}

/** The guardian policy file `${guardian:...}` is resolved from: options.configFile, else $GUARDIAN_CONFIG, else custom.guardian.configFile, else guardian.yml. */
export function configFileFor(doc: Record<string, unknown>, options: ServiceDefinitionOptions = {}): string {
  if (options.configFile) return resolve(options.configFile);
  const fromEnv = readEnv().configFile;
  if (fromEnv) return resolve(fromEnv);
  const custom = dig(doc, 'custom', 'guardian', 'configFile');
  if (typeof custom === 'string' && !custom.includes('${')) return isAbsolute(custom) ? custom : resolve(SERVICE_DIR, custom);
  return resolve(SERVICE_DIR, 'guardian.yml');
}

// ------------------------------------------------------------ functions

/** Every function of serverless.yml with its handler and its EventBridge patterns, variables resolved. */
export function readServiceDefinition(options: ServiceDefinitionOptions = {}): FunctionDefinition[] {
  const doc = readServerlessYaml();
  const configFile = configFileFor(doc, options);
  const functions = doc.functions;
  if (!isObject(functions)) throw new Error('serverless.yml declares no functions');
  const providerTimeout = dig(doc, 'provider', 'timeout');

  return Object.entries(functions).map(([name, fn]) => {
    if (!isObject(fn) || typeof fn.handler !== 'string') throw new Error(`functions.${name} has no handler`);
    // `events:` may itself be a ${guardian:...} variable (rules derived from the policy).
    const declared = typeof fn.events === 'string' ? resolveVariables(fn.events, configFile, `functions.${name}.events`) : fn.events;
    const events = Array.isArray(declared) ? declared : [];
    const patterns: EventPattern[] = [];
    events.forEach((event: unknown, i) => {
      const rule = isObject(event) ? event.eventBridge : undefined;
      if (!isObject(rule) || rule.pattern === undefined || rule.enabled === false) return;
      const where = `functions.${name}.events[${i}].eventBridge`;
      // The function would receive something other than the event: not emulated.
      for (const key of ['input', 'inputPath', 'inputTransformer']) {
        if (key in rule) throw new Error(`${where}.${key} is not supported by the local runner`);
      }
      const pattern = resolveVariables(rule.pattern, configFile, `${where}.pattern`);
      if (!isObject(pattern)) throw new Error(`${where}.pattern is not an object`);
      patterns.push(pattern);
    });
    return {
      name,
      handler: fn.handler,
      patterns,
      timeout: typeof fn.timeout === 'number' ? fn.timeout : typeof providerTimeout === 'number' ? providerTimeout : 6,
      ...(typeof fn.memorySize === 'number' ? { memorySize: fn.memorySize } : {}),
    };
  });
}

/** The functions an EventBridge event reaches: those with any rule pattern matching it. */
export function functionsFor(event: unknown, functions: FunctionDefinition[]): FunctionDefinition[] {
  return functions.filter((fn) => fn.patterns.some((pattern) => matchesPattern(pattern, event)));
}

/** The file and export a handler string names: "functions/notify.handler" is `handler` of functions/notify.ts. */
export function handlerLocation(fn: Pick<FunctionDefinition, 'name' | 'handler'>, serviceDir = SERVICE_DIR): { file: string; exportName: string } {
  const dot = fn.handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`functions.${fn.name}.handler "${fn.handler}" is not <module>.<export>`);
  const base = resolve(serviceDir, fn.handler.slice(0, dot));
  const file = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) throw new Error(`functions.${fn.name}: no module ${fn.handler.slice(0, dot)}.ts or .js`);
  return { file, exportName: fn.handler.slice(dot + 1) };
}

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The handler a location names, imported (a TypeScript file needs tsx); `name` is the function's, for the error.
 * With a clock, the handler is made by the module's factory beside it (`createHandler` for `handler`), timed by that clock.
 */
export async function importHandler({ file, exportName }: { file: string; exportName: string }, name: string, clock?: { now: () => Date }): Promise<Handler> {
  const mod = (await import(file)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const exported = (key: string) => mod[key] ?? mod.default?.[key];
  const factoryName = `create${exportName.charAt(0).toUpperCase()}${exportName.slice(1)}`;
  if (clock) {
    const factory = exported(factoryName);
    if (typeof factory !== 'function') throw new Error(`${relative(SERVICE_DIR, file)} exports no function "${factoryName}" to give functions.${name} a clock`);
    return (factory as (given: { now: () => Date }) => Handler)({ now: clock.now });
  }
  const handler = exported(exportName);
  if (typeof handler !== 'function') throw new Error(`${relative(SERVICE_DIR, file)} exports no function "${exportName}" (functions.${name}.handler)`);
  return handler as Handler;
}

// ----------------------------------------------------------------- table

interface TableDefinition {
  logicalId: string;
  attributeDefinitions: AttributeDefinition[];
  keySchema: KeySchemaElement[];
  globalSecondaryIndexes: GlobalSecondaryIndex[];
}

/** The DynamoDB table serverless.yml deploys (its key schema and indexes, for a local copy). */
export function readTableDefinition(): TableDefinition {
  const doc = readServerlessYaml();
  const resources = dig(doc, 'resources');
  // `resources` is a mapping, or a list of them (Serverless merges the list).
  const blocks = Array.isArray(resources) ? resources : [resources];
  const tables = blocks
    .flatMap((block) => (isObject(block) && isObject(block.Resources) ? Object.entries(block.Resources) : []))
    .filter(([, r]) => isObject(r) && r.Type === 'AWS::DynamoDB::Table');
  if (tables.length !== 1) throw new Error(`serverless.yml declares ${tables.length} DynamoDB tables; the local runner expects one`);
  const [logicalId, resource] = tables[0] as [string, Record<string, unknown>];
  const props = resource.Properties;
  const attributeDefinitions = isObject(props) ? props.AttributeDefinitions : undefined;
  const keySchema = isObject(props) ? props.KeySchema : undefined;
  if (!Array.isArray(attributeDefinitions) || !Array.isArray(keySchema)) {
    throw new Error(`serverless.yml: ${logicalId} has no AttributeDefinitions/KeySchema list`);
  }
  const indexes = isObject(props) ? (props.GlobalSecondaryIndexes ?? []) : [];
  if (!Array.isArray(indexes)) throw new Error(`serverless.yml: ${logicalId} GlobalSecondaryIndexes is not a list`);
  return {
    logicalId,
    attributeDefinitions: attributeDefinitions as AttributeDefinition[],
    keySchema: keySchema as KeySchemaElement[],
    globalSecondaryIndexes: indexes as GlobalSecondaryIndex[],
  };
}

// --------------------------------------------------------------- helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dig(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), value);
}
