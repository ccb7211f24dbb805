// Which functions each sample event reaches, through the EventBridge patterns
// serverless.yml deploys (with ${guardian:...} resolved from guardian.yml, as
// at package time). The expectations are written out here, sample by sample,
// so a change to a rule or to the policy shows up as a failing row.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionsFor, readServiceDefinition } from '../../local/service-definition';
import { listEvents, loadEvent } from '../helpers/fixtures';

const NOTIFY = ['notify'];
const ROLLBACK = ['rollback'];

/** Names of the functions `event` reaches. */
const reached = (event: unknown, fns = functions) => functionsFor(event, fns).map((fn) => fn.name);

/**
 * Every JSON sample under events/. guardian.yml names no build state beyond
 * the failures, so the CodeBuild rule only lets FAILED, FAULT, STOPPED and
 * TIMED_OUT through: a build in progress or succeeded reaches no function.
 * A failed build started by a pipeline reaches notify too: the function
 * folds why it failed into the pipeline's message.
 *
 * guardian.yml's rollback policy watches payments-prod/payments-api, its alarm
 * payments-api-5xx and the check Verify/SmokeTests of pipeline payments-api:
 * every deployment event of that service reaches rollback, and of its stopped
 * deployment tasks only those that can be failure signals (not the scheduler's
 * scale-in or replacement of old tasks); an alarm only when it goes to ALARM,
 * a pipeline action only when it fails in the Verify stage.
 * A manual request is no EventBridge event: it is invoked directly.
 */
const EXPECTED: Record<string, string[]> = {
  'scenarios/ecs-crash-on-start/01-deployment-in-progress.json': ROLLBACK,
  'scenarios/ecs-crash-on-start/02-task-running.json': [],
  'scenarios/ecs-crash-on-start/03-task-stopped-exit-code.json': ROLLBACK,
  'scenarios/ecs-crash-on-start/04-task-stopped-exit-code.json': ROLLBACK,
  'scenarios/ecs-crash-on-start/05-rollback-deployment-in-progress.json': ROLLBACK,
  'scenarios/ecs-crash-on-start/06-rollback-deployment-completed.json': ROLLBACK,
  'cloudwatch/alarm-5xx-alarm.json': ROLLBACK,
  'cloudwatch/alarm-ok.json': [],
  'ecs/deployment-completed.json': ROLLBACK,
  'ecs/deployment-failed.json': ROLLBACK,
  'ecs/deployment-in-progress.json': ROLLBACK,
  'ecs/deployment-rollback-in-progress.json': ROLLBACK,
  'ecs/service-steady-state.json': [],
  'ecs/service-task-start-impaired.json': ROLLBACK,
  'ecs/task-running.json': [],
  'ecs/task-stopped-cannot-pull.json': ROLLBACK,
  'ecs/task-stopped-exit-code.json': ROLLBACK,
  'ecs/task-stopped-health-check.json': ROLLBACK,
  'ecs/task-stopped-scale-in.json': [],
  'manual/audit-request.json': [],
  // CloudTrail calls reach tamper by event source and name (PutApprovalResult: guardian.yml has approval policies).
  ...Object.fromEntries(
    [
      'cloudtrail-delete-trail', 'cloudtrail-put-event-selectors', 'cloudtrail-stop-logging-denied', 'cloudtrail-stop-logging', 'cloudtrail-update-trail',
      'codepipeline-delete-pipeline', 'codepipeline-disable-stage-transition', 'codepipeline-put-approval-result', 'codepipeline-enable-stage-transition', 'codepipeline-update-pipeline',
      'ecs-delete-service', 'ecs-update-service-by-guardian', 'ecs-update-service-by-pipeline', 'ecs-update-service-desired-count', 'ecs-update-service',
    ].map((name) => [`cloudtrail/${name}.json`, ['tamper']]),
  ),
  // The example guardian.yml protects no CodeDeploy deployment group: no rule asks for CreateDeployment.
  'cloudtrail/codedeploy-create-deployment.json': [],
  'manual/rollback-request.json': [],
  // GuardDuty findings reach remediate at guardian.yml's floor (4), S3 and CloudTrail findings at their playbooks' (1);
  // sample findings never, and a malformed one (severity "HIGH") matches no numeric floor.
  ...Object.fromEntries(
    [
      'attack-sequence-compromised-credentials', 'cloudtrail-logging-disabled', 'ec2-backdoor-cc-activity-republished', 'ec2-backdoor-cc-activity', 'ec2-bitcoin-tool',
      'ec2-exempted-by-tag', 'ec2-other-account', 'ecs-runtime-service-task', 'ecs-runtime-standalone-task', 'iam-assumed-role-credential-exfiltration',
      'iam-user-access-key', 's3-block-public-access-disabled', 's3-bucket-public-access-granted',
    ].map((name) => [`guardduty/${name}.json`, ['remediate']]),
  ),
  'guardduty/ec2-sample-finding.json': [],
  'guardduty/malformed-finding.json': [],
  // A Function URL request: no rule, slack-interactions' URL.
  'slack/approve-click.json': [],
  'codebuild/build-failed-from-pipeline.json': NOTIFY,
  'codebuild/build-failed.json': NOTIFY,
  'codebuild/build-in-progress.json': [],
  'codebuild/build-stopped.json': NOTIFY,
  'codebuild/build-succeeded.json': [],
  'codepipeline/action-failed-codebuild.json': NOTIFY,
  'codepipeline/action-failed.json': NOTIFY,
  'codepipeline/action-failed-smoke-tests.json': ['notify', 'rollback'],
  'codepipeline/action-started.json': NOTIFY,
  'codepipeline/action-succeeded.json': NOTIFY,
  // guardian.yml's approval policy governs payments-api's Approval stage.
  'codepipeline/approval-needed.json': ['notify', 'approval-gate'],
  'codepipeline/approval-succeeded.json': ['notify', 'approval-gate'],
  'codepipeline/pipeline-canceled.json': NOTIFY,
  'codepipeline/pipeline-failed.json': NOTIFY,
  'codepipeline/pipeline-started.json': NOTIFY,
  'codepipeline/pipeline-succeeded.json': NOTIFY,
  'codepipeline/pipeline-superseded.json': NOTIFY,
  'codepipeline/stage-failed.json': NOTIFY,
  'codepipeline/stage-started.json': NOTIFY,
  'codepipeline/stage-succeeded.json': NOTIFY,
  // A schedule rule has no pattern: it invokes its function (freeze-schedule's tick, the approval gate's reminders) directly.
  'schedule/scheduled-event.json': [],
  // The approval scenarios: their Slack clicks reach no rule (the runner signs and sends them to slack-interactions' URL).
  'scenarios/approval-approved-by-two/01-pipeline-started.json': ['notify'],
  'scenarios/approval-approved-by-two/02-approval-stage-started.json': ['notify'],
  'scenarios/approval-approved-by-two/03-approval-action-started.json': ['notify', 'approval-gate'],
  'scenarios/approval-approved-by-two/04-alice-approves.json': [],
  'scenarios/approval-approved-by-two/05-bob-approves.json': [],
  'scenarios/approval-approved-by-two/06-carol-approves.json': [],
  'scenarios/approval-approved-by-two/07-approval-action-succeeded.json': ['notify', 'approval-gate'],
  'scenarios/approval-rejected-with-reason/01-pipeline-started.json': ['notify'],
  'scenarios/approval-rejected-with-reason/02-approval-stage-started.json': ['notify'],
  'scenarios/approval-rejected-with-reason/03-approval-action-started.json': ['notify', 'approval-gate'],
  'scenarios/approval-rejected-with-reason/04-bob-rejects-with-a-reason.json': [],
  'scenarios/approval-rejected-with-reason/05-approval-action-failed.json': ['notify', 'approval-gate'],
  'scenarios/changes-around-the-pipeline/01-approved-in-console-by-its-author.json': ['tamper'],
  'scenarios/changes-around-the-pipeline/02-service-deployed-around-the-pipeline.json': ['tamper'],
  'scenarios/changes-around-the-pipeline/03-trail-logging-stopped.json': ['tamper'],
  'scenarios/approval-click-in-freeze/01-pipeline-started.json': ['notify'],
  'scenarios/approval-click-in-freeze/02-approval-stage-started.json': ['notify'],
  'scenarios/approval-click-in-freeze/03-approval-action-started.json': ['notify', 'approval-gate'],
  'scenarios/approval-click-in-freeze/04-bob-approves-after-freeze-began.json': [],
  'scenarios/pipeline-fails-in-build/01-pipeline-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/02-build-stage-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/03-build-action-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/04-codebuild-build-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/05-build-action-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/06-build-stage-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-build/07-pipeline-failed.json': NOTIFY,
  // Forwarded from member accounts: the rules match on the organisation's bus as on the default one (the functions check the account).
  'scenarios/org-two-accounts/01-payments-prod-eu-west-1-pipeline-started.json': NOTIFY,
  'scenarios/org-two-accounts/02-payments-prod-eu-west-1-pipeline-failed.json': NOTIFY,
  'scenarios/org-two-accounts/03-security-us-east-1-pipeline-started.json': NOTIFY,
  'scenarios/org-two-accounts/04-security-us-east-1-pipeline-failed.json': NOTIFY,
  'scenarios/org-two-accounts/05-unserved-account-pipeline-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/01-pipeline-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/02-source-stage-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/03-source-action-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/04-source-action-succeeded.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/05-source-stage-succeeded.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/06-build-stage-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/07-build-action-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/08-build-action-succeeded.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/09-build-stage-succeeded.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/10-deploy-stage-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/11-deploy-action-started.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/12-deploy-action-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/13-deploy-stage-failed.json': NOTIFY,
  'scenarios/pipeline-fails-in-deploy/14-pipeline-failed.json': NOTIFY,
};

// The patterns are read once, from the repository's guardian.yml whatever the environment says.
const functions = readServiceDefinition({ configFile: join(__dirname, '..', '..', 'guardian.yml') });

it('the table covers every sample under events/ and nothing else', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(listEvents('.'));
});

it.each(listEvents('.'))('%s', (file) => {
  expect(reached(loadEvent(file))).toEqual(EXPECTED[file]);
});

describe('the rollback task rule lets through only stopped tasks that can be failure signals', () => {
  /** The exit-code sample with the given detail fields replaced (undefined removes one). */
  const stopped = (detail: Record<string, unknown>) => {
    const e = loadEvent<{ detail: Record<string, unknown> }>('ecs/task-stopped-exit-code.json');
    for (const [key, value] of Object.entries(detail)) {
      if (value === undefined) delete e.detail[key];
      else e.detail[key] = value;
    }
    return e;
  };
  const containers = (...exitCodes: (number | undefined)[]) => exitCodes.map((exitCode, i) => ({ name: `c${i}`, lastStatus: 'STOPPED', ...(exitCode === undefined ? {} : { exitCode }) }));
  const REPLACED = 'Scaling activity initiated by (deployment ecs-svc/1234567890123456789)';

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an essential container exiting 1', { stopCode: 'EssentialContainerExited', containers: containers(143, 1) }, ROLLBACK],
    ['an essential container killed (137), e.g. out of memory', { stopCode: 'EssentialContainerExited', containers: containers(137) }, ROLLBACK],
    ['an essential container exiting 0', { stopCode: 'EssentialContainerExited', containers: containers(0, 0) }, []],
    ['a task that failed to start', { stopCode: 'TaskFailedToStart', stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth', containers: containers(undefined) }, ROLLBACK],
    ['a failed ELB health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group x)', containers: containers(143) }, ROLLBACK],
    ['a failed container health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', containers: containers(143) }, ROLLBACK],
    ['an old task replaced by the deployment', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: REPLACED, containers: containers(143) }, []],
    ['an old task replaced, killed after ignoring SIGTERM', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: REPLACED, containers: containers(137) }, []],
    ['a task a person stopped', { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', containers: containers(143) }, []],
    ['a Fargate Spot interruption', { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.', containers: containers(137) }, []],
    ['a termination notice', { stopCode: 'TerminationNotice', containers: containers(143) }, []],
    ['an infrastructure health stop', { stopCode: 'InfrastructureHealth', containers: containers(137) }, []],
    ['a non-zero exit under a stop code ECS adds later', { stopCode: 'SomethingNew', containers: containers(1) }, ROLLBACK],
    ['a stopped task without a stop code (the function decides)', { stopCode: undefined, containers: containers(2) }, ROLLBACK],
  ])('%s', (_label, detail, expected) => {
    expect(reached(stopped(detail))).toEqual(expected);
  });
});

it('an event from another source reaches no function', () => {
  const ec2 = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2025-06-12T14:02:11Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0'],
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
  };
  expect(reached(ec2)).toEqual([]);
});

it('a CodePipeline detail-type from another source reaches no function', () => {
  const forged = { ...loadEvent('codepipeline/pipeline-failed.json'), source: 'custom.ci' };
  expect(reached(forged)).toEqual([]);
});

describe('the build rule follows the policy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'guardian-routing-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a route asking for STARTED and SUCCEEDED builds lets IN_PROGRESS and SUCCEEDED through', () => {
    const config = join(dir, 'guardian.yml');
    writeFileSync(
      config,
      [
        'slack:',
        '  botToken: { ssm: /cicd-guardian/slack/bot-token }',
        'notifications:',
        '  routes:',
        '    - name: ci',
        "      projects: ['payments-*']",
        '      slack: { channel: "#ci", states: [STARTED, SUCCEEDED, FAILED] }',
        '',
      ].join('\n'),
    );
    const withBuilds = readServiceDefinition({ configFile: config });
    expect(reached(loadEvent('codebuild/build-in-progress.json'), withBuilds)).toEqual(NOTIFY);
    expect(reached(loadEvent('codebuild/build-succeeded.json'), withBuilds)).toEqual(NOTIFY);
    expect(reached(loadEvent('codebuild/build-failed.json'), withBuilds)).toEqual(NOTIFY);
  });
});

describe('the rollback rules follow the policy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'guardian-rollback-routing-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const NOTIFY_ONLY = ['slack:', '  botToken: { ssm: /cicd-guardian/slack/bot-token }', 'notifications:', '  default:', "    slack: { channel: '#ci' }"];
  const definitionOf = (name: string, lines: string[]) => {
    const config = join(dir, `${name}.yml`);
    writeFileSync(config, [...NOTIFY_ONLY, ...lines, ''].join('\n'));
    return readServiceDefinition({ configFile: config });
  };
  const rollbackOf = (fns: ReturnType<typeof readServiceDefinition>) => fns.find((fn) => fn.name === 'rollback');

  it('without services the function has no rule (it is only invoked by hand) and no event reaches it', () => {
    const fns = definitionOf('no-services', []);
    expect(rollbackOf(fns)?.patterns).toEqual([]);
    for (const file of ['ecs/deployment-failed.json', 'ecs/task-stopped-exit-code.json', 'ecs/service-task-start-impaired.json', 'cloudwatch/alarm-5xx-alarm.json']) {
      expect({ file, reached: reached(loadEvent(file), fns) }).toEqual({ file, reached: [] });
    }
    expect(reached(loadEvent('codepipeline/action-failed-smoke-tests.json'), fns)).toEqual(NOTIFY);
  });

  it('a service with no alarms and no pipeline gets the ECS rules only', () => {
    const fns = definitionOf('ecs-only', ['rollback:', '  services:', '    - { cluster: payments-prod, service: payments-api }']);
    expect(rollbackOf(fns)?.patterns).toHaveLength(3);
    expect(reached(loadEvent('ecs/deployment-failed.json'), fns)).toEqual(ROLLBACK);
    expect(reached(loadEvent('ecs/task-stopped-exit-code.json'), fns)).toEqual(ROLLBACK);
    expect(reached(loadEvent('ecs/service-task-start-impaired.json'), fns)).toEqual(ROLLBACK);
    expect(reached(loadEvent('cloudwatch/alarm-5xx-alarm.json'), fns)).toEqual([]);
    expect(reached(loadEvent('codepipeline/action-failed-smoke-tests.json'), fns)).toEqual(NOTIFY);
  });

  it('events of a same-named service in another cluster, or of another service, do not reach it', () => {
    const fns = definitionOf('other-cluster', ['rollback:', '  services:', '    - { cluster: payments-staging, service: payments-api, alarms: [payments-api-staging-5xx] }']);
    for (const file of ['ecs/deployment-failed.json', 'ecs/task-stopped-exit-code.json', 'ecs/service-task-start-impaired.json', 'cloudwatch/alarm-5xx-alarm.json']) {
      expect({ file, reached: reached(loadEvent(file), fns) }).toEqual({ file, reached: [] });
    }
    const otherService = definitionOf('other-service', ['rollback:', '  services:', '    - { cluster: payments-prod, service: ledger-api }']);
    expect(reached(loadEvent('ecs/deployment-failed.json'), otherService)).toEqual([]);
    expect(reached(loadEvent('ecs/task-stopped-exit-code.json'), otherService)).toEqual([]);
  });

  it('a failed action reaches it only in a stage that holds a post-deploy check of that pipeline', () => {
    const checks = (pipeline: string, check: string) =>
      definitionOf(`checks-${pipeline}-${check.replace('/', '-')}`, [
        'rollback:',
        '  services:',
        `    - { cluster: payments-prod, service: payments-api, pipeline: { name: ${pipeline}, deployStage: Deploy, postDeployChecks: ['${check}'] } }`,
      ]);
    expect(reached(loadEvent('codepipeline/action-failed-smoke-tests.json'), checks('payments-api', 'Verify/SmokeTests'))).toEqual(['notify', 'rollback']);
    expect(reached(loadEvent('codepipeline/action-failed-smoke-tests.json'), checks('payments-api', 'Canary/SmokeTests'))).toEqual(NOTIFY);
    expect(reached(loadEvent('codepipeline/action-failed-smoke-tests.json'), checks('orders-api', 'Verify/SmokeTests'))).toEqual(NOTIFY);
    expect(reached(loadEvent('codepipeline/action-failed.json'), checks('payments-api', 'Verify/SmokeTests'))).toEqual(NOTIFY);
  });
});

it('every function names its handler; notify has its two rules, rollback one per kind of signal the policy asks for, the approval gate one, slack-interactions none (its URL), tamper one per protected kind, remediate one; freeze-schedule runs on a schedule and audit by hand (no pattern)', () => {
  expect(functions.map((f) => ({ name: f.name, handler: f.handler, rules: f.patterns.length }))).toEqual([
    { name: 'notify', handler: 'functions/notify.handler', rules: 2 },
    { name: 'rollback', handler: 'functions/rollback.handler', rules: 5 },
    { name: 'approval-gate', handler: 'functions/approval-gate.handler', rules: 1 },
    { name: 'slack-interactions', handler: 'functions/slack-interactions.handler', rules: 0 },
    { name: 'tamper', handler: 'functions/tamper.handler', rules: 3 },
    { name: 'remediate', handler: 'functions/remediate.handler', rules: 1 },
    { name: 'freeze-schedule', handler: 'functions/freeze-schedule.handler', rules: 0 },
    { name: 'audit', handler: 'functions/audit.handler', rules: 0 },
  ]);
});

describe('the remediate rule matches severity numerically, by playbook floor', () => {
  const withDetail = (file: string, detail: Record<string, unknown>) => {
    const e = loadEvent<{ detail: Record<string, unknown> }>(file);
    Object.assign(e.detail, detail);
    return e;
  };

  it.each([
    ['an EC2 finding at 3.9, below the floor of 4', 'guardduty/ec2-bitcoin-tool.json', { severity: 3.9 }, []],
    ['an EC2 finding at 4', 'guardduty/ec2-bitcoin-tool.json', { severity: 4 }, ['remediate']],
    ['an S3 policy finding at 2 (its playbook floor is 1)', 'guardduty/s3-block-public-access-disabled.json', { severity: 2 }, ['remediate']],
    ['another low finding at 2 (no lower floor for its type)', 'guardduty/ec2-bitcoin-tool.json', { severity: 2, type: 'Recon:EC2/PortProbeUnprotectedPort' }, []],
  ])('%s', (_, file, detail, expected) => {
    expect(reached(withDetail(file, detail))).toEqual(expected);
  });
});
