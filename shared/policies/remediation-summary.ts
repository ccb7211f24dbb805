import type { GuardianConfig, SlackMode } from '../config/schema.js';
import type { Plan } from '../plan/plan.js';
import { describeRemediationSummary } from '../messages/remediation-summary.js';
import type { RemediationOutcome } from './remediation.js';

// One Slack summary per blast-radius window, not one message per finding: each
// finding folds its resource's outcome into the window's item, and the one
// message is posted, then updated in place. Keyed by resource, so a retried or
// re-published finding changes its resource's line rather than counting it
// twice; a retry of the resource's latest publication is not counted again.
// Pure: no I/O, no clock.

/** The window's state item view (findings: publications seen, for measuring; not shown), bounded: at most MAX_RESOURCES resources are kept by name, the rest only counted. */
export interface SummaryView {
  window: string;
  findings: number;
  resources: Record<string, { subject: string; playbook: string; outcome: RemediationOutcome; publication: string }>;
  /** Resources past MAX_RESOURCES, per playbook per outcome (not deduplicated: a storm's tail is approximate). */
  overflow: Record<string, Record<string, number>>;
}

export const MAX_RESOURCES = 200;

export const summaryKey = (window: string) => `REMEDIATE-SUMMARY#${window}`;

export interface SummaryEntry {
  resource: string;
  subject: string;
  playbook: string;
  outcome: RemediationOutcome;
  /** finding id and updatedAt. */
  publication: string;
}

export function foldSummary(current: SummaryView | undefined, window: string, entry: SummaryEntry): SummaryView {
  const view = current ?? { window, findings: 0, resources: {}, overflow: {} };
  const { resource, ...line } = entry;
  const known = view.resources[resource];
  if (known?.publication === line.publication && known.outcome === line.outcome) return view;
  if (known || Object.keys(view.resources).length < MAX_RESOURCES) {
    // In first-seen order: the message's list does not move as findings arrive.
    return { ...view, findings: view.findings + (known?.publication === line.publication ? 0 : 1), resources: { ...view.resources, [resource]: line } };
  }
  const byOutcome = view.overflow[line.playbook] ?? {};
  return { ...view, findings: view.findings + 1, overflow: { ...view.overflow, [line.playbook]: { ...byOutcome, [line.outcome]: (byOutcome[line.outcome] ?? 0) + 1 } } };
}

export function decideSummary(view: SummaryView, config: GuardianConfig, slackMode: SlackMode): Plan {
  const plan: Plan = { subject: `remediation summary of window ${view.window}`, actions: [], skipped: [] };
  const channel = config.remediation.slack?.channel ?? config.notifications.default?.slack?.channel;
  if (slackMode !== 'bot' || !channel) {
    plan.skipped.push('the window summary is a Slack bot message: no bot channel is configured');
    return plan;
  }
  const counts: Record<string, Record<string, number>> = structuredClone(view.overflow);
  for (const r of Object.values(view.resources)) {
    const byOutcome = (counts[r.playbook] ??= {});
    byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
  }
  const unlisted = Object.values(view.overflow).reduce((n, byOutcome) => n + Object.values(byOutcome).reduce((m, c) => m + c, 0), 0);
  const message = describeRemediationSummary({ window: view.window, windowMinutes: config.remediation.cap.windowMinutes, counts, resources: Object.values(view.resources).map(({ subject, playbook, outcome }) => ({ subject, playbook, outcome })), unlisted });
  plan.actions.push({ type: 'slack.upsert', channel, messageKey: `remediation-summary:${view.window}`, message, reason: `GuardDuty remediation summary of window ${view.window}` });
  return plan;
}
