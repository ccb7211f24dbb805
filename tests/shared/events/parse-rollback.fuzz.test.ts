// Property-based tests: parseRollbackEvent, fed the ECS, CloudWatch and manual sample
// events damaged at random, either returns a well-formed normalized event or throws
// EventValidationError; and taskFailure never throws on what it returns.
import fc from 'fast-check';
import { ALARM_STATES } from '../../../shared/events/cloudwatch';
import { DEPLOYMENT_EVENT_NAMES } from '../../../shared/events/ecs';
import { taskFailure } from '../../../shared/events/task-failure';
import { EventValidationError } from '../../../shared/events/parse';
import { MANUAL_REQUEST_KEYS, ROLLBACK_DETAIL_TYPES, parseRollbackEvent, type RollbackEvent } from '../../../shared/events/parse-rollback';
import { errorOf, expectNonEmptyString, expectOptionalString, expectParsedOrRejected, expectTime } from '../../helpers/event-checks';
import { hostileValue, mutate, mutationOf, objectIn, parentOf, sampleEvents, type Container } from '../../helpers/event-mutations';
import { isRollbackSample } from '../../helpers/fixtures';

const NUM_RUNS = 200;
const FIXED = { now: () => new Date('2025-06-12T15:00:00.000Z'), newId: () => 'f3b0c1de-7a52-4e0b-9d61-2c8e5a4f7b90' };

const { fixtureFile, fixture } = sampleEvents(['ecs', 'cloudwatch', 'manual'], isRollbackSample);

/** Values of the wrong type, hostile strings, and values that are valid elsewhere in these events. */
const hostile = hostileValue([
  ...DEPLOYMENT_EVENT_NAMES,
  ...ALARM_STATES,
  ...ROLLBACK_DETAIL_TYPES,
  'STOPPED',
  'RUNNING',
  'TaskFailedToStart',
  'ServiceSchedulerInitiated',
  'Task failed ELB health checks in (target-group x)',
  'CannotPullContainerError: x',
  'service:',
  'ecs-svc/1',
  'arn:aws:ecs:us-east-1:123456789012:service/payments-api',
  'arn:aws:ecs:us-east-1:123456789012:cluster/payments-prod',
]);
const mutation = mutationOf(hostile, ROLLBACK_DETAIL_TYPES);

/** What every normalized event guarantees to the code that decides on it. */
function expectWellFormed(e: RollbackEvent): void {
  expectNonEmptyString(e.eventId);
  expectTime(e.time);
  if (e.kind === 'manual') {
    [e.cluster, e.service, e.reason].forEach(expectNonEmptyString);
    if (e.dryRun !== undefined) expect(typeof e.dryRun).toBe('boolean');
    return;
  }
  expectNonEmptyString(e.account);
  expectNonEmptyString(e.region);

  switch (e.kind) {
    case 'ecs-deployment':
      [e.clusterArn, e.cluster, e.serviceArn, e.service, e.deploymentId].forEach(expectNonEmptyString);
      expect(DEPLOYMENT_EVENT_NAMES).toContain(e.eventName);
      expectTime(e.updatedAt);
      [e.reason, e.nativeRollbackTo].forEach(expectOptionalString);
      if (e.nativeRollbackTo !== undefined) expect(e.reason).toContain(e.nativeRollbackTo);
      break;
    case 'ecs-service-action':
      [e.clusterArn, e.cluster, e.serviceArn, e.service, e.eventName].forEach(expectNonEmptyString);
      expectOptionalString(e.eventType);
      break;
    case 'ecs-task': {
      [e.clusterArn, e.cluster, e.taskArn, e.taskDefinitionArn, e.lastStatus].forEach(expectNonEmptyString);
      [e.service, e.startedBy, e.desiredStatus, e.stopCode, e.stoppedReason, e.createdAt, e.startedAt, e.stoppingAt, e.stoppedAt, e.healthStatus].forEach(
        expectOptionalString,
      );
      if (e.service !== undefined) expectNonEmptyString(e.service);
      expect(Number.isSafeInteger(e.version) && e.version >= 0).toBe(true);
      expect(Array.isArray(e.containers)).toBe(true);
      for (const c of e.containers) {
        expectNonEmptyString(c.name);
        if (c.exitCode !== undefined) expect(Number.isSafeInteger(c.exitCode)).toBe(true);
        [c.reason, c.lastStatus, c.healthStatus].forEach(expectOptionalString);
      }
      const failure = taskFailure(e);
      if (failure) {
        expect(['exit-code', 'health-check', 'failed-to-start']).toContain(failure.kind);
        expectNonEmptyString(failure.detail);
        expect(failure.detail.length).toBeLessThanOrEqual(1000);
        expect(e.lastStatus).toBe('STOPPED');
      }
      break;
    }
    case 'alarm':
      [e.alarmName, e.alarmArn, e.stateTimestamp].forEach(expectNonEmptyString);
      expect(typeof e.reason).toBe('string');
      expect(ALARM_STATES).toContain(e.state);
      if (e.previousState !== undefined) expect(ALARM_STATES).toContain(e.previousState);
      break;
    default:
      // No sample here is a CodePipeline action event, and no mutation makes one.
      throw new Error(`unexpected kind ${(e as { kind: unknown }).kind}`);
  }
}

/** Either a well-formed event or an EventValidationError that says where the problem is. */
const outcomeOf = (input: unknown) => expectParsedOrRejected(() => parseRollbackEvent(input, FIXED), expectWellFormed);

describe('parseRollbackEvent on randomly damaged real events', () => {
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

  it('throws EventValidationError naming the path when a required field is deleted', () => {
    const required: Record<RollbackEvent['kind'], string[]> = {
      'ecs-deployment': ['id', 'time', 'detail', 'detail-type', 'resources', 'resources.0', 'detail.eventName', 'detail.deploymentId', 'detail.updatedAt'],
      'ecs-service-action': ['source', 'resources.0', 'detail.eventName', 'detail.clusterArn'],
      'ecs-task': ['account', 'region', 'detail.clusterArn', 'detail.taskArn', 'detail.taskDefinitionArn', 'detail.lastStatus', 'detail.version'],
      alarm: ['resources.0', 'detail.alarmName', 'detail.state', 'detail.state.value', 'detail.state.reason', 'detail.state.timestamp'],
      manual: ['cluster', 'service', 'reason'],
      action: [],
    };
    fc.assert(
      fc.property(fixtureFile, fc.nat(), (file, pick) => {
        const event = fixture(file);
        const paths = required[parseRollbackEvent(event, FIXED).kind];
        const path = paths[pick % paths.length]!.split('.');
        const damaged = structuredClone(event) as Container;
        delete parentOf(damaged, path)[path[path.length - 1]!];

        const err = errorOf(() => parseRollbackEvent(damaged, FIXED));
        expect(err).toBeInstanceOf(EventValidationError);
        expect((err as EventValidationError).issues.map((i) => i.path)).toContain(path.join('.'));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ignores fields it does not know in events, wherever they are added, and names them in a manual request', () => {
    fc.assert(
      fc.property(fixtureFile, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), hostile, (file, pick, name, value) => {
        const event = fixture(file);
        const extended = structuredClone(event) as Container;
        const key = `x-unknown-${name}`;
        objectIn(extended, pick)[key] = value;

        if (file.startsWith('manual/')) {
          const err = errorOf(() => parseRollbackEvent(extended, FIXED));
          expect(err).toBeInstanceOf(EventValidationError);
          expect((err as EventValidationError).issues).toEqual([{ path: key, message: expect.stringContaining(MANUAL_REQUEST_KEYS.join(', ')) }]);
        } else {
          expect(parseRollbackEvent(extended)).toEqual(parseRollbackEvent(event));
        }
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
