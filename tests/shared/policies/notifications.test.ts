import { parseConfig } from '../../../shared/config/load';
import { parseCiEvent } from '../../../shared/events/parse';
import type { BuildEvent, PipelineEvent } from '../../../shared/events/types';
import { applyEvent, emptyView, type ExecutionView } from '../../../shared/views/execution-view';
import { buildStatusesToWatch, decideBuildNotifications, decideExecutionNotifications, notificationSubject, type NotifyInputs } from '../../../shared/policies/notifications';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { Action } from '../../../shared/plan/plan';
import { listEvents, loadEvent } from '../../helpers/fixtures';

const NOW = new Date('2026-11-22T00:00:00Z');
const scenario = () => listEvents('scenarios/pipeline-fails-in-deploy').map((f) => parseCiEvent(loadEvent(f)) as PipelineEvent);
const fold = (events: PipelineEvent[]): ExecutionView => events.reduce((v, e) => applyEvent(v, e), emptyView(events[0]!));
const event = <T>(path: string) => parseCiEvent(loadEvent(path)) as T;

const config = (notifications: object) => parseConfig({ slack: { botToken: { ssm: '/guardian/slack' } }, notifications }, 'test');
const payments = config({
  routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }],
});
const inputs = (over: Partial<NotifyInputs> = {}): NotifyInputs => ({ config: payments, delivery: emptyDelivery(), slackMode: 'bot', now: NOW, ...over });
const summary = (actions: Action[]) => actions.map((a) => `${a.type} ${'key' in a ? a.key : a.channel}`);

/** What the executor records after performing `actions`. */
function delivered(actions: Action[], before = emptyDelivery()): Delivery {
  const d: Delivery = { messages: { ...before.messages }, sent: [...before.sent] };
  for (const a of actions) {
    if (a.type === 'slack.upsert') d.messages[a.channel] = { ts: '1.1', channelId: 'C1' };
    else d.sent.push(a.key);
  }
  return d;
}

describe('deciding pipeline notifications', () => {
  it('posts the live message as soon as an execution starts, with no email (default email states: FAILED, APPROVAL_NEEDED)', () => {
    const plan = decideExecutionNotifications(fold(scenario().slice(0, 1)), inputs());
    expect(summary(plan.actions)).toEqual(['slack.upsert #deployments']);
  });

  it('on failure updates the message, replies in its thread (broadcast), and emails once', () => {
    const plan = decideExecutionNotifications(fold(scenario()), inputs());
    expect(plan.actions.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.reply', 'slack.upsert']);
    const reply = plan.actions.find((a) => a.type === 'slack.reply');
    expect(reply).toMatchObject({ broadcast: true, reply: { tone: 'failure' } });
    expect(reply?.type === 'slack.reply' && reply.reply.text).toContain('Deploy');
    const email = plan.actions.find((a) => a.type === 'email.publish');
    expect(email?.type === 'email.publish' && email.message.failure?.stage).toBe('Deploy');
  });

  it('never plans again what was delivered: replaying the decision only refreshes the message', () => {
    const view = fold(scenario());
    const first = decideExecutionNotifications(view, inputs());
    const again = decideExecutionNotifications(view, inputs({ delivery: delivered(first.actions) }));
    expect(summary(again.actions)).toEqual(['slack.upsert #deployments']);
  });

  it('asks for approval in the thread and by email, once per approval', () => {
    const approval = event<PipelineEvent>('codepipeline/approval-needed.json');
    const view = fold([approval]);
    const plan = decideExecutionNotifications(view, inputs({ config: config({ default: { slack: { channel: '#ci' } } }) }));
    expect(plan.actions.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.reply', 'slack.upsert']);
    expect(plan.actions.every((a) => !('key' in a) || a.key.includes('APPROVAL_NEEDED'))).toBe(true);
  });

  it('leaves an approval an approval policy governs to the approval gate: no thread reply, no email, the message still updated', () => {
    const approval = event<PipelineEvent>('codepipeline/approval-needed.json');
    const view = fold([approval]);
    const governed = parseConfig(
      { slack: { botToken: { ssm: '/guardian/slack' } }, notifications: { default: { slack: { channel: '#ci' } } }, approvals: { policies: [{ name: 'release', pipelines: ['payments-*'], stages: ['Approval'] }] } },
      'test',
    );
    expect(decideExecutionNotifications(view, inputs({ config: governed })).actions.map((a) => a.type)).toEqual(['slack.upsert']);
  });

  it('asks again when an approval is requested again after a rejection, even if the rejection arrives last', () => {
    const approval = event<PipelineEvent>('codepipeline/approval-needed.json');
    const c = inputs({ config: config({ default: { slack: { channel: '#ci' } } }) });
    const first = fold([approval]);
    const askedOnce = delivered(decideExecutionNotifications(first, c).actions);
    const again = { ...approval, eventId: 'second-request', time: '2099-01-01T00:10:00Z' } as PipelineEvent;
    const rejected = { ...approval, eventId: 'rejection', state: 'FAILED', time: '2099-01-01T00:05:00Z' } as PipelineEvent;
    const view = applyEvent(applyEvent(first, again), rejected);
    const plan = decideExecutionNotifications(view, { ...c, delivery: askedOnce });
    expect(plan.actions.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.reply', 'slack.upsert']);
  });

  it('waits for a state the route asks for before posting, then follows the execution', () => {
    const quiet = config({ routes: [{ name: 'quiet', pipelines: ['*'], slack: { channel: '#alerts', states: ['FAILED'] }, email: false }] });
    const events = scenario();
    expect(decideExecutionNotifications(fold(events.slice(0, 10)), inputs({ config: quiet })).actions).toEqual([]);
    const view = fold(events);
    const failed = decideExecutionNotifications(view, inputs({ config: quiet }));
    expect(summary(failed.actions).sort()).toEqual([`slack.reply reply:#alerts:FAILED@${view.pipelineState?.at}`, 'slack.upsert #alerts']);
  });

  it('honours mute rules: a muted STARTED posts nothing, the failure still does', () => {
    const muted = config({
      routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }],
      mute: [{ pipelines: ['payments-*'], states: ['STARTED'] }],
    });
    const events = scenario();
    const started = decideExecutionNotifications(fold(events.slice(0, 3)), inputs({ config: muted }));
    expect(started.actions).toEqual([]);
    expect(started.skipped.join()).toContain('muted');
    expect(decideExecutionNotifications(fold(events), inputs({ config: muted })).actions.length).toBeGreaterThan(0);
  });

  it('with only a webhook, posts one message per important state change, each once', () => {
    const events = scenario();
    const startedPlan = decideExecutionNotifications(fold(events.slice(0, 5)), inputs({ slackMode: 'webhook' }));
    expect(summary(startedPlan.actions)).toEqual(['slack.webhook webhook:STARTED']);
    const view = fold(events);
    const failedPlan = decideExecutionNotifications(view, inputs({ slackMode: 'webhook', delivery: delivered(startedPlan.actions) }));
    const at = view.pipelineState?.at;
    expect(summary(failedPlan.actions).sort()).toEqual([`email.publish email:default:FAILED@${at}`, `slack.webhook webhook:FAILED@${at}`]);
  });

  it('sends email to the topic a route names, and none where a route turns email off', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:payments-oncall';
    const c = config({
      routes: [
        { name: 'oncall', pipelines: ['payments-*'], email: { states: ['FAILED'], topicArn } },
        { name: 'chat', pipelines: ['payments-*'], slack: { channel: '#deployments' }, email: false },
      ],
    });
    const emails = decideExecutionNotifications(fold(scenario()), inputs({ config: c })).actions.filter((a) => a.type === 'email.publish');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ topicArn });
  });

  it('says why nothing happens when no route and no default exist', () => {
    const plan = decideExecutionNotifications(fold(scenario()), inputs({ config: config({}) }));
    expect(plan.actions).toEqual([]);
    expect(plan.skipped).toContain('no route for pipeline payments-api');
  });
});

describe('deciding build notifications', () => {
  const builds = config({ routes: [{ name: 'libs', projects: ['*'], slack: { channel: '#builds' } }] });

  it('posts a failed build with its failed phase, and emails it', () => {
    const plan = decideBuildNotifications(event<BuildEvent>('codebuild/build-failed.json'), inputs({ config: builds }));
    expect(plan.actions.map((a) => a.type).sort()).toEqual(['email.publish', 'slack.upsert']);
    const upsert = plan.actions.find((a) => a.type === 'slack.upsert');
    expect(upsert?.type === 'slack.upsert' && upsert.message.failure?.phase).toBe('BUILD');
  });

  it('stays quiet on success unless a route asks for SUCCEEDED', () => {
    const ok = event<BuildEvent>('codebuild/build-succeeded.json');
    expect(decideBuildNotifications(ok, inputs({ config: builds })).actions).toEqual([]);
    const loud = config({ routes: [{ name: 'libs', projects: ['*'], slack: { channel: '#builds', states: ['SUCCEEDED'] } }] });
    expect(summary(decideBuildNotifications(ok, inputs({ config: loud })).actions)).toEqual(['slack.upsert #builds']);
  });

  it('leaves builds a pipeline started to the pipeline message, unless pipelineBuilds is on', () => {
    const fromPipeline = event<BuildEvent>('codebuild/build-failed-from-pipeline.json');
    const plan = decideBuildNotifications(fromPipeline, inputs({ config: builds }));
    expect(plan.actions).toEqual([]);
    expect(plan.skipped[0]).toContain('codepipeline/');
    const both = config({ routes: [{ name: 'libs', projects: ['*'], slack: { channel: '#builds' } }], pipelineBuilds: true });
    expect(decideBuildNotifications(fromPipeline, inputs({ config: both })).actions.length).toBeGreaterThan(0);
  });
});

describe('which CodeBuild build statuses the rule lets through', () => {
  it('lets the failures through by default, and nothing else', () => {
    expect(buildStatusesToWatch(config({ default: { slack: { channel: '#ci' } } }))).toEqual(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);
  });

  it('adds SUCCEEDED, and IN_PROGRESS for STARTED, only when a route asks', () => {
    const c = config({
      routes: [
        { name: 'ok', projects: ['lib-*'], slack: { channel: '#builds', states: ['SUCCEEDED'] } },
        { name: 'starts', projects: ['app-*'], email: { states: ['STARTED'] } },
      ],
    });
    expect(buildStatusesToWatch(c)).toEqual(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);
  });
});

describe('notificationSubject: what an event is about', () => {
  it('is the pipeline of a pipeline event', () => {
    expect(notificationSubject(event('codepipeline/pipeline-failed.json'), payments)).toEqual({ kind: 'pipeline', name: expect.any(String) });
  });

  it("is the starting pipeline of a build a pipeline started, unless builds are asked for on their own", () => {
    const build = event<BuildEvent>('codebuild/build-failed-from-pipeline.json');
    const pipeline = notificationSubject(build, payments);
    expect(pipeline).toMatchObject({ kind: 'pipeline', startedBy: pipeline.name });
    expect(notificationSubject(build, config({ pipelineBuilds: true }))).toEqual({ kind: 'build', name: build.project });
  });

  it('is the project of a build no pipeline started', () => {
    const build = event<BuildEvent>('codebuild/build-failed.json');
    expect(notificationSubject(build, payments)).toEqual({ kind: 'build', name: build.project });
  });
});

describe('messages from a member account of the organisation', () => {
  const member = (account: string) => fold(scenario().map((e) => ({ ...e, account })));
  const withAlias = parseConfig(
    {
      slack: { botToken: { ssm: '/guardian/slack' } },
      notifications: { routes: [{ name: 'all', pipelines: ['*'], projects: ['*'], slack: { channel: '#deployments' } }] },
      organization: { id: 'o-a1b2c3d4e5', serve: 'all', regions: ['us-east-1'], accounts: { '210987654321': { alias: 'payments-prod' } } },
    },
    'test',
  );
  const contextOf = (actions: Action[]) => actions.flatMap((a) => (a.type === 'slack.upsert' ? [a.message.context] : []));

  it('name the account by its alias, with its id, and the region', () => {
    const { actions } = decideExecutionNotifications(member('210987654321'), inputs({ config: withAlias }));
    expect(contextOf(actions)[0]).toMatch(/^payments-prod \(210987654321\) · us-east-1 · execution /);
  });

  it('name an account without an alias by its id', () => {
    const { actions } = decideExecutionNotifications(member('345678901234'), inputs({ config: withAlias }));
    expect(contextOf(actions)[0]).toMatch(/^345678901234 · us-east-1 · execution /);
  });

  it('name a build’s account by its alias too', () => {
    const build = { ...event<BuildEvent>('codebuild/build-failed.json'), account: '210987654321' };
    const { actions } = decideBuildNotifications(build, inputs({ config: withAlias }));
    expect(contextOf(actions)[0]).toMatch(/^payments-prod \(210987654321\) · us-east-1 · /);
  });
});
