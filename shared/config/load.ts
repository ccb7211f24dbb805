import '../runtime/zod-messages.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { GuardianConfigSchema, type GuardianConfig } from './schema.js';

/** guardian.yml is wrong; the message names each bad field's path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The config validated at package time and embedded into each bundle by
 * esbuild's `define` (see serverless.yml), so Lambda needs no YAML parser.
 */
declare const GUARDIAN_EMBEDDED_CONFIG: unknown;

export function parseConfig(raw: unknown, origin: string): GuardianConfig {
  const result = GuardianConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  throw new ConfigError(`${origin} is invalid:\n${problems.join('\n')}`);
}

export function readConfigFile(path: string): GuardianConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    // Required lazily: only local runs and packaging read YAML; bundles embed JSON.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    raw = path.endsWith('.json') ? JSON.parse(text) : (require('yaml') as typeof import('yaml')).parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}

let cached: GuardianConfig | undefined;

/** The service's config: embedded at package time, else `configFile` (GUARDIAN_CONFIG, default ./guardian.yml). Validated once per container. */
export function getConfig(configFile = 'guardian.yml'): GuardianConfig {
  if (cached) return cached;
  cached =
    typeof GUARDIAN_EMBEDDED_CONFIG !== 'undefined'
      ? parseConfig(GUARDIAN_EMBEDDED_CONFIG, 'embedded guardian config')
      : readConfigFile(resolve(configFile));
  return cached;
}

/** Tests and the local runner swap configs between runs. */
export function setConfig(config: GuardianConfig | undefined): void {
  cached = config;
}

export const configJsonSchema = (): object => z.toJSONSchema(GuardianConfigSchema, { io: 'input' });
