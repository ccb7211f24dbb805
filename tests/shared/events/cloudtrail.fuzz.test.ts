// Property-based tests: parseApiCallEvent, fed the CloudTrail samples damaged at random,
// either returns a well-formed call or throws EventValidationError; and the tamper checks
// never throw on what it returns, whatever the call's (untrusted) parameters hold, and say
// what changed in bounded text.
import fc from 'fast-check';
import { API_CALL_DETAIL_TYPE, parseApiCallEvent } from '../../../shared/events/cloudtrail';
import type { ApiCallEvent } from '../../../shared/events/types';
import { parseConfig } from '../../../shared/config/load';
import { detectTampering } from '../../../shared/policies/tamper';
import { expectNonEmptyString, expectParsedOrRejected, expectTime } from '../../helpers/event-checks';
import { hostileValue, mutate, mutationOf, sampleEvents } from '../../helpers/event-mutations';

const NUM_RUNS = 300;
const { fixtureFile, fixture } = sampleEvents(['cloudtrail']);
const hostile = hostileValue([API_CALL_DETAIL_TYPE, 'UpdateService', 'PutApprovalResult', 'StopLogging', 'Approved', 'AssumedRole', 'payments-api', 'arn:aws:iam::123456789012:role/x', null, [], {}]);
const mutation = mutationOf(hostile, [API_CALL_DETAIL_TYPE]);

const config = parseConfig(
  {
    approvals: { policies: [{ name: 'production', pipelines: ['payments-*'] }] },
    rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api' }] },
    protection: {
      pipelines: [{ pipelines: ['payments-*'] }],
      services: [{ cluster: 'payments-prod', service: 'payments-api', deployedBy: ['arn:aws:iam::*:role/payments-api-pipeline'], onBypass: 'revert' }],
      trails: [{ trails: ['*'], onStopLogging: 'restart' }],
    },
  },
  'fuzz config',
);

function expectWellFormed(e: ApiCallEvent): void {
  [e.eventId, e.account, e.region, e.service, e.operation, e.callId, e.caller.type].forEach(expectNonEmptyString);
  expectTime(e.calledAt);
  expect(typeof e.request).toBe('object');
  const detection = detectTampering(e, config, { account: '123456789012', names: ['cicd-guardian-dev-rollback-us-east-1'] });
  if (!('ignored' in detection)) {
    expectNonEmptyString(detection.subject);
    expect(detection.change.length).toBeLessThanOrEqual(600);
  }
}

describe('parseApiCallEvent and the tamper checks on randomly damaged real calls', () => {
  it('return a well-formed call and a detection, or throw EventValidationError, never anything else', () => {
    const outcomes = { parsed: 0, rejected: 0 };
    fc.assert(
      fc.property(fixtureFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, mutations) => {
        outcomes[expectParsedOrRejected(() => parseApiCallEvent(mutate(fixture(file), mutations)), expectWellFormed)]++;
      }),
      { numRuns: NUM_RUNS },
    );
    expect(outcomes.parsed).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
