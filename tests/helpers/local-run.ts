// `npm start` as a child process, with the environment a person's shell would give it.
import { execFile } from 'node:child_process';
import { isolatedEnv, REPO } from './invoke-local';

export const TIMEOUT_MS = 60_000;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLocal(...args: string[]): Promise<Run> {
  // The runner must use its stand-ins whatever the developer's shell holds.
  const env = isolatedEnv({ NO_COLOR: '1' });
  delete env.FORCE_COLOR;
  // ... and print what a person's shell would see, not the test environment's quieted Powertools.
  for (const name of Object.keys(env)) if (name.startsWith('POWERTOOLS_')) delete env[name];
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/local.ts', ...args], { cwd: REPO, env, timeout: TIMEOUT_MS, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

