import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { startLocalDynamo, type LocalDynamo } from '../../../local/dynamo';
import { localTopicArn } from '../../../local/environment';
import { startSlackStandIn, type SlackStandIn } from '../../../local/slack-stand-in';
import { parseConfig } from '../../../shared/config/load';
import { parseCiEvent } from '../../../shared/events/parse';
import type { PipelineEvent, RollbackEvent } from '../../../shared/events/types';
import { EmailNotifier } from '../../../shared/executors/email';
import { executePlan } from '../../../shared/executors/execute-plan';
import type { Channels } from '../../../shared/actions/module';
import { deliverUnderLease } from '../../../shared/executors/deliver';
import { SlackNotifier } from '../../../shared/executors/slack';
import { CHANGE_ACTIONS } from '../../../shared/actions/change-actions';
import { describeExecution } from '../../../shared/messages/pipeline';
import { applyEvent, emptyView, EXECUTION_VIEW_BYTES, executionKey, fitExecutionView, type ExecutionView } from '../../../shared/views/execution-view';
import { decideExecutionNotifications } from '../../../shared/policies/notifications';
import { boundDelivery, DELIVERY_BYTES, emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import { findTrigger, rollbackSettings } from '../../../shared/policies/rollback';
import { applyServiceEvent, emptyServiceView, promoteKnownGood, serviceKey, type ServiceView } from '../../../shared/views/service-view';
import type { Plan } from '../../../shared/plan/plan';
import { StateStore } from '../../../shared/state/store';
import { loadEvent, type JsonObject } from '../../helpers/fixtures';
import { sample } from '../../helpers/rollback-events';

// Every stored item stays within a fixed byte budget however many events a
// subject sees, and what the service decides is the same as without bounds.
// Items are written through the real StateStore to dynalite, which refuses
// items over 400 KB as DynamoDB does.

/** Each item (view, delivery record, lease, version) stays under this. */
const ITEM_BUDGET = 64 * 1024;
const EVENTS = 10_000;
/** Write the folded state every this many events (all 10,000 writes against dynalite would take a minute). */
const PERSIST_EVERY = 100;

const sns = mockClient(SNSClient);
const ecs = mockClient(ECSClient);
let dynamo: LocalDynamo;
let slack: SlackStandIn;
let client: DynamoDBClient;
let store: StateStore;
const deadline = { remainingMs: () => 20_000 };
// 10,000 folds per test: seconds of work, more on a busy machine (a time limit, not a measurement).
jest.setTimeout(60_000);

beforeAll(async () => {
  dynamo = await startLocalDynamo('cicd-guardian-bounds-test');
  slack = await startSlackStandIn();
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  store = new StateStore(client, dynamo.tableName, () => new Date());
});

afterAll(async () => {
  client.destroy();
  await slack.close();
  await dynamo.close();
});

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ecs.reset();
  ecs.on(UpdateServiceCommand).resolves({ service: { deployments: [{ id: 'ecs-svc/restored', status: 'PRIMARY' }] } });
});

/** The item's size as DynamoDB counts it: attribute names plus values. */
async function itemBytes(pk: string): Promise<number> {
  const { Item } = await client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return Object.entries(Item ?? {}).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value.S ?? value.N ?? ''), 0);
}

const channels = (): Channels => ({
  slack: new SlackNotifier('xoxb-test', deadline, { apiUrl: slack.apiUrl }),
  email: new EmailNotifier(new SNSClient({ region: 'us-east-1' }), () => Promise.resolve(localTopicArn('cicd-guardian-test'))),
  changes: CHANGE_ACTIONS,
});

/** Stores the view as folded so far and delivers `plan` under the lease, as the functions do. */
async function persist<V>(pk: string, view: V, plan?: (delivery: Delivery) => Plan): Promise<number> {
  await store.updateView<V>(pk, () => view);
  if (plan) await deliverUnderLease<V>(store, pk, (r) => plan(r.delivery), () => Promise.resolve(channels()), deadline);
  return itemBytes(pk);
}

const long = (what: string, n: number) => `${what} ${'detail '.repeat(n)}`.trim();
const iso = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString();

describe('a pipeline execution that sees 10,000 events', () => {
  const config = parseConfig(
    { notifications: { routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' }, email: { states: ['STARTED', 'FAILED'] } }] } },
    'test config',
  );
  const executionId = randomUUID();
  const base = Date.parse('2026-11-20T10:00:00Z');
  /** A sample event re-addressed to this execution at second `t`, with detail changes. */
  const pipelineEvent = (path: string, t: number, detail: JsonObject = {}) => {
    const raw = loadEvent(path);
    Object.assign(raw, { id: randomUUID(), time: iso(base, t).replace('.000Z', 'Z') });
    Object.assign(raw.detail as JsonObject, { 'execution-id': executionId, ...detail });
    return parseCiEvent(raw) as PipelineEvent;
  };
  // A retry of the Deploy stage that fails again, with a long summary: five events, parsed once and re-timed.
  const retry = [
    pipelineEvent('codepipeline/pipeline-started.json', 0, { state: 'RESUMED' }),
    pipelineEvent('codepipeline/action-started.json', 1, { stage: 'Deploy', action: 'DeployToEcs' }),
    pipelineEvent('codepipeline/action-failed.json', 2, {
      'execution-result': { 'external-execution-summary': long('tasks failed to start.', 900), 'error-code': 'JobFailed', 'external-execution-id': 'ecs-svc/5084731946218830517' },
    }),
    pipelineEvent('codepipeline/stage-failed.json', 3, { stage: 'Deploy' }),
    pipelineEvent('codepipeline/pipeline-failed.json', 4),
  ];
  const failedRetry = (t: number): PipelineEvent[] =>
    retry.map((e, k) => {
      const moved = { ...e, eventId: randomUUID(), time: iso(base, t + k).replace('.000Z', 'Z') } as PipelineEvent;
      return moved.kind === 'action' && moved.result ? { ...moved, result: { ...moved.result, summary: `attempt ${t}: ${moved.result.summary}` } } : moved;
    });
  /** Slack as a record of calls: this test is about what is stored; Slack's client is tested against its stand-in elsewhere. */
  const told = { replies: 0, emails: 0 };
  const recording = {
    post: () => Promise.resolve({ ts: '1700000000.000100', channelId: 'C0DEPLOYS' }),
    update: () => Promise.resolve(true),
    reply: () => Promise.resolve(void told.replies++),
  } as unknown as SlackNotifier;
  const recordingChannels: Channels = { slack: recording, email: { publish: () => Promise.resolve(String(told.emails++)) } as unknown as EmailNotifier };

  it('keeps its item under 64 KB while every failure is still told once, and the message shows the latest attempt', async () => {
    const first = pipelineEvent('codepipeline/pipeline-started.json', 0);
    const pk = executionKey(first);
    let view: ExecutionView = applyEvent(emptyView(first), first);
    const inputs = (delivery: Delivery) => ({ config, delivery, slackMode: 'bot' as const, now: new Date(base) });
    // The start is told first (posted, and emailed): its keys are the oldest in the delivery record.
    let delivery = (await executePlan(decideExecutionNotifications(view, inputs(emptyDelivery())), emptyDelivery(), recordingChannels, () => Promise.resolve(), () => new Date())).delivery;
    const sizes: number[] = [];
    const retries = EVENTS / 5;
    for (let n = 0; n < retries; n++) {
      for (const e of failedRetry(10 + n * 5)) view = applyEvent(view, e);
      // Each retry's failure is delivered as its own invocations would, then stored every PERSIST_EVERY events.
      const plan = decideExecutionNotifications(view, inputs(delivery));
      delivery = (await executePlan(plan, delivery, recordingChannels, () => Promise.resolve(), () => new Date())).delivery;
      if (((n + 1) * 5) % PERSIST_EVERY === 0) {
        await store.updateView<ExecutionView>(pk, () => view);
        const owner = randomUUID();
        await store.acquireLock(pk, owner, 5000);
        await store.releaseLock(pk, owner, delivery);
        sizes.push(await itemBytes(pk));
      }
    }
    expect(Math.max(...sizes)).toBeLessThan(ITEM_BUDGET);

    // Behaviour: one thread reply and one email per failed attempt, and the start's email, none repeated.
    expect(told).toEqual({ replies: retries, emails: retries + 1 });
    const stored = (await store.get<ExecutionView>(pk))!;
    const again = decideExecutionNotifications(stored.view, inputs(stored.delivery));
    expect(again.actions.map((a) => a.type)).toEqual(['slack.upsert']);
    // The message shows the latest attempt's failure, its summary as long as CodePipeline allows (2048).
    const failure = describeExecution(stored.view).failure;
    expect(failure?.summary).toMatch(new RegExp(`^attempt ${10 + (retries - 1) * 5}: tasks failed to start\\. detail`));
    expect(failure?.summary?.length).toBe(2048);
    // A late redelivery of an event it has seen recently changes nothing.
    const [lastEvent] = failedRetry(10 + (retries - 1) * 5).slice(-1);
    const seen = applyEvent(view, lastEvent!);
    expect(applyEvent(seen, { ...lastEvent! })).toBe(seen);
  });

  it('caps the free text it keeps: a commit message to its head (the message shows the first line), over-long links dropped as they are never shown', () => {
    const started = pipelineEvent('codepipeline/pipeline-started.json', 0, {
      'execution-trigger': { 'commit-id': '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7', 'commit-message': `Fix refunds\n${long('and much more', 20_000)}` },
    });
    const view = applyEvent(emptyView(started), started);
    expect(view.revision?.message?.length).toBe(1000);
    expect(describeExecution(view).fields).toContainEqual({ label: 'Commit', value: 'Fix refunds' });
    const failed = pipelineEvent('codepipeline/action-failed.json', 1, { 'execution-result': { 'external-execution-url': `https://example.com/${'x'.repeat(5000)}`, 'error-code': 'JobFailed' } });
    expect(applyEvent(view, failed).actions['Deploy/DeployToEcs']?.result).toEqual({ errorCode: 'JobFailed' });
  });

  it('fits a view within its budget by giving up what the message does not show first', () => {
    let view = emptyView(pipelineEvent('codepipeline/pipeline-started.json', 0));
    // 300 distinct actions with long summaries: more than any budget holds in full.
    for (let i = 0; i < 300; i++) {
      view = applyEvent(view, pipelineEvent('codepipeline/action-succeeded.json', i, { stage: 'Build', action: `Build${i}`, 'execution-result': { 'external-execution-summary': long('built', 300) } }));
    }
    view = applyEvent(view, pipelineEvent('codepipeline/action-failed.json', 400));
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThanOrEqual(EXECUTION_VIEW_BYTES);
    expect(describeExecution(view).failure?.summary).toContain('deployment failed: tasks failed to start.');
    expect(fitExecutionView(view)).toBe(view);
  });
});

describe('an ECS service that sees 10,000 events', () => {
  const config = parseConfig(
    {
      rollback: {
        services: [{ cluster: 'payments-prod', service: 'payments-api', alarms: ['payments-api-5xx'], slack: { channel: '#deployments' } }],
      },
    },
    'test config',
  );
  const settings = rollbackSettings(config.rollback.services[0]!, config);
  const identity = { account: '123456789012', region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' };
  const base = Date.parse('2026-11-20T10:00:00Z');
  const deploymentOf = (d: number) => `ecs-svc/70000000000000${String(d).padStart(5, '0')}`;
  const revisionOf = (d: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:${100 + d}`;

  /**
   * Deployment d starts every 1,000 events and completes 5 minutes later;
   * tasks crash with long stopped reasons every 20 s; in the first half
   * a long-winded alarm fires every 10 events (so those deployments never
   * become known-good).
   */
  // Parsed once: 10,000 parses of the samples would be most of the test's time.
  const templates = {
    started: sample<'ecs-deployment'>('ecs/deployment-in-progress.json'),
    completed: sample<'ecs-deployment'>('ecs/deployment-completed.json'),
    alarm: sample<'alarm'>('cloudwatch/alarm-5xx-alarm.json'),
    crash: sample<'ecs-task'>('ecs/task-stopped-exit-code.json'),
  };
  const like = <E extends RollbackEvent>(template: E, changes: Partial<E>): E => ({ ...template, eventId: randomUUID(), ...changes });

  function eventAt(i: number): RollbackEvent {
    const t = iso(base, i * 20);
    const d = Math.floor(i / 1000);
    if (i % 1000 === 0) return like(templates.started, { deploymentId: deploymentOf(d), updatedAt: t, time: t, reason: long('ECS deployment started', 200) });
    if (i % 1000 === 15) return like(templates.completed, { deploymentId: deploymentOf(d), updatedAt: t, time: t, reason: long('ECS deployment completed', 200) });
    if (i % 10 === 5 && i < EVENTS / 2) {
      return like(templates.alarm, { stateTimestamp: t, time: t, reason: long('Threshold Crossed: 1 out of the last 1 datapoints', 300) });
    }
    // Until it completes, the deployment's own tasks crash; then those of one we never hear about (draining, scaled in).
    return like(templates.crash, {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/${i.toString(16).padStart(32, '0')}`,
      startedBy: i % 1000 < 15 ? deploymentOf(d) : deploymentOf(1000),
      taskDefinitionArn: revisionOf(d),
      stoppedAt: t,
      time: t,
      stoppedReason: long('Essential container in task exited', 300),
    });
  }

  const fold = (view: ServiceView, e: RollbackEvent, now: Date) =>
    promoteKnownGood(applyServiceEvent(view, e, e.kind === 'ecs-deployment' && e.eventName === 'SERVICE_DEPLOYMENT_COMPLETED' ? { taskDefinitionArn: revisionOf(Math.floor((Date.parse(e.updatedAt) - base) / 20_000 / 1000)) } : {}), settings.bakeMinutes * 60_000, now);

  it('keeps its item under 64 KB, rollbacks recorded, and still triggers, dedupes and promotes known-good as before', async () => {
    const pk = serviceKey(identity);
    let view = emptyServiceView(identity);
    const sizes: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      view = fold(view, eventAt(i), new Date(base + i * 20_000));
      if ((i + 1) % PERSIST_EVERY === 0) {
        // A rollback with its notice each time: the changes audit trail and sent keys grow too.
        const n = (i + 1) / PERSIST_EVERY;
        const key = `rollback:${deploymentOf(n)}`;
        sizes.push(
          await persist(pk, view, () => ({
            subject: 'service payments-prod/payments-api',
            skipped: [],
            actions: [
              { type: 'ecs.updateService', key, cluster: 'payments-prod', service: 'payments-api', taskDefinitionArn: revisionOf(0), reason: long('task failures', 40) },
              { type: 'email.publish', key: `email:notice:${key}`, message: { title: `payments-api rolled back (${n})`, tone: 'failure', fields: [], stages: [], links: [] }, reason: 'rollback' },
            ],
          })),
        );
      }
    }
    expect(Math.max(...sizes)).toBeLessThan(ITEM_BUDGET);

    const stored = (await store.get<ServiceView>(pk))!;
    // Within the budget there is room for plenty of evidence (failureThreshold defaults to 2).
    expect(stored.view.signals.length).toBeGreaterThanOrEqual(100);
    // The audit trail keeps the latest rollback, and its key still dedupes it.
    expect(stored.delivery.changes?.at(-1)).toMatchObject({ key: `rollback:${deploymentOf(EVENTS / PERSIST_EVERY)}`, detail: 'ecs-svc/restored' });
    expect(stored.delivery.sent).toContain(`rollback:${deploymentOf(EVENTS / PERSIST_EVERY)}`);
    // Known-good: the newest deployment that completed and baked with no alarm (the second half has none).
    expect(stored.view.knownGood).toMatchObject({ deploymentId: deploymentOf(9), taskDefinitionArn: revisionOf(9) });

    // Two crashes of a fresh deployment within the window still trigger a rollback; a redelivered one counts once.
    const t = (s: number) => iso(base, EVENTS * 20 + s);
    const fresh = sample<'ecs-deployment'>('ecs/deployment-in-progress.json', { deploymentId: deploymentOf(99), updatedAt: t(0), time: t(0) });
    const crash = (n: number) =>
      sample<'ecs-task'>('ecs/task-stopped-exit-code.json', { taskArn: `arn:aws:ecs:us-east-1:123456789012:task/payments-prod/fresh${n}`, startedBy: deploymentOf(99), stoppedAt: t(60 * n), time: t(60 * n) });
    const first = crash(1);
    let next = [fresh, first, { ...first, eventId: 'redelivered' }].reduce((v, e) => fold(v, e, new Date(base + EVENTS * 20_000)), stored.view);
    expect(findTrigger(next, first, settings)).toBeUndefined();
    const second = crash(2);
    next = fold(next, second, new Date(base + EVENTS * 20_000));
    expect(findTrigger(next, second, settings)).toMatchObject({ kind: 'task-failures', deploymentId: deploymentOf(99) });
    expect(findTrigger(next, second, settings)?.evidence).toHaveLength(2);
  });
});

describe('a write DynamoDB refuses for the item size', () => {
  it('compacts the view harder and bounds the delivery record, then writes once more', async () => {
    const pk = `EXEC#size-refusal#${randomUUID()}`;
    const e = parseCiEvent(loadEvent('codepipeline/pipeline-started.json')) as PipelineEvent;
    // An item left by a version without bounds: a large view and 200 KB of delivery keys.
    const bloated: ExecutionView = { ...emptyView(e), applied: Array.from({ length: 2000 }, () => randomUUID()) };
    const delivery: Delivery = { messages: {}, sent: Array.from({ length: 3000 }, (_, i) => `email:default:FAILED@2026-11-20T10:00:${i}Z-${'k'.repeat(40)}`) };
    await client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { pk: { S: pk }, view: { S: JSON.stringify(bloated) }, delivery: { S: JSON.stringify(delivery) }, version: { N: '7' } },
      }),
    );
    const before = await itemBytes(pk);
    expect(before).toBeGreaterThan(300 * 1024);
    // The change adds 120 KB more: over 400 KB unless compacted.
    const grown = (v: ExecutionView | undefined): ExecutionView => ({ ...v!, applied: [...v!.applied, ...Array.from({ length: 3000 }, () => randomUUID())] });
    const compact = (v: ExecutionView) => fitExecutionView(v, EXECUTION_VIEW_BYTES / 4);
    const { changed, record } = await store.updateView<ExecutionView>(pk, grown, undefined, { compact });
    expect(changed).toBe(true);
    expect(record.version).toBe(8);
    expect(await itemBytes(pk)).toBeLessThan(ITEM_BUDGET);
    const stored = (await store.get<ExecutionView>(pk))!;
    // The most recent records are the ones kept.
    expect(stored.view.applied.at(-1)).toBe(record.view.applied.at(-1));
    expect(stored.delivery.sent.at(-1)).toBe(delivery.sent.at(-1));
  });

  it('fails with a clear error naming the item when even the compacted write is refused', async () => {
    const pk = `EXEC#size-refusal#${randomUUID()}`;
    const e = parseCiEvent(loadEvent('codepipeline/pipeline-started.json')) as PipelineEvent;
    const huge = (): ExecutionView => ({ ...emptyView(e), pipeline: 'p'.repeat(450 * 1024) });
    await expect(store.updateView<ExecutionView>(pk, huge, undefined, { compact: (v) => v })).rejects.toThrow(
      `state item ${pk} is still over DynamoDB's 400 KB item limit after compacting its view and delivery record`,
    );
  });
});

describe('a delivery record DynamoDB refuses for the item size (an item from before the bounds, its view unchanged since)', () => {
  type Filler = { filler: string };
  /** An old item: a view of `viewKb` KB (a duplicate event leaves it unchanged, so nothing compacted it) and the lease held by `owner`. */
  async function oldItem(viewKb: number, owner: string): Promise<string> {
    const pk = `EXEC#size-refusal#${randomUUID()}`;
    await client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { pk: { S: pk }, view: { S: JSON.stringify({ filler: 'x'.repeat(viewKb * 1024) }) }, version: { N: '3' } },
      }),
    );
    expect(await store.acquireLock<Filler>(pk, owner, 30_000)).toBeDefined();
    return pk;
  }
  // What executePlan hands over: a record bounded to the usual 16 KB.
  const delivery = boundDelivery({ messages: {}, sent: Array.from({ length: 120 }, (_, i) => `email:default:FAILED@2026-11-20T10:00:${i}Z-${'k'.repeat(120)}`) });

  it('saveDelivery bounds the record harder and writes once more, keeping the most recent keys and the lease', async () => {
    // Within its usual bound, the record is what tips a 390 KB item over 400 KB.
    expect(Buffer.byteLength(JSON.stringify(delivery))).toBeGreaterThan(12 * 1024);
    expect(Buffer.byteLength(JSON.stringify(delivery))).toBeLessThanOrEqual(DELIVERY_BYTES);
    const owner = randomUUID();
    const pk = await oldItem(390, owner);
    await store.saveDelivery(pk, owner, delivery);
    const stored = (await store.get<Filler>(pk))!;
    expect(stored.delivery.sent.at(-1)).toBe(delivery.sent.at(-1));
    expect(stored.delivery.sent.length).toBeLessThan(delivery.sent.length);
    expect(stored.lease?.owner).toBe(owner);
  });

  it('releaseLock bounds the record harder and writes once more, giving the lease back', async () => {
    const owner = randomUUID();
    const pk = await oldItem(390, owner);
    expect(await store.releaseLock(pk, owner, delivery)).toBe(3);
    const stored = (await store.get<Filler>(pk))!;
    expect(stored.delivery.sent.at(-1)).toBe(delivery.sent.at(-1));
    expect(stored.lease).toBeUndefined();
  });

  it('fails with a clear error naming the item when even the bounded record does not fit', async () => {
    const owner = randomUUID();
    const pk = await oldItem(398, owner);
    const stillTooBig = `state item ${pk} is still over DynamoDB's 400 KB item limit with its delivery record bounded to 8 KB`;
    await expect(store.saveDelivery(pk, owner, delivery)).rejects.toThrow(stillTooBig);
    await expect(store.releaseLock(pk, owner, delivery)).rejects.toThrow(stillTooBig);
  });
});
