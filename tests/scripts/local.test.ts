// `npm start` end to end: the local runner as a child process, with its
// stand-ins for DynamoDB, SNS, CodePipeline and Slack, on the bundled scenario
// (payments-api fails in Deploy) and on single events.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runLocal(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // The runner must use its stand-ins whatever the developer's shell holds.
  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_WEBHOOK_URL', 'SLACK_API_URL', 'GUARDIAN_DRY_RUN', 'GUARDIAN_CONFIG', 'FORCE_COLOR']) delete env[name];
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/local.ts', ...args], { cwd: REPO, env, timeout: TIMEOUT_MS, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

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
    expect(run.stdout).toMatch(/^ {2}slack reply {2}C\w+ thread \d+\.\d+ \(also sent to the channel\)/m);
    expect(run.stdout).toMatch(/Slack calls: chat\.postMessage 2 \(1 thread reply\) · chat\.update \d+/);
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
  });
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
