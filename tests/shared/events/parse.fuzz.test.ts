// Property-based tests: parseCiEvent, fed real sample events damaged at random,
// either returns a well-formed normalized event or throws EventValidationError.
import fc from 'fast-check';
import { BUILD_STATUSES } from '../../../shared/events/codebuild';
import { ACTION_STATES, PIPELINE_STATES, STAGE_STATES } from '../../../shared/events/codepipeline';
import { CI_DETAIL_TYPES, EventValidationError, parseCiEvent } from '../../../shared/events/parse';
import type { CiEvent } from '../../../shared/events/types';
import { listEvents, loadEvent, type JsonObject } from '../../helpers/fixtures';

const NUM_RUNS = 300;
const LONG_STRING = 'x'.repeat(100_000);

const FIXTURES = new Map<string, JsonObject>(
  ['codepipeline', 'codebuild', 'scenarios/pipeline-fails-in-deploy'].flatMap(listEvents).map((file) => [file, loadEvent<JsonObject>(file)]),
);

type Path = (string | number)[];
type Container = Record<string | number, unknown>;

const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Every path to a value inside `root` (not the root itself), depth first. */
function pathsOf(root: unknown, prefix: Path = []): Path[] {
  if (!isContainer(root)) return [];
  return Object.keys(root).flatMap((k) => {
    const key = Array.isArray(root) ? Number(k) : k;
    const p = [...prefix, key];
    return [p, ...pathsOf(root[key], p)];
  });
}

const parentOf = (root: unknown, path: Path): Container => path.slice(0, -1).reduce<Container>((node, k) => node[k] as Container, root as Container);

type Mutation =
  | { op: 'delete'; pick: number }
  | { op: 'replace'; pick: number; value: unknown }
  | { op: 'detail-to-array' }
  | { op: 'swap-detail-type'; to: string };

function mutate(event: JsonObject, mutations: Mutation[]): unknown {
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
    const paths = pathsOf(root);
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

/** Values of the wrong type, hostile strings and states of other event kinds. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
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
  fc.constantFrom<unknown>(...PIPELINE_STATES, ...STAGE_STATES, ...ACTION_STATES, ...BUILD_STATUSES, ...CI_DETAIL_TYPES),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }) },
  { weight: 1, arbitrary: fc.constant({ op: 'detail-to-array' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-detail-type' as const), to: fc.constantFrom(...CI_DETAIL_TYPES) }) },
);

/** The file name of a sample event, so that shrunk counterexamples stay short. */
const fixtureFile = fc.constantFrom(...FIXTURES.keys());
const fixture = (file: string): JsonObject => FIXTURES.get(file)!;

const expectNonEmptyString = (v: unknown) => {
  expect(typeof v).toBe('string');
  expect((v as string).length).toBeGreaterThan(0);
};
const expectOptionalString = (v: unknown) => {
  if (v !== undefined) expect(typeof v).toBe('string');
};

/** What every normalized event guarantees to code that formats it. */
function expectWellFormed(e: CiEvent): void {
  expectNonEmptyString(e.eventId);
  expectNonEmptyString(e.time);
  expect(Number.isNaN(Date.parse(e.time))).toBe(false);
  expect(typeof e.account).toBe('string');
  expect(typeof e.region).toBe('string');

  if (e.kind === 'build') {
    expectNonEmptyString(e.project);
    expectNonEmptyString(e.buildArn);
    expect(BUILD_STATUSES).toContain(e.status);
    [e.initiator, e.sourceVersion, e.logsUrl].forEach(expectOptionalString);
    if (e.failedPhase) {
      expect(typeof e.failedPhase.phase).toBe('string');
      expectOptionalString(e.failedPhase.status);
      e.failedPhase.context.forEach(expectNonEmptyString);
    }
    return;
  }

  expectNonEmptyString(e.pipeline);
  expectNonEmptyString(e.executionId);
  if (e.trigger) [e.trigger.type, e.trigger.detail].forEach(expectOptionalString);

  switch (e.kind) {
    case 'pipeline':
      expect(PIPELINE_STATES).toContain(e.state);
      break;
    case 'stage':
      expectNonEmptyString(e.stage);
      expect(STAGE_STATES).toContain(e.state);
      break;
    case 'action':
      [e.stage, e.action, e.category, e.provider].forEach(expectNonEmptyString);
      expect(typeof e.owner).toBe('string');
      expect(ACTION_STATES).toContain(e.state);
      if (e.result) [e.result.externalUrl, e.result.summary, e.result.externalId, e.result.errorCode].forEach(expectOptionalString);
      break;
    default:
      throw new Error(`unexpected kind ${(e as { kind: unknown }).kind}`);
  }
}

/** Either a well-formed event or an EventValidationError that says where the problem is. */
function expectParsedOrRejected(input: unknown): 'parsed' | 'rejected' {
  let result: CiEvent;
  try {
    result = parseCiEvent(input);
  } catch (err) {
    expect(err).toBeInstanceOf(EventValidationError);
    const e = err as EventValidationError;
    expect(e.issues.length).toBeGreaterThan(0);
    e.issues.forEach((i) => {
      expect(typeof i.path).toBe('string');
      expectNonEmptyString(i.message);
    });
    // The message names problems; it does not echo arbitrarily large input back into logs.
    expect(e.message.length).toBeLessThan(5_000);
    return 'rejected';
  }
  expectWellFormed(result);
  return 'parsed';
}

describe('parseCiEvent on randomly damaged real events', () => {
  it('returns a well-formed event or throws EventValidationError, never anything else', () => {
    const outcomes = { parsed: 0, rejected: 0 };
    fc.assert(
      fc.property(fixtureFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, mutations) => {
        outcomes[expectParsedOrRejected(mutate(fixture(file), mutations))]++;
      }),
      { numRuns: NUM_RUNS },
    );
    // Both branches are exercised: damage to optional fields is tolerated, damage to required ones is not.
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('throws EventValidationError when a required field is deleted', () => {
    const required: Record<string, string[]> = {
      pipeline: ['id', 'time', 'detail', 'detail.pipeline', 'detail.execution-id', 'detail.state'],
      stage: ['detail.stage', 'detail.state', 'detail.pipeline'],
      action: ['detail.action', 'detail.stage', 'detail.type', 'detail.type.category', 'detail.type.provider', 'detail.state'],
      build: ['detail.build-status', 'detail.project-name', 'detail.build-id', 'resources', 'account'],
    };
    fc.assert(
      fc.property(fixtureFile, fc.nat(), (file, pick) => {
        const event = fixture(file);
        const kind = parseCiEvent(event).kind;
        const paths = required[kind]!;
        const path = paths[pick % paths.length]!.split('.');
        const damaged = structuredClone(event) as Container;
        delete parentOf(damaged, path)[path[path.length - 1]!];

        const err = (() => {
          try {
            parseCiEvent(damaged);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(EventValidationError);
        expect((err as EventValidationError).issues.map((i) => i.path)).toContain(path.join('.'));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ignores fields it does not know, wherever they are added', () => {
    fc.assert(
      fc.property(fixtureFile, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), hostileValue, (file, pick, name, value) => {
        const event = fixture(file);
        const extended = structuredClone(event) as Container;
        const objects = [[], ...pathsOf(extended)].filter((p) => {
          const node = p.length === 0 ? extended : parentOf(extended, p)[p[p.length - 1]!];
          return isContainer(node) && !Array.isArray(node);
        });
        const path = objects[pick % objects.length]!;
        const node = (path.length === 0 ? extended : parentOf(extended, path)[path[path.length - 1]!]) as Container;
        node[`x-unknown-${name}`] = value;

        expect(parseCiEvent(extended)).toEqual(parseCiEvent(event));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('throws only EventValidationError for arbitrary values that are not events at all', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (input) => {
        expect(expectParsedOrRejected(input)).toBe('rejected');
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
