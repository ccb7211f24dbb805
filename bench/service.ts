import { join, relative } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { configFileFor, handlerLocation, readServerlessYaml, resolveVariables } from '../local/service-definition.js';

// What the bench needs from serverless.yml: the functions (name, entry file,
// exported handler), the esbuild options serverless-esbuild would pass, and
// the provider/function environment that has a literal value.

export interface FunctionSpec {
  name: string;
  /** Entry file relative to the service directory (serverless-esbuild resolves the extension). */
  entry: string;
  exportName: string;
  /** Literal environment values from serverless.yml (provider + function); variables and intrinsics left out. */
  environment: Record<string, string>;
}

export interface ServiceSpec {
  root: string;
  service: string;
  /** The guardian policy `${guardian:...}` (custom.esbuild.define included) is resolved from. */
  configFile: string;
  functions: FunctionSpec[];
  /** esbuild options as serverless-esbuild builds them (plugin-only keys removed, `exclude` made external). */
  esbuild: BuildOptions;
  /** The raw custom.esbuild block, for the report. */
  esbuildRaw: Record<string, unknown>;
}

type Yaml = Record<string, unknown>;

/** serverless-esbuild keys that are not esbuild options (serverless-esbuild's bundle.ts strips the same list). */
const PLUGIN_ONLY_KEYS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
  'plugins',
];

const literal = (value: unknown): value is string | number | boolean =>
  (typeof value === 'string' && !value.includes('${')) || typeof value === 'number' || typeof value === 'boolean';

function literalEnv(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((env as Yaml | undefined) ?? {})) if (literal(v)) out[k] = String(v);
  return out;
}

export function readService(root: string): ServiceSpec {
  const doc = readServerlessYaml(join(root, 'serverless.yml'));
  const custom = (doc.custom ?? {}) as Yaml;
  const provider = (doc.provider ?? {}) as Yaml;
  const esbuildRaw = (custom.esbuild ?? {}) as Record<string, unknown>;

  // ${guardian:embedded} resolved as serverless/guardian-plugin.cjs resolves it: the validated policy as JSON.
  const configFile = configFileFor(doc);
  const resolvedDefine = resolveVariables(esbuildRaw.define ?? {}, configFile, 'custom.esbuild.define') as Yaml;
  const define = Object.fromEntries(Object.entries(resolvedDefine).map(([k, v]) => [k, String(v)]));

  const options: Record<string, unknown> = { ...esbuildRaw };
  for (const key of PLUGIN_ONLY_KEYS) delete options[key];
  // serverless-esbuild defaults (bundle: true, platform: node, exclude: ['aws-sdk']) when the block leaves them out.
  const exclude = (Array.isArray(esbuildRaw.exclude) ? esbuildRaw.exclude : ['aws-sdk']).filter((e): e is string => typeof e === 'string' && e !== '*');
  const external = Array.isArray(esbuildRaw.external) ? esbuildRaw.external.filter((e): e is string => typeof e === 'string') : [];
  const esbuild: BuildOptions = {
    bundle: true,
    platform: 'node',
    ...(options as BuildOptions),
    define,
    external: [...external, ...exclude],
  };

  const functions: FunctionSpec[] = [];
  for (const [name, fn] of Object.entries((doc.functions ?? {}) as Record<string, Yaml>)) {
    const { file, exportName } = handlerLocation({ name, handler: String(fn.handler) }, root);
    functions.push({
      name,
      entry: relative(root, file),
      exportName,
      environment: { ...literalEnv(provider.environment), ...literalEnv(fn.environment) },
    });
  }
  return { root, service: String(doc.service), configFile, functions, esbuild, esbuildRaw };
}
