import { startSlackStandIn, type SlackStandIn } from '../../../local/slack-stand-in';
import { executePlan } from '../../../shared/executors/execute-plan';
import type { Channels } from '../../../shared/actions/module';
import { SlackNotifier } from '../../../shared/executors/slack';
import type { Plan } from '../../../shared/plan/plan';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import { CHANGE_ACTIONS } from '../../../shared/actions/change-actions';
import { failureModel } from '../../helpers/message-models';
import { logger } from '../../../shared/runtime/observability';

// What executePlan skips after a permanent Slack refusal, and what it still
// sends: through the official client against the local Slack.

let slack: SlackStandIn;
beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(() => slack.close());
beforeEach(() => slack.reset());

const channels = (): Channels => ({
  slack: new SlackNotifier('xoxb-test', { remainingMs: () => 30_000 }, { apiUrl: slack.apiUrl }),
  email: { publish: async () => undefined } as unknown as Channels['email'],
});
const plan: Plan = {
  subject: 'pipeline shop-api execution 1f2e3d4c',
  skipped: [],
  actions: [
    { type: 'slack.upsert', channel: '#deployments', message: failureModel(), reason: 'live message' },
    { type: 'slack.reply', channel: '#deployments', key: 'reply:failed', reply: { tone: 'failure', text: 'Failed in Build', links: [] }, broadcast: true, reason: 'failure' },
  ],
};
const run = (delivery: Delivery) => executePlan(plan, delivery, channels(), async () => undefined, () => new Date());

describe('executePlan after Slack refuses the message', () => {
  it('skips the reply when the message was never posted, naming why, and does not throw', async () => {
    slack.failNext({ error: 'msg_too_long' });
    const { outcomes } = await run(emptyDelivery());
    expect(outcomes.map((o) => o.result)).toEqual(['failed', 'failed']);
    expect(outcomes[1]!.error).toMatch(/not sent: its message in #deployments could not be posted/);
    expect(slack.calls).toHaveLength(0);
  });

  it('still replies in the thread when only the update of a message posted earlier was refused', async () => {
    slack.failNext({ error: 'msg_too_long' });
    const posted = { ...emptyDelivery(), messages: { '#deployments': { ts: '1700000000.000001', channelId: 'C00000001', hash: 'old' } } };
    const { outcomes } = await run(posted);
    expect(outcomes.map((o) => o.result)).toEqual(['failed', 'done']);
    expect(slack.calls.map((c) => [c.method, c.body.thread_ts])).toEqual([['chat.postMessage', '1700000000.000001']]);
  });
});

describe('executePlan after Slack refuses a reply in another subject\'s thread', () => {
  afterEach(() => jest.restoreAllMocks());
  // A rollback notice in the thread of the pipeline's message (in channel C0PIPELINE; the route names another), then a reply in #deployments.
  const pipelineThread = { channelId: 'C0PIPELINE', ts: '1700000000.000100' };
  const inPipelineThread = (channel: string, key: string): Plan['actions'][number] => ({
    type: 'slack.reply',
    channel,
    thread: pipelineThread,
    key,
    reply: { tone: 'failure', text: 'Rolled back', links: [] },
    broadcast: true,
    reason: 'rollback',
  });
  const posted = { ...emptyDelivery(), messages: { '#deployments': { ts: '1700000000.000001', channelId: 'C0DEPLOYS' } } };
  const run = (actions: Plan['actions']) => executePlan({ subject: 'service payments-prod/payments-api', skipped: [], actions }, posted, channels(), async () => undefined, () => new Date());
  const ownReply: Plan['actions'][number] = { type: 'slack.reply', channel: '#deployments', key: 'reply:failed', reply: { tone: 'failure', text: 'Failed in Build', links: [] }, broadcast: false, reason: 'failure' };

  it('remembers the refusal for the channel the thread is in, so replies to other channels still go out', async () => {
    slack.refuseChannel('C0PIPELINE', 'not_in_channel');
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { outcomes } = await run([inPipelineThread('#deployments', 'reply:rollback'), ownReply]);
    expect(outcomes.map((o) => o.result)).toEqual(['failed', 'done']);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(slack.calls.map((c) => c.body.channel)).toEqual(['C0DEPLOYS']);
  });

  it('skips a later reply to the same refused channel, whatever channel its action names', async () => {
    slack.refuseChannel('C0PIPELINE', 'not_in_channel');
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { outcomes } = await run([inPipelineThread('C0PIPELINE', 'reply:rollback'), inPipelineThread('#payments', 'reply:outcome')]);
    expect(outcomes.map((o) => o.result)).toEqual(['failed', 'failed']);
    expect(outcomes[1]!.error).toMatch(/not sent: Slack refused not_in_channel earlier/);
    expect(slack.refused).toHaveLength(1);
    expect(String(errors.mock.calls[0]![0])).toMatch(/invite the app to C0PIPELINE/);
  });
});

describe('executePlan records each change at the time its clock tells', () => {
  it("dates the change record by the invocation's clock (a replay's own time), not the machine's", async () => {
    const rollback: Plan = {
      subject: 'service payments-prod/payments-api',
      skipped: [],
      actions: [
        {
          type: 'ecs.stopDeployment',
          key: 'rollback:ecs-svc/1234567890123456789',
          cluster: 'payments-prod',
          service: 'payments-api',
          serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/abcdefghijklmnopqrstu',
          reason: 'tasks crash on start',
        },
      ],
    };
    // AWS answers with the service deployment it stops (the change's detail).
    const withChanges: Channels = { ...channels(), changes: CHANGE_ACTIONS, aws: { call: async <O>() => ({ serviceDeploymentArn: 'stopped' }) as O } };
    const { delivery } = await executePlan(rollback, emptyDelivery(), withChanges, async () => undefined, () => new Date('2025-06-12T14:04:09.000Z'));
    expect(delivery.changes).toEqual([{ key: 'rollback:ecs-svc/1234567890123456789', type: 'ecs.stopDeployment', at: '2025-06-12T14:04:09.000Z', detail: 'stopped' }]);
  });
});
