import { parseConfig } from '../../../shared/config/load';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { Plan } from '../../../shared/plan/plan';
import { consoleReason, decideFreezeTransitions, FREEZE_REASON_PREFIX, governingPolicy, schedulablePolicies, type TransitionState } from '../../../shared/policies/freeze-schedule';

// Freeze scheduling as a pure decision: (now, guardian.yml, transitions as read) -> plans.
// Times straddle the end of daylight-saving time in Berlin (Sunday 2026-10-25, 03:00 CEST -> 02:00 CET).

const config = parseConfig(
  {
    approvals: {
      freezes: [
        { name: 'weekend', reason: 'No deploys over the weekend', timezone: 'Europe/Berlin', start: '0 18 * * FRI', end: '0 8 * * MON' },
        { name: 'year-end', reason: 'Year-end change freeze', timezone: 'Europe/Berlin', from: '2026-12-20T00:00', until: '2027-01-04T09:00' },
      ],
      policies: [
        { name: 'prod', pipelines: ['payments-*'], stages: ['Prod'], freezes: ['weekend', 'year-end'] },
        { name: 'sandbox', pipelines: ['*-sandbox'], stages: ['Deploy'], deployHours: { from: '09:00', to: '17:00', timezone: 'America/New_York' } },
        { name: 'no-calendar', pipelines: ['*'], approvers: { people: [] } },
      ],
    },
    protection: { freezeTransitions: true },
  },
  'test',
);
const policies = schedulablePolicies(config);

const prod = (over: Partial<TransitionState> = {}): TransitionState => ({
  account: '123456789012',
  region: 'eu-central-1',
  pipeline: 'payments-api',
  stage: 'Prod',
  approvals: [],
  enabled: true,
  record: emptyDelivery(),
  channel: '#deployments',
  ...over,
});

const decide = (at: string, t: TransitionState) => decideFreezeTransitions(new Date(at), config, [t])[0]!;
const types = (plan: Plan) => plan.actions.map((a) => a.type);

/** The stage's record after performing `plan` (what the executor keeps for it). */
function performed(plan: Plan, before: Delivery = emptyDelivery()): Delivery {
  const changes = plan.actions.filter((a) => a.type.startsWith('codepipeline.')).map((a) => ({ key: (a as { key: string }).key, type: a.type, at: '2026-10-23T16:05:00.000Z' }));
  const keys = plan.actions.map((a) => ('key' in a && typeof a.key === 'string' ? a.key : ''));
  return { ...before, sent: [...before.sent, ...keys], changes: [...(before.changes ?? []), ...changes] };
}

describe('a recurring freeze across the end of daylight-saving time', () => {
  // Friday 2026-10-23 18:05 CEST (UTC+2) to Monday 2026-10-26 08:00 CET (UTC+1).
  const start = '2026-10-23T16:05:00Z';

  it('closes the governed stage when the freeze starts, with its reason in the console, announced and audited', () => {
    const plan = decide(start, prod());
    expect(types(plan)).toEqual(['codepipeline.disableTransition', 'audit.record', 'slack.upsert']);
    expect(plan.actions[0]).toMatchObject({ pipeline: 'payments-api', stage: 'Prod', reason: 'cicd-guardian freeze (weekend) until 2026-10-26 08.00 Europe Berlin' });
    expect(plan.actions[1]).toMatchObject({
      entry: { capability: 'freeze', decision: 'transition-disabled', pipeline: 'payments-api', stage: 'Prod', policy: 'prod', by: { automatic: true } },
      after: (plan.actions[0] as { key: string }).key,
    });
    expect(plan.actions[2]).toMatchObject({ channel: '#deployments', message: { title: "payments-api: Prod closed for freeze 'weekend'" } });
  });

  it('does not close a stage before the freeze starts, nor one its policy does not govern', () => {
    expect(types(decide('2026-10-23T15:55:00Z', prod()))).toEqual([]);
    expect(decide(start, prod({ stage: 'Build' })).skipped).toEqual(['no approval policy with freezes or deploy hours governs this stage']);
  });

  it('keeps it closed through the night the clocks go back, and opens it at 08:00 CET Monday (07:00 UTC), not 08:00 CEST', () => {
    const closed = decide(start, prod());
    const record = performed(closed);
    const disabled = prod({ enabled: false, disabledReason: consoleReason({ policy: 'prod', name: 'weekend', reason: '', timezone: 'Europe/Berlin', occurrence: '' }), record });
    expect(types(decide('2026-10-25T01:30:00Z', disabled))).toEqual([]);
    expect(types(decide('2026-10-26T06:55:00Z', disabled))).toEqual([]);
    const opened = decide('2026-10-26T07:00:00Z', disabled);
    expect(types(opened)).toEqual(['codepipeline.enableTransition', 'audit.record', 'slack.upsert']);
    expect(opened.actions[1]).toMatchObject({ entry: { decision: 'transition-enabled', reasons: ["freeze 'weekend' ended: cicd-guardian closed Prod for it"] } });
  });

  it('closes it again at the next occurrence, a week later', () => {
    const record = performed(decide('2026-10-26T07:00:00Z', prod({ enabled: false, disabledReason: `${FREEZE_REASON_PREFIX} (weekend)`, record: performed(decide(start, prod())) })));
    expect(types(decide('2026-10-30T17:05:00Z', prod({ record })))).toEqual(['codepipeline.disableTransition', 'audit.record', 'slack.upsert']);
  });
});

describe('idempotence and what is not ours', () => {
  const during = '2026-12-24T12:00:00Z';

  it('does nothing more while the stage it closed stays closed', () => {
    const record = performed(decide(during, prod()));
    expect(decide(during, prod({ enabled: false, disabledReason: 'cicd-guardian freeze (year-end) until 2027-01-04 09.00 Europe Berlin', record }))).toMatchObject({
      actions: [],
      skipped: [expect.stringMatching(/^closed by cicd-guardian for year-end@2027-01-04T08:00:00.000Z$/)],
    });
  });

  it('leaves a stage a person opened during the freeze open, once it closed it for that freeze', () => {
    const record = performed(decide(during, prod()));
    expect(decide('2026-12-25T12:00:00Z', prod({ record }))).toMatchObject({ actions: [], skipped: [expect.stringMatching(/^opened by someone during year-end/)] });
  });

  it('never opens a transition a person disabled for another reason, during a freeze or after it', () => {
    const theirs = prod({ enabled: false, disabledReason: 'Database migration in progress' });
    for (const at of [during, '2027-01-05T12:00:00Z']) {
      expect(decide(at, theirs)).toMatchObject({ actions: [], skipped: [expect.stringMatching(/^disabled by someone else \("Database migration in progress"\)/)] });
    }
  });

  it("never opens one that carries cicd-guardian's reason without a record of closing it", () => {
    expect(decide('2027-01-05T12:00:00Z', prod({ enabled: false, disabledReason: 'cicd-guardian freeze (year-end)' }))).toMatchObject({ actions: [], skipped: [expect.stringMatching(/no record/)] });
  });

  it('does not open one whose reason a person replaced after cicd-guardian closed it', () => {
    const record = performed(decide(during, prod()));
    expect(types(decide('2027-01-05T12:00:00Z', prod({ enabled: false, disabledReason: 'Keep closed: incident 4711', record })))).toEqual([]);
  });
});

describe('deploy hours', () => {
  const sandbox = (over: Partial<TransitionState> = {}) => prod({ pipeline: 'web-sandbox', stage: 'Deploy', ...over });

  it('closes the stage outside them until they begin again, in their zone (New York is still on EDT on Friday 2026-10-30)', () => {
    const plan = decide('2026-10-30T21:05:00Z', sandbox());
    expect(plan.actions[0]).toMatchObject({ type: 'codepipeline.disableTransition', reason: 'cicd-guardian freeze (deploy-hours) until 2026-11-02 09.00 America New_York' });
  });

  it('opens it when they begin: Monday 09:00 EST (14:00 UTC), after the clocks went back on Sunday', () => {
    const record = performed(decide('2026-10-30T21:05:00Z', sandbox()));
    const closed = sandbox({ enabled: false, disabledReason: 'cicd-guardian freeze (deploy-hours)', record });
    expect(types(decide('2026-11-02T13:55:00Z', closed))).toEqual([]);
    expect(types(decide('2026-11-02T14:00:00Z', closed))).toEqual(['codepipeline.enableTransition', 'audit.record', 'slack.upsert']);
  });

  it('announces through the webhook in webhook mode, and nowhere without Slack', () => {
    const at = new Date('2026-10-30T21:05:00Z');
    expect(types(decideFreezeTransitions(at, config, [sandbox()], 'webhook')[0]!)).toEqual(['codepipeline.disableTransition', 'audit.record', 'slack.webhook']);
    expect(types(decideFreezeTransitions(at, config, [sandbox()], 'off')[0]!)).toEqual(['codepipeline.disableTransition', 'audit.record']);
  });
});

it('acts only on policies with freezes or deploy hours', () => {
  expect(policies.map((p) => p.name)).toEqual(['prod', 'sandbox']);
});

describe('which stages a freeze closes: those of the manual approvals the gate would govern with it', () => {
  const wide = parseConfig(
    {
      approvals: {
        freezes: [{ name: 'year-end', reason: 'Year-end change freeze', timezone: 'Europe/Berlin', from: '2026-12-20T00:00', until: '2027-01-04T09:00' }],
        policies: [
          { name: 'security', pipelines: ['payments-*'], actions: ['Security*'], approvers: { people: [] } },
          { name: 'everything', pipelines: ['payments-*'], freezes: ['year-end'] },
          { name: 'named', pipelines: ['orders-*'], stages: ['Warmup'], freezes: ['year-end'] },
        ],
      },
    },
    'test',
  );
  const stage = (pipeline: string, name: string, approvals: string[]) => ({ pipeline, stage: name, approvals });

  it.each([
    ['a stage holding a governed manual approval', stage('payments-api', 'Approve', ['ReleaseApproval']), 'everything'],
    ["a Build stage under stages '*': no manual approval, so never", stage('payments-api', 'Build', []), undefined],
    ["a stage whose approval the gate governs by an earlier policy without freezes (first match, the action's glob too)", stage('payments-api', 'Approve', ['SecuritySignOff']), undefined],
    ['a stage the policy names exactly, approval or not', stage('orders-api', 'Warmup', []), 'named'],
    ['a stage of a pipeline no policy names', stage('billing-api', 'Approve', ['ReleaseApproval']), undefined],
  ])('%s', (_, t, policy) => {
    expect(governingPolicy(wide, t)?.name).toBe(policy);
  });

  it("leaves a Build stage open during a freeze of a policy with stages '*'", () => {
    const at = new Date('2026-12-22T10:00:00Z');
    const [build, approve] = decideFreezeTransitions(at, wide, [prod({ stage: 'Build' }), prod({ stage: 'Approve', approvals: ['ReleaseApproval'] })]);
    expect(build!.actions).toEqual([]);
    expect(types(approve!)).toEqual(['codepipeline.disableTransition', 'audit.record', 'slack.upsert']);
  });
});
