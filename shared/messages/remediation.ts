import type { Finding } from '../events/guardduty.js';
import type { MessageModel } from './model.js';
import { consoleOrigin } from './links.js';

// The neutral message for one resource a GuardDuty finding concerns: the
// finding's facts, each step of its playbook and what became of it (doing
// while it is made, then done or failed; already in effect, would be done in a
// dry-run, skipped or refused, and why),
// with console links. Everything the finding carries is untrusted text: the
// renderers escape and truncate it.

export type StepState = 'doing' | 'done' | 'in effect' | 'failed' | 'dry-run' | 'skipped' | 'awaiting approval';

export interface StepLine {
  /** "isolate instance i-0abc in vpc-0123 (isolation group cicd-guardian-isolation)". */
  what: string;
  state: StepState;
  /** Why it was skipped or refused, or what was found in effect. */
  why?: string;
}

export interface RemediationStory {
  finding: Finding;
  /** "instance i-0abc (build-runner-3)". */
  subject: string;
  playbook: string;
  steps: StepLine[];
  /** One sentence: what cicd-guardian did, or why only this notice. */
  response: string;
}

const MARK: Record<StepState, string> = { doing: '▶', done: '✓', 'in effect': '✓', failed: '✗', 'dry-run': '○', skipped: '–', 'awaiting approval': '⏸' };

export const findingUrl = (f: Pick<Finding, 'findingRegion' | 'id'>): string =>
  `${consoleOrigin(f.findingRegion)}/guardduty/home?region=${f.findingRegion}#/findings?macros=current&fId=${encodeURIComponent(f.id)}`;

export function describeRemediation(story: RemediationStory): MessageModel {
  const { finding } = story;
  const severity = finding.severity >= 7 ? 'high' : finding.severity >= 4 ? 'medium' : 'low';
  return {
    title: `GuardDuty ${finding.type} on ${story.subject}`,
    tone: finding.severity >= 7 ? 'failure' : 'warning',
    summary: story.response,
    fields: [
      { label: 'Finding', value: finding.title, url: findingUrl(finding) },
      { label: 'Severity', value: `${finding.severity} (${severity})` },
      { label: 'Seen', value: `${finding.count} time${finding.count === 1 ? '' : 's'}${finding.lastSeen ? `, last at ${finding.lastSeen}` : ''}` },
      ...(finding.remoteIp ? [{ label: 'Remote IP', value: finding.remoteIp }] : []),
      ...(finding.sequence
        ? [
            { label: 'Signals', value: finding.sequence.signals.map((s) => `${s.name}${s.description ? `: ${s.description}` : ''}`).join('\n') || 'none named' },
            { label: 'Resources', value: finding.sequence.resources.map((r) => `${r.resourceType ?? 'resource'} ${r.name ?? r.uid}`).join('\n') || 'none named' },
          ]
        : []),
    ],
    stages: [],
    ...(story.steps.length > 0 ? { steps: { heading: `Playbook ${story.playbook}`, items: story.steps.map((s) => ({ mark: MARK[s.state], what: s.what, state: s.state, ...(s.why ? { why: s.why } : {}) })) } } : {}),
    links: [{ label: 'GuardDuty finding', url: findingUrl(finding) }],
    context: `cicd-guardian remediation · finding ${finding.id} · account ${finding.findingAccount} · ${finding.findingRegion}`,
  };
}
