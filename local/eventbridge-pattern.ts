// Amazon EventBridge event pattern matching, for running the service locally:
// an event goes to exactly the functions whose rules match it, as on AWS.
//
// Behaviour follows the EventBridge User Guide pages "Event patterns" (now
// "Creating event patterns" / "Event pattern syntax"), "Matching null values and
// empty strings", "Arrays in event patterns" and "Content filtering" /
// "Comparison operators for use in event patterns". Where those pages are terse,
// the README of aws/event-ruler (the matching library EventBridge is built on)
// settles the detail; such places say so.
import { BlockList, isIP } from 'node:net';

type Leaf = string | number | boolean | null;
type Json = Leaf | Json[] | { [key: string]: Json };
type Operator = { [name: string]: unknown };

const COMPARE: Record<string, (value: number, bound: number) => boolean> = {
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '=': (value, bound) => value === bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

/** True when `event` matches `pattern`; throws, like PutRule would, if the pattern is invalid. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern as Record<string, unknown>, event);
}

// ---------------------------------------------------------------- matching

// "Event patterns": every field named in the pattern must match, fields the
// pattern leaves out are ignored. A field's value is either a nested pattern
// (object) or the list of values/operators for a leaf (array).
function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  // event-ruler README, "JSON Array Matching": arrays of objects are "crushed
  // out", each element standing in for the parent field. All fields of this
  // sub-pattern must match within the same element ("array-consistent").
  if (Array.isArray(value)) {
    return value.length === 0 ? matchObject(pattern, undefined) : value.some((element) => matchObject(pattern, element));
  }
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') return (sub as Record<string, unknown>[]).some((alternative) => matchObject(alternative, value));
    // A missing parent means a missing child: only {"exists": false} can match below it.
    const child = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    return Array.isArray(sub) ? matchLeaf(sub, child) : matchObject(sub as Record<string, unknown>, child);
  });
}

// "Arrays in event patterns": a leaf matches when any pattern value matches,
// and when the event value is an array, when any of its elements matches.
function matchLeaf(matchers: unknown[], value: unknown): boolean {
  const values = leafValues(value);
  return matchers.some((matcher) => {
    // Exact values are type-strict: "300" never equals 300. "Event patterns" says
    // numbers compare by their text (300, 300.0 and 3.0e2 differ); once JSON is
    // parsed that text is gone, so here they compare by value and all match.
    if (!isObject(matcher)) return values.some((v) => v === matcher);
    if ('exists' in matcher) return matcher.exists === values.length > 0;
    return values.some((v) => matchOperator(matcher, v));
  });
}

// The leaf values found at a field. Objects contribute none: "Exists matching
// only works on leaf nodes. It does not work on intermediate nodes." (Content
// filtering), so {"exists": false} matches a field holding an object. null is a
// value ("Matching null values"), so a null field exists. An empty array holds
// no value, so it does not.
function leafValues(value: unknown): Leaf[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return [value as Leaf];
}

function matchOperator(operator: Operator, value: Leaf): boolean {
  const [name, arg] = Object.entries(operator)[0] as [string, Json];
  switch (name) {
    case 'prefix':
      return matchString(value, arg, (v, p) => v.startsWith(p));
    case 'suffix':
      return matchString(value, arg, (v, s) => v.endsWith(s));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (arg as string).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(arg as string).test(value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(arg as (string | number)[], value);
    case 'cidr':
      return typeof value === 'string' && inCidr(value, arg as string);
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    default:
      return false; // unreachable: validatePattern rejects unknown operators
  }
}

// prefix/suffix take a string, or {"equals-ignore-case": string} to ignore case.
// They only work on string values (Content filtering, "Prefix matching").
function matchString(value: Leaf, arg: Json, test: (value: string, affix: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof arg === 'string') return test(value, arg);
  const affix = (arg as { 'equals-ignore-case': string })['equals-ignore-case'];
  return test(value.toLowerCase(), affix.toLowerCase());
}

// anything-but excludes exact values (one or a list) or whatever a nested
// prefix/suffix/equals-ignore-case/wildcard matches. A non-string value never
// has a prefix, so {"anything-but": {"prefix": ...}} lets it through.
function anythingButExcludes(arg: Json, value: Leaf): boolean {
  if (!isObject(arg)) return (Array.isArray(arg) ? arg : [arg]).some((excluded) => excluded === value);
  const [name, inner] = Object.entries(arg)[0] as [string, Json];
  const candidates = Array.isArray(inner) ? inner : [inner];
  return candidates.some((candidate) => matchOperator({ [name]: candidate }, value));
}

// Every comparison must hold: [">", 0, "<=", 5] is 0 < value <= 5.
function matchNumeric(terms: (string | number)[], value: number): boolean {
  for (let i = 0; i < terms.length; i += 2) {
    if (!COMPARE[terms[i] as string]?.(value, terms[i + 1] as number)) return false;
  }
  return true;
}

// event-ruler README, "Wildcard matching": `*` matches any run of characters
// (including none); `\*` is a literal asterisk and `\\` a literal backslash.
function wildcardRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') source += '.*';
    else if (char === '\\') source += escapeRegExp(pattern[++i] as string);
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// "IP address matching" works for IPv4 and IPv6. An address only matches a
// block of its own family (node's BlockList would map ::ffff:a.b.c.d onto IPv4).
function inCidr(address: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/') as [string, string];
  const family = isIP(network);
  if (isIP(address) !== family) return false;
  const block = new BlockList();
  block.addSubnet(network, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  return block.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

// -------------------------------------------------------------- validation

/** Throws an Error naming the offending path (e.g. `detail.state[0]`) if `pattern` is not a valid event pattern. */
export function validatePattern(pattern: unknown): void {
  if (!isObject(pattern)) fail('', 'an event pattern must be a JSON object');
  validateObject(pattern, '');
}

function validateObject(pattern: Record<string, unknown>, path: string): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(path, 'a pattern object must name at least one field');
  for (const key of keys) {
    const sub = pattern[key];
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      // "$or" takes two or more patterns, each matched against the current level.
      if (!Array.isArray(sub) || sub.length < 2) fail(at, '"$or" must be an array of at least two patterns');
      sub.forEach((alternative, i) => {
        if (!isObject(alternative)) fail(`${at}[${i}]`, 'each "$or" alternative must be a pattern object');
        validateObject(alternative, `${at}[${i}]`);
      });
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) fail(at, 'a leaf must list at least one value');
      sub.forEach((matcher, i) => validateMatcher(matcher, `${at}[${i}]`));
    } else if (isObject(sub)) {
      validateObject(sub, at);
    } else {
      // "In an event pattern, the value to match is in a JSON array" (Event pattern syntax).
      fail(at, 'must be an array of values to match, or a nested pattern object');
    }
  }
}

function validateMatcher(matcher: unknown, path: string): void {
  if (isLeaf(matcher)) return;
  if (!isObject(matcher)) fail(path, 'a match value must be a string, number, true, false, null or an operator object');
  const entries = Object.entries(matcher);
  if (entries.length !== 1) fail(path, 'an operator object must have exactly one key');
  const [name, arg] = entries[0] as [string, unknown];
  const at = `${path}.${name}`;
  switch (name) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
      return fail(at, `${name} takes a string or {"equals-ignore-case": string}`);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') fail(at, 'equals-ignore-case takes a string');
      return;
    case 'wildcard':
      return validateWildcard(arg, at);
    case 'numeric':
      return validateNumeric(arg, at);
    case 'exists':
      if (typeof arg !== 'boolean') fail(at, 'exists takes true or false');
      return;
    case 'cidr':
      return validateCidr(arg, at);
    case 'anything-but':
      return validateAnythingBut(arg, at);
    default:
      fail(path, `unrecognized match type "${name}"`);
  }
}

// Content filtering, "Anything-but matching": a string or number, a list of
// only strings or only numbers, or one nested prefix/suffix/equals-ignore-case/
// wildcard. Prefix and suffix take a single value ("Anything-but matching only
// works with a single prefix, not a list"); equals-ignore-case and wildcard may
// take a list.
function validateAnythingBut(arg: unknown, path: string): void {
  if (typeof arg === 'string' || isFiniteNumber(arg)) return;
  if (Array.isArray(arg)) {
    if (arg.length === 0) fail(path, 'anything-but needs at least one value');
    if (!arg.every((v) => typeof v === 'string') && !arg.every(isFiniteNumber)) {
      fail(path, 'an anything-but list must hold only strings or only numbers');
    }
    return;
  }
  if (!isObject(arg) || Object.keys(arg).length !== 1) {
    fail(path, 'anything-but takes a value, a list of values, or one of prefix/suffix/equals-ignore-case/wildcard');
  }
  const [name, inner] = Object.entries(arg)[0] as [string, unknown];
  const at = `${path}.${name}`;
  const list = Array.isArray(inner) ? inner : [inner];
  switch (name) {
    case 'prefix':
    case 'suffix':
      if (typeof inner !== 'string' || inner === '') fail(at, `anything-but ${name} takes one non-empty string`);
      return;
    case 'equals-ignore-case':
      if (list.length === 0 || !list.every((v) => typeof v === 'string')) {
        fail(at, 'anything-but equals-ignore-case takes a string or a list of strings');
      }
      return;
    case 'wildcard':
      if (list.length === 0) fail(at, 'anything-but wildcard takes a string or a list of strings');
      list.forEach((v, i) => validateWildcard(v, Array.isArray(inner) ? `${at}[${i}]` : at));
      return;
    default:
      fail(at, `unsupported anything-but pattern "${name}"`);
  }
}

// Content filtering, "Numeric matching": one comparison, or a lower bound
// (> or >=) followed by an upper bound (< or <=) above it.
function validateNumeric(arg: unknown, path: string): void {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    fail(path, 'numeric takes [operator, number] or [">" | ">=", number, "<" | "<=", number]');
  }
  for (let i = 0; i < arg.length; i += 2) {
    if (!Object.hasOwn(COMPARE, arg[i])) fail(`${path}[${i}]`, `unrecognized numeric operator ${JSON.stringify(arg[i])}`);
    if (!isFiniteNumber(arg[i + 1])) fail(`${path}[${i + 1}]`, `value of ${arg[i]} must be a number`);
  }
  if (arg.length === 4) {
    if (arg[0] !== '>' && arg[0] !== '>=') fail(`${path}[0]`, 'a numeric range must start with ">" or ">="');
    if (arg[2] !== '<' && arg[2] !== '<=') fail(`${path}[2]`, 'a numeric range must end with "<" or "<="');
    if (arg[1] >= arg[3]) fail(path, 'the lower bound of a numeric range must be less than the upper bound');
  }
}

// event-ruler README: consecutive wildcards are not allowed, and a backslash may
// only escape `*` or `\`.
function validateWildcard(arg: unknown, path: string): void {
  if (typeof arg !== 'string') return fail(path, 'wildcard takes a string');
  let afterWildcard = false;
  for (let i = 0; i < arg.length; i++) {
    if (arg[i] === '\\') {
      if (arg[i + 1] !== '*' && arg[i + 1] !== '\\') fail(path, 'a backslash may only escape "*" or "\\"');
      i++; // an escaped "*" is a literal, not a wildcard
      afterWildcard = false;
    } else {
      if (arg[i] === '*' && afterWildcard) fail(path, 'consecutive wildcard characters are not allowed');
      afterWildcard = arg[i] === '*';
    }
  }
}

function validateCidr(arg: unknown, path: string): void {
  if (typeof arg !== 'string') return fail(path, 'cidr takes a string such as "10.0.0.0/24"');
  const parts = arg.split('/');
  const family = isIP(parts[0] ?? '');
  const bits = Number(parts[1]);
  if (parts.length !== 2 || family === 0 || !/^\d+$/.test(parts[1] ?? '') || bits > (family === 4 ? 32 : 128)) {
    fail(path, `malformed CIDR block ${JSON.stringify(arg)}`);
  }
}

// ----------------------------------------------------------------- helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function fail(path: string, reason: string): never {
  throw new Error(`Invalid event pattern at ${path || '(root)'}: ${reason}`);
}
