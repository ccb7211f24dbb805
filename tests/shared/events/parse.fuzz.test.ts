// Property-based tests: parseCiEvent, fed real sample events damaged at random,
// either returns a well-formed normalized event or throws EventValidationError.
import fc from 'fast-check';
import { BUILD_STATUSES } from '../../../shared/events/codebuild';
import { ACTION_STATES, PIPELINE_STATES, STAGE_STATES } from '../../../shared/events/codepipeline';
import { CI_DETAIL_TYPES, EventValidationError, parseCiEvent } from '../../../shared/events/parse';
import type { CiEvent } from '../../../shared/events/types';
import { errorOf, expectNonEmptyString, expectOptionalString, expectParsedOrRejected, expectTime } from '../../helpers/event-checks';
import { hostileValue, mutate, mutationOf, objectIn, parentOf, sampleEvents, type Container } from '../../helpers/event-mutations';

const NUM_RUNS = 300;

const { fixtureFile, fixture } = sampleEvents(['codepipeline', 'codebuild', 'scenarios/pipeline-fails-in-deploy']);

/** Values of the wrong type, hostile strings and states of other event kinds. */
const hostile = hostileValue([...PIPELINE_STATES, ...STAGE_STATES, ...ACTION_STATES, ...BUILD_STATUSES, ...CI_DETAIL_TYPES]);
const mutation = mutationOf(hostile, CI_DETAIL_TYPES);

/** What every normalized event guarantees to code that formats it. */
function expectWellFormed(e: CiEvent): void {
  expectNonEmptyString(e.eventId);
  expectTime(e.time);
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
const outcomeOf = (input: unknown) => expectParsedOrRejected(() => parseCiEvent(input), expectWellFormed);

describe('parseCiEvent on randomly damaged real events', () => {
  it('returns a well-formed event or throws EventValidationError, never anything else', () => {
    const outcomes = { parsed: 0, rejected: 0 };
    fc.assert(
      fc.property(fixtureFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, mutations) => {
        outcomes[outcomeOf(mutate(fixture(file), mutations))]++;
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

        const err = errorOf(() => parseCiEvent(damaged));
        expect(err).toBeInstanceOf(EventValidationError);
        expect((err as EventValidationError).issues.map((i) => i.path)).toContain(path.join('.'));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ignores fields it does not know, wherever they are added', () => {
    fc.assert(
      fc.property(fixtureFile, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), hostile, (file, pick, name, value) => {
        const event = fixture(file);
        const extended = structuredClone(event) as Container;
        objectIn(extended, pick)[`x-unknown-${name}`] = value;

        expect(parseCiEvent(extended)).toEqual(parseCiEvent(event));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('throws only EventValidationError for arbitrary values that are not events at all', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (input) => {
        expect(outcomeOf(input)).toBe('rejected');
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
