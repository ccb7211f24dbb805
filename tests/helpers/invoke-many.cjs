'use strict';

// Invokes one function's bundle (as serverless-esbuild built it for
// `sls invoke local`, in .esbuild/.build) with many events, one after another,
// through osls's own invoke-local wrapper: its context (no function ARN) and
// its answer, as the CLI prints it. One process for many events saves a CLI
// start (~3 s of CPU) per event. The environment is the caller's (what the CLI
// would set). Writes one JSON line per event: {"file", "answer"}.
//
//   node tests/helpers/invoke-many.cjs <function> <events.json: [{file, event}]>

const { readFileSync } = require('node:fs');
const path = require('node:path');
const AwsInvokeLocal = require('osls/lib/plugins/aws/invoke-local');
const { emitter } = require('osls/lib/utils/serverless-utils/lib/log/get-output-reporter');

async function main([fn, listFile]) {
  const invocations = JSON.parse(readFileSync(listFile, 'utf8'));
  const buildDir = path.resolve(__dirname, '..', '..', '.esbuild', '.build');
  // Where serverless-esbuild points invoke local (and its working directory).
  process.chdir(buildDir);
  const serverless = {
    serviceDir: buildDir,
    service: { provider: {} },
    getProvider: () => ({ naming: { getLogGroupName: (name) => `/aws/lambda/${name}` } }),
  };
  const plugin = new AwsInvokeLocal(serverless, { functionObj: { name: process.env.AWS_LAMBDA_FUNCTION_NAME, timeout: 60 } });
  let printed = [];
  emitter.on('write', ({ textTokens }) => printed.push(textTokens.join('')));
  for (const { file, event } of invocations) {
    printed = [];
    await plugin.invokeLocalNodeJs(`functions/${fn}`, 'handler', event);
    process.stdout.write(`${JSON.stringify({ file, answer: printed.length ? JSON.parse(printed.at(-1)) : null })}\n`);
  }
  // An error answer sets the exit code; the caller judges each answer instead.
  process.exitCode = 0;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exitCode = 2;
});
