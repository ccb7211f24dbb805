// Through the real handlers (the one middy stack included), for a guardian serving an organisation.
import { CiEventSchema } from '../../shared/events/parse';
import { parseConfig, setConfig } from '../../shared/config/load';
import { guardedHandler } from '../../shared/runtime/middleware';
import { logger, metrics } from '../../shared/runtime/observability';
import { lambdaContext } from '../../local/lambda-context';
import { installFakeAws, type FakeAws } from '../../local/fakes/world';
import { createHandler as notify } from '../../functions/notify';
import { createHandler as rollback } from '../../functions/rollback';
import { createHandler as approvalGate } from '../../functions/approval-gate';
import { createHandler as tamper } from '../../functions/tamper';
import { createHandler as freezeSchedule } from '../../functions/freeze-schedule';
import { createHandler as remediate } from '../../functions/remediate';
import { loadEvent } from '../helpers/fixtures';

// Cross-account spoofing: every EventBridge function accepts an event only from
// its own account or a member account (and region) the organization section
// serves. Anything else is rejected at the entry of the one middy stack, before
// it is parsed or read: logged, counted as ForeignAccountRejected, answered
// `rejected`, never acted on, and not failed (no retry, no dead letter).

const OWN = '123456789012';
const MEMBER = '210987654321';
const STRANGER = '999988887777';

const organization = { id: 'o-a1b2c3d4e5', serve: [MEMBER], regions: ['us-east-1', 'eu-west-1'] };
const context = () => lambdaContext({ functionName: 'cicd-guardian-test-fn', budgetMs: 10_000 });
const from = (path: string, where: { account?: string; region?: string }) => ({ ...loadEvent(path), ...where });

let world: FakeAws;
let warn: jest.SpyInstance;
let counted: jest.SpyInstance;

beforeEach(() => {
  world = installFakeAws();
  warn = jest.spyOn(logger, 'warn');
  counted = jest.spyOn(metrics, 'addMetric');
  setConfig(parseConfig({ organization }, 'test'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  setConfig(undefined);
  await world.close();
});

describe('an event from an account or region the policy does not serve', () => {
  it.each([
    ['notify', notify, 'codepipeline/pipeline-failed.json'],
    ['rollback', rollback, 'ecs/deployment-failed.json'],
    ['approval-gate', approvalGate, 'codepipeline/approval-needed.json'],
    ['tamper', tamper, 'cloudtrail/ecs-update-service.json'],
    ['freeze-schedule', freezeSchedule, 'schedule/scheduled-event.json'],
    ['remediate', remediate, 'guardduty/ec2-backdoor-cc-activity.json'],
  ])('%s rejects it at the entry, counts it, and calls nothing', async (_, create, path) => {
    const answer = await create()(from(path, { account: STRANGER }), context());
    expect(answer).toEqual({
      status: 'rejected',
      reason: `account ${STRANGER} (region us-east-1) is not served: cicd-guardian runs in account ${OWN} and organization.serve names neither it nor a unit listing it`,
    });
    expect(world.calls).toEqual([]);
    expect(counted).toHaveBeenCalledWith('ForeignAccountRejected', 'Count', 1);
    expect(warn).toHaveBeenCalledWith(
      'event rejected: not from an account and region the policy serves; nothing done',
      expect.objectContaining({ account: STRANGER, region: 'us-east-1', reason: expect.stringContaining('not served') }),
    );
  });

  it("rejects a served member account's event from a region the policy does not serve", async () => {
    const answer = await notify()(from('codepipeline/pipeline-failed.json', { account: MEMBER, region: 'ap-south-1' }), context());
    expect(answer).toMatchObject({ status: 'rejected', reason: `region ap-south-1 of account ${MEMBER} is not served: organization.regions is us-east-1, eu-west-1` });
  });

  it('without an organization section, rejects every account but its own', async () => {
    setConfig(parseConfig({}, 'test'));
    const answer = await notify()(from('codepipeline/pipeline-failed.json', { account: MEMBER }), context());
    expect(answer).toMatchObject({ status: 'rejected', reason: expect.stringContaining('guardian.yml has no organization section') });
  });
});

describe('an event the policy serves reaches the handler', () => {
  const reached = jest.fn(async () => 'handled');
  const handler = guardedHandler('Probe', CiEventSchema, reached);
  beforeEach(() => reached.mockClear());

  it.each([
    ['its own account, any region', OWN, 'ap-south-1'],
    ['a served member account in a served region', MEMBER, 'eu-west-1'],
  ])('%s', async (_, account, region) => {
    expect(await handler(from('codepipeline/pipeline-failed.json', { account, region }), context())).toBe('handled');
    expect(reached).toHaveBeenCalledTimes(1);
    expect(counted).not.toHaveBeenCalledWith('ForeignAccountRejected', expect.anything(), expect.anything());
  });

  it('a request by hand (no envelope account) is the function’s own', async () => {
    const manual = guardedHandler('Probe', { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } }, reached);
    expect(await manual(loadEvent('manual/rollback-request.json'), context())).toBe('handled');
  });
});

describe("a served account's overrides, at each function", () => {
  beforeEach(() =>
    setConfig(
      parseConfig(
        {
          approvals: { policies: [{ name: 'payments', pipelines: ['payments-*'] }] },
          rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api' }] },
          organization: {
            ...organization,
            accounts: { [MEMBER]: { alias: 'payments-prod', act: { notify: false, rollback: true, tamper: false }, exempt: { pipelines: ['payments-*'], services: ['payments-prod/payments-api'] } } },
          },
        },
        'test',
      ),
    ),
  );

  it.each([
    ['notify, switched off there', notify, 'codepipeline/pipeline-failed.json', `notify does not act in account payments-prod (${MEMBER}) (organization: act.notify is false)`],
    ['tamper, switched off there', tamper, 'cloudtrail/ecs-update-service.json', `tamper does not act in account payments-prod (${MEMBER}) (organization: act.tamper is false)`],
    ['rollback, for a service exempt there', rollback, 'ecs/deployment-failed.json', 'no service in the rollback policy for this ecs-deployment event'],
    ['the approval gate, for a pipeline exempt there', approvalGate, 'codepipeline/approval-needed.json', `is exempt in account ${MEMBER}: its approvals are left to people`],
  ])('%s: ignored, nothing called', async (_, create, path, reason) => {
    const answer = await create()(from(path, { account: MEMBER }), context());
    expect(answer).toMatchObject({ status: 'ignored', reason: expect.stringContaining(reason) });
    expect(world.calls).toEqual([]);
  });
});
