import type { GuardianConfig, NotifyState, RouteTargets, SlackMode } from '../config/schema.js';
import type { Delivery } from '../plan/delivery.js';
import { DEFAULT_BUILD_STATES, DEFAULT_EMAIL_STATES, NOTIFY_STATES } from '../config/schema.js';
import { startingPipeline, type BuildEvent, type CiEvent } from '../events/types.js';
import type { MessageModel, ReplyModel } from '../messages/model.js';
import { accountAlias } from '../config/organization.js';
import { describeBuild } from '../messages/build.js';
import { buildIdOf } from '../events/codebuild.js';
import { describeApprovalReply, describeExecution, describeFailureReply, describeStopReply } from '../messages/pipeline.js';
import type { Action, Plan } from '../plan/plan.js';
import type { ExecutionView } from '../views/execution-view.js';
import { isTerminal, pendingApprovals } from '../views/execution-view.js';
import { isMuted, routesFor, type Subject } from './routing.js';
import { approvalPolicyFor } from './approval.js';

// Decides who is told what about a pipeline execution or a build. Pure:
// given what we know (the view), what was already delivered and the config,
// it returns the actions still owed. Running it twice on the same inputs
// gives the same plan, and delivered keys are never planned again.


export interface NotifyInputs {
  config: GuardianConfig;
  delivery: Delivery;
  slackMode: SlackMode;
  now: Date;
}

/** Something that happened to the subject and may be worth telling: a state, keyed so it is told once. */
interface Occurrence {
  state: NotifyState;
  key: string;
  reply?: ReplyModel;
}

/** Thread replies draw people's attention: only for these. */
const REPLY_STATES = new Set<NotifyState>(['FAILED', 'CANCELED', 'STOPPED', 'APPROVAL_NEEDED']);
const WEBHOOK_DEFAULT_STATES: NotifyState[] = ['STARTED', 'FAILED', 'SUCCEEDED', 'APPROVAL_NEEDED'];

function executionOccurrences(view: ExecutionView, config: GuardianConfig): Occurrence[] {
  const out: Occurrence[] = [];
  const p = view.pipelineState;
  if (p || view.stageOrder.length > 0) out.push({ state: 'STARTED', key: 'STARTED' });
  if (p && p.state === 'RESUMED') out.push({ state: 'RESUMED', key: `RESUMED@${p.at}` });
  if (p && isTerminal(p.state)) {
    const state = p.state as NotifyState;
    const reply =
      state === 'FAILED' ? describeFailureReply(view) : state === 'CANCELED' || state === 'STOPPED' ? describeStopReply(view, state) : undefined;
    out.push({ state, key: `${state}@${p.at}`, reply });
  }
  for (const a of pendingApprovals(view)) {
    // An approval a policy governs is asked by the approval gate (its own request, with buttons): people see one request, not two.
    if (approvalPolicyFor(config, { pipeline: view.pipeline, stage: a.stage, action: a.action })) continue;
    out.push({ state: 'APPROVAL_NEEDED', key: `APPROVAL_NEEDED:${a.stage}/${a.action}@${a.startedAt ?? a.at}`, reply: describeApprovalReply(view, a) });
  }
  return out;
}

function plan(
  subject: Subject,
  label: string,
  occurrences: Occurrence[],
  message: MessageModel,
  slackDefaultStates: readonly NotifyState[],
  { config, delivery, slackMode, now }: NotifyInputs,
): Plan {
  const actions: Action[] = [];
  const skipped: string[] = [];
  const planned = new Set<string>();
  const add = (id: string, action: Action) => {
    if (!planned.has(id)) {
      planned.add(id);
      actions.push(action);
    }
  };

  const live = occurrences.filter((o) => !isMuted(subject, o.state, config, now));
  if (live.length < occurrences.length) skipped.push(`muted: ${occurrences.filter((o) => !live.includes(o)).map((o) => o.state).join(', ')}`);

  const routes = routesFor(subject, config);
  if (routes.length === 0) skipped.push(`no route for ${subject.kind} ${subject.name}`);

  for (const route of routes) {
    const wanted = (states: readonly NotifyState[]) => live.filter((o) => states.includes(o.state));
    const slack = route.slack;
    if (slack && slackMode === 'bot') {
      const relevant = wanted(slack.states ?? slackDefaultStates);
      // Once posted, the message follows the subject's state until the end.
      if (relevant.length > 0 || delivery.messages[slack.channel]) {
        add(`upsert:${slack.channel}`, { type: 'slack.upsert', channel: slack.channel, message, reason: `route ${route.name}: ${label} in ${slack.channel}` });
      }
      for (const o of relevant) {
        const key = `reply:${slack.channel}:${o.key}`;
        if (o.reply && REPLY_STATES.has(o.state) && !delivery.sent.includes(key)) {
          add(key, { type: 'slack.reply', channel: slack.channel, key, reply: o.reply, broadcast: o.state === 'FAILED', reason: `route ${route.name}: ${o.state}` });
        }
      }
    } else if (slack && slackMode === 'webhook') {
      for (const o of wanted(slack.states ?? (subject.kind === 'pipeline' ? WEBHOOK_DEFAULT_STATES : slackDefaultStates))) {
        const key = `webhook:${o.key}`;
        if (!delivery.sent.includes(key)) add(key, { type: 'slack.webhook', key, message, reason: `route ${route.name}: ${o.state} (webhook)` });
      }
    }
    if (route.email !== false) {
      const email = route.email ?? { states: DEFAULT_EMAIL_STATES };
      for (const o of wanted(email.states)) {
        const key = `email:${email.topicArn ?? 'default'}:${o.key}`;
        if (!delivery.sent.includes(key)) {
          add(key, { type: 'email.publish', key, topicArn: email.topicArn, message, reason: `route ${route.name}: ${o.state} by email` });
        }
      }
    }
  }
  return { subject: label, actions, skipped };
}

export function decideExecutionNotifications(view: ExecutionView, inputs: NotifyInputs): Plan {
  return plan(
    { kind: 'pipeline', name: view.pipeline },
    `pipeline ${view.pipeline} execution ${view.executionId}`,
    executionOccurrences(view, inputs.config),
    describeExecution(view, accountAlias(inputs.config, view.account)),
    NOTIFY_STATES,
    inputs,
  );
}

const BUILD_STATE: Record<BuildEvent['status'], NotifyState> = {
  IN_PROGRESS: 'STARTED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  FAULT: 'FAULT',
  STOPPED: 'STOPPED',
  TIMED_OUT: 'TIMED_OUT',
};

/**
 * The CodeBuild build statuses some route may want: the failures always,
 * others only when a route or the default names them. The CodeBuild rule's
 * pattern is derived from it at package time, so nothing else reaches the function.
 */
export function buildStatusesToWatch(config: GuardianConfig): BuildEvent['status'][] {
  const wanted = new Set<NotifyState>(DEFAULT_BUILD_STATES);
  const targets = [...config.notifications.routes, config.notifications.default ?? {}];
  for (const { slack, email } of targets) {
    for (const state of [...(slack?.states ?? []), ...(email ? email.states : [])]) wanted.add(state);
  }
  return (Object.keys(BUILD_STATE) as BuildEvent['status'][]).filter((status) => wanted.has(BUILD_STATE[status]));
}

export function decideBuildNotifications(build: BuildEvent, inputs: NotifyInputs): Plan {
  const label = `build ${buildIdOf(build.buildArn)}`;
  if (startingPipeline(build) && !inputs.config.notifications.pipelineBuilds) {
    return { subject: label, actions: [], skipped: [`started by ${build.initiator}: the pipeline's message covers it`] };
  }
  const state = BUILD_STATE[build.status];
  return plan(
    { kind: 'build', name: build.project },
    label,
    [{ state, key: `${state}@${build.buildArn}` }],
    describeBuild(build, accountAlias(inputs.config, build.account)),
    DEFAULT_BUILD_STATES,
    inputs,
  );
}

/**
 * What an event is about: its pipeline, or a build on its own. A build a pipeline started
 * belongs to the pipeline's message (`startedBy`), unless builds are asked for on their own.
 */
export function notificationSubject(event: CiEvent, config: GuardianConfig): Subject & { startedBy?: string } {
  if (event.kind !== 'build') return { kind: 'pipeline', name: event.pipeline };
  const startedBy = config.notifications.pipelineBuilds ? undefined : startingPipeline(event);
  return startedBy ? { kind: 'pipeline', name: startedBy, startedBy } : { kind: 'build', name: event.project };
}

/** The targets a subject would reach; used to skip all work for events nobody wants. */
export const hasTargets = (subject: Subject, config: GuardianConfig): boolean =>
  routesFor(subject, config).some((r: RouteTargets) => r.slack !== undefined || r.email !== false);
