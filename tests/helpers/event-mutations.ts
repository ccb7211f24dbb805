// Machinery for the property-based parser tests (tests/shared/events/*.fuzz.test.ts):
// real sample events, and arbitraries and helpers that damage them at random.
// The checks on what the parsers return are in ./event-checks.
import fc from 'fast-check';
import { listEvents, loadEvent, type JsonObject } from './fixtures';

export type Path = (string | number)[];
export type Container = Record<string | number, unknown>;

export const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Every path to a value inside `root` (not the root itself), depth first. */
export function pathsOf(root: unknown, prefix: Path = []): Path[] {
  if (!isContainer(root)) return [];
  return Object.keys(root).flatMap((k) => {
    const key = Array.isArray(root) ? Number(k) : k;
    const p = [...prefix, key];
    return [p, ...pathsOf(root[key], p)];
  });
}

export const parentOf = (root: unknown, path: Path): Container => path.slice(0, -1).reduce<Container>((node, k) => node[k] as Container, root as Container);

/** The value at `path` inside `root`; `root` itself for the empty path. */
const valueAt = (root: unknown, path: Path): unknown => (path.length === 0 ? root : parentOf(root, path)[path[path.length - 1]!]);

/** One of the objects (not arrays) in `root`, `root` included, chosen by `pick`. */
export function objectIn(root: Container, pick: number): Container {
  const objects = [[], ...pathsOf(root)].filter((p) => {
    const node = valueAt(root, p);
    return isContainer(node) && !Array.isArray(node);
  });
  return valueAt(root, objects[pick % objects.length]!) as Container;
}

export type Mutation =
  | { op: 'delete'; pick: number }
  | { op: 'replace'; pick: number; value: unknown }
  /** Replaces one of the event's strings (not any value): aims at names, ids and ARNs. */
  | { op: 'replace-text'; pick: number; value: string }
  | { op: 'detail-to-array' }
  | { op: 'swap-detail-type'; to: string };

/** A damaged copy of `event`; `event` itself is left alone. */
export function mutate(event: JsonObject, mutations: Mutation[]): unknown {
  const root = structuredClone(event) as Container;
  for (const m of mutations) {
    if (m.op === 'detail-to-array') {
      root.detail = [root.detail];
      continue;
    }
    if (m.op === 'swap-detail-type') {
      root['detail-type'] = m.to;
      continue;
    }
    const paths = m.op === 'replace-text' ? pathsOf(root).filter((p) => typeof valueAt(root, p) === 'string') : pathsOf(root);
    if (paths.length === 0) continue;
    const path = paths[m.pick % paths.length]!;
    const parent = parentOf(root, path);
    const key = path[path.length - 1]!;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      parent[key] = m.value;
    }
  }
  return root;
}

export const LONG_STRING = 'x'.repeat(100_000);

/** Values of the wrong type, hostile strings, and `extra`: values that are valid elsewhere in the events under test. */
export function hostileValue(extra: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.integer(),
    fc.double(), // includes NaN, ±Infinity and -0
    fc.constant({}),
    fc.constant([]),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(''),
    fc.constant(' '),
    fc.constant('<!channel>'),
    fc.constant('<!here> @everyone *bold* `code` <https://evil.example|click>'),
    fc.constant('\u0000\u202e\u200b\ud83d\udca5'),
    fc.constant(LONG_STRING),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom<unknown>(...extra),
  );
}

/** Replaces one of the event's strings by one of `values`. */
export const textReplacementOf = (values: fc.Arbitrary<string>): fc.Arbitrary<Mutation> =>
  fc.record({ op: fc.constant('replace-text' as const), pick: fc.nat(), value: values });

/** One damage to an event: a deletion, a replacement by `value`, `detail` wrapped in an array, or another of `detailTypes`. */
export function mutationOf(value: fc.Arbitrary<unknown>, detailTypes: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value }) },
    { weight: 1, arbitrary: fc.constant({ op: 'detail-to-array' as const }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-detail-type' as const), to: fc.constantFrom(...detailTypes) }) },
  );
}

/**
 * The sample events under `events/<dir>` for each of `dirs`: `fixtureFile` draws a file name,
 * so that shrunk counterexamples stay short, and `fixture` gives that file's event.
 */
export function sampleEvents(dirs: readonly string[], keep: (file: string) => boolean = () => true): { fixtureFile: fc.Arbitrary<string>; fixture: (file: string) => JsonObject } {
  const events = new Map<string, JsonObject>(dirs.flatMap(listEvents).filter(keep).map((file) => [file, loadEvent<JsonObject>(file)]));
  return { fixtureFile: fc.constantFrom(...events.keys()), fixture: (file) => events.get(file)! };
}
