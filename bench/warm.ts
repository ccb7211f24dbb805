import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { startLocalDynamo } from '../local/dynamo.js';
import { paymentsApiExecution, startAwsStandIn } from '../local/aws-stand-in.js';
import { startSlackStandIn, type SlackCall } from '../local/slack-stand-in.js';
import { summarize, type Summary } from './stats.js';

// Warm handler latency for the pipeline scenario, and what one execution costs
// in Slack calls. The handler runs in this process against local stand-ins
// over loopback (dynalite, the AWS and Slack stand-ins, all in this process
// too), so the numbers are the function's own work plus loopback HTTP, not
// AWS latency.

export const SCENARIO_DIR = 'events/scenarios/pipeline-fails-in-deploy';

type Json = Record<string, unknown>;

export interface ScenarioEvent {
  file: string;
  event: Json;
}

export function loadScenario(root: string): ScenarioEvent[] {
  const dir = join(root, SCENARIO_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, event: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json }));
}

/** A valid, deterministic UUID per (execution, event) so runs have the same structure. */
const benchUuid = (kind: number, n: number) => `be7c0000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;

export interface SlackTally {
  postMessage: number;
  update: number;
  reply: number;
  /** Replies also shown in the channel (reply_broadcast). */
  broadcast: number;
  total: number;
}

export interface ExecutionTally {
  slack: SlackTally;
  emails: number;
  codePipelineCalls: number;
  /** HTTP requests the handler made, per service, over the execution. */
  requests: Record<string, number>;
  statuses: Record<string, number>;
}

export interface WarmResult {
  executions: number;
  warmupExecutions: number;
  invocationsMeasured: number;
  latencyMs: Summary;
  /** Per invocation: time the in-process stand-ins spent answering (server side, summed over requests), by service. */
  standInMs: Record<string, Summary>;
  /** Per invocation: latency minus all stand-in server time (the handler, SDK/HTTP client work and loopback). */
  withoutStandInsMs: Summary;
  /** Lines the handler wrote to stdout/stderr during the measured loop (kept out of the report), by first line. */
  output: { lines: number; distinct: { text: string; count: number }[] };
  /** p50/p99 per scenario event, measured executions only. */
  perEvent: { file: string; p50: number; p99: number; requests: number; byService: Record<string, number> }[];
  /** Per-execution tallies; identical across executions when the handler is deterministic. */
  perExecution: { first: ExecutionTally; measured: ExecutionTally; stable: boolean };
  errors: string[];
}

function tallySlack(calls: SlackCall[]): SlackTally {
  const t = { postMessage: 0, update: 0, reply: 0, broadcast: 0, total: calls.length };
  for (const c of calls) {
    if (c.method === 'chat.update') t.update++;
    else if (c.method === 'chat.postMessage' && c.body.thread_ts) {
      t.reply++;
      if (String(c.body.reply_broadcast) === 'true') t.broadcast++;
    }
    else if (c.method === 'chat.postMessage') t.postMessage++;
  }
  return t;
}

function lambdaContext(functionName: string, budgetMs: number): Context {
  const end = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: '00000000-0000-4000-8000-000000000000',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]bench',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function measureWarm(opts: {
  root: string;
  functionName: string;
  configFile: string;
  executions: number;
  warmupExecutions: number;
  timeoutS: number;
}): Promise<WarmResult> {
  const scenario = loadScenario(opts.root);
  const executionIds = Array.from({ length: opts.executions }, (_, i) => benchUuid(1, i + 1));

  const dynamo = await startLocalDynamo('cicd-guardian-bench-state');
  // The stand-in answers CodePipeline reads for the executions it knows: one per fresh id.
  const aws = await startAwsStandIn({ executions: executionIds.map((id) => paymentsApiExecution(id)) });
  const slack = await startSlackStandIn();
  const hosts: Record<string, string> = {
    [new URL(dynamo.endpoint).host]: 'dynamodb',
    [new URL(aws.endpoint).host]: 'aws-stand-in',
    [new URL(slack.apiUrl).host]: 'slack',
  };

  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: opts.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    GUARDIAN_CONFIG: opts.configFile,
    GUARDIAN_TABLE: dynamo.tableName,
    GUARDIAN_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cicd-guardian-bench-notifications',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SNS: aws.endpoint,
    AWS_ENDPOINT_URL_CODEPIPELINE: aws.endpoint,
    // Not expected to be called (SLACK_BOT_TOKEN is set); if they are, they stay local.
    AWS_ENDPOINT_URL_SSM: aws.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    POWERTOOLS_SERVICE_NAME: 'cicd-guardian',
    POWERTOOLS_METRICS_NAMESPACE: 'CicdGuardian',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  delete process.env.GUARDIAN_DRY_RUN;
  delete process.env.SLACK_WEBHOOK_URL;

  // Imported only now: module scope reads the environment.
  const { handler } = await import('../functions/notify.js');

  // Every HTTP request the process makes, by stand-in.
  const requests: Record<string, number> = {};
  const count = (host: string) => {
    const service = hosts[host] ?? `other ${host}`;
    requests[service] = (requests[service] ?? 0) + 1;
  };
  // node:http (AWS SDK) and fetch/undici (Slack's client) report requests on different channels.
  const onHttp = (message: unknown) => count(String((message as { request: ClientRequest }).request.getHeader('host')));
  const onFetch = (message: unknown) => count(new URL((message as { request: { origin: string } }).request.origin).host);
  subscribe('http.client.request.start', onHttp);
  subscribe('undici:request:create', onFetch);
  const totalRequests = () => Object.values(requests).reduce((a, b) => a + b, 0);

  // Server-side time in the stand-ins, which share this event loop with the handler.
  const serverMs: Record<string, number> = {};
  const serverStart = new WeakMap<ServerResponse, number>();
  const serviceOf = (server: Server) => hosts[`127.0.0.1:${(server.address() as AddressInfo).port}`] ?? 'other';
  const onServerStart = (message: unknown) => serverStart.set((message as { response: ServerResponse }).response, performance.now());
  const onServerFinish = (message: unknown) => {
    const { response, server } = message as { response: ServerResponse; server: Server };
    const start = serverStart.get(response);
    if (start === undefined) return;
    const service = serviceOf(server);
    serverMs[service] = (serverMs[service] ?? 0) + performance.now() - start;
  };
  subscribe('http.server.request.start', onServerStart);
  subscribe('http.server.response.finish', onServerFinish);
  const standInSamples: Record<string, number[]> = {};
  const ownSamples: number[] = [];
  const output = muteOutput();

  const latencies: number[] = [];
  const perEvent = scenario.map(() => ({ samples: [] as number[], requests: 0, byService: {} as Record<string, number> }));
  const tallies: ExecutionTally[] = [];
  const errors: string[] = [];
  try {
    for (let x = 0; x < opts.executions; x++) {
      const slackBefore = slack.calls.length;
      const awsBefore = aws.calls.length;
      const emailsBefore = aws.published.length;
      const executionStart = { ...requests };
      const statuses: Record<string, number> = {};
      for (const [i, { file, event }] of scenario.entries()) {
        const fresh: Json = { ...event, id: benchUuid(2, x * 100 + i + 1), detail: { ...(event.detail as Json), 'execution-id': executionIds[x] } };
        const context = lambdaContext(opts.functionName, opts.timeoutS * 1000);
        const requestsBefore = totalRequests();
        const byServiceBefore = { ...requests };
        const serverBefore = { ...serverMs };
        const t0 = performance.now();
        let status: string;
        try {
          const result = (await handler(fresh, context)) as { status?: string } | undefined;
          status = result?.status ?? 'undefined';
        } catch (error) {
          status = 'error';
          if (errors.length < 5) errors.push(`execution ${x + 1}, ${file}: ${(error as Error).message}`);
        }
        const ms = performance.now() - t0;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (x >= opts.warmupExecutions) {
          latencies.push(ms);
          let inServers = 0;
          for (const service of Object.values(hosts)) {
            const spent = (serverMs[service] ?? 0) - (serverBefore[service] ?? 0);
            (standInSamples[service] ??= []).push(spent);
            inServers += spent;
          }
          ownSamples.push(ms - inServers);
          perEvent[i]!.samples.push(ms);
          perEvent[i]!.requests = totalRequests() - requestsBefore;
          perEvent[i]!.byService = Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, v - (byServiceBefore[k] ?? 0)]).filter(([, v]) => v !== 0));
        }
      }
      const delta: Record<string, number> = {};
      for (const [k, v] of Object.entries(requests)) delta[k] = v - (executionStart[k] ?? 0);
      tallies.push({
        slack: tallySlack(slack.calls.slice(slackBefore)),
        emails: aws.published.length - emailsBefore,
        codePipelineCalls: aws.calls.slice(awsBefore).filter((c) => c.service === 'codepipeline').length,
        requests: delta,
        statuses,
      });
    }
  } finally {
    output.restore();
    unsubscribe('http.server.request.start', onServerStart);
    unsubscribe('http.server.response.finish', onServerFinish);
    unsubscribe('http.client.request.start', onHttp);
    unsubscribe('undici:request:create', onFetch);
    await slack.close();
    await aws.close();
    await dynamo.close();
  }

  const measured = tallies.slice(opts.warmupExecutions);
  const key = (t: ExecutionTally) => JSON.stringify(t);
  return {
    executions: opts.executions,
    warmupExecutions: opts.warmupExecutions,
    invocationsMeasured: latencies.length,
    latencyMs: summarize(latencies),
    standInMs: Object.fromEntries(Object.entries(standInSamples).map(([k, v]) => [k, summarize(v)])),
    withoutStandInsMs: summarize(ownSamples),
    output: output.summary(),
    perEvent: scenario.map(({ file }, i) => {
      const s = summarize(perEvent[i]!.samples);
      return { file, p50: s.p50, p99: s.p99, requests: perEvent[i]!.requests, byService: perEvent[i]!.byService };
    }),
    perExecution: { first: tallies[0]!, measured: measured[0] ?? tallies[0]!, stable: measured.every((t) => key(t) === key(measured[0]!)) },
    errors,
  };
}

/** Swallows what the process writes to stdout/stderr (Powertools warnings) until restored, counting it. */
function muteOutput() {
  const seen = new Map<string, number>();
  let lines = 0;
  const original = { out: process.stdout.write, err: process.stderr.write };
  const swallow = (chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    lines += text.split('\n').filter(Boolean).length;
    const first = (text.split('\n')[0] ?? '').slice(0, 90);
    seen.set(first, (seen.get(first) ?? 0) + 1);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  process.stdout.write = swallow as typeof process.stdout.write;
  process.stderr.write = swallow as typeof process.stderr.write;
  return {
    restore: () => {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    },
    summary: () => ({ lines, distinct: [...seen].sort((a, b) => b[1] - a[1]).map(([text, count]) => ({ text, count })) }),
  };
}

/**
 * What one-message-per-event (AWS Chatbot) would post for the scenario: one
 * message per event its notification rule selects.
 */
export function chatbotPosts(scenario: ScenarioEvent[]) {
  const all = scenario.length;
  const narrow = scenario.filter(({ event }) => {
    const type = String(event['detail-type']);
    const state = String((event.detail as Json).state);
    return type === 'CodePipeline Pipeline Execution State Change' || (type === 'CodePipeline Action Execution State Change' && state === 'FAILED');
  }).length;
  return { allEvents: all, pipelineAndFailedActions: narrow };
}
