// Formatting for the local runner (scripts/local.ts): events, decisions, the
// changes made to AWS, and Slack messages and emails as a person would read them. Slack Block Kit is
// turned into plain lines: mrkdwn markers dropped (bold kept as bold when
// colors are on), links shown by their label, Slack's three entities decoded.

import type { SlackCall } from './slack-stand-in';
import type { AwsChange, PublishedEmail } from './fakes/service-fake';
import type { AwsCall } from './fakes/world';
import { truncate } from '../shared/views/bounds';
import { ACTIONS } from '../shared/actions/index';
import type { ActionModule } from '../shared/actions/module';
import type { Action } from '../shared/plan/plan';
import type { RecordedCall } from '../shared/executors/recording';

// ------------------------------------------------------------------ style

interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  /** A clickable label where the terminal supports OSC 8 hyperlinks; the bare label otherwise. */
  link(url: string, label: string): string;
}

/** Colors on a terminal, unless NO_COLOR; FORCE_COLOR forces them. */
export function wantsColor(stream: { isTTY?: boolean } = process.stdout, env = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function makeStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (s: string) => (enabled && s ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    magenta: sgr(35, 39),
    link: (url, label) => (enabled ? `\x1b]8;;${url}\x1b\\${label}\x1b]8;;\x1b\\` : label),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\/g;
/** Printed width of a styled string (ANSI sequences take no room). */
const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** A state in the color it deserves. */
function colorState(state: string, s: Style): string {
  const key = state.toUpperCase();
  if (/FAIL|FAULT|TIMED_OUT/.test(key)) return s.red(state);
  if (/SUCCEEDED|COMPLETED/.test(key)) return s.green(state);
  if (/STOP|CANCEL|SUPERSEDED|ABANDONED/.test(key)) return s.yellow(state);
  return s.cyan(state);
}

// ----------------------------------------------------------------- events

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** One line saying what an EventBridge event is: kind, state and subject. */
export function describeEvent(event: unknown, s: Style): string {
  if (!isObj(event)) return s.red('(not a JSON object)');
  const type = str(event['detail-type']) ?? '(no detail-type)';
  const d = isObj(event.detail) ? event.detail : {};
  const state = str(d.state) ?? str(d['build-status']);
  const kind = /^CodePipeline (Pipeline|Stage|Action) /.exec(type)?.[1]?.toLowerCase();
  if (kind) {
    const where = [str(d.pipeline), str(d.stage), str(d.action)].filter(Boolean).join(' › ');
    const t = isObj(d.type) ? d.type : {};
    const provider = kind === 'action' && str(t.provider) ? s.dim(` (${str(t.provider)})`) : '';
    return `CodePipeline ${kind} ${colorState(state ?? '?', s)}  ${s.bold(where)}${provider}`;
  }
  if (type === 'CodeBuild Build State Change') {
    const info = isObj(d['additional-information']) ? d['additional-information'] : {};
    const initiator = str(info.initiator);
    return `CodeBuild build ${colorState(state ?? '?', s)}  ${s.bold(str(d['project-name']) ?? '?')}${initiator ? s.dim(` (started by ${initiator})`) : ''}`;
  }
  if (type === 'ECS Deployment State Change' || type === 'ECS Service Action') {
    const service = ecsServiceName(event.resources);
    const name = str(d.eventName) ?? '?';
    if (type === 'ECS Service Action') return `ECS service ${colorState(name, s)}  ${s.bold(service)}`;
    return `ECS deployment ${colorState(name.replace(/^SERVICE_DEPLOYMENT_/, ''), s)}  ${s.bold(service)} ${str(d.deploymentId) ?? '?'}${str(d.reason) ? s.dim(` — ${str(d.reason)}`) : ''}`;
  }
  if (type === 'ECS Task State Change') return ecsTaskLine(d, s);
  if (type === 'CloudWatch Alarm State Change') {
    const value = isObj(d.state) ? str(d.state.value) : undefined;
    return `CloudWatch alarm ${colorState(value ?? '?', s)}  ${s.bold(str(d.alarmName) ?? '?')}`;
  }
  if (event['detail-type'] === undefined && str(event.cluster) && str(event.service)) {
    // A rollback requested by hand (events/manual/rollback-request.json).
    return `rollback request  ${s.bold(`${str(event.cluster)}/${str(event.service)}`)}${str(event.reason) ? s.dim(` — ${str(event.reason)}`) : ''}${event.dryRun === true ? s.magenta(' (dry run)') : ''}`;
  }
  return `${type}${state ? ` ${colorState(state, s)}` : ''} ${s.dim(`from ${str(event.source) ?? '?'}`)}`;
}

/** "cluster/service" of the service ARN among an event's resources. */
function ecsServiceName(resources: unknown): string {
  const arn = (Array.isArray(resources) ? resources : []).map(str).find((r) => r?.includes(':service/'));
  return arn ? arn.slice(arn.indexOf(':service/') + ':service/'.length) : '?';
}

/** An ECS task event: its state, service, task, revision, and for a stopped task why (stop code, reason, exit codes). */
function ecsTaskLine(d: Obj, s: Style): string {
  const state = str(d.lastStatus) ?? '?';
  const cluster = str(d.clusterArn)?.split('/').pop() ?? '?';
  const service = str(d.group)?.replace(/^service:/, '') ?? '?';
  const task = str(d.taskArn)?.split('/').pop()?.slice(0, 8) ?? '?';
  const revision = str(d.taskDefinitionArn)?.split('/').pop() ?? '?';
  const head = `ECS task ${colorState(state, s)}  ${s.bold(`${cluster}/${service}`)} task ${task} ${s.dim(`(${revision}, ${str(d.startedBy) ?? 'not started by a deployment'})`)}`;
  if (state !== 'STOPPED') return head;
  const exits = (Array.isArray(d.containers) ? d.containers : [])
    .filter(isObj)
    .filter((c) => typeof c.exitCode === 'number')
    .map((c) => `${str(c.name) ?? '?'} exit ${String(c.exitCode)}`);
  const why = [str(d.stopCode), str(d.stoppedReason), exits.join(', ')].filter(Boolean).join(' · ');
  return why ? `${head}\n    ${s.dim(truncate(why, 300))}` : head;
}

// -------------------------------------------------------------- decisions

interface ActionLike {
  type: string;
  channel?: string;
  topicArn?: string;
  reason?: string;
  cluster?: string;
  service?: string;
  pipeline?: string;
  stage?: string;
}
interface PlanLike {
  subject?: string;
  actions?: ActionLike[];
  skipped?: string[];
}
interface OutcomeLike {
  action: string;
  target: string;
  result: string;
  error?: string;
}

/** The module of an action from a function's JSON answer, when its type is one. */
const moduleFor = (a: ActionLike): ActionModule<Action> | undefined =>
  Object.hasOwn(ACTIONS, a.type) ? (ACTIONS[a.type as Action['type']] as unknown as ActionModule<Action>) : undefined;

/** What an outcome names an action's target by: its module's `target`. */
const actionTarget = (a: ActionLike): string => moduleFor(a)?.target(a as unknown as Action) ?? a.channel ?? '';

/**
 * What a function decided, from its return value: the notify function's
 * NotifyResult (ignored / dry-run plan / delivered or deferred plans with
 * outcomes), the rollback function's RollbackResult (ignored, or the same per
 * service); anything else is shown as compact JSON.
 */
/** A Function URL's answer: its status and (short) body, as the caller (Slack) would see it. */
export function httpAnswerLines(result: unknown, s: Style): string[] {
  if (!isObj(result) || typeof result.statusCode !== 'number') return [s.red(`answered something that is not an HTTP response: ${JSON.stringify(result)?.slice(0, 200)}`)];
  const ok = result.statusCode < 300;
  const body = typeof result.body === 'string' && result.body ? ` ${s.dim(result.body.length > 300 ? `${result.body.slice(0, 300)}…` : result.body)}` : '';
  return [`${ok ? s.green('✓') : s.yellow('!')} answered HTTP ${result.statusCode}${body}`];
}

export function decisionLines(result: unknown, s: Style): string[] {
  if (result === undefined) return [s.dim('returned nothing')];
  if (!isObj(result) || typeof result.status !== 'string') return [truncate(JSON.stringify(result), 300)];
  const status = result.status;
  if (status === 'ignored') return [`${s.yellow('ignored')}: ${str(result.reason) ?? ''}`];
  if (status === 'recorded') return [`${s.cyan('recorded')}: ${str(result.reason) ?? ''}`];
  if (status === 'handled' && Array.isArray(result.services)) {
    const services = result.services.filter(isObj);
    if (services.length === 0) return [s.dim('handled: no service concerned')];
    return services.flatMap((service) => (typeof service.status === 'string' ? planLines(service.status, service, s) : [truncate(JSON.stringify(service), 300)]));
  }
  return planLines(status, result, s);
}

/** A result's plans (`plans`, or one `plan`) with each action marked by its outcome, and the reasons for what was not done. */
function planLines(status: string, result: Obj, s: Style): string[] {
  const plans: PlanLike[] = Array.isArray(result.plans) ? (result.plans as PlanLike[]) : isObj(result.plan) ? [result.plan as PlanLike] : [];
  const outcomes: OutcomeLike[] = Array.isArray(result.outcomes) ? [...(result.outcomes as OutcomeLike[])] : [];
  const lines: string[] = [];
  const head = status === 'dry-run' ? s.magenta('dry run') : status === 'deferred' ? s.yellow('deferred') : s.green(status);
  if (status === 'deferred' && plans.length === 0) return [`${head}: another invocation holds the delivery lease; it delivers this change`];
  plans.forEach((plan, i) => {
    lines.push(`${i === 0 ? head : s.dim('then')}: ${plan.subject ?? ''}${plans.length > 1 ? s.dim(` (round ${i + 1})`) : ''}`);
    for (const action of plan.actions ?? []) {
      const target = actionTarget(action);
      // Outcomes come in execution order, not plan order: take the first one for this action and target.
      const at = outcomes.findIndex((o) => o.action === action.type && o.target === target);
      const outcome = at >= 0 ? outcomes.splice(at, 1)[0] : undefined;
      const mark =
        status === 'dry-run' || outcome?.result === 'rehearsed' ? (outcome?.result === 'unchanged' ? s.dim('=') : s.magenta('would')) : !outcome ? s.dim('·') : outcome.result === 'done' ? s.green('✓') : outcome.result === 'failed' ? s.red('✗') : s.dim('=');
      const note = outcome?.result === 'rehearsed' ? s.magenta(` (dry-run: would ${moduleFor(action)?.describe(action as unknown as Action) ?? action.type}; not made)`) : outcome?.result === 'unchanged' ? s.dim(' (unchanged)') : outcome?.result === 'failed' ? s.red(` failed: ${outcome.error ?? ''}`) : '';
      lines.push(`  ${mark} ${action.type} ${s.bold(target)}${note} ${s.dim(`— ${shortIds(action.reason ?? '')}`)}`);
    }
    for (const reason of plan.skipped ?? []) lines.push(`  ${s.dim('–')} ${s.dim(`skipped: ${reason}`)}`);
    if (!plan.actions?.length && !plan.skipped?.length) lines.push(`  ${s.dim('– nothing (more) to tell')}`);
  });
  return lines;
}

// ------------------------------------------------------------- dry run

/** The calls a dry-run result (notify's, or each service's of rollback's) would have made. */
export function recordedCalls(result: unknown): RecordedCall[] {
  if (!isObj(result)) return [];
  if (Array.isArray(result.recorded)) return result.recorded as RecordedCall[];
  if (Array.isArray(result.services)) return result.services.flatMap(recordedCalls);
  return [];
}

/** A recorded call as the delivered one would print, marked "would": Slack messages and emails in full, AWS calls with their parameters. */
export function recordedLines(call: RecordedCall, slack: SlackPrinter, s: Style): string[] {
  const lines =
    call.to === 'aws'
      ? [`  ${s.bold('aws change')}   ${s.yellow(call.api)}`, ...JSON.stringify(call.input, null, 2).split('\n').map((l) => `    ${s.dim(l)}`)]
      : call.to === 'audit'
        ? [`  ${s.bold('audit')}        ${call.entry.capability} ${s.yellow(call.entry.decision)}${call.entry.pipeline ? ` ${call.entry.pipeline}` : ''}: ${call.entry.reasons.join('; ')}`]
      : call.to === 'email'
        ? emailLines({ topicArn: call.topicArn, subject: call.subject, message: call.body }, s)
        : slack.lines({ method: call.method, body: call.body, ts: call.to === 'slack' ? call.ts : undefined } as Pick<SlackCall, 'method' | 'body' | 'ts'>);
  const [head = '', ...rest] = lines;
  return [`  ${s.magenta('would')} ${head.replace(/^ {2}/, '')}`, ...rest];
}

// ------------------------------------------------------------- AWS changes

/** A change made to AWS (here: to the fake AWS world), e.g. "ecs StopServiceDeployment arn:... stopType ROLLBACK". */
export function awsChangeLines(change: AwsChange, s: Style): string[] {
  const detail = Object.entries(change.detail)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  return [`  ${s.bold('aws change')}   ${change.service} ${s.yellow(change.operation)} ${change.target}${detail ? ` ${detail}` : ''}`];
}

/** An STS AssumeRole call a function made (a member account's role), and how STS answered. */
export function assumedRoleLines(call: AwsCall, s: Style): string[] {
  const answer = call.status === 200 ? s.green('credentials') : s.red(`${call.status} ${call.errorCode ?? ''}`.trim());
  return [`  ${s.bold('assume role')}  ${String(call.input.RoleArn)} ${s.dim(`session ${String(call.input.RoleSessionName)}`)} → ${answer}`];
}

// ------------------------------------------------------------------ Slack

/** mrkdwn as plain text: links by their label, markers dropped (bold kept when styled), entities decoded. */
function mrkdwnToText(text: string, s: Style): string {
  return text
    .replace(/<([^<>|]+)\|([^<>]*)>/g, (_, url: string, label: string) => s.link(url, s.cyan(label)))
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<[@#]([A-Z0-9]+)>/g, (m: string, id: string) => (m[1] === '#' ? `#${id}` : `@${id}`))
    .replace(/<(https?:[^<>]+)>/g, (_, url: string) => s.link(url, s.cyan(url)))
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/gm, (_, pre: string, t: string) => pre + s.bold(t))
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/gm, '$1$2')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/gm, '$1$2')
    .replace(/`([^`\n]+)`/g, (_, code: string) => s.yellow(code))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const textOf = (o: unknown): string => (isObj(o) && typeof o.text === 'string' ? o.text : '');

/** A Slack message (its blocks, else its fallback text) as readable lines. */
function slackMessageLines(body: { text?: unknown; blocks?: unknown }, s: Style): string[] {
  const blocks = Array.isArray(body.blocks) ? body.blocks : [];
  if (blocks.length === 0) return mrkdwnToText(String(body.text ?? ''), s).split('\n');
  const lines: string[] = [];
  for (const block of blocks) {
    if (!isObj(block)) continue;
    switch (block.type) {
      case 'header':
        lines.push(s.bold(mrkdwnToText(textOf(block.text), s)));
        break;
      case 'section':
        if (textOf(block.text)) lines.push(...mrkdwnToText(textOf(block.text), s).split('\n'));
        if (Array.isArray(block.fields)) lines.push(...fieldLines(block.fields.map(textOf), s));
        break;
      case 'context':
        lines.push(s.dim((Array.isArray(block.elements) ? block.elements : []).map((e) => mrkdwnToText(textOf(e) || '[image]', s)).join(' · ')));
        break;
      case 'divider':
        lines.push(s.dim('─'.repeat(24)));
        break;
      case 'actions': {
        // Buttons as a person sees them; scenario clicks press them by label.
        const buttons = (Array.isArray(block.elements) ? block.elements : []).filter(isObj).map((e) => {
          const label = `[ ${mrkdwnToText(textOf(e.text), s)} ]`;
          return e.style === 'danger' ? s.red(label) : e.style === 'primary' ? s.green(label) : label;
        });
        lines.push(buttons.join('  '));
        break;
      }
      default:
        lines.push(s.dim(`[${String(block.type)} block]`));
    }
  }
  return lines;
}

/** Section fields ("*Label*\nvalue") as "Label: value", two to a line when they fit. */
function fieldLines(fields: string[], s: Style): string[] {
  const cells = fields.map((f) => {
    const [label, ...rest] = f.split('\n');
    const value = rest.join(' ');
    return rest.length ? `${s.dim(`${mrkdwnToText(label!, makeStyle(false)).replace(/^\*|\*$/g, '')}:`)} ${mrkdwnToText(value, s)}` : mrkdwnToText(f, s);
  });
  const width = Math.min(44, Math.max(0, ...cells.map(visibleLength)));
  const out: string[] = [];
  for (let i = 0; i < cells.length; i += 2) {
    const [left, right] = [cells[i]!, cells[i + 1]];
    if (right === undefined || visibleLength(left) > width) {
      out.push(left);
      if (right !== undefined) out.push(right);
    } else {
      out.push(left + ' '.repeat(width - visibleLength(left) + 3) + right);
    }
  }
  return out;
}

type SlackCallKind = 'post' | 'update' | 'reply' | 'webhook' | 'other';

export function slackCallKind(call: Pick<SlackCall, 'method' | 'body'>): SlackCallKind {
  if (call.method === 'chat.postMessage') return call.body.thread_ts ? 'reply' : 'post';
  if (call.method === 'chat.update') return 'update';
  if (call.method === 'webhook') return 'webhook';
  return 'other';
}

/** A thread reply also sent to the channel (reply_broadcast, a boolean in JSON bodies, a string in form-encoded ones). */
export function isBroadcast(call: Pick<SlackCall, 'body'>): boolean {
  return call.body.reply_broadcast === true || call.body.reply_broadcast === 'true';
}

/**
 * Prints Slack calls as they would show in Slack. A message's updates show
 * only the lines that changed since it was last shown, so a pipeline's
 * progress reads as a short series of changes.
 */
export class SlackPrinter {
  private readonly shown = new Map<string, string[]>();
  private readonly unclaimedPosts: string[][] = [];
  /**
   * The channel each posted message was sent to, as the config names it, by the
   * message's ts: updates and replies carry the id Slack answered instead, and
   * are printed with the same name as the post.
   */
  private readonly postedTo = new Map<string, string>();

  constructor(
    private readonly s: Style,
    private readonly full = false,
  ) {}

  lines(call: Pick<SlackCall, 'method' | 'body' | 'ts'>): string[] {
    const { s } = this;
    if (call.method === 'views.open') return modalLines(call.body, s);
    const kind = slackCallKind(call);
    const b = call.body;
    const sentTo = String(b.channel ?? '');
    if (kind === 'post' && call.ts) this.postedTo.set(call.ts, sentTo);
    const channel = this.postedTo.get(String(kind === 'reply' ? b.thread_ts : b.ts)) ?? sentTo;
    const message = slackMessageLines(b, s);
    const indent = (ls: string[]) => ls.map((l) => `    ${l}`);
    switch (kind) {
      case 'post':
        this.unclaimedPosts.push(message);
        return [`  ${s.bold('slack post')}   ${channel}  ${s.dim(call.method)}`, ...indent(message)];
      case 'update': {
        const key = `${sentTo}:${String(b.ts)}`;
        // The first update of a message follows its post; the post's ts is in Slack's answer, not its request.
        const before = this.shown.get(key) ?? this.unclaimedPosts.shift();
        this.shown.set(key, message);
        const head = `  ${s.bold('slack update')} ${channel} ts ${String(b.ts)}  ${s.dim(call.method)}`;
        if (this.full || !before) return [head, ...indent(message)];
        const previous = new Set(before);
        const changed = message.filter((l, i) => i === 0 || !previous.has(l));
        const same = message.length - changed.length;
        return [head, ...indent(changed), ...(same > 0 ? [`    ${s.dim(`(${same} line${same === 1 ? '' : 's'} unchanged)`)}`] : [])];
      }
      case 'reply': {
        return [`  ${s.bold('slack reply')}  ${channel} thread ${String(b.thread_ts)}${isBroadcast(call) ? ' (also sent to the channel)' : ''}  ${s.dim(call.method)}`, ...indent(message)];
      }
      case 'webhook':
        return [`  ${s.bold('slack webhook')}`, ...indent(message)];
      default:
        return [`  ${s.bold(`slack ${call.method}`)} ${s.dim(truncate(JSON.stringify(b), 200))}`];
    }
  }
}

/** A modal opened for the clicking user (views.open): its title, texts and inputs, as Slack would show them. */
function modalLines(body: Record<string, unknown>, s: Style): string[] {
  const view = (typeof body.view === 'string' ? JSON.parse(body.view) : body.view) as {
    title?: { text?: string };
    submit?: { text?: string };
    blocks?: { type?: string; text?: { text?: string }; label?: { text?: string }; element?: { max_length?: number } }[];
  };
  const blocks = (view.blocks ?? []).map((b) =>
    b.type === 'input' ? `${b.label?.text ?? ''} [ ${s.dim(`text, at most ${b.element?.max_length ?? '?'} characters`)} ]` : (b.text?.text ?? ''),
  );
  return [`  ${s.bold('slack modal')}  ${view.title?.text ?? ''}  ${s.dim('views.open, for the clicking user')}`, ...blocks.map((l) => `    ${l}`), `    [ ${view.submit?.text ?? 'Submit'} ]`];
}

// ------------------------------------------------------------------ email

export function emailLines(email: Pick<PublishedEmail, 'topicArn' | 'subject' | 'message'>, s: Style): string[] {
  return [
    `  ${s.bold('email')}        ${email.topicArn}  ${s.dim('sns:Publish')}`,
    `    ${s.dim('Subject:')} ${s.bold(email.subject ?? '(none)')}`,
    ...email.message.split('\n').map((l) => `    ${s.dim('│')} ${l}`),
  ];
}

// ------------------------------------------------------------------- logs

/**
 * What a function wrote while it ran (Powertools' JSON log lines, or any
 * text) as short lines: "WARN message: error". Non-error lines already shown
 * earlier in the run are left out (`seen` remembers them) and counted in `hidden`.
 */
export function logLines(output: string, s: Style, seen: Set<string>, counter: { hidden: number }): string[] {
  const out: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    if (!line) continue;
    let text = line;
    try {
      const entry = JSON.parse(line) as { level?: unknown; message?: unknown; error?: { name?: unknown; message?: unknown } };
      if (typeof entry.message === 'string') {
        const level = typeof entry.level === 'string' ? entry.level : 'LOG';
        const error = entry.error && typeof entry.error.message === 'string' ? `: ${String(entry.error.name ?? 'Error')}: ${entry.error.message}` : '';
        text = `${level} ${entry.message}${error}`;
      }
    } catch {
      // not JSON: shown as written
    }
    const severe = /^(ERROR|CRITICAL)/.test(text);
    // Errors always show; a warning every invocation repeats is shown once.
    if (!severe && seen.has(text)) {
      counter.hidden++;
      continue;
    }
    seen.add(text);
    out.push(`  ${s.dim('log')} ${severe ? s.red(text) : s.dim(truncate(text, 400))}`);
  }
  return out;
}

// ------------------------------------------------------------------ misc

/** Shortens UUIDs to their first 8 characters, as consoles and the message footer do. */
const shortIds = (text: string) => text.replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '$1');

/** An error with its cause and aggregated errors, for the terminal. */
export function errorLines(error: unknown, s: Style): string[] {
  const e = error instanceof Error ? error : new Error(String(error));
  const lines = [s.red(`${e.name}: ${e.message}`)];
  if (e instanceof AggregateError) for (const inner of e.errors) lines.push(s.red(`  - ${inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner)}`));
  const stack = e.stack?.split('\n').slice(1, 6) ?? [];
  lines.push(...stack.map((l) => s.dim(l)));
  if (e.cause instanceof Error) lines.push(s.dim('caused by:'), ...errorLines(e.cause, s).map((l) => `  ${l}`));
  else if (Array.isArray(e.cause)) lines.push(s.dim('caused by:'), ...e.cause.map((c) => `  - ${issueText(c)}`));
  else if (e.cause !== undefined) lines.push(s.dim(`caused by: ${truncate(JSON.stringify(e.cause) ?? String(e.cause), 300)}`));
  return lines;
}

/** A validation issue ({path, message}, as Standard Schema and zod report them) on one line. */
function issueText(issue: unknown): string {
  if (!isObj(issue) || typeof issue.message !== 'string') return truncate(JSON.stringify(issue) ?? String(issue), 200);
  const path = Array.isArray(issue.path) ? issue.path.map((p) => (isObj(p) ? String(p.key) : String(p))).join('.') : '';
  return `${path || '(root)'}: ${issue.message}`;
}
