// `sls invoke local`, the way the README tells users to run the functions by
// hand, with every sample event in events/:
//   - offline, in dry-run (`--param dryRun=true`): no credentials, no endpoints;
//     every event is answered with a plan (or ignored), never a crash;
//   - against the local stand-ins (the fake AWS world's HTTP front through
//     AWS_ENDPOINT_URL, the Slack stand-in), with
//     the deployed configuration's names (GUARDIAN_TOPIC_NAME, no topic ARN):
//     every event is handled for real.
// `sls invoke local` passes a context without a function ARN: the functions
// must find their own account without it, never guess one.
// Real CLI calls cover each function and source kind; every event goes through
// the CLI's own wrapper on the bundle it built (tests/helpers/invoke-many.cjs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo';
import { installFakeAws, type FakeAws } from '../../local/fakes/world';
import { startAwsFront, type AwsFront } from '../../local/fakes/http-front';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { ACCOUNT, REGION, standInEnv } from '../../local/environment';
import { cliEnvironment, DEV, inSequence, invokeMany, isolatedEnv, sampleInvocations, slsInvokeLocal, type Invocation } from '../helpers/invoke-local';

const TIMEOUT_MS = 240_000;

type Mode = 'offline' | 'stand-ins';
type Answer = Record<string, unknown> | null | undefined;

/** Real CLI calls: one per function and source kind across the two modes, the README's own lines among them. */
const CLI_CALLS: { mode: Mode; fn: string; file: string }[] = [
  { mode: 'offline', fn: 'notify', file: 'events/codepipeline/action-failed.json' },
  { mode: 'offline', fn: 'rollback', file: 'events/manual/rollback-request.json' },
  { mode: 'offline', fn: 'rollback', file: 'events/ecs/task-stopped-exit-code.json' },
  { mode: 'offline', fn: 'rollback', file: 'events/cloudwatch/alarm-5xx-alarm.json' },
  { mode: 'offline', fn: 'approval-gate', file: 'events/codepipeline/approval-needed.json' },
  { mode: 'stand-ins', fn: 'notify', file: 'events/codebuild/build-failed.json' },
  { mode: 'stand-ins', fn: 'rollback', file: 'events/codepipeline/action-failed-smoke-tests.json' },
  { mode: 'stand-ins', fn: 'rollback', file: 'events/manual/rollback-request.json' },
  // README's line: the sample click is signed at its own time, so it is refused as stale (401, the reason in the log).
  { mode: 'offline', fn: 'slack-interactions', file: 'events/slack/approve-click.json' },
  { mode: 'offline', fn: 'freeze-schedule', file: 'events/schedule/scheduled-event.json' },
  { mode: 'stand-ins', fn: 'audit', file: 'events/manual/audit-request.json' },
  { mode: 'offline', fn: 'tamper', file: 'events/cloudtrail/cloudtrail-stop-logging.json' },
  { mode: 'offline', fn: 'tamper', file: 'events/cloudtrail/ecs-update-service.json' },
  // README's lines: a finding's plan offline, and its changes against the fake AWS world's HTTP front.
  { mode: 'offline', fn: 'remediate', file: 'events/guardduty/ec2-backdoor-cc-activity.json' },
  { mode: 'stand-ins', fn: 'remediate', file: 'events/guardduty/iam-user-access-key.json' },
];
/** The secret events/slack/*.json are signed with (README: Approving from Slack). */
const SIGNING_SECRET = { SLACK_SIGNING_SECRET: 'local-signing-secret-not-for-production' };

/**
 * Functions every sample event is swept through, per mode; freeze-schedule and audit are covered by their CLI calls.
 * tamper is swept offline only: its enforcements (StartLogging, StopPipelineExecution) are calls the fake AWS world
 * does not answer; tests/functions/tamper.test.ts runs them for real against mocked AWS.
 */
const SWEPT: Record<Mode, string[]> = { offline: ['notify', 'rollback', 'approval-gate', 'slack-interactions', 'tamper', 'remediate'], 'stand-ins': ['notify', 'rollback', 'approval-gate', 'slack-interactions', 'remediate'] };

/** A listing by hand offline, where there is no table to read: the README's line, expected to fail, saying so. */
const OFFLINE_AUDIT = { fn: 'audit', file: 'events/manual/audit-request.json' };
let offlineAudit: Invocation;

let dynamo: LocalDynamo;
let aws: FakeAws;
let front: AwsFront;
let slack: SlackStandIn;
const env: Record<Mode, NodeJS.ProcessEnv> = { offline: {}, 'stand-ins': {} };
const cli = new Map<string, Invocation>();
const answers: Record<Mode, Map<string, Answer>> = { offline: new Map(), 'stand-ins': new Map() };
const key = (fn: string, file: string) => `${fn} ${file}`;
let serviceState: string | undefined;

async function readItem(pk: string): Promise<string | undefined> {
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const { Item } = await client.send(new GetItemCommand({ TableName: DEV.table, Key: { pk: { S: pk } } }));
    return Item ? JSON.stringify(Item) : undefined;
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  dynamo = await startLocalDynamo(DEV.table);
  aws = installFakeAws();
  front = await startAwsFront(aws);
  slack = await startSlackStandIn();
  env.offline = isolatedEnv({ GUARDIAN_DRY_RUN: 'true', ...SIGNING_SECRET });
  const standIns = standInEnv({ dynamo, aws: front, slack: { apiUrl: slack.apiUrl, token: 'xoxb-local-stand-in' }, topicArn: 'unused' });
  // The deployed configuration names the topic, not its ARN, and the table by its stage (serverless.yml).
  delete standIns.GUARDIAN_TOPIC_ARN;
  delete standIns.GUARDIAN_TABLE;
  env['stand-ins'] = isolatedEnv({ ...standIns, ...SIGNING_SECRET });

  // The calls of one function run one after another: they share the bundle serverless-esbuild writes.
  await Promise.all(
    [...new Set(CLI_CALLS.map((c) => c.fn))].map((fn) =>
      inSequence(
        CLI_CALLS.filter((c) => c.fn === fn).map((c) => async () => {
          cli.set(`${c.mode} ${key(c.fn, c.file)}`, await slsInvokeLocal(c.fn, c.file, c.mode === 'offline' ? ['--param', 'dryRun=true'] : [], env[c.mode]));
        }),
      ),
    ),
  );

  offlineAudit = await slsInvokeLocal(OFFLINE_AUDIT.fn, OFFLINE_AUDIT.file, [], env.offline);

  // Only the CLI calls have run yet: the request by hand is the only one to have written the service's state.
  serviceState = await readItem(`SVC#${ACCOUNT}#${REGION}#payments-prod#payments-api`);

  // Then every sample, per mode and function, through the CLI's wrapper on the bundles it built.
  const samples = sampleInvocations();
  for (const mode of ['offline', 'stand-ins'] as const) {
    await Promise.all(
      SWEPT[mode].map(async (fn) => {
        const got = await invokeMany(
          fn,
          samples.filter((s) => s.fn === fn),
          { ...env[mode], ...cliEnvironment(fn), ...(mode === 'offline' ? { GUARDIAN_DRY_RUN: 'true' } : {}) },
        );
        for (const [file, answer] of got) answers[mode].set(key(fn, file), answer);
      }),
    );
  }
}, TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([dynamo, front, aws, slack].filter(Boolean).map((s) => s.close()));
});

/** slack-interactions answers HTTP: its samples are signed long ago, so refused as stale, never a failure. */
function expectHttpAnswer(answer: Answer) {
  expect(answer).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
}

/** A dry-run answer: notify's plan, rollback's plan per service, or "ignored". */
function expectPlanned(fn: string, answer: Answer) {
  expect(answer).toEqual(expect.any(Object));
  expect(answer).not.toHaveProperty('errorMessage');
  if (fn === 'slack-interactions') return expectHttpAnswer(answer);
  if (answer!.status === 'ignored') return;
  if (fn === 'approval-gate' && answer!.status === 'reminded') return;
  if (fn === 'notify' || fn === 'tamper' || fn === 'approval-gate' || fn === 'remediate') expect(answer).toMatchObject({ status: 'dry-run', plan: { actions: expect.any(Array) } });
  else if (fn === 'freeze-schedule') expect(answer).toMatchObject({ status: 'handled', stages: expect.any(Array) });
  else expect(answer).toMatchObject({ status: 'handled', services: [expect.objectContaining({ status: 'dry-run' })] });
}

/** A real answer: delivered (or deferred to the lease holder), handled, or "ignored"; never an error. */
function expectHandled(fn: string, answer: Answer) {
  expect(answer).toEqual(expect.any(Object));
  expect(answer).not.toHaveProperty('errorMessage');
  if (fn === 'slack-interactions') return expectHttpAnswer(answer);
  if (answer!.status === 'ignored') return;
  // An event from an account the example policy does not serve (the organisation scenario's last) is refused at the entry.
  if (answer!.status === 'rejected') return expect(answer).toMatchObject({ reason: expect.stringMatching(/^account \d{12} \(region [a-z0-9-]+\) is not served: /) });
  if (fn === 'notify') expect(['delivered', 'deferred', 'recorded']).toContain(answer!.status);
  else if (fn === 'audit') expect(answer).toMatchObject({ subject: 'payments-api', account: ACCOUNT, region: REGION, entries: expect.any(Array) });
  else if (fn === 'approval-gate') expect(['delivered', 'deferred', 'reminded']).toContain(answer!.status);
  else if (fn === 'remediate') expect(['delivered', 'deferred']).toContain(answer!.status);
  else expect(answer).toMatchObject({ status: 'handled', services: [expect.objectContaining({ status: expect.stringMatching(/^(delivered|deferred|dry-run)$/) })] });
}

describe('npx sls invoke local (the CLI)', () => {
  it.each(CLI_CALLS.map((c) => [c.mode, c.fn, c.file] as const))('%s: -f %s -p %s exits 0 with an answer, and prints no warning', (mode, fn, file) => {
    const run = cli.get(`${mode} ${key(fn, file)}`)!;
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    if (mode === 'offline') expectPlanned(fn, run.answer);
    else expectHandled(fn, run.answer);
  });

  it('offline, listing the audit trail fails, saying it needs the state table and where to find one', () => {
    expect(offlineAudit.code).not.toBe(0);
    expect(offlineAudit.answer?.errorMessage).toMatch(/^cannot list the audit trail: .*; the audit trail is read from the state table "cicd-guardian-dev-state" \(index "audit"\): invoke the deployed function/);
  });

  it('a listing request with a bad period is refused, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardian-audit-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ pipeline: 'payments-api', from: '2026-12-02', to: 'yesterday' }));
    try {
      const run = await slsInvokeLocal('audit', file, [], env['stand-ins']);
      expect(run.answer?.errorMessage).toMatch(/to: audit listing request: expected a date \(2026-12-01/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('offline, the approval gate says that nothing can be approved without reading the token', () => {
    const answer = cli.get(`offline ${key('approval-gate', 'events/codepipeline/approval-needed.json')}`)!.answer as { plan: { actions: { type: string; reason: string }[] } };
    expect(answer.plan.actions.map((a) => a.type)).toEqual(['slack.upsert', 'audit.record']);
    expect(answer.plan.actions[0]!.reason).toMatch(/^no approval token was found, so nothing can be approved or rejected/);
  });

  it('offline, a rollback requested by hand says the account is unknown, and plans from the request', () => {
    const answer = cli.get(`offline ${key('rollback', 'events/manual/rollback-request.json')}`)!.answer as { services: { plan: { skipped: string[] } }[] };
    expect(answer.services[0]!.plan.skipped[0]).toMatch(/^the function's own account is unknown: .*STS GetCallerIdentity failed .*; planned from the request alone$/);
  });

  it('against the stand-ins, emails go to the stack topic in the account STS names (no topic ARN configured)', () => {
    expect(aws.calls.some((c) => c.service === 'sts' && c.operation === 'GetCallerIdentity' && c.status === 200)).toBe(true);
    expect(aws.published.map((e) => e.topicArn)).toContain(`arn:aws:sns:${REGION}:${ACCOUNT}:${DEV.topicName}`);
    expect(slack.calls.some((c) => c.method === 'chat.postMessage')).toBe(true);
  });

  it('against the stand-ins, a rollback requested by hand keys the service by that account, as ECS events do', () => {
    expect(serviceState).toBeDefined();
    expect(serviceState).toContain('payments-api');
  });
});

describe('every sample event, through the wrapper `sls invoke local` runs the bundle with', () => {
  const sweep = (mode: Mode) =>
    sampleInvocations()
      .filter(({ fn }) => SWEPT[mode].includes(fn))
      .map(({ file, fn }) => [file, fn] as const);
  const samples = sweep('offline');

  it.each(samples)('offline, dry-run: %s → %s is answered with a plan', (file, fn) => {
    expectPlanned(fn, answers.offline.get(key(fn, file)));
  });

  it.each(sweep('stand-ins'))('against the stand-ins: %s → %s is handled', (file, fn) => {
    expectHandled(fn, answers['stand-ins'].get(key(fn, file)));
  });

  // "ignored" is a fine answer for one sample, never for all: each function must act on some of them.
  it.each([['offline', 'notify'], ['offline', 'rollback'], ['offline', 'tamper'], ['offline', 'approval-gate'], ['offline', 'remediate'], ['stand-ins', 'notify'], ['stand-ins', 'rollback'], ['stand-ins', 'approval-gate'], ['stand-ins', 'remediate']] as const)(
    '%s, %s answers more than "ignored" for some of its samples',
    (mode, fn) => {
      const acted = samples.filter(([file, f]) => f === fn && answers[mode].get(key(fn, file))?.status !== 'ignored');
      expect(acted.length).toBeGreaterThan(0);
    },
  );
});
