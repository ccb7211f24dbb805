import { parseConfig } from '../../../shared/config/load';
import { decideSummary, foldSummary, MAX_RESOURCES, type SummaryEntry, type SummaryView } from '../../../shared/policies/remediation-summary';
import type { SlackUpsertAction } from '../../../shared/plan/plan';

// The window's summary as pure decisions: folding each finding's outcome into
// the window's view (per resource, bounded) and the one upserted message.

const WINDOW = '2026-12-02T09:00:00.000Z';
const config = parseConfig({ remediation: { slack: { channel: '#security-alerts' }, cap: { perAccount: 10, overall: 25, windowMinutes: 60 } } }, 'test');

const entry = (n: number, over: Partial<SummaryEntry> = {}): SummaryEntry => ({
  resource: `123456789012/us-east-1/instance/i-${String(n).padStart(17, '0')}`,
  subject: `instance i-${String(n).padStart(17, '0')}`,
  playbook: 'ec2',
  outcome: 'contained',
  publication: `finding${n}:2026-12-02T09:40:51.000Z`,
  ...over,
});
const fold = (entries: SummaryEntry[], start?: SummaryView) => entries.reduce<SummaryView | undefined>((view, e) => foldSummary(view, WINDOW, e), start)!;
const upsert = (view: SummaryView) => decideSummary(view, config, 'bot').actions[0] as SlackUpsertAction;

describe('the window summary of remediation', () => {
  it('counts resources per playbook and outcome, in one message keyed by the window', () => {
    const view = fold([entry(1), entry(2, { outcome: 'held by the cap' }), entry(3, { playbook: 'iamCredentials', subject: 'access key AKIA1 of ci', outcome: 'notified' })]);
    const action = upsert(view);
    expect(action).toMatchObject({ type: 'slack.upsert', channel: '#security-alerts', messageKey: `remediation-summary:${WINDOW}` });
    expect(action.message.fields).toEqual([
      { label: 'Playbook ec2', value: 'contained: 1, held by the cap: 1' },
      { label: 'Playbook iamCredentials', value: 'notified: 1' },
    ]);
    expect(action.message.summary).toContain('• access key AKIA1 of ci: iamCredentials, notified');
    expect(action.message.tone).toBe('failure');
  });

  it('does not count a retried publication again, and a new outcome of the same resource replaces its old one', () => {
    const once = fold([entry(1, { outcome: 'held by the cap' })]);
    expect(fold([entry(1, { outcome: 'held by the cap' })], once)).toBe(once);
    const later = fold([entry(1, { outcome: 'contained', publication: 'finding1:2026-12-02T09:55:00.000Z' })], once);
    expect(later.findings).toBe(2);
    expect(upsert(later).message.fields).toEqual([{ label: 'Playbook ec2', value: 'contained: 1' }]);
  });

  it('stays bounded in a storm: past MAX_RESOURCES resources are counted, not kept, and the message lists ten', () => {
    const view = fold(Array.from({ length: 1_000 }, (_, n) => entry(n)));
    expect(Object.keys(view.resources)).toHaveLength(MAX_RESOURCES);
    expect(view.overflow).toEqual({ ec2: { contained: 1_000 - MAX_RESOURCES } });
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(44 * 1024);
    const message = upsert(view).message;
    expect(message.fields).toEqual([{ label: 'Playbook ec2', value: 'contained: 1000' }]);
    expect(message.summary).toContain('Findings on 1000 resources');
    expect(message.summary).toContain('… and 990 more');
  });

  it('is a Slack bot message only: without a bot channel it says why nothing is sent', () => {
    expect(decideSummary(fold([entry(1)]), config, 'webhook')).toMatchObject({ actions: [], skipped: [expect.stringMatching(/no bot channel/)] });
  });
});
