import { isDate } from 'node:util/types';
import { NormalizedSchema } from '@smithy/core/schema';

// The SDK's own operation schemas (each client exports `<Operation>$`) turned
// to the fakes' uses: data's ISO-8601 timestamps revived to the Dates the SDK
// gives, and the HTTP front's generic decoding and encoding of awsQuery
// (form parameters in, XML out) and the AWS JSON protocols (epoch seconds).

type Schema = NormalizedSchema;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !isDate(v);

/** The input and output schemas of `operation` in an SDK client module (a StaticOperationSchema is [9, namespace, name, traits, input, output]). */
export function operationSchemas(module: Record<string, unknown>, operation: string): { input: Schema; output: Schema } | undefined {
  const op = module[`${operation}$`];
  if (!Array.isArray(op) || op[0] !== 9) return undefined;
  return { input: NormalizedSchema.of(op[4]), output: NormalizedSchema.of(op[5]) };
}

/** `value` as the SDK would give it for `schema`: a copy with timestamps as Dates and undefined members left out. */
export function revive(schema: Schema, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (schema.isTimestampSchema()) return typeof value === 'string' ? new Date(value) : value;
  if (schema.isListSchema() && Array.isArray(value)) return value.map((item) => revive(schema.getValueSchema(), item));
  if (schema.isMapSchema() && isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(schema.getValueSchema(), v)]));
  if ((schema.isStructSchema() || schema.isUnionSchema()) && isObject(value)) {
    const members = schema.getMemberSchemas();
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, members[k] ? revive(members[k], v) : structuredClone(v)]),
    );
  }
  return structuredClone(value);
}

// ------------------------------------------------------------ awsQuery

const xmlName = (member: Schema, name: string) => (member.getMergedTraits().xmlName as string | undefined) ?? name;
const flattened = (schema: Schema) => Boolean(schema.getMergedTraits().xmlFlattened);

// EC2's own variant of the query protocol (ec2Query): a parameter is named by
// the member's ec2QueryName, else its xmlName (or name) capitalized; lists are
// always flattened ("InstanceId.1"); answers have no <Result> wrapper and list
// their items as <item>.
export interface QueryDialect {
  paramName(member: Schema, name: string): string;
  listKey(schema: Schema, key: string): string;
  listItem: string;
}
export const AWS_QUERY: QueryDialect = { paramName: xmlName, listKey: (schema, key) => (flattened(schema) ? key : `${key}.member`), listItem: 'member' };
export const EC2_QUERY: QueryDialect = {
  paramName: (member, name) => {
    const traits = member.getMergedTraits() as { ec2QueryName?: string; xmlName?: string };
    const base = traits.ec2QueryName ?? traits.xmlName ?? name;
    return traits.ec2QueryName ? base : base.charAt(0).toUpperCase() + base.slice(1);
  },
  listKey: (_schema, key) => key,
  listItem: 'item',
};
const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

/** An awsQuery request's form parameters as the operation's input ("Tags.member.1.Key=..." and the like). */
export function queryInput(schema: Schema, params: URLSearchParams, key = '', dialect: QueryDialect = AWS_QUERY): unknown {
  if (schema.isStructSchema() || schema.isUnionSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const value = queryInput(member, params, join(key, dialect.paramName(member, name)), dialect);
      if (value !== undefined) out[name] = value;
    }
    return key === '' || Object.keys(out).length > 0 ? out : undefined;
  }
  if (schema.isListSchema()) {
    const base = dialect.listKey(schema, key);
    const items: unknown[] = [];
    for (let i = 1, item; (item = queryInput(schema.getValueSchema(), params, `${base}.${i}`, dialect)) !== undefined; i++) items.push(item);
    return items.length > 0 ? items : params.has(key) ? [] : undefined;
  }
  if (schema.isMapSchema()) {
    const base = flattened(schema) ? key : `${key}.entry`;
    const out: Record<string, unknown> = {};
    for (let i = 1; params.has(`${base}.${i}.key`); i++) out[params.get(`${base}.${i}.key`)!] = queryInput(schema.getValueSchema(), params, `${base}.${i}.value`, dialect);
    return Object.keys(out).length > 0 ? out : undefined;
  }
  const text = params.get(key);
  if (text === null) return undefined;
  if (schema.isNumericSchema()) return Number(text);
  if (schema.isBooleanSchema()) return text === 'true';
  if (schema.isTimestampSchema()) return new Date(text);
  if (schema.isBlobSchema()) return Buffer.from(text, 'base64');
  return text;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The XML content of `value` for `schema`, as awsQuery answers carry it (lists as <member>, maps as <entry><key/><value/>). */
export function queryXml(schema: Schema, value: unknown, dialect: QueryDialect = AWS_QUERY): string {
  if (schema.isListSchema() && Array.isArray(value)) return value.map((item) => `<${dialect.listItem}>${queryXml(schema.getValueSchema(), item, dialect)}</${dialect.listItem}>`).join('');
  if (schema.isMapSchema() && isObject(value)) {
    return Object.entries(value)
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${queryXml(schema.getValueSchema(), v, dialect)}</value></entry>`)
      .join('');
  }
  if ((schema.isStructSchema() || schema.isUnionSchema()) && isObject(value)) {
    let xml = '';
    for (const [name, member] of schema.structIterator()) {
      const v = value[name];
      if (v === undefined || v === null) continue;
      const tag = xmlName(member, name);
      xml +=
        dialect === AWS_QUERY && member.isListSchema() && flattened(member) && Array.isArray(v)
          ? v.map((item) => `<${tag}>${queryXml(member.getValueSchema(), item, dialect)}</${tag}>`).join('')
          : `<${tag}>${queryXml(member, v, dialect)}</${tag}>`;
    }
    return xml;
  }
  if (isDate(value)) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return escapeXml(String(value));
}

// ------------------------------------------------------------ AWS JSON

/** An answer as the AWS JSON protocols carry it: timestamps as epoch seconds. */
export const awsJson = (value: unknown) =>
  JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    // isDate, not instanceof: Dates may come from another realm (Jest's VM contexts).
    return isDate(raw) ? raw.getTime() / 1000 : raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
  });
