import { parseConfig } from '../../../shared/config/load';
import { afterClickPlan, approvalResult, buttonDecision, judgeClick, reasonModalPlan, refusalPlan, rejectReasonOf, tokenChanged, type ClickedRequest } from '../../../shared/policies/approval-click';
import type { ApprovalFacts, Vote } from '../../../shared/policies/approval';
import type { GateRequest } from '../../../shared/policies/approval-gate';

// A click is decided again when it arrives, against the request as stored
// and facts read just then; the votes, once they decide, are one
// PutApprovalResult naming who decided. No mocks: plain data in, verdict out.

const config = parseConfig(
  {
    people: [
      { id: 'ada', name: 'Ada Lovelace', slack: 'U0APPROVE1', emails: ['ada@example.com'] },
      { id: 'grace', name: 'Grace Hopper', slack: 'U0APPROVE2', principals: ['arn:aws:sts::123456789012:assumed-role/Deployer/grace'] },
      { id: 'linus', slack: 'U0APPROVE3' },
      { id: 'eve', slack: 'U0OUTSIDER' },
    ],
    groups: { release: ['ada', 'grace', 'linus'] },
    approvals: {
      freezes: [{ name: 'year-end', reason: 'holidays', timezone: 'Europe/Berlin', from: '2026-12-20T00:00', until: '2027-01-04T09:00' }],
      policies: [{ name: 'prod', pipelines: ['payments-*'], freezes: ['year-end'], approvers: { groups: ['release'], required: 2 } }],
    },
  },
  'test',
);
const policy = config.approvals.policies[0]!;
const NOW = new Date('2026-06-12T13:10:00Z');
const IN_FREEZE = new Date('2026-12-21T10:00:00Z');

const request = (over: Partial<ClickedRequest> = {}): ClickedRequest => ({
  key: 'apr_0123456789abcdef0123456789abcdef',
  place: { account: '123456789012', region: 'us-east-1', pipeline: 'payments-api', stage: 'Approval', action: 'ApproveRelease', executionId: 'f275bf0a-d448-4711-b5e0-fe9dee601da0' },
  policy: 'prod',
  token: 'token-1',
  status: 'pending',
  votes: [],
  ...over,
});
const facts = (over: Partial<ApprovalFacts> = {}): ApprovalFacts => ({ token: 'token-1', source: { authorEmail: 'someone@example.com' }, startedBy: 'arn:aws:sts::123456789012:assumed-role/Deployer/other', unreadable: [], ...over });
const vote = (personId: string, decision: Vote['decision'] = 'approve', reason?: string): Vote => ({ personId, slackUserId: 'U0', decision, at: NOW.toISOString(), ...(reason ? { reason } : {}) });
const approveBy = (slackUserId: string) => ({ slackUserId, decision: 'approve' as const });

describe('judging a click at click time', () => {
  it('casts the vote of an approver of the policy, timed by the clock', () => {
    expect(judgeClick(approveBy('U0APPROVE1'), request(), facts(), policy, config, NOW)).toEqual({
      kind: 'vote',
      vote: { personId: 'ada', slackUserId: 'U0APPROVE1', decision: 'approve', at: '2026-06-12T13:10:00.000Z' },
    });
  });

  it('gives a rejection the button\'s reason when no other is given', () => {
    expect(judgeClick({ slackUserId: 'U0APPROVE3', decision: 'reject' }, request(), facts(), policy, config, NOW)).toMatchObject({ kind: 'vote', vote: { decision: 'reject', reason: 'rejected by linus in Slack' } });
  });

  it.each<[string, Parameters<typeof judgeClick>, RegExp]>([
    ['a Slack user nobody listed', [approveBy('U0UNKNOWN1'), request(), facts(), policy, config, NOW], /^Slack user U0UNKNOWN1 is not one of the people in guardian.yml/],
    ['a person who is not an approver', [approveBy('U0OUTSIDER'), request(), facts(), policy, config, NOW], /^eve is not an approver under policy 'prod'/],
    ['a second vote of one person', [approveBy('U0APPROVE1'), request({ votes: [vote('ada')] }), facts(), policy, config, NOW], /^Ada Lovelace already voted/],
    ['the commit author', [approveBy('U0APPROVE1'), request(), facts({ source: { authorEmail: 'ADA@example.com' } }), policy, config, NOW], /^no self-approval: Ada Lovelace authored the commit/],
    ['whoever started the execution', [approveBy('U0APPROVE2'), request(), facts({ startedBy: 'arn:aws:sts::123456789012:assumed-role/Deployer/grace' }), policy, config, NOW], /^no self-approval: Grace Hopper started the execution/],
    ['an approval after a freeze began', [approveBy('U0APPROVE1'), request(), facts(), policy, config, IN_FREEZE], /^cannot approve now: .*year-end/],
    ['a token that changed (another execution reached the approval)', [approveBy('U0APPROVE1'), request(), facts({ token: 'token-2' }), policy, config, NOW], /this request is closed$/],
    ['a token that is gone (decided in the console, expired)', [approveBy('U0APPROVE1'), request(), facts({ token: undefined }), policy, config, NOW], /^the approval is no longer waiting/],
    ['a request already decided', [approveBy('U0APPROVE1'), request({ status: 'approved' }), facts(), policy, config, NOW], /^this request is over: it was approved$/],
  ])('refuses %s, saying why', (_, args, reason) => {
    const verdict = judgeClick(...args);
    expect(verdict.kind).toBe('refused');
    expect(verdict.kind === 'refused' && verdict.reason).toMatch(reason);
  });

  it('still lets an approver reject inside a freeze (stopping a change is always allowed)', () => {
    expect(judgeClick({ slackUserId: 'U0APPROVE1', decision: 'reject' }, request(), facts(), policy, config, IN_FREEZE)).toMatchObject({ kind: 'vote' });
  });
});

describe('the PutApprovalResult the votes call for', () => {
  it('is none while the votes decide nothing', () => {
    expect(approvalResult(request({ votes: [vote('ada')] }), 'token-1', policy, config)).toBeUndefined();
  });

  it('approves with the fresh token once the required approvals are in, naming the people', () => {
    expect(approvalResult(request({ votes: [vote('ada'), vote('grace')] }), 'token-1', policy, config)).toEqual({
      type: 'codepipeline.putApprovalResult',
      key: 'approval:apr_0123456789abcdef0123456789abcdef',
      pipeline: 'payments-api',
      stage: 'Approval',
      action: 'ApproveRelease',
      token: 'token-1',
      status: 'Approved',
      summary: "Approved in Slack by Ada Lovelace, Grace Hopper (2 of 2 required, policy 'prod')",
      reason: 'the required 2 approval(s) are in',
    });
  });

  it('says in its summary that self-approval was not checked when the request noted the author unknown', () => {
    const notes = ['author unknown: the source gives no commit author email (only CodeCommit does), so no-self-approval is not checked against the author'];
    expect(approvalResult(request({ votes: [vote('ada'), vote('grace')], facts: { notes } }), 'token-1', policy, config)?.summary).toBe(
      "Approved in Slack by Ada Lovelace, Grace Hopper (2 of 2 required, policy 'prod') (author unknown: self-approval not checked)",
    );
  });

  it('rejects on one rejection (the default), naming who and why', () => {
    expect(approvalResult(request({ votes: [vote('ada'), vote('linus', 'reject', 'the migration is not reviewed')] }), 'token-1', policy, config)).toMatchObject({
      status: 'Rejected',
      summary: 'Rejected in Slack by linus: the migration is not reviewed',
    });
  });
});

describe('a voter clicking again once the votes decide', () => {
  it('re-casts their vote, so their click finishes a decision that was owed (its PutApprovalResult failed, or its decider died)', () => {
    const decided = request({ votes: [vote('ada'), vote('grace')] });
    expect(judgeClick(approveBy('U0APPROVE1'), decided, facts(), policy, config, NOW)).toEqual({ kind: 'vote', vote: vote('ada') });
  });

  it('checks it again as on the first click: a freeze that began since, or a person no longer an approver, refuses it', () => {
    const decided = request({ votes: [vote('ada'), vote('grace')] });
    const inFreeze = judgeClick(approveBy('U0APPROVE1'), decided, facts(), policy, config, IN_FREEZE);
    expect(inFreeze).toEqual({ kind: 'refused', reason: expect.stringMatching(/^cannot approve now: .*year-end/) });
    const regrouped = parseConfig({ ...config, groups: { release: ['grace', 'linus'] } }, 'test');
    expect(judgeClick(approveBy('U0APPROVE1'), decided, facts(), regrouped.approvals.policies[0]!, regrouped, NOW)).toEqual({ kind: 'refused', reason: "Ada Lovelace is not an approver under policy 'prod'" });
    expect(judgeClick(approveBy('U0APPROVE1'), decided, facts({ source: { authorEmail: 'ada@example.com' } }), policy, config, NOW)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^no self-approval/) });
  });

  it('finishes a rejection inside a freeze (stopping a change is always allowed)', () => {
    const rejected = request({ votes: [vote('linus', 'reject', 'not tested')] });
    expect(judgeClick({ slackUserId: 'U0APPROVE3', decision: 'approve' }, rejected, facts(), policy, config, IN_FREEZE)).toEqual({ kind: 'vote', vote: vote('linus', 'reject', 'not tested') });
  });

  it('refuses it as a second vote while the votes decide nothing yet, or once the token changed', () => {
    expect(judgeClick(approveBy('U0APPROVE1'), request({ votes: [vote('ada')] }), facts(), policy, config, NOW)).toMatchObject({ kind: 'refused' });
    expect(judgeClick(approveBy('U0APPROVE1'), request({ votes: [vote('ada'), vote('grace')] }), facts({ token: 'token-2' }), policy, config, NOW)).toMatchObject({ kind: 'refused' });
  });
});

describe('buttons, tokens and the answers a click gets', () => {
  it('reads only the approval buttons', () => {
    expect([buttonDecision('approval.approve'), buttonDecision('approval.reject'), buttonDecision('something.else')]).toEqual(['approve', 'reject', undefined]);
  });

  it('calls a pending request over when the approval now waits with another token, never when the token is unknown', () => {
    expect(tokenChanged(request(), { token: 'token-2' })).toMatch(/token changed/);
    expect(tokenChanged(request(), { token: 'token-1' })).toBeUndefined();
    expect(tokenChanged(request(), {})).toBeUndefined();
    expect(tokenChanged(request({ status: 'approved' }), { token: 'token-2' })).toBeUndefined();
  });

  it('answers a refused click privately with the reason, and audits it when the request is known', () => {
    const click = { userId: 'U0OUTSIDER', responseUrl: 'https://hooks.slack.com/actions/T0/1/x', value: request().key };
    const plan = refusalPlan(click, "eve is not an approver under policy 'prod'", NOW, request(), 'eve');
    expect(plan.actions).toEqual([
      expect.objectContaining({ type: 'slack.respond', responseUrl: click.responseUrl, text: "Your click was not counted: eve is not an approver under policy 'prod'" }),
      expect.objectContaining({ type: 'audit.record', entry: expect.objectContaining({ decision: 'refused', by: { person: 'eve', automatic: false }, reasons: ["eve is not an approver under policy 'prod'"] }) }),
    ]);
    expect(refusalPlan(click, 'no such request', NOW).actions.map((a) => a.type)).toEqual(['slack.respond']);
  });

  it('answers a refused modal submission (no response_url) with its audit entry only: the modal itself says why', () => {
    const plan = refusalPlan({ userId: 'U0OUTSIDER', value: request().key }, 'eve is not an approver', NOW, request(), 'eve');
    expect(plan.actions.map((a) => a.type)).toEqual(['audit.record']);
  });

  it('escapes the reason of a private answer: untrusted text in it cannot mention or link', () => {
    const click = { userId: 'U0APPROVE1', responseUrl: 'https://hooks.slack.com/actions/T0/1/x', value: request().key };
    const plan = refusalPlan(click, "cannot approve now: branch '<!channel> & <https://evil.example|docs>' is not one of main", NOW, request());
    expect(plan.actions[0]).toMatchObject({ text: "Your click was not counted: cannot approve now: branch '&lt;!channel&gt; &amp; &lt;https://evil.example|docs&gt;' is not one of main" });
  });

  it('after a click, shows the request and audits each vote once (keyed by person)', () => {
    const gate: GateRequest = {
      ...request({ votes: [vote('ada'), vote('linus', 'reject', 'not tested')] }),
      requestedAt: NOW.toISOString(),
      expiresAt: NOW.toISOString(),
      facts: { notes: [] },
      channel: '#deployments',
      status: 'rejected',
      outcome: { by: ['linus'], reason: 'not tested', at: NOW.toISOString(), automatic: false },
    };
    const plan = afterClickPlan(gate, policy, config, NOW);
    expect(plan.actions.filter((a) => a.type === 'slack.upsert')).toEqual([expect.objectContaining({ channel: '#deployments', messageKey: 'request' })]);
    expect(plan.actions.filter((a) => a.type === 'codepipeline.putApprovalResult')).toEqual([]);
    const audits = plan.actions.flatMap((a) => (a.type === 'audit.record' ? [a] : []));
    expect(audits.map((a) => [a.key, a.entry.decision])).toEqual([
      ['audit:apr_0123456789abcdef0123456789abcdef:rejected', 'rejected'],
      ['audit:apr_0123456789abcdef0123456789abcdef:vote:ada', 'vote'],
      ['audit:apr_0123456789abcdef0123456789abcdef:vote:linus', 'vote'],
    ]);
  });
});

describe('the reason of a Reject', () => {
  it('is asked in a modal opened with the click\'s trigger_id, naming the request in private_metadata', () => {
    const plan = reasonModalPlan(request(), '1781269800.1234567890.abcdef', 'U0APPROVE3');
    expect(plan.actions).toEqual([
      expect.objectContaining({
        type: 'slack.openModal',
        triggerId: '1781269800.1234567890.abcdef',
        view: expect.objectContaining({ type: 'modal', callback_id: 'approval.reject_reason', private_metadata: request().key }),
      }),
    ]);
  });

  it.each<[string | undefined, ReturnType<typeof rejectReasonOf>]>([
    ['  not tested on staging\u202E  ', { ok: true, text: 'not tested on staging' }],
    [undefined, { ok: false, problem: expect.stringMatching(/^Say why it is rejected/) as unknown as string }],
    ['\n\t ', { ok: false, problem: expect.stringMatching(/^Say why it is rejected/) as unknown as string }],
    ['x'.repeat(301), { ok: false, problem: 'At most 300 characters, please (this is 301).' }],
  ])('is required, cleaned and at most 300 characters: %j', (value, expected) => {
    expect(rejectReasonOf(value)).toEqual(expected);
  });
});
