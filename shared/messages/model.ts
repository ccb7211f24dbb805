// A channel-neutral description of a notification. Policies build it from
// facts; renderers turn it into Slack Block Kit or a plain-text email.
// Every string here is UNTRUSTED display text (names, commit messages,
// summaries come from users and tools): renderers escape and truncate it.

export type Tone = 'success' | 'failure' | 'warning' | 'info' | 'progress';

export interface Link {
  label: string;
  url: string;
}

export interface Field {
  label: string;
  value: string;
  /** Makes the value a link where the channel supports it. */
  url?: string;
}

export interface StageLine {
  name: string;
  /** e.g. SUCCEEDED, FAILED, STARTED (in progress), PENDING (not reached yet). */
  state: string;
  /** Human duration, e.g. "2m 05s"; absent while unknown. */
  duration?: string;
}

/** One step of what cicd-guardian does about the subject (a remediation playbook's), and what became of it. */
export interface StepItem {
  /** A symbol for what became of it (✓, ✗, ○ ...). */
  mark: string;
  /** What the step does, e.g. "tag i-0abc with the finding". */
  what: string;
  /** What became of it, e.g. "done", "failed". */
  state: string;
  /** Why: a failure's reason, a refusal, what was found in effect. */
  why?: string;
}

export interface FailureDetails {
  stage?: string;
  action?: string;
  /** The failed CodeBuild phase, e.g. BUILD. */
  phase?: string;
  errorCode?: string;
  summary?: string;
  /** Where to look next, labelled by what it opens (build logs, the CodeDeploy deployment, ...). */
  link?: Link;
}

/**
 * A button people click (Slack only; email shows the message's links instead).
 * `value` is an opaque key the receiver looks up and checks again: never trusted alone.
 */
export interface Button {
  /** Which button: the receiver dispatches on it (e.g. "approval.approve"). */
  actionId: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
}

export interface MessageModel {
  /** One line naming the subject and its state, e.g. "my-pipeline FAILED". Also the email subject. */
  title: string;
  tone: Tone;
  /** Optional one-sentence summary under the title. */
  summary?: string;
  fields: Field[];
  stages: StageLine[];
  /** Steps taken, one line each, under their heading (e.g. "Playbook ec2"). */
  steps?: { heading: string; items: StepItem[] };
  failure?: FailureDetails;
  links: Link[];
  /** Short identity line for the footer (account, region, execution id). */
  context?: string;
  buttons?: Button[];
}

/** How a message names an account: by its alias (organization.accounts.<id>.alias) with its id, else its id. */
export const accountName = (account: string, alias: string | undefined): string => (alias ? `${alias} (${account})` : account);

/** A short reply in the thread of a message (failure, cancellation, approval request). */
export interface ReplyModel {
  tone: Tone;
  text: string;
  links: Link[];
}
