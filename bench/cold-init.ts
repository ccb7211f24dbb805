import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localTopicArn, REGION } from '../local/environment.js';
import { summarize, type Summary } from './stats.js';
import type { FunctionSpec } from './service.js';

// Cold module init: a fresh `node` per sample require()s the bundle, timing
// the require with process.hrtime.bigint(); the parent also times the whole
// process (spawn to exit). Function and floor alternate so drift hits both.

const PROBE = `'use strict';
const t0 = process.hrtime.bigint();
const mod = require(process.argv[2]);
const t1 = process.hrtime.bigint();
if (typeof mod[process.argv[3]] !== 'function') throw new Error('no handler export ' + process.argv[3]);
process.stdout.write(JSON.stringify({ requireNs: String(t1 - t0), sinceStartMs: performance.now() }));
process.exit(0);
`;

interface InitSamples {
  requireMs: number[];
  wallMs: number[];
  /** Process start (timeOrigin) to the handler being ready, from the child's clock. */
  readyMs: number[];
}

export interface InitResult {
  require: Summary;
  wall: Summary;
  ready: Summary;
}

/** The environment Lambda gives a nodejs22.x function at init, with dummy credentials. */
export function lambdaEnv(service: string, fn: FunctionSpec, extra: Record<string, string> = {}): Record<string, string> {
  const functionName = `${service}-bench-${fn.name}`;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench/bench/bench/bench/bench/bench/bench0',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/01/01/[$LATEST]bench',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
    _HANDLER: `${fn.name}.${fn.exportName}`,
    // The SDK's "Node.js version is in maintenance" notice and Node's own warnings stay out of the timings.
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    NODE_NO_WARNINGS: '1',
    // POWERTOOLS_* left at their Lambda defaults (log level INFO, metrics and tracing on) except what serverless.yml sets.
    ...fn.environment,
    GUARDIAN_TABLE: `${service}-bench-state`,
    GUARDIAN_TOPIC_ARN: localTopicArn(`${service}-bench-notifications`),
    ...extra,
  };
}

function sample(file: string, exportName: string, env: Record<string, string>, probe: string): { requireMs: number; wallMs: number; readyMs: number } {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [probe, file, exportName], { env, encoding: 'utf8', timeout: 30_000 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`bench: cold init of ${file} failed (${child.status ?? child.signal}): ${child.stderr || child.stdout}`);
  const out = JSON.parse(child.stdout) as { requireNs: string; sinceStartMs: number };
  return { requireMs: Number(BigInt(out.requireNs)) / 1e6, wallMs, readyMs: out.sinceStartMs };
}

/** Alternates function and floor: `warmups` discarded spawns each, then `runs` measured each. */
export function measureColdInit(
  files: { fn: string; floor: string },
  exportName: string,
  env: Record<string, string>,
  outDir: string,
  runs: number,
  warmups: number,
): { fn: InitResult; floor: InitResult } {
  const probe = join(outDir, 'init-probe.cjs');
  writeFileSync(probe, PROBE);
  const acc = { fn: { requireMs: [], wallMs: [], readyMs: [] } as InitSamples, floor: { requireMs: [], wallMs: [], readyMs: [] } as InitSamples };
  for (let i = 0; i < warmups + runs; i++) {
    // ABBA order, so neither side always runs first.
    const order: ('fn' | 'floor')[] = i % 2 === 0 ? ['fn', 'floor'] : ['floor', 'fn'];
    for (const which of order) {
      const s = sample(which === 'fn' ? files.fn : files.floor, which === 'fn' ? exportName : 'handler', env, probe);
      if (i < warmups) continue;
      acc[which].requireMs.push(s.requireMs);
      acc[which].wallMs.push(s.wallMs);
      acc[which].readyMs.push(s.readyMs);
    }
  }
  const result = (s: InitSamples): InitResult => ({ require: summarize(s.requireMs), wall: summarize(s.wallMs), ready: summarize(s.readyMs) });
  return { fn: result(acc.fn), floor: result(acc.floor) };
}
