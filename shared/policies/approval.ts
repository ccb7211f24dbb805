import { TZDate, tzOffset } from '@date-fns/tz';
import { Cron } from 'croner';
import type { ApprovalPolicyConfig, DeployHoursConfig, FreezeWindowConfig, GuardianConfig, PersonConfig, Weekday } from '../config/schema.js';
import { WEEKDAYS } from '../config/schema.js';
import { globToRegExp } from './routing.js';

// The approval gate's decisions, pure: (facts, policy, config, now) -> outcome.
// The `approval-gate` function asks on STARTED; `slack-interactions` asks again
// on every click (checkVote), because a freeze may have begun since the request.

/** A manual approval action: where in which pipeline. */
export interface ApprovalSubject {
  pipeline: string;
  stage: string;
  action: string;
}

const matches = (globs: string[], name: string): boolean => globs.some((g) => globToRegExp(g).test(name));

/** The first policy (in guardian.yml order) whose pipeline, stage and action globs all match; none: people decide in the console, as before. */
export function approvalPolicyFor(config: GuardianConfig, subject: ApprovalSubject): ApprovalPolicyConfig | undefined {
  return config.approvals.policies.find(
    (p) => matches(p.pipelines, subject.pipeline) && matches(p.stages, subject.stage) && matches(p.actions, subject.action),
  );
}

// --- Time: wall clocks in a zone, through @date-fns/tz and croner.

const pad = (n: number) => String(n).padStart(2, '0');

/** "2027-01-04 09:00 Europe/Berlin": an instant as people in that zone read it. */
export function formatInZone(instant: Date, timezone: string): string {
  const t = new TZDate(instant, timezone);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())} ${timezone}`;
}

/**
 * The instant a wall-clock time ("2026-10-25T02:30") names in a zone. A time that
 * happens twice (the hour repeated when clocks go back) is read as its `earlier` or
 * `later` occurrence; a time that does not exist (skipped when clocks go forward)
 * as the first instant after the gap, as @date-fns/tz reads it.
 */
export function wallClockInstant(local: string, timezone: string, occurrence: 'earlier' | 'later'): Date {
  const [date, time] = local.split('T') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s = 0] = time.split(':').map(Number) as [number, number, number?];
  const read = new TZDate(y, mo - 1, d, h, mi, s, timezone);
  // The zone's offsets a day either side; when the wall-clock time is valid under
  // both, it names two instants (the repeated hour).
  const day = 24 * 3600_000;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsets = new Set([tzOffset(timezone, new Date(read.getTime() - day)), tzOffset(timezone, new Date(read.getTime() + day))]);
  const wanted = `${date} ${pad(h)}:${pad(mi)} ${timezone}`;
  const readings = [...offsets]
    .map((offset) => asUtc - offset * 60_000)
    .filter((ms) => formatInZone(new Date(ms), timezone) === wanted)
    .sort((a, b) => a - b);
  if (readings.length === 0) return new Date(read.getTime());
  return new Date(occurrence === 'earlier' ? readings[0]! : readings[readings.length - 1]!);
}

const cronOf = (expr: string, timezone: string) => new Cron(expr, { timezone, paused: true });

/** A freeze in effect: its window, and when it ends (undefined when it never does: a recurring end that never comes). */
export interface FreezeInEffect {
  name: string;
  reason: string;
  timezone: string;
  until: Date | undefined;
}

const isRecurring = (w: FreezeWindowConfig): w is Extract<FreezeWindowConfig, { start: string }> => 'start' in w;

function freezeAt(w: FreezeWindowConfig, now: Date): FreezeInEffect | undefined {
  if (isRecurring(w)) {
    // Inside when the latest start is later than the latest end. croner counts a run in the
    // reference's second only when it is strictly earlier: a millisecond on, a run at `now` counts.
    const reference = new Date(now.getTime() + 1);
    const [lastStart] = cronOf(w.start, w.timezone).previousRuns(1, reference);
    const [lastEnd] = cronOf(w.end, w.timezone).previousRuns(1, reference);
    if (!lastStart || (lastEnd && lastEnd.getTime() >= lastStart.getTime())) return undefined;
    const until = cronOf(w.end, w.timezone).nextRun(now) ?? undefined;
    return { name: w.name, reason: w.reason, timezone: w.timezone, until };
  }
  // A one-off window starts at the first reading of `from` and lasts through the last reading of `until`.
  const from = wallClockInstant(w.from, w.timezone, 'earlier');
  const until = wallClockInstant(w.until, w.timezone, 'later');
  if (now.getTime() < from.getTime() || now.getTime() >= until.getTime()) return undefined;
  return { name: w.name, reason: w.reason, timezone: w.timezone, until };
}

/** The freeze in effect at `now` among `windows`; of several, the one that ends last (it is the one that decides when deploys may resume). */
export function activeFreeze(windows: FreezeWindowConfig[], now: Date): FreezeInEffect | undefined {
  const inEffect = windows.map((w) => freezeAt(w, now)).filter((f): f is FreezeInEffect => f !== undefined);
  return inEffect.sort((a, b) => (b.until?.getTime() ?? Infinity) - (a.until?.getTime() ?? Infinity))[0];
}

/** The next time a window starts or ends after `now` (for schedulers), or undefined when none ever will. */
export function nextFreezeChange(windows: FreezeWindowConfig[], now: Date): { at: Date; window: string; change: 'starts' | 'ends' } | undefined {
  const changes = windows.flatMap((w) => {
    const starts = isRecurring(w) ? cronOf(w.start, w.timezone).nextRun(now) : wallClockInstant(w.from, w.timezone, 'earlier');
    const ends = isRecurring(w) ? cronOf(w.end, w.timezone).nextRun(now) : wallClockInstant(w.until, w.timezone, 'later');
    return [
      { at: starts, window: w.name, change: 'starts' as const },
      { at: ends, window: w.name, change: 'ends' as const },
    ].filter((c): c is { at: Date; window: string; change: 'starts' | 'ends' } => c.at !== null && c.at.getTime() > now.getTime());
  });
  return changes.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
}

/** The freezes a policy names (config validation guarantees each exists). */
export const freezesOf = (policy: ApprovalPolicyConfig, config: GuardianConfig): FreezeWindowConfig[] =>
  config.approvals.freezes.filter((f) => policy.freezes.includes(f.name));

export function freezeReason(freeze: FreezeInEffect): string {
  const until = freeze.until ? ` until ${formatInZone(freeze.until, freeze.timezone)}` : '';
  return `inside freeze window '${freeze.name}'${until} (${freeze.reason})`;
}

// JavaScript's getDay(): 0 is Sunday.
const weekdayOf = (t: TZDate): Weekday => WEEKDAYS[(t.getDay() + 6) % 7]!;

/**
 * Undefined inside the deploy hours, else why not. `from`-`to` is read on each
 * listed day; a `to` at or before `from` runs past midnight into the next day.
 */
export function outsideDeployHours(hours: DeployHoursConfig, now: Date): string | undefined {
  const t = new TZDate(now, hours.timezone);
  const clock = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
  const today = weekdayOf(t);
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(today) + 6) % 7]!;
  const overnight = hours.to <= hours.from;
  const inside = overnight
    ? (hours.days.includes(today) && clock >= hours.from) || (hours.days.includes(yesterday) && clock < hours.to)
    : hours.days.includes(today) && clock >= hours.from && clock < hours.to;
  if (inside) return undefined;
  return `outside deploy hours (${hours.days.join(',')} ${hours.from}-${hours.to} ${hours.timezone}; it is ${today} ${clock})`;
}

// --- Facts the decisions take (gathered by shared/facts/approval.ts).

/** The source revision of the execution, as far as AWS could tell. */
export interface SourceFacts {
  /** The branch or tag deployed, only as the execution says it (a tag's name is never in it). */
  ref?: { kind: 'branch' | 'tag'; name?: string };
  /** Why the ref is unknown, when it is. */
  refUnknown?: string;
  commitId?: string;
  commitMessage?: string;
  /** The commit author's email, where the source provider lets AWS know it (CodeCommit). */
  authorEmail?: string;
}

export interface ApprovalFacts {
  /** The token of the approval action's latest execution while it is InProgress; none means nothing can be approved or rejected. */
  token?: string;
  pipelineExecutionId?: string;
  source: SourceFacts;
  /** The principal that started the execution (StartPipelineExecution's caller), an ARN. */
  startedBy?: string;
  /** Why who started the execution is unknown, when it is (no person starting it, as for a webhook, is known). */
  startedByUnknown?: string;
  /** What could not be read, and why: shown with the request, never fatal by itself. */
  unreadable: string[];
}

export interface SourceVerdict {
  /** Checks the revision fails: the approval is rejected. */
  problems: string[];
  /** Checks that could not be made (a fact AWS did not give): no automatic approval; people decide. */
  unverified: string[];
}

export function checkSource(check: ApprovalPolicyConfig['source'], source: SourceFacts): SourceVerdict {
  const verdict: SourceVerdict = { problems: [], unverified: [] };
  if (!check) return verdict;
  const { ref } = source;
  if (ref?.kind === 'tag') {
    if (!check.allowTags) verdict.problems.push(`${ref.name ? `tag '${ref.name}'` : 'a tag'} is deployed, and this policy deploys branches only`);
  } else if (check.branches) {
    const why = source.refUnknown ? `: ${source.refUnknown}` : '';
    if (!ref?.name) verdict.unverified.push(`the source branch is unknown (allowed: ${check.branches.join(', ')})${why}`);
    else if (!matches(check.branches, ref.name)) verdict.problems.push(`branch '${ref.name}' is not one of ${check.branches.join(', ')}`);
  } else if (!ref && !check.allowTags) {
    verdict.unverified.push(`whether the source is a tag is unknown${source.refUnknown ? `: ${source.refUnknown}` : ''}`);
  }
  if (check.commitMessage !== undefined) {
    if (source.commitMessage === undefined) verdict.unverified.push(`the commit message is unknown (it must match /${check.commitMessage}/)`);
    else if (!new RegExp(check.commitMessage).test(source.commitMessage)) verdict.problems.push(`the commit message does not match /${check.commitMessage}/`);
  }
  return verdict;
}

// --- People.

export const personBySlackId = (config: GuardianConfig, slackUserId: string): PersonConfig | undefined =>
  config.people.find((p) => p.slack === slackUserId);

export const personName = (p: PersonConfig): string => p.name ?? p.id;

/** Who may approve under the policy: its people and its groups' members, distinct; every person in guardian.yml when it names none. */
export function approversOf(policy: ApprovalPolicyConfig, config: GuardianConfig): PersonConfig[] {
  if (!policy.approvers || (policy.approvers.people.length === 0 && policy.approvers.groups.length === 0)) return config.people;
  const ids = new Set([...policy.approvers.people, ...policy.approvers.groups.flatMap((g) => config.groups[g] ?? [])]);
  return config.people.filter((p) => ids.has(p.id));
}

export const approvalsRequired = (policy: ApprovalPolicyConfig): number => policy.approvers?.required ?? 1;
export const rejectsRequired = (policy: ApprovalPolicyConfig): number => policy.approvers?.rejectsRequired ?? 1;

const AUTHOR_UNKNOWN = 'author unknown';
const STARTER_UNKNOWN = 'who started the execution is unknown';

/** What the no-self-approval rule cannot check: the commit author's email, or who started the execution, unknown. */
export function selfApprovalUnverified(facts: Pick<ApprovalFacts, 'source' | 'startedByUnknown'>): string[] {
  return [
    ...(facts.source.authorEmail ? [] : [`${AUTHOR_UNKNOWN}: the source gives no commit author email (only CodeCommit does), so no-self-approval is not checked against the author`]),
    ...(facts.startedByUnknown ? [`${STARTER_UNKNOWN} (${facts.startedByUnknown}), so no-self-approval is not checked against them`] : []),
  ];
}

/** " (author unknown)" and the like for an approval's summary, from the request's notes (selfApprovalUnverified's). */
export function selfApprovalCaveat(notes: string[]): string {
  const unknown = [AUTHOR_UNKNOWN, STARTER_UNKNOWN].filter((u) => notes.some((n) => n.startsWith(u)));
  return unknown.length ? ` (${unknown.join('; ')}: self-approval not checked)` : '';
}

/** Why approving would be approving one's own change (the commit's author, or whoever started the execution), or undefined. */
export function selfApproval(person: PersonConfig, facts: Pick<ApprovalFacts, 'source' | 'startedBy'>): string | undefined {
  const email = facts.source.authorEmail?.toLowerCase();
  if (email && person.emails.some((e) => e.toLowerCase() === email)) return `${personName(person)} authored the commit (${email})`;
  if (facts.startedBy && matches(person.principals, facts.startedBy)) return `${personName(person)} started the execution (${facts.startedBy})`;
  return undefined;
}

// --- Votes.

export interface Vote {
  personId: string;
  slackUserId: string;
  decision: 'approve' | 'reject';
  /** ISO-8601. */
  at: string;
  /** Why, for a rejection. */
  reason?: string;
}

export interface Tally {
  approvedBy: string[];
  rejectedBy: string[];
  required: number;
  rejectsRequired: number;
  outcome: 'approved' | 'rejected' | 'pending';
}

/** Counts distinct people (a person's first vote is theirs); rejections decide first, so enough of them stop a change whatever the approvals. */
export function tally(votes: Vote[], policy: ApprovalPolicyConfig): Tally {
  const first = new Map<string, Vote>();
  for (const v of votes) if (!first.has(v.personId)) first.set(v.personId, v);
  const counted = [...first.values()];
  const approvedBy = counted.filter((v) => v.decision === 'approve').map((v) => v.personId);
  const rejectedBy = counted.filter((v) => v.decision === 'reject').map((v) => v.personId);
  const required = approvalsRequired(policy);
  const rejects = rejectsRequired(policy);
  const outcome = rejectedBy.length >= rejects ? 'rejected' : approvedBy.length >= required ? 'approved' : 'pending';
  return { approvedBy, rejectedBy, required, rejectsRequired: rejects, outcome };
}

// --- Outcomes.

export type GateDecision =
  /** A check fails: reject now, with the reasons. */
  | { outcome: 'reject'; reasons: string[] }
  /** Every check passes and the policy approves by itself. */
  | { outcome: 'approve'; reasons: string[] }
  /** Ask the policy's approvers; `unverified` lists what they should know could not be checked. */
  | { outcome: 'ask'; approvers: string[]; required: number; unverified: string[] }
  /** Nothing can be done: no token (the approval is no longer waiting, or could not be read). */
  | { outcome: 'unactionable'; reason: string };

/** What stops a change being approved at `now`: freezes, deploy hours and source checks. */
export function blockers(facts: ApprovalFacts, policy: ApprovalPolicyConfig, config: GuardianConfig, now: Date): SourceVerdict {
  const problems: string[] = [];
  const freeze = activeFreeze(freezesOf(policy, config), now);
  if (freeze) problems.push(freezeReason(freeze));
  const hours = policy.deployHours && outsideDeployHours(policy.deployHours, now);
  if (hours) problems.push(hours);
  const source = checkSource(policy.source, facts.source);
  return { problems: [...problems, ...source.problems], unverified: source.unverified };
}

export function decideGate(facts: ApprovalFacts, policy: ApprovalPolicyConfig, config: GuardianConfig, now: Date): GateDecision {
  if (!facts.token) {
    const why = facts.unreadable.length ? `: ${facts.unreadable.join('; ')}` : '';
    return { outcome: 'unactionable', reason: `no approval token was found, so nothing can be approved or rejected${why}` };
  }
  const { problems, unverified } = blockers(facts, policy, config, now);
  if (problems.length > 0) return { outcome: 'reject', reasons: problems };
  if (policy.whenAllowed === 'approve' && unverified.length === 0) {
    return { outcome: 'approve', reasons: [`policy '${policy.name}' approves automatically: every check passed`] };
  }
  const notes = policy.whenAllowed === 'approve' ? [...unverified, 'so it is not approved automatically'] : unverified;
  // People approve: say what the no-self-approval rule cannot check (an automatic approval has no person to check).
  const unchecked = selfApprovalUnverified(facts).map((n) => (policy.selfApproval === 'verifiedOnly' ? `${n}; approvals are refused (selfApproval: verifiedOnly)` : n));
  return { outcome: 'ask', approvers: approversOf(policy, config).map((p) => p.id), required: approvalsRequired(policy), unverified: [...notes, ...unchecked] };
}

export interface Click {
  slackUserId: string;
  decision: 'approve' | 'reject';
}

export type VoteCheck = { allowed: true; person: PersonConfig } | { allowed: false; reason: string };

/**
 * Whether a click counts, checked at click time against fresh facts: the person is
 * known and an approver, has not voted, the token is the request's and, for an
 * approval, no freeze, deploy hours or source check forbids it and it is not their own change.
 * `again`: the person's own earlier vote, cast again to finish a decision it made; every other check still holds.
 */
export function checkVote(
  click: Click,
  request: { token: string; votes: Vote[] },
  facts: ApprovalFacts,
  policy: ApprovalPolicyConfig,
  config: GuardianConfig,
  now: Date,
  { again = false } = {},
): VoteCheck {
  const person = personBySlackId(config, click.slackUserId);
  if (!person) return { allowed: false, reason: `Slack user ${click.slackUserId} is not one of the people in guardian.yml, so cannot vote` };
  if (!approversOf(policy, config).some((p) => p.id === person.id)) {
    return { allowed: false, reason: `${personName(person)} is not an approver under policy '${policy.name}'` };
  }
  const earlier = request.votes.find((v) => v.personId === person.id);
  if (earlier && !again) return { allowed: false, reason: `${personName(person)} already voted (${earlier.decision}, ${earlier.at})` };
  if (!facts.token) return { allowed: false, reason: 'the approval is no longer waiting (no token): it was decided, expired or its execution ended' };
  if (facts.token !== request.token) return { allowed: false, reason: 'the approval changed since this request (another execution reached it): this request is closed' };
  if (click.decision === 'reject') return { allowed: true, person };
  const { problems } = blockers(facts, policy, config, now);
  if (problems.length > 0) return { allowed: false, reason: `cannot approve now: ${problems.join('; ')}` };
  const own = selfApproval(person, facts);
  if (own) return { allowed: false, reason: `no self-approval: ${own}` };
  const unchecked = selfApprovalUnverified(facts);
  if (policy.selfApproval === 'verifiedOnly' && unchecked.length > 0) {
    return { allowed: false, reason: `cannot approve: ${unchecked.join('; ')}, and policy '${policy.name}' counts only approvals it could check (selfApproval: verifiedOnly)` };
  }
  return { allowed: true, person };
}

// --- Expiry and reminders.

/** When CodePipeline times the approval out (the policy's `timeoutHours` after it started). */
export const expiresAt = (requestedAt: Date, policy: ApprovalPolicyConfig): Date =>
  new Date(requestedAt.getTime() + policy.timeoutHours * 3600_000);

/** When to remind (and escalate), or undefined when the policy does not remind; never before the request itself. */
export function reminderAt(requestedAt: Date, policy: ApprovalPolicyConfig): Date | undefined {
  if (!policy.remind) return undefined;
  const at = expiresAt(requestedAt, policy).getTime() - policy.remind.beforeExpiryHours * 3600_000;
  return new Date(Math.max(at, requestedAt.getTime()));
}

/** A pending request is reminded once, at its reminder time and before it expires; the reminder also goes to `escalateTo`. */
export function reminderDue(request: { requestedAt: Date; remindedAt?: Date }, policy: ApprovalPolicyConfig, now: Date): boolean {
  const at = reminderAt(request.requestedAt, policy);
  return at !== undefined && !request.remindedAt && now.getTime() >= at.getTime() && now.getTime() < expiresAt(request.requestedAt, policy).getTime();
}
