// `npm start` end to end: the local runner as a child process, with dynalite,
// the fake AWS world (SNS, CodePipeline, CodeBuild, ECS) and the Slack stand-in, on the bundled
// scenarios (payments-api fails in Deploy; its ECS deployment crashes on start
// and is rolled back) and on single events.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/invoke-local';
import { runLocal, TIMEOUT_MS, type Run } from '../helpers/local-run';

/** The Slack calls the run printed, in order: post, update, reply. */
const slackCalls = (stdout: string) => [...stdout.matchAll(/^ {2}slack (post|update|reply|webhook)\b/gm)].map((m) => m[1]);

describe('npm start (the bundled scenario)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runLocal();
  }, TIMEOUT_MS);

  it('exits 0', () => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('prints no INFO log lines and no metric JSON: the runner shows the plans, the warnings and what was delivered', () => {
    expect(run.stdout).not.toMatch(/log INFO/);
    expect(run.stdout).not.toMatch(/CloudWatchMetrics/);
  });

  it('prints only what the user needs to read: nothing on stderr (no SDK notice about Node versions)', () => {
    expect(run.stderr).toBe('');
  });

  it('feeds every scenario event, in order, to notify', () => {
    const files = [...run.stdout.matchAll(/^▶ \d+\/14 .*?(\d\d-[\w-]+\.json)/gm)].map((m) => m[1]);
    expect(files).toHaveLength(14);
    expect(files).toEqual([...files].sort());
    expect(run.stdout.match(/^ {2}→ notify$/gm)).toHaveLength(14);
  });

  it('shows the failure in Deploy', () => {
    expect(run.stdout).toMatch(/CodePipeline action FAILED {2}payments-api › Deploy › DeployToEcs/);
    expect(run.stdout).toMatch(/Failed in Deploy › DeployToEcs/);
    expect(run.stdout).toMatch(/JobFailed/);
    expect(run.stdout).toMatch(/tasks failed to start/);
  });

  it('posts one message, then updates it, then replies in its thread', () => {
    const calls = slackCalls(run.stdout);
    expect(calls[0]).toBe('post');
    expect(calls.filter((c) => c === 'post')).toHaveLength(1);
    expect(calls.filter((c) => c === 'update').length).toBeGreaterThanOrEqual(3);
    expect(calls.filter((c) => c === 'reply')).toHaveLength(1);
    expect(run.stdout).toMatch(/^ {2}slack reply {2}#deployments thread \d+\.\d+ \(also sent to the channel\)/m);
    expect(run.stdout).toMatch(/Slack calls: chat\.postMessage 2 \(1 thread reply\) · chat\.update \d+/);
  });

  it('names the channel the same way in posts, updates and replies', () => {
    const channels = [...run.stdout.matchAll(/^ {2}slack (?:post|update|reply) +(\S+)/gm)].map((m) => m[1]);
    expect(new Set(channels)).toEqual(new Set(['#deployments']));
  });

  it('emails the failure once, with a subject naming payments-api and FAILED', () => {
    const subjects = [...run.stdout.matchAll(/^ {4}Subject: (.*)$/gm)].map((m) => m[1]);
    expect(subjects).toHaveLength(1);
    expect(subjects[0]).toMatch(/payments-api/);
    expect(subjects[0]).toMatch(/failed/i);
    expect(run.stdout).toMatch(/Emails: 1\b/);
  });

  it('ends with a summary', () => {
    expect(run.stdout).toMatch(/14 events · 14 invocations · 0 matched no function · 0 failed/);
    expect(run.stdout).toMatch(/By function: notify 14\n/);
    expect(run.stdout).not.toMatch(/aws change/);
  });
});

describe('npm start -- events/scenarios/ecs-crash-on-start (the rollback scenario)', () => {
  let run: Run;
  /** The output of the run from the last event on. */
  let lastEvent: string;
  beforeAll(async () => {
    run = await runLocal('events/scenarios/ecs-crash-on-start');
    lastEvent = run.stdout.slice(run.stdout.lastIndexOf('\n▶ '));
  }, TIMEOUT_MS);

  it('exits 0', () => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('feeds the ECS events in order to rollback (the RUNNING task matches no rule)', () => {
    const files = [...run.stdout.matchAll(/^▶ \d+\/6 .*?(\d\d-[\w-]+\.json)/gm)].map((m) => m[1]);
    expect(files).toHaveLength(6);
    expect(files).toEqual([...files].sort());
    expect(run.stdout.match(/^ {2}→ rollback$/gm)).toHaveLength(5);
    expect(run.stdout).toMatch(/6 events · 5 invocations · 1 matched no function · 0 failed/);
    expect(run.stdout).toMatch(/By function: rollback 5\n/);
  });

  it('decides on the second crashed task: stop the in-flight deployment, tell #deployments and by email', () => {
    expect(run.stdout).toMatch(/ECS task STOPPED {2}payments-prod\/payments-api .*\n.*payments-api exit 1/);
    expect(run.stdout).toMatch(/✓ ecs\.stopDeployment payments-prod\/payments-api — 2 task failures within 10 min \(threshold 2\)/);
    expect(run.stdout).toMatch(/skipped: 1 of 2 failed tasks counted for deployment ecs-svc\/\d+ within 10 min: no rollback yet/);
  });

  it('makes exactly one change to AWS: StopServiceDeployment of the in-flight deployment, stopType ROLLBACK', () => {
    const changes = run.stdout.match(/^ {2}aws change .*$/gm) ?? [];
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(
      /^ {2}aws change +ecs StopServiceDeployment arn:aws:ecs:us-east-1:123456789012:service-deployment\/payments-prod\/payments-api\/\S+ stopType ROLLBACK$/,
    );
    expect(run.stdout).toMatch(/AWS changes: 1 \(ecs StopServiceDeployment\)/);
  });

  it('tells Slack about the rollback in #deployments (no pipeline message to reply to in this run)', () => {
    expect(run.stdout).toMatch(/^ {2}slack post +#deployments .*\n {4}\S+ payments-api rolled back by cicd-guardian$/m);
    expect(run.stdout).toMatch(/Failed revision: payments-api:42/);
  });

  it('emails that payments-api was rolled back', () => {
    const subjects = [...run.stdout.matchAll(/^ {4}Subject: (.*)$/gm)].map((m) => m[1]);
    expect(subjects[0]).toMatch(/payments-api.*rolled back/);
  });

  it('reports the outcome after the last event: rollback completed', () => {
    expect(lastEvent).toMatch(/ECS deployment COMPLETED {2}payments-prod\/payments-api ecs-svc\/\d+/);
    // In the thread of the rollback notice, not as a message of its own.
    expect(lastEvent).toMatch(/✓ slack\.reply #deployments — rollback outcome: completed/);
    expect(lastEvent).toMatch(/Subject: payments-api rollback completed/);
    expect(lastEvent).toMatch(/^ {2}slack reply +#deployments thread \d+\.\d+ .*\n {4}\S+ payments-api rollback completed — /m);
    expect(lastEvent).not.toMatch(/^ {2}slack post/m);
    expect(run.stdout.slice(0, run.stdout.length - lastEvent.length)).not.toMatch(/rollback completed/);
    expect(run.stdout).toMatch(/Emails: 2 \("payments-api rolled back by cicd-guardian", "payments-api rollback completed"\)/);
  });
});

describe('npm start -- events/scenarios/pipeline-fails-in-build', () => {
  it('says the build\'s failure is kept for the pipeline, then shows the failed phase and its message in the message, the reply and the email', async () => {
    const run = await runLocal('events/scenarios/pipeline-fails-in-build');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/recorded: build payments-api-build:3e9a7c15\S* started by pipeline payments-api failed in phase BUILD: kept until the pipeline's failed action names the build/);
    expect(run.stdout).toMatch(/Phase BUILD · Error COMMAND_EXECUTION_ERROR\n {4}Error while executing command: mvn package\. Reason: exit status 1\n {4}Build logs/);
    expect(run.stdout).toMatch(/slack reply +#deployments .*\n {4}\S+ payments-api failed in Build \/ BuildImage — phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: mvn package/);
    expect(run.stdout).toMatch(/ {2}Phase: BUILD\n.*Error code: COMMAND_EXECUTION_ERROR\n.*Summary: Error while executing command: mvn package/);
  }, TIMEOUT_MS);
});

describe('npm start -- events/scenarios/org-two-accounts (one guardian, two member accounts, two regions)', () => {
  let run: Awaited<ReturnType<typeof runLocal>>;
  beforeAll(async () => {
    run = await runLocal('events/scenarios/org-two-accounts');
  }, TIMEOUT_MS);

  it('exits 0', () => {
    expect(run.code).toBe(0);
  });

  it("assumes each member account's role once, as the first event there needs it, and the credentials serve the next", () => {
    const assumed = [...run.stdout.matchAll(/assume role +(\S+) session cicd-guardian → credentials/g)].map((m) => m[1]);
    expect(assumed).toEqual(['arn:aws:iam::210987654321:role/cicd-guardian-member', 'arn:aws:iam::345678901234:role/cicd-guardian-member']);
  });

  it("posts each account's execution as its own message, naming the account by its alias and the region, in its unit's channel", () => {
    expect(run.stdout).toMatch(/slack post +#prod-deployments [\s\S]*?payments-prod \(210987654321\) · eu-west-1 · execution /);
    expect(run.stdout).toMatch(/slack post +#deployments [\s\S]*?security \(345678901234\) · us-east-1 · execution /);
    expect(run.stdout.match(/slack reply /g)).toHaveLength(2);
  });

  it('rejects the event from an account the policy does not serve, and does nothing for it', () => {
    const last = run.stdout.slice(run.stdout.indexOf('05-unserved-account-pipeline-failed.json'), run.stdout.lastIndexOf('\nSummary'));
    expect(last).toContain('event rejected: not from an account and region the policy serves; nothing done');
    expect(last).not.toMatch(/slack |email |assume role/);
  });
});

describe('npm start -- events/codepipeline/action-failed-codebuild.json (no build event: CodeBuild is asked)', () => {
  it("shows the build's failed phase and message, read with BatchGetBuilds from the CodeBuild fake, with no failed read logged", async () => {
    const run = await runLocal('events/codepipeline/action-failed-codebuild.json');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/BatchGetBuilds failed/);
    expect(run.stdout).toMatch(/Phase BUILD · Error COMMAND_EXECUTION_ERROR\n {4}Error while executing command: npm run build\. Reason: exit status 2\n {4}Build logs/);
  }, TIMEOUT_MS);
});

describe('npm start -- <files>', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'guardian-local-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--dry-run plans without posting or sending', async () => {
    const run = await runLocal('--dry-run', 'events/codepipeline/pipeline-failed.json');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/dry run: pipeline payments-api execution/);
    expect(run.stdout).toMatch(/would slack\.upsert #deployments/);
    expect(run.stdout).toMatch(/would email\.publish default topic/);
    expect(slackCalls(run.stdout)).toEqual([]);
    expect(run.stdout).toMatch(/Emails: 0/);
  }, TIMEOUT_MS);

  it('--dry-run on the bundled scenario shows each message in full and the calls the real run makes (1 post, 8 updates, 1 reply)', async () => {
    const run = await runLocal('--dry-run');
    expect(run.code).toBe(0);
    expect(slackCalls(run.stdout)).toEqual([]);
    expect(run.stdout).toMatch(/^ {2}would slack post +#deployments/m);
    expect(run.stdout).toMatch(/^ {2}would slack reply +#deployments thread/m);
    expect(run.stdout).toMatch(/Dry run, would have made: Slack chat\.postMessage 2 · chat\.update 8 · emails 1 · AWS changes 0/);
  }, TIMEOUT_MS);

  it('--dry-run on the crash scenario shows the rollback that would happen, with its parameters, and changes nothing', async () => {
    const run = await runLocal('--dry-run', 'events/scenarios/ecs-crash-on-start');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}would aws change +ecs:StopServiceDeployment\n {4}\{\n {6}"serviceDeploymentArn": "arn:aws:ecs:[^"]+",\n {6}"stopType": "ROLLBACK"/m);
    expect(run.stdout).toMatch(/AWS changes: 0/);
    expect(run.stdout).toMatch(/AWS changes 1 \(ecs:StopServiceDeployment\)/);
  }, TIMEOUT_MS);

  it('an event the rules filter out reaches no function', async () => {
    const run = await runLocal('events/codebuild/build-in-progress.json');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no function: the EventBridge rules filter it out/);
    expect(run.stdout).toMatch(/1 event · 0 invocations · 1 matched no function/);
  }, TIMEOUT_MS);

  it('exits non-zero and prints the error when the handler fails', async () => {
    // Matches the pipeline rule, but is not a valid pipeline event: the handler rejects it.
    const event = JSON.parse(readFileSync(join(REPO, 'events', 'codepipeline', 'pipeline-failed.json'), 'utf8')) as { detail: Record<string, unknown> };
    delete event.detail['execution-id'];
    const file = join(dir, 'no-execution-id.json');
    writeFileSync(file, JSON.stringify(event));
    const run = await runLocal(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ notify failed/);
    expect(run.stdout).toMatch(/1 failed/);
  }, TIMEOUT_MS);
});
