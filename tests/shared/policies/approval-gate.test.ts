import { parseConfig } from '../../../shared/config/load';
import { closedByEvent, type GateRequest } from '../../../shared/policies/approval-gate';
import type { Vote } from '../../../shared/policies/approval';

// How CodePipeline's end event of a manual approval closes its request: a
// decision made elsewhere (console, CLI, timeout), unless our own
// PutApprovalResult explains it; then it is the decision made in Slack, by
// the people who made it. Plain data in, request out.

const config = parseConfig(
  {
    people: [
      { id: 'ada', name: 'Ada Lovelace', slack: 'U0APPROVE1' },
      { id: 'grace', name: 'Grace Hopper', slack: 'U0APPROVE2' },
    ],
    approvals: { policies: [{ name: 'prod', pipelines: ['payments-*'], approvers: { people: ['ada', 'grace'], required: 2 } }] },
  },
  'test',
);
const policy = config.approvals.policies[0]!;
const AT = '2026-06-12T13:12:00.000Z';
const vote = (personId: string, decision: Vote['decision'] = 'approve', reason?: string): Vote => ({ personId, slackUserId: 'U0', decision, at: '2026-06-12T13:10:00.000Z', ...(reason ? { reason } : {}) });
const request = (over: Partial<GateRequest> = {}): GateRequest => ({
  key: 'apr_0123456789abcdef0123456789abcdef',
  place: { account: '123456789012', region: 'us-east-1', pipeline: 'payments-api', stage: 'Approval', action: 'ApproveRelease', executionId: 'f275bf0a-d448-4711-b5e0-fe9dee601da0' },
  policy: 'prod',
  token: 'token-1',
  requestedAt: '2026-06-12T13:00:00.000Z',
  expiresAt: '2026-06-19T13:00:00.000Z',
  facts: { notes: [] },
  votes: [],
  status: 'pending',
  ...over,
});
const attempt = (status: 'Approved' | 'Rejected') => ({ status, token: 'token-1', at: '2026-06-12T13:11:00.000Z' });

describe('an approval action that ended, closing its request', () => {
  it.each<[string, Partial<GateRequest>, string, Partial<GateRequest>]>([
    ['approved in the console', { votes: [vote('ada')] }, 'SUCCEEDED', { status: 'closed', outcome: { by: [], reason: 'approved outside Slack (console or CLI)', at: AT, automatic: false } }],
    ['rejected or timed out in the console', {}, 'FAILED', { status: 'closed', outcome: { by: [], reason: 'rejected or timed out outside Slack', at: AT, automatic: false } }],
    [
      'approved by our PutApprovalResult (its attempt recorded, the votes decided)',
      { votes: [vote('ada'), vote('grace')], attempt: attempt('Approved') },
      'SUCCEEDED',
      { status: 'approved', outcome: { by: ['ada', 'grace'], reason: "Approved in Slack by Ada Lovelace, Grace Hopper (2 of 2 required, policy 'prod')", at: AT, automatic: false } },
    ],
    ['rejected by our PutApprovalResult', { votes: [vote('grace', 'reject', 'no tests')], attempt: attempt('Rejected') }, 'FAILED', { status: 'rejected', outcome: { by: ['grace'], reason: 'no tests', at: AT, automatic: false } }],
    ['rejected in the console while we were approving', { votes: [vote('ada'), vote('grace')], attempt: attempt('Approved') }, 'FAILED', { status: 'closed' }],
    ['stopped while we were approving', { votes: [vote('ada'), vote('grace')], attempt: attempt('Approved') }, 'ABANDONED', { status: 'closed' }],
  ])('%s', (_, over, state, expected) => {
    expect(closedByEvent(request(over), state, AT, policy, config)).toMatchObject(expected);
  });

  it('never rewrites a request already closed', () => {
    const decided = request({ status: 'approved', outcome: { by: ['ada', 'grace'], reason: 'x', at: AT, automatic: false } });
    expect(closedByEvent(decided, 'SUCCEEDED', AT, policy, config)).toBe(decided);
  });
});
