import { summarizeFacts } from '../../../shared/state/approval-request';

// What an approval request keeps of its facts: bounded notes, and apart from them what no-self-approval could not check.

describe("an approval request's facts", () => {
  it('keeps what of no-self-approval is unknown as its own field, though the notes are cut to ten and lose the self-approval note', () => {
    const unreadable = Array.from({ length: 12 }, (_, i) => `GetPipelineExecution failed (${i})`);
    const summary = summarizeFacts({ source: {}, startedByUnknown: 'started by a webhook', unreadable });
    expect(summary.notes).toHaveLength(10);
    expect(summary.notes.some((n) => n.startsWith('author unknown'))).toBe(false);
    expect(summary.selfApprovalUnknown).toEqual(['author unknown', 'who started the execution is unknown']);
  });

  it('has no such field when both the author and who started the execution are known', () => {
    expect(summarizeFacts({ source: { authorEmail: 'ada@example.com' }, startedBy: 'arn:aws:sts::123456789012:assumed-role/Deployer/ada', unreadable: [] }).selfApprovalUnknown).toBeUndefined();
  });
});
