import { mockClient } from 'aws-sdk-client-mock';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SNSClient } from '@aws-sdk/client-sns';
import { RecordingSink } from '../../../shared/executors/recording';
import { CHANGE_ACTIONS } from '../../../shared/actions/change-actions';
import { executePlan } from '../../../shared/executors/execute-plan';
import { rehearse as rehearseDryRun } from '../../../shared/executors/rehearse';
import { renderSlackMessage } from '../../../shared/messages/slack';
import { renderEmail } from '../../../shared/messages/email';
import type { Plan } from '../../../shared/plan/plan';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import { failureModel } from '../../helpers/message-models';

// A dry-run runs a plan through the same executor with a recording sink in
// place of Slack, email and AWS changes: every message is kept in full, every
// AWS call with its parameters, and nothing goes out.

const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
beforeEach(() => {
  ecs.reset();
  sns.reset();
});

const SERVICE_DEPLOYMENT = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/payments-prod/payments-api/NCWGC2ZR-taawPAYrIaU5';
const plan: Plan = {
  subject: 'service payments-prod/payments-api',
  skipped: [],
  actions: [
    { type: 'slack.upsert', channel: '#deployments', message: failureModel(), reason: 'live message' },
    { type: 'slack.reply', channel: '#deployments', key: 'reply:failed', reply: { tone: 'failure', text: 'Rolled back', links: [] }, broadcast: true, reason: 'failure' },
    { type: 'email.publish', key: 'email:rollback', message: failureModel(), reason: 'rollback notice' },
    {
      type: 'ecs.stopDeployment',
      key: 'rollback:ecs-svc/3141592653589793238',
      cluster: 'payments-prod',
      service: 'payments-api',
      serviceDeploymentArn: SERVICE_DEPLOYMENT,
      reason: '2 tasks crashed',
    },
  ],
};

async function rehearse(delivery: Delivery, planned = plan) {
  const sink = new RecordingSink();
  const result = await executePlan(planned, delivery, { ...sink.channels(), changes: CHANGE_ACTIONS }, async () => undefined, () => new Date());
  return { ...result, calls: sink.calls };
}

describe('a plan run against the recording sink', () => {
  it('records the AWS change with its parameters, then the email and each Slack message in full, in the order a real run makes them', async () => {
    const { calls } = await rehearse(emptyDelivery());
    expect(calls).toEqual([
      { to: 'aws', api: 'ecs:StopServiceDeployment', input: { serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' } },
      { to: 'email', topicArn: "the stack's topic", ...renderEmail(failureModel()) },
      { to: 'slack', method: 'chat.postMessage', body: { channel: '#deployments', ...renderSlackMessage(failureModel()) }, ts: expect.any(String) },
      {
        to: 'slack',
        method: 'chat.postMessage',
        body: expect.objectContaining({ channel: '#deployments', thread_ts: (calls[2] as { ts: string }).ts, reply_broadcast: true }),
      },
    ]);
  });

  it('calls nothing for real', async () => {
    await rehearse(emptyDelivery());
    expect(ecs.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('records the delivery as a real run would, so an unchanged message is not updated', async () => {
    const first = await rehearse(emptyDelivery());
    expect(first.delivery.sent).toEqual(expect.arrayContaining(['reply:failed', 'email:rollback', 'rollback:ecs-svc/3141592653589793238']));
    const again = await rehearse(first.delivery, { ...plan, actions: plan.actions.slice(0, 1) });
    expect(again.calls).toEqual([]);
    expect(again.outcomes.find((o) => o.action === 'slack.upsert')?.result).toBe('unchanged');
  });
});

describe('a rehearsed change in a real run (per-service dryRun)', () => {
  it('is recorded with its parameters, not performed, and left out of the delivery record; the notices still go out', async () => {
    const notices = new RecordingSink();
    const rehearsed: Plan = { ...plan, actions: plan.actions.map((a) => (a.type === 'ecs.stopDeployment' ? { ...a, rehearsal: true as const } : a)) };
    const { delivery, outcomes, recorded } = await executePlan(rehearsed, emptyDelivery(), { ...notices.channels(), changes: CHANGE_ACTIONS }, async () => undefined, () => new Date());
    expect(recorded).toEqual([{ to: 'aws', api: 'ecs:StopServiceDeployment', input: { serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' } }]);
    expect(ecs.calls()).toHaveLength(0);
    expect(outcomes.find((o) => o.action === 'ecs.stopDeployment')?.result).toBe('rehearsed');
    expect(delivery.sent).not.toContain('rollback:ecs-svc/3141592653589793238');
    expect(delivery.changes ?? []).toEqual([]);
    expect(notices.calls.map((c) => c.to)).toEqual(['email', 'slack', 'slack']);
  });
});

describe('a change the function may not make', () => {
  it('fails by name, and the notifications still go out', async () => {
    const sink = new RecordingSink();
    await expect(executePlan(plan, emptyDelivery(), sink.channels(), async () => undefined, () => new Date())).rejects.toThrow(/no executor for ecs\.stopDeployment/);
    expect(sink.calls.map((c) => c.to)).toEqual(['email', 'slack', 'slack']);
  });
});

describe('rehearse: a global dry-run of a plan whose change is itself a rehearsal (a per-service or request dry-run)', () => {
  it('returns the change with its parameters among the calls it would have made, first, and sends nothing', async () => {
    const rehearsed: Plan = { ...plan, actions: plan.actions.map((a) => (a.type === 'ecs.stopDeployment' ? { ...a, rehearsal: true as const } : a)) };
    const { recorded, outcomes } = await rehearseDryRun('SVC#rehearse-test', undefined, {}, rehearsed, () => new Date(), CHANGE_ACTIONS);
    expect(recorded[0]).toEqual({ to: 'aws', api: 'ecs:StopServiceDeployment', input: { serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' } });
    expect(recorded.map((c) => c.to)).toEqual(['aws', 'email', 'slack', 'slack']);
    expect(outcomes.find((o) => o.action === 'ecs.stopDeployment')?.result).toBe('rehearsed');
    expect(ecs.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});
