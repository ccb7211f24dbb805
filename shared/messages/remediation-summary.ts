import type { MessageModel } from './model.js';

// The window's one summary of GuardDuty remediation: how many resources each
// playbook's findings ended as (contained, held by the cap, dry-run, ...) and
// which resources. It changes only when a resource is added or its outcome
// changes (not per finding), so a storm updates it a bounded number of times.
// Resource names come from findings: untrusted text that the renderers escape
// and truncate.

export interface SummaryStory {
  /** The cap's window start (ISO-8601) and its length. */
  window: string;
  windowMinutes: number;
  /** Resources per playbook per outcome. */
  counts: Record<string, Record<string, number>>;
  /** Some resources, in the order they were first seen, each with its playbook and outcome. */
  resources: { subject: string; playbook: string; outcome: string }[];
  /** Resources counted but not listed (the item is bounded). */
  unlisted: number;
}

/** Resources listed by name (the section text's budget is 1,000 characters). */
const MAX_LISTED = 10;

export function describeRemediationSummary(story: SummaryStory): MessageModel {
  const total = Object.values(story.counts).reduce((n, byOutcome) => n + Object.values(byOutcome).reduce((m, c) => m + c, 0), 0);
  const listed = story.resources.slice(0, MAX_LISTED);
  const more = story.unlisted + story.resources.length - listed.length;
  const held = Object.values(story.counts).some((byOutcome) => (byOutcome['held by the cap'] ?? 0) > 0);
  return {
    title: `GuardDuty remediation from ${story.window} (${story.windowMinutes} min window)`,
    tone: held ? 'failure' : 'warning',
    summary: [
      `Findings on ${total} resource${total === 1 ? '' : 's'} in this window; each resource has its own message.`,
      ...listed.map((r) => `• ${r.subject}: ${r.playbook}, ${r.outcome}`),
      ...(more > 0 ? [`… and ${more} more`] : []),
    ].join('\n'),
    fields: Object.entries(story.counts).map(([playbook, byOutcome]) => ({
      label: `Playbook ${playbook}`,
      value: Object.entries(byOutcome).map(([outcome, n]) => `${outcome}: ${n}`).join(', '),
    })),
    stages: [],
    links: [],
    context: `cicd-guardian remediation · summary of window ${story.window}`,
  };
}
