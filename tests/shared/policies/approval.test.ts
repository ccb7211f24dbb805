import { parseConfig } from '../../../shared/config/load';
import type { FreezeWindowConfig } from '../../../shared/config/schema';
import {
  activeFreeze,
  approvalPolicyFor,
  approversOf,
  checkSource,
  checkVote,
  decideGate,
  expiresAt,
  nextFreezeChange,
  outsideDeployHours,
  reminderAt,
  reminderDue,
  selfApproval,
  tally,
  wallClockInstant,
  type ApprovalFacts,
  type Vote,
} from '../../../shared/policies/approval';

// Daylight saving in 2026: Europe/Berlin springs forward on 29 March (02:00 CET -> 03:00 CEST, 01:00Z)
// and falls back on 25 October (03:00 CEST -> 02:00 CET, 01:00Z); America/New_York springs forward on
// 8 March (02:00 EST -> 03:00 EDT, 07:00Z) and falls back on 1 November (02:00 EDT -> 01:00 EST, 06:00Z).

const config = parseConfig(
  {
    people: [
      { id: 'alice', name: 'Alice', slack: 'U0ALICE01', emails: ['Alice@Example.com'], principals: ['arn:aws:sts::*:assumed-role/AWSReservedSSO_*/alice'] },
      { id: 'bob', name: 'Bob', slack: 'U0BOB0001', emails: ['bob@example.com'] },
      { id: 'carol', slack: 'U0CAROL01' },
      { id: 'dave', slack: 'U0DAVE001' },
    ],
    groups: { release: ['alice', 'bob'] },
    approvals: {
      freezes: [
        { name: 'year-end', reason: 'holidays', timezone: 'Europe/Berlin', from: '2026-12-20T00:00', until: '2027-01-04T09:00' },
        { name: 'weekend', reason: 'nobody on call', timezone: 'Europe/Berlin', start: '0 16 * * FRI', end: '0 8 * * MON' },
      ],
      policies: [
        { name: 'sandbox', pipelines: ['*-sandbox'], whenAllowed: 'approve', deployHours: { from: '09:00', to: '17:00', timezone: 'Europe/Berlin' } },
        {
          name: 'prod',
          pipelines: ['*-prod'],
          stages: ['Approve*'],
          freezes: ['year-end', 'weekend'],
          source: { branches: ['main', 'release/*'], commitMessage: '[A-Z]+-\\d+' },
          approvers: { groups: ['release'], people: ['carol'], required: 2 },
          remind: { beforeExpiryHours: 24, escalateTo: '#oncall' },
        },
      ],
    },
  },
  'test config',
);
const [sandbox, prod] = config.approvals.policies as [(typeof config.approvals.policies)[0], (typeof config.approvals.policies)[0]];
const freeze = (name: string) => config.approvals.freezes.find((f) => f.name === name)!;
const at = (iso: string) => new Date(iso);

describe('which policy governs an approval', () => {
  it.each([
    [{ pipeline: 'web-sandbox', stage: 'Approve', action: 'Manual' }, 'sandbox'],
    [{ pipeline: 'web-prod', stage: 'ApproveRelease', action: 'Manual' }, 'prod'],
    [{ pipeline: 'web-prod', stage: 'QA', action: 'Manual' }, undefined],
    [{ pipeline: 'web-staging', stage: 'Approve', action: 'Manual' }, undefined],
  ])('%o is governed by %s (first match by pipeline, stage and action globs)', (subject, name) => {
    expect(approvalPolicyFor(config, subject)?.name).toBe(name);
  });
});

describe('wall-clock times in a zone', () => {
  it.each([
    ['an ordinary time', '2027-01-04T09:00', 'Europe/Berlin', 'later', '2027-01-04T08:00:00.000Z'],
    ['Berlin time skipped in spring: the first instant after the gap', '2026-03-29T02:30', 'Europe/Berlin', 'later', '2026-03-29T01:30:00.000Z'],
    ['Berlin time repeated in autumn, first reading', '2026-10-25T02:30', 'Europe/Berlin', 'earlier', '2026-10-25T00:30:00.000Z'],
    ['Berlin time repeated in autumn, second reading', '2026-10-25T02:30', 'Europe/Berlin', 'later', '2026-10-25T01:30:00.000Z'],
    ['New York time skipped in spring', '2026-03-08T02:30', 'America/New_York', 'earlier', '2026-03-08T07:30:00.000Z'],
    ['New York time repeated in autumn, first reading', '2026-11-01T01:30', 'America/New_York', 'earlier', '2026-11-01T05:30:00.000Z'],
    ['New York time repeated in autumn, second reading', '2026-11-01T01:30', 'America/New_York', 'later', '2026-11-01T06:30:00.000Z'],
  ] as const)('%s: %s in %s (%s) is %s', (_, local, tz, occurrence, expected) => {
    expect(wallClockInstant(local, tz, occurrence).toISOString()).toBe(expected);
  });
});

describe('freeze windows', () => {
  const oneOff = (from: string, until: string, timezone: string): FreezeWindowConfig => ({ name: 'w', reason: 'r', timezone, from, until });
  const recurring = (start: string, end: string, timezone: string): FreezeWindowConfig => ({ name: 'w', reason: 'r', timezone, start, end });

  it.each([
    ['one-off, before it starts (00:00 Berlin is 23:00Z)', freeze('year-end'), '2026-12-19T22:59:59Z', undefined],
    ['one-off, at its start', freeze('year-end'), '2026-12-19T23:00:00Z', '2027-01-04T08:00:00.000Z'],
    ['one-off, its last minute', freeze('year-end'), '2027-01-04T07:59:59Z', '2027-01-04T08:00:00.000Z'],
    ['one-off, at its end', freeze('year-end'), '2027-01-04T08:00:00Z', undefined],
    ['one-off ending at a skipped Berlin time: until the clocks resume (03:30 CEST)', oneOff('2026-03-28T00:00', '2026-03-29T02:30', 'Europe/Berlin'), '2026-03-29T01:29:00Z', '2026-03-29T01:30:00.000Z'],
    ['one-off ending at a skipped Berlin time, after it', oneOff('2026-03-28T00:00', '2026-03-29T02:30', 'Europe/Berlin'), '2026-03-29T01:30:00Z', undefined],
    ['one-off ending at a repeated Berlin time: through the second 02:30', oneOff('2026-10-24T00:00', '2026-10-25T02:30', 'Europe/Berlin'), '2026-10-25T01:00:00Z', '2026-10-25T01:30:00.000Z'],
    ['one-off ending at a repeated New York time: through the second 01:30', oneOff('2026-10-31T00:00', '2026-11-01T01:30', 'America/New_York'), '2026-11-01T06:00:00Z', '2026-11-01T06:30:00.000Z'],
    ['one-off starting at a repeated New York time: from the first 01:30', oneOff('2026-11-01T01:30', '2026-11-02T00:00', 'America/New_York'), '2026-11-01T05:30:00Z', '2026-11-02T05:00:00.000Z'],
    ['weekly, the second it starts (Fri 16:00 CET)', freeze('weekend'), '2026-03-27T15:00:00Z', '2026-03-30T06:00:00.000Z'],
    ['weekly, a second before it starts', freeze('weekend'), '2026-03-27T14:59:59Z', undefined],
    ['weekly over spring-forward: ends Mon 08:00 CEST (06:00Z, not 07:00Z)', freeze('weekend'), '2026-03-30T05:59:00Z', '2026-03-30T06:00:00.000Z'],
    ['weekly over spring-forward, after its end', freeze('weekend'), '2026-03-30T06:00:00Z', undefined],
    ['weekly over fall-back: still in at Mon 07:30 CET (06:30Z)', freeze('weekend'), '2026-10-26T06:30:00Z', '2026-10-26T07:00:00.000Z'],
    ['weekly, mid-week', freeze('weekend'), '2026-10-28T12:00:00Z', undefined],
    ['nightly New York freeze ending at the skipped 02:30: croner ends it at 03:00 EDT', recurring('0 0 * * *', '30 2 * * *', 'America/New_York'), '2026-03-08T06:59:00Z', '2026-03-08T07:00:00.000Z'],
    ['nightly New York freeze ending at the skipped 02:30, after 03:00 EDT', recurring('0 0 * * *', '30 2 * * *', 'America/New_York'), '2026-03-08T07:00:00Z', undefined],
    ['nightly New York freeze across fall-back (00:00 EDT to 06:00 EST)', recurring('0 0 * * *', '0 6 * * *', 'America/New_York'), '2026-11-01T10:59:00Z', '2026-11-01T11:00:00.000Z'],
  ])('%s', (_, window, now, until) => {
    expect(activeFreeze([window], at(now))?.until?.toISOString()).toBe(until);
  });

  it('of two freezes in effect, reports the one that ends last', () => {
    const long = { ...freeze('year-end'), name: 'long' };
    const short = oneOff('2026-12-24T00:00', '2026-12-27T00:00', 'Europe/Berlin');
    expect(activeFreeze([short, long], at('2026-12-25T12:00:00Z'))?.name).toBe('long');
  });

  it('says when the next freeze starts or ends', () => {
    expect(nextFreezeChange(config.approvals.freezes, at('2026-12-18T12:00:00Z'))).toEqual({
      at: at('2026-12-18T15:00:00Z'),
      window: 'weekend',
      change: 'starts',
    });
    expect(nextFreezeChange([freeze('year-end')], at('2027-02-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('deploy hours', () => {
  const office = { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const, from: '09:00', to: '17:00', timezone: 'Europe/Berlin' };
  const night = { days: ['FRI'] as const, from: '22:00', to: '06:00', timezone: 'America/New_York' };
  it.each([
    ['Fri 08:59 CET', office, '2026-03-27T07:59:00Z', false],
    ['Fri 09:00 CET', office, '2026-03-27T08:00:00Z', true],
    ['Fri 16:59 CET', office, '2026-03-27T15:59:00Z', true],
    ['Fri 17:00 CET', office, '2026-03-27T16:00:00Z', false],
    ['Mon after spring-forward, 09:00 CEST', office, '2026-03-30T07:00:00Z', true],
    ['Mon after spring-forward, 08:59 CEST (07:59 CET by the old offset)', office, '2026-03-30T06:59:00Z', false],
    ['Saturday noon', office, '2026-03-28T11:00:00Z', false],
    ['overnight window, Fri 23:00 EST', night, '2026-03-07T04:00:00Z', true],
    ['overnight window, its end: Sat 06:00 EST', night, '2026-03-07T11:00:00Z', false],
    ['overnight window the night clocks go forward: Sun 05:30 EDT', { ...night, days: ['SAT'] }, '2026-03-08T09:30:00Z', true],
    ['overnight window the night clocks go forward: Sun 06:00 EDT (05:00 EST by the old offset)', { ...night, days: ['SAT'] }, '2026-03-08T10:00:00Z', false],
    ['overnight window, Sat 01:00 EST', night, '2026-03-07T06:00:00Z', true],
    ['overnight window, Sat 23:00: Saturday is not listed', night, '2026-03-08T04:00:00Z', false],
  ] as const)('%s', (_, hours, now, inside) => {
    const reason = outsideDeployHours({ ...hours, days: [...hours.days] }, at(now));
    expect(reason === undefined).toBe(inside);
  });

  it('says which hours apply and what time it is there', () => {
    expect(outsideDeployHours({ ...office, days: [...office.days] }, at('2026-03-28T11:00:00Z'))).toBe(
      'outside deploy hours (MON,TUE,WED,THU,FRI 09:00-17:00 Europe/Berlin; it is SAT 12:00)',
    );
  });
});

describe('source checks', () => {
  const check = prod.source;
  it.each([
    ['main with a ticket', { ref: { kind: 'branch', name: 'main' }, commitMessage: 'PAY-12 fix' }, [], []],
    ['a release branch', { ref: { kind: 'branch', name: 'release/2.1' }, commitMessage: 'OPS-1' }, [], []],
    ['a feature branch', { ref: { kind: 'branch', name: 'feature/x' }, commitMessage: 'PAY-1' }, ["branch 'feature/x' is not one of main, release/*"], []],
    ['a tag', { ref: { kind: 'tag', name: 'v1.2.0' }, commitMessage: 'PAY-1' }, ["tag 'v1.2.0' is deployed, and this policy deploys branches only"], []],
    ['no ticket in the message', { ref: { kind: 'branch', name: 'main' }, commitMessage: 'fix typo' }, ['the commit message does not match /[A-Z]+-\\d+/'], []],
    ['nothing known', {}, [], ['the source branch is unknown (allowed: main, release/*)', 'the commit message is unknown (it must match /[A-Z]+-\\d+/)']],
    ['a tag whose name the execution does not give', { ref: { kind: 'tag' }, commitMessage: 'PAY-1' }, ['a tag is deployed, and this policy deploys branches only'], []],
    [
      'tag or branch unknown, saying why',
      { refUnknown: 'the pipeline starts on tag pushes too', commitMessage: 'PAY-1' },
      [],
      ['the source branch is unknown (allowed: main, release/*): the pipeline starts on tag pushes too'],
    ],
  ] as const)('%s', (_, source, problems, unverified) => {
    expect(checkSource(check, source as never)).toEqual({ problems, unverified });
  });

  it('lets a tag through where the policy allows tags', () => {
    expect(checkSource({ allowTags: true, branches: ['main'] }, { ref: { kind: 'tag', name: 'v1' } })).toEqual({ problems: [], unverified: [] });
  });
});

describe('who may approve', () => {
  it('is the policy people and its groups members, each once', () => {
    expect(approversOf(prod, config).map((p) => p.id)).toEqual(['alice', 'bob', 'carol']);
  });

  it('is everyone in guardian.yml when the policy names nobody', () => {
    expect(approversOf(sandbox, config).map((p) => p.id)).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  const alice = config.people[0]!;
  it.each([
    ['the commit author, by email in any case', { source: { authorEmail: 'alice@example.COM' } }, 'Alice authored the commit (alice@example.com)'],
    ['the principal that started the execution', { source: {}, startedBy: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_abc/alice' }, 'Alice started the execution (arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_abc/alice)'],
    ['someone else', { source: { authorEmail: 'bob@example.com' }, startedBy: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_abc/bob' }, undefined],
  ])('self-approval: %s', (_, facts, reason) => {
    expect(selfApproval(alice, facts)).toBe(reason);
  });
});

describe('tally of votes', () => {
  const vote = (personId: string, decision: Vote['decision']): Vote => ({ personId, slackUserId: `U-${personId}`, decision, at: '2026-11-10T10:00:00Z' });
  it.each([
    ['one approval of two', [vote('alice', 'approve')], 'pending', ['alice']],
    ['the same person twice counts once', [vote('alice', 'approve'), vote('alice', 'approve')], 'pending', ['alice']],
    ['two distinct people', [vote('alice', 'approve'), vote('bob', 'approve')], 'approved', ['alice', 'bob']],
    ['a person first vote is theirs', [vote('alice', 'approve'), vote('alice', 'reject')], 'pending', ['alice']],
    ['one rejection rejects', [vote('alice', 'approve'), vote('carol', 'reject'), vote('bob', 'approve')], 'rejected', ['alice', 'bob']],
  ])('%s: %s', (_, votes, outcome, approvedBy) => {
    const t = tally(votes, prod);
    expect(t.outcome).toBe(outcome);
    expect(t.approvedBy).toEqual(approvedBy);
  });

  it('needs as many rejections as the policy says', () => {
    const twoRejects = { ...prod, approvers: { ...prod.approvers!, rejectsRequired: 2 } };
    expect(tally([vote('alice', 'reject')], twoRejects).outcome).toBe('pending');
    expect(tally([vote('alice', 'reject'), vote('bob', 'reject')], twoRejects).outcome).toBe('rejected');
  });
});

const goodFacts: ApprovalFacts = {
  token: 'tok-1',
  pipelineExecutionId: 'exec-1',
  source: { ref: { kind: 'branch', name: 'main' }, commitId: 'abc', commitMessage: 'PAY-7 retry payments', authorEmail: 'dave@example.com' },
  startedBy: 'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_abc/alice',
  unreadable: [],
};
const wednesday = at('2026-11-11T10:00:00Z');

describe('the gate decision', () => {
  it('rejects inside a freeze, naming it and its end in its zone', () => {
    expect(decideGate(goodFacts, prod, config, at('2026-12-22T10:00:00Z'))).toEqual({
      outcome: 'reject',
      reasons: ["inside freeze window 'year-end' until 2027-01-04 09:00 Europe/Berlin (holidays)"],
    });
  });

  it('rejects with every failing check', () => {
    const facts = { ...goodFacts, source: { ref: { kind: 'tag' as const, name: 'v9' }, commitMessage: 'wip' } };
    expect(decideGate(facts, prod, config, at('2026-11-14T10:00:00Z'))).toMatchObject({
      outcome: 'reject',
      reasons: [
        "inside freeze window 'weekend' until 2026-11-16 08:00 Europe/Berlin (nobody on call)",
        "tag 'v9' is deployed, and this policy deploys branches only",
        'the commit message does not match /[A-Z]+-\\d+/',
      ],
    });
  });

  it('asks the approvers when every check passes', () => {
    expect(decideGate(goodFacts, prod, config, wednesday)).toEqual({ outcome: 'ask', approvers: ['alice', 'bob', 'carol'], required: 2, unverified: [] });
  });

  it('approves a sandbox automatically in working hours, and rejects it after them', () => {
    expect(decideGate(goodFacts, sandbox, config, wednesday).outcome).toBe('approve');
    expect(decideGate(goodFacts, sandbox, config, at('2026-11-11T18:00:00Z'))).toMatchObject({ outcome: 'reject' });
  });

  it('asks people, instead of approving automatically, when a check could not be made', () => {
    const withBranches = { ...sandbox, source: { branches: ['main'], allowTags: false } };
    const decision = decideGate({ ...goodFacts, source: {} }, withBranches, config, wednesday);
    expect(decision).toMatchObject({
      outcome: 'ask',
      unverified: ['the source branch is unknown (allowed: main)', 'so it is not approved automatically', expect.stringMatching(/^author unknown: .* no-self-approval is not checked/)],
    });
  });

  it('says in the request what no-self-approval cannot check: the author, who started the execution', () => {
    const facts = { ...goodFacts, source: { ...goodFacts.source, authorEmail: undefined }, startedBy: undefined, startedByUnknown: 'the execution could not be read' };
    expect(decideGate(facts, prod, config, wednesday)).toMatchObject({
      outcome: 'ask',
      unverified: [
        'author unknown: the source gives no commit author email (only CodeCommit does), so no-self-approval is not checked against the author',
        'who started the execution is unknown (the execution could not be read), so no-self-approval is not checked against them',
      ],
    });
    const verifiedOnly = { ...prod, selfApproval: 'verifiedOnly' as const };
    expect(decideGate(facts, verifiedOnly, config, wednesday)).toMatchObject({ unverified: [expect.stringMatching(/approvals are refused \(selfApproval: verifiedOnly\)$/), expect.anything()] });
  });

  it('approves automatically without the author: no person approves, so there is no self-approval to check', () => {
    expect(decideGate({ ...goodFacts, source: { ...goodFacts.source, authorEmail: undefined } }, sandbox, config, wednesday).outcome).toBe('approve');
  });

  it('says nothing can be approved without a token, and why it is missing', () => {
    expect(decideGate({ ...goodFacts, token: undefined, unreadable: ['GetPipelineState: AccessDenied'] }, prod, config, wednesday)).toEqual({
      outcome: 'unactionable',
      reason: 'no approval token was found, so nothing can be approved or rejected: GetPipelineState: AccessDenied',
    });
  });
});

describe('a click, checked again when it happens', () => {
  const request = { token: 'tok-1', votes: [] as Vote[] };
  const click = (slackUserId: string, decision: 'approve' | 'reject' = 'approve') => ({ slackUserId, decision });
  it.each([
    ['an approver', click('U0BOB0001'), goodFacts, wednesday, { allowed: true }],
    ['an unknown Slack user', click('U0NOBODY1'), goodFacts, wednesday, { allowed: false, reason: 'Slack user U0NOBODY1 is not one of the people in guardian.yml, so cannot vote' }],
    ['a person who is not an approver', click('U0DAVE001'), goodFacts, wednesday, { allowed: false, reason: "dave is not an approver under policy 'prod'" }],
    ['the person who started the execution', click('U0ALICE01'), goodFacts, wednesday, { allowed: false, reason: `no self-approval: Alice started the execution (${goodFacts.startedBy})` }],
    ['the starter rejecting their own change', click('U0ALICE01', 'reject'), goodFacts, wednesday, { allowed: true }],
    ['an approval after a freeze began', click('U0BOB0001'), goodFacts, at('2026-11-13T15:30:00Z'), { allowed: false, reason: "cannot approve now: inside freeze window 'weekend' until 2026-11-16 08:00 Europe/Berlin (nobody on call)" }],
    ['a rejection during a freeze', click('U0BOB0001', 'reject'), goodFacts, at('2026-11-13T15:30:00Z'), { allowed: true }],
    ['a token that changed', click('U0BOB0001'), { ...goodFacts, token: 'tok-2' }, wednesday, { allowed: false, reason: 'the approval changed since this request (another execution reached it): this request is closed' }],
    ['no token any more', click('U0BOB0001'), { ...goodFacts, token: undefined }, wednesday, { allowed: false, reason: 'the approval is no longer waiting (no token): it was decided, expired or its execution ended' }],
  ])('%s', (_, c, facts, now, expected) => {
    expect(checkVote(c, request, facts, prod, config, now)).toMatchObject(expected);
  });

  const authorUnknown = { ...goodFacts, source: { ...goodFacts.source, authorEmail: undefined } };
  it('lets an approver approve when the author is unknown, by default (selfApproval: unverifiedAllowed)', () => {
    expect(prod.selfApproval).toBe('unverifiedAllowed');
    expect(checkVote(click('U0BOB0001'), request, authorUnknown, prod, config, wednesday)).toMatchObject({ allowed: true });
  });

  it('refuses an approval that no-self-approval could not check under selfApproval: verifiedOnly, and still counts a rejection', () => {
    const verifiedOnly = { ...prod, selfApproval: 'verifiedOnly' as const };
    expect(checkVote(click('U0BOB0001'), request, authorUnknown, verifiedOnly, config, wednesday)).toEqual({
      allowed: false,
      reason: expect.stringMatching(/^cannot approve: author unknown: .*, and policy 'prod' counts only approvals it could check \(selfApproval: verifiedOnly\)$/),
    });
    expect(checkVote(click('U0BOB0001', 'reject'), request, authorUnknown, verifiedOnly, config, wednesday)).toMatchObject({ allowed: true });
    expect(checkVote(click('U0BOB0001'), request, goodFacts, verifiedOnly, config, wednesday)).toMatchObject({ allowed: true });
  });

  it('refuses a second vote by the same person', () => {
    const voted = { token: 'tok-1', votes: [{ personId: 'bob', slackUserId: 'U0BOB0001', decision: 'approve' as const, at: '2026-11-11T09:00:00Z' }] };
    expect(checkVote(click('U0BOB0001'), voted, goodFacts, prod, config, wednesday)).toEqual({ allowed: false, reason: 'Bob already voted (approve, 2026-11-11T09:00:00Z)' });
  });
});

describe('reminders before the approval times out', () => {
  const requestedAt = at('2026-11-02T10:00:00Z');
  it('reminds a day before the 7-day timeout, once', () => {
    expect(expiresAt(requestedAt, prod).toISOString()).toBe('2026-11-09T10:00:00.000Z');
    expect(reminderAt(requestedAt, prod)?.toISOString()).toBe('2026-11-08T10:00:00.000Z');
    expect(reminderDue({ requestedAt }, prod, at('2026-11-08T09:59:00Z'))).toBe(false);
    expect(reminderDue({ requestedAt }, prod, at('2026-11-08T10:00:00Z'))).toBe(true);
    expect(reminderDue({ requestedAt, remindedAt: at('2026-11-08T10:00:00Z') }, prod, at('2026-11-08T10:15:00Z'))).toBe(false);
    expect(reminderDue({ requestedAt }, prod, at('2026-11-09T10:00:00Z'))).toBe(false);
  });

  it('never reminds where the policy does not ask for it', () => {
    expect(reminderAt(requestedAt, sandbox)).toBeUndefined();
  });
});

describe('guardian.yml cross-references', () => {
  const invalid = (raw: object) => () => parseConfig(raw, 'guardian.yml');
  it.each([
    [
      'a policy naming an unknown freeze',
      { approvals: { policies: [{ name: 'p', pipelines: ['*'], freezes: ['xmas'] }] } },
      "approvals.policies.0.freezes.0: unknown freeze 'xmas' (approvals.freezes none are defined)",
    ],
    [
      'an unknown approver',
      { people: [{ id: 'a' }], approvals: { policies: [{ name: 'p', pipelines: ['*'], approvers: { people: ['zed'] } }] } },
      "approvals.policies.0.approvers.people.0: unknown person 'zed' (people known: a)",
    ],
    ['an unknown group', { approvals: { policies: [{ name: 'p', pipelines: ['*'], approvers: { groups: ['ops'] } }] } }, "approvals.policies.0.approvers.groups.0: unknown group 'ops'"],
    ['a group of unknown people', { groups: { ops: ['zed'] } }, "groups.ops.0: unknown person 'zed'"],
    ['a Slack id twice', { people: [{ id: 'a', slack: 'U0AAAAAAA' }, { id: 'b', slack: 'U0AAAAAAA' }] }, "people.1.slack: duplicate Slack user id 'U0AAAAAAA' (also people.0.slack)"],
    ['a person id twice', { people: [{ id: 'a' }, { id: 'a' }] }, "people.1.id: duplicate person id 'a'"],
    ['more approvals required than approvers', { people: [{ id: 'a' }], approvals: { policies: [{ name: 'p', pipelines: ['*'], approvers: { people: ['a'], required: 2 } }] } }, 'approvals.policies.0.approvers.required: 2 approvals required but only 1 people may approve'],
  ])('refuses %s, naming the path', (_, raw, message) => {
    expect(invalid(raw)).toThrow(message);
  });
});
