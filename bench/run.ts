import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { readService, type FunctionSpec, type ServiceSpec } from './service.js';
import { buildBundles, contributors, type Contributor, type FunctionBundles } from './bundles.js';
import { lambdaEnv, measureColdInit, type InitResult } from './cold-init.js';
import { chatbotPosts, measureWarm, type WarmResult } from './warm.js';
import { loadScenario, SCENARIO_DIR } from '../local/scenario.js';
import { ratio } from './stats.js';
import { printRollbackSim, simulateRollbacks } from './rollback-sim.js';
import { printRollbackBurst, runRollbackBurst } from './rollback-burst.js';
import { CLICK, printApprovalClick, runApprovalClick } from './approval-click.js';

// npm run bench: bundle size and cold module init of each function beside a
// floor measured in the same run, warm handler latency for the pipeline
// scenario, Slack calls per execution beside one-message-per-event, and the
// time to rollback beside the ECS deployment circuit breaker (simulated), and
// the time from an approval's deciding Slack click to PutApprovalResult.
// Prints a compact report and writes it as JSON to bench/.out/report.json.

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const intEnv = (name: string, fallback: number) => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
const INIT_RUNS = intEnv('BENCH_INIT_RUNS', 15);
const INIT_WARMUPS = 2;
const EXECUTIONS = intEnv('BENCH_EXECUTIONS', 40);
const CLICK_REPETITIONS = intEnv('BENCH_CLICK_RUNS', CLICK.repetitions);
const WARMUP_EXECUTIONS = 1;
const AIM_RATIO = 1.3;
const AIM_P99_MS = 10;
/** Read, fold-and-lease, record-and-release. */
const AIM_DYNAMO_PER_INVOCATION = 3;

/** DynamoDB requests per invocation of the measured executions (the same every execution when the handler is deterministic). */
function dynamoPerInvocation(w: WarmResult) {
  const perEvent = w.perEvent.map((e) => e.byService.dynamodb ?? 0);
  return { mean: (w.perExecution.measured.requests.dynamodb ?? 0) / Math.max(1, w.perEvent.length), max: Math.max(0, ...perEvent), perEvent };
}

interface ColdInitReport {
  env: string;
  function: InitResult;
  floor: InitResult;
  ratio: { requireP50: number; requireP90: number; wallP50: number; wallP90: number };
}

interface FunctionReport {
  name: string;
  entry: string;
  floorClients: string[];
  floorClientMismatch?: string;
  bundle: { bytes: number; kb: number; file: string };
  floor: { bytes: number; kb: number; file: string };
  bundleRatio: number;
  coldInit: ColdInitReport;
  /** Same, with the NODE_OPTIONS serverless.yml deploys (e.g. --enable-source-maps). */
  coldInitAsDeployed?: ColdInitReport;
  aims: { bundle: boolean; initRequireP50: boolean; initWallP50: boolean };
  beyondFloor: { inputs: Contributor[]; packages: Contributor[] };
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISS');
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function coldInit(service: ServiceSpec, b: FunctionBundles, nodeOptions: string | undefined): ColdInitReport {
  const env = lambdaEnv(service.service, b.fn);
  delete env.NODE_OPTIONS;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  const r = measureColdInit({ fn: b.bundle.file, floor: b.floor.file }, b.fn.exportName, env, OUT, INIT_RUNS, INIT_WARMUPS);
  return {
    env: nodeOptions ? `NODE_OPTIONS=${nodeOptions}` : 'no NODE_OPTIONS',
    function: r.fn,
    floor: r.floor,
    ratio: {
      requireP50: ratio(r.fn.require.p50, r.floor.require.p50),
      requireP90: ratio(r.fn.require.p90, r.floor.require.p90),
      wallP50: ratio(r.fn.wall.p50, r.floor.wall.p50),
      wallP90: ratio(r.fn.wall.p90, r.floor.wall.p90),
    },
  };
}

async function benchFunction(service: ServiceSpec, fn: FunctionSpec): Promise<FunctionReport> {
  const b = await buildBundles(service, fn, OUT);
  const init = coldInit(service, b, undefined);
  const deployedOptions = fn.environment.NODE_OPTIONS;
  const asDeployed = deployedOptions ? coldInit(service, b, deployedOptions) : undefined;
  const bundleRatio = ratio(b.bundle.bytes, b.floor.bytes);
  return {
    name: fn.name,
    entry: fn.entry,
    floorClients: b.clients.map((c) => c.className),
    floorClientMismatch: b.clientMismatch,
    bundle: { bytes: b.bundle.bytes, kb: kb(b.bundle.bytes), file: b.bundle.file },
    floor: { bytes: b.floor.bytes, kb: kb(b.floor.bytes), file: b.floor.file },
    bundleRatio,
    coldInit: init,
    coldInitAsDeployed: asDeployed,
    aims: { bundle: bundleRatio <= AIM_RATIO, initRequireP50: init.ratio.requireP50 <= AIM_RATIO, initWallP50: init.ratio.wallP50 <= AIM_RATIO },
    beyondFloor: contributors(b, 10),
  };
}

function printFunction(f: FunctionReport, lines: string[]) {
  const row = (label: string, fn: string, floor: string, r: string, aim: string) =>
    lines.push(`  ${pad(label, 28)}${lpad(fn, 18)}${lpad(floor, 18)}${lpad(r, 8)}  ${aim}`);
  lines.push(`  ${f.name} (${f.entry}); floor constructs ${f.floorClients.join(', ')}`);
  if (f.floorClientMismatch) lines.push(`  ! floor clients (granted, functions/permissions.ts) vs bundle: ${f.floorClientMismatch}`);
  row('', 'function', 'floor', 'ratio', `aim <= ${AIM_RATIO}x (init: ratio of p50s)`);
  row('bundle', `${f.bundle.kb} KB`, `${f.floor.kb} KB`, `${f.bundleRatio}x`, verdict(f.aims.bundle));
  row('', `${f.bundle.bytes} B`, `${f.floor.bytes} B`, '', '');
  const initRows = (c: ColdInitReport, tag: string, aim: boolean) => {
    const req = (r: InitResult) => `${ms(r.require.p50)} / ${ms(r.require.p90)}`;
    const wall = (r: InitResult) => `${ms(r.wall.p50)} / ${ms(r.wall.p90)}`;
    row(`require p50/p90 ms${tag}`, req(c.function), req(c.floor), `${c.ratio.requireP50}x`, aim ? verdict(c.ratio.requireP50 <= AIM_RATIO) : '');
    row(`process wall p50/p90 ms${tag}`, wall(c.function), wall(c.floor), `${c.ratio.wallP50}x`, aim ? verdict(c.ratio.wallP50 <= AIM_RATIO) : '');
  };
  initRows(f.coldInit, '', true);
  if (f.coldInitAsDeployed) {
    lines.push(`  as deployed (${f.coldInitAsDeployed.env} from serverless.yml, .map beside the bundle):`);
    initRows(f.coldInitAsDeployed, '', false);
  }
  if (!f.aims.bundle || !f.aims.initRequireP50 || !f.aims.initWallP50) {
    lines.push(`  beyond the floor (bytes in output, function bundle minus floor), top packages:`);
    for (const c of f.beyondFloor.packages) lines.push(`    ${lpad(`${kb(c.bytes)} KB`, 10)}  ${c.name}`);
    lines.push(`  top input files:`);
    for (const c of f.beyondFloor.inputs) lines.push(`    ${lpad(`${kb(c.bytes)} KB`, 10)}  ${c.name}`);
  }
}

function printWarm(w: WarmResult, lines: string[]) {
  const l = w.latencyMs;
  lines.push(
    `  ${w.executions} executions x ${w.perEvent.length} events, fresh execution and event ids; first ${w.warmupExecutions} execution(s) = warm-up; ${w.invocationsMeasured} invocations measured`,
  );
  lines.push(`  p50 ${ms(l.p50)} ms   p99 ${ms(l.p99)} ms   max ${ms(l.max)} ms   (mean ${ms(l.mean)}, min ${ms(l.min)})   aim p99 < ${AIM_P99_MS} ms: ${verdict(l.p99 < AIM_P99_MS)}`);
  const o = w.withoutStandInsMs;
  const inStandIns = Object.entries(w.standInMs)
    .map(([k, v]) => `${k} p50 ${ms(v.p50)} / p99 ${ms(v.p99)}`)
    .join(', ');
  lines.push(`  of which stand-ins answering (server side, in this process), per invocation: ${inStandIns}`);
  lines.push(`  latency minus stand-in server time (handler + SDK/HTTP clients + loopback): p50 ${ms(o.p50)} ms   p99 ${ms(o.p99)} ms   max ${ms(o.max)} ms`);
  const slowest = [...w.perEvent].sort((a, b) => b.p50 - a.p50).slice(0, 4);
  lines.push(`  slowest events (p50, HTTP requests): ${slowest.map((e) => `${e.file.replace(/\.json$/, '')} ${ms(e.p50)} ms (${e.requests})`).join(', ')}`);
  const req = w.perExecution.measured.requests;
  const perInvocation = (n: number) => (n / w.perEvent.length).toFixed(1);
  lines.push(`  HTTP requests per execution: ${Object.entries(req).map(([k, v]) => `${k} ${v} (${perInvocation(v)}/invocation)`).join(', ')}`);
  const dynamo = dynamoPerInvocation(w);
  lines.push(
    `  DynamoDB requests per notify invocation: ${dynamo.mean.toFixed(2)} mean, ${dynamo.max} max (${dynamo.perEvent.join(' ')} per scenario event)   aim <= ${AIM_DYNAMO_PER_INVOCATION}: ${verdict(dynamo.mean <= AIM_DYNAMO_PER_INVOCATION)}`,
  );
  lines.push(`  statuses per execution: ${Object.entries(w.perExecution.measured.statuses).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (w.output.lines > 0) {
    const top = w.output.distinct[0]!;
    lines.push(`  handler output kept out of this report: ${w.output.lines} lines, most often (${top.count}x) "${top.text}"`);
  }
  lines.push(`  note: handler, dynalite, the AWS fakes' front and the Slack stand-in share this process over loopback; this is not AWS latency.`);
  for (const e of w.errors) lines.push(`  ! ${e}`);
}

function printSlack(w: WarmResult, chatbot: ReturnType<typeof chatbotPosts>, lines: string[]) {
  const s = w.perExecution.measured.slack;
  lines.push(
    `  cicd-guardian: ${s.total} calls (chat.postMessage ${s.postMessage}, chat.update ${s.update}, thread replies ${s.reply}); SNS emails ${w.perExecution.measured.emails}; same every execution: ${w.perExecution.stable ? 'yes' : 'NO'}`,
  );
  lines.push(`  channel messages people see: ${s.postMessage} message kept current by ${s.update} updates, plus ${s.reply} thread repl${s.reply === 1 ? 'y' : 'ies'} (${s.broadcast} also broadcast to the channel)`);
  lines.push(`  one message per event (AWS Chatbot): ${chatbot.allEvents} posts if its rule selects every event type in the scenario (${chatbot.allEvents} events)`);
  lines.push(`                                       ${chatbot.pipelineAndFailedActions} posts if it selects only pipeline-execution events and failed-action events`);
  lines.push(
    `  assumption: Chatbot posts one new channel message per event its notification rule selects (no updates, no threads); the scenario's pipeline/stage/action events each map to a selectable CodePipeline notification event type.`,
  );
}

async function main() {
  // The bench runs on whatever Node is installed; the SDK's "upgrade Node" notice is noise here and in the children.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  const service = readService(ROOT);
  const lines: string[] = [];
  lines.push(
    `${service.service} bench: node ${process.version} ${process.platform}/${process.arch}, ${cpus().length} CPUs (load avg ${loadavg()[0]!.toFixed(2)} at start), esbuild ${esbuildVersion} (Lambda: nodejs22.x arm64; compare ratios, not absolute times)`,
  );
  const e = service.esbuild;
  lines.push(
    `esbuild as serverless.yml custom.esbuild: bundle=${e.bundle} minify=${e.minify} sourcemap=${String(e.sourcemap)} target=${String(e.target)} platform=${e.platform} format=${e.format} external=[${(e.external ?? []).join(',')}] define=[${Object.keys(e.define ?? {}).join(',')}]`,
  );

  lines.push('', `1. Bundle size and cold module init (fresh node per sample, require() timed with hrtime; ${INIT_RUNS} samples each after ${INIT_WARMUPS} warm-ups, function and floor alternated; Lambda-like env)`);
  const functions: FunctionReport[] = [];
  for (const fn of service.functions) {
    const f = await benchFunction(service, fn);
    functions.push(f);
    printFunction(f, lines);
  }

  const notify = service.functions.find((f) => f.name === 'notify');
  if (!notify) throw new Error('bench: serverless.yml has no notify function for the pipeline scenario');
  const scenario = loadScenario(ROOT);
  const warm = await measureWarm({
    scenario,
    handler: { name: notify.name, file: resolve(ROOT, notify.entry), exportName: notify.exportName },
    functionName: `${service.service}-bench-${notify.name}`,
    configFile: service.configFile,
    executions: EXECUTIONS,
    warmupExecutions: WARMUP_EXECUTIONS,
    timeoutS: 30,
  });
  lines.push('', `2. Warm handler latency, ${notify.name}, pipeline scenario (${SCENARIO_DIR})`);
  printWarm(warm, lines);

  const chatbot = chatbotPosts(scenario);
  lines.push('', '3. Slack API calls per pipeline execution (counted at the Slack stand-in)');
  printSlack(warm, chatbot, lines);

  const rollbackSim = simulateRollbacks();
  lines.push('', '4. Time to rollback: cicd-guardian vs the ECS deployment circuit breaker (simulated: event timelines from events/ and a model of the breaker, bench/rollback-sim.ts)');
  printRollbackSim(rollbackSim, lines);
  const rollback = service.functions.find((f) => f.name === 'rollback');
  if (!rollback) throw new Error('bench: serverless.yml has no rollback function for the burst');
  const rollbackBurst = runRollbackBurst({ file: resolve(ROOT, rollback.entry), exportName: rollback.exportName }, service.configFile);
  lines.push('', '5. Rollback under a rolling deployment\'s burst of task events (handler, dynalite and stand-ins in one fresh process here; bench/rollback-burst.ts)');
  printRollbackBurst(rollbackBurst, lines);
  const approvalClick = runApprovalClick(CLICK_REPETITIONS);
  lines.push('', '6. Slack click to PutApprovalResult (approval-gate and slack-interactions, dynalite and stand-ins in one fresh process here; bench/approval-click.ts)');
  printApprovalClick(approvalClick, lines);
  lines.push('', `done in ${((Date.now() - started) / 1000).toFixed(1)} s; JSON: ${join('bench', '.out', 'report.json')}`);

  const report = {
    generatedAt: new Date().toISOString(),
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, loadAvg1m: loadavg()[0], esbuild: esbuildVersion },
    esbuildOptions: { ...service.esbuild, define: Object.fromEntries(Object.keys(service.esbuild.define ?? {}).map((k) => [k, '(guardian.yml as JSON)'])) },
    aims: { ratio: AIM_RATIO, warmP99Ms: AIM_P99_MS, dynamoRequestsPerInvocation: AIM_DYNAMO_PER_INVOCATION },
    dynamoRequestsPerInvocation: dynamoPerInvocation(warm),
    functions,
    warm,
    slack: {
      guardianPerExecution: warm.perExecution.measured.slack,
      emailsPerExecution: warm.perExecution.measured.emails,
      chatbot: {
        ...chatbot,
        assumption:
          'AWS Chatbot posts one new message per event its notification rule selects; allEvents = every scenario event, pipelineAndFailedActions = pipeline execution events plus action events in state FAILED',
      },
    },
    rollbackSim,
    rollbackBurst,
    approvalClick,
    printed: lines,
  };
  writeFileSync(join(OUT, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(lines.join('\n'));
  if (warm.errors.length > 0 || rollbackBurst.failedInvocations > 0 || approvalClick.failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
