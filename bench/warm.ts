import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startLocalDynamo } from '../local/dynamo.js';
import { applyEnv, localTopicArn, standInEnv } from '../local/environment.js';
import { lambdaContext } from '../local/lambda-context.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFakeAws, PAYMENTS_DATA } from '../local/fakes/world.js';
import { startAwsFront } from '../local/fakes/http-front.js';
import type { CodePipelineData } from '../local/fakes/codepipeline.js';
import { startSlackStandIn, type SlackCall } from '../local/slack-stand-in.js';
import { captureOutput } from '../local/capture-output.js';
import { isBroadcast, slackCallKind } from '../local/print.js';
import { rekeyEvent, type ScenarioEvent } from '../local/scenario.js';
import { importHandler } from '../local/service-definition.js';
import { summarize, type Summary } from './stats.js';

// Warm handler latency for the pipeline scenario, and what one execution costs
// in Slack calls. The handler runs in this process against local stand-ins
// over loopback (dynalite, the fake AWS world's HTTP front, the Slack
// stand-in, all in this process too: the handler's module graph may hold its
// own copies of the SDK clients, so AWS is reached over AWS_ENDPOINT_URL, as
// it was from the stand-in), so the numbers are the function's own work plus
// loopback HTTP, not AWS latency.

type Json = Record<string, unknown>;

/** A valid, deterministic UUID per (execution, event) so runs have the same structure. */
const benchUuid = (kind: number, n: number) => `be7c0000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;

/** A fixed request id for every invocation, like the fixed event ids: runs stay alike. */
const BENCH_REQUEST_ID = '00000000-0000-4000-8000-000000000000';

interface SlackTally {
  postMessage: number;
  update: number;
  reply: number;
  /** Replies also shown in the channel (reply_broadcast). */
  broadcast: number;
  total: number;
}

interface ExecutionTally {
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
    const kind = slackCallKind(c);
    if (kind === 'update') t.update++;
    else if (kind === 'reply') {
      t.reply++;
      if (isBroadcast(c)) t.broadcast++;
    } else if (kind === 'post') t.postMessage++;
  }
  return t;
}

export async function measureWarm(opts: {
  /** The scenario to replay, once per execution. */
  scenario: ScenarioEvent[];
  /** The function (its serverless.yml name) and where its handler is (handlerLocation). */
  handler: { name: string; file: string; exportName: string };
  functionName: string;
  configFile: string;
  executions: number;
  warmupExecutions: number;
  timeoutS: number;
}): Promise<WarmResult> {
  const { scenario } = opts;
  const executionIds = Array.from({ length: opts.executions }, (_, i) => benchUuid(1, i + 1));

  const dynamo = await startLocalDynamo('cicd-guardian-bench-state');
  // The fakes answer CodePipeline reads for the executions they know: payments-api's, once per fresh id.
  const aws = installFakeAws({ data: { codepipeline: withExecutionIds(executionIds) } });
  const front = await startAwsFront(aws);
  const slack = await startSlackStandIn();
  const hosts: Record<string, string> = {
    [new URL(dynamo.endpoint).host]: 'dynamodb',
    [new URL(front.endpoint).host]: 'aws-fakes',
    [new URL(slack.apiUrl).host]: 'slack',
  };

  // SSM and Secrets Manager are not expected to be called (SLACK_BOT_TOKEN is set); if they are, their fakes answer them.
  applyEnv({
    ...standInEnv({
      dynamo,
      aws: front,
      slack: { apiUrl: slack.apiUrl, token: 'xoxb-bench' },
      topicArn: localTopicArn('cicd-guardian-bench-notifications'),
      configFile: opts.configFile,
    }),
    AWS_LAMBDA_FUNCTION_NAME: opts.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    POWERTOOLS_SERVICE_NAME: 'cicd-guardian',
    POWERTOOLS_METRICS_NAMESPACE: 'CicdGuardian',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.GUARDIAN_DRY_RUN;
  delete process.env.SLACK_WEBHOOK_URL;

  // Imported only now: module scope reads the environment.
  const handler = await importHandler(opts.handler, opts.handler.name);

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
  // Handler output (Powertools warnings) stays out of the report; it is counted.
  const output = captureOutput();

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
        const fresh = rekeyEvent(event, executionIds[x]!, benchUuid(2, x * 100 + i + 1));
        const context = lambdaContext({ functionName: opts.functionName, budgetMs: opts.timeoutS * 1000, requestId: BENCH_REQUEST_ID });
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
    await front.close();
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

/** local/fakes/payments/codepipeline.json with its execution once per id (each measured execution is a fresh one). */
function withExecutionIds(ids: string[]): CodePipelineData {
  const data = JSON.parse(readFileSync(join(PAYMENTS_DATA, 'codepipeline.json'), 'utf8')) as CodePipelineData;
  const [template] = data.executions;
  const rekeyed = (id: string) => {
    const run = structuredClone(template!);
    run.execution.pipelineExecutionId = id;
    for (const action of run.actions) action.pipelineExecutionId = id;
    return run;
  };
  return { ...data, executions: ids.map(rekeyed) };
}
