import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import type { FunctionSpec, ServiceSpec } from './service.js';
import { FUNCTIONS, iamNeedsOf, type FunctionName } from '../functions/permissions.js';

// Each function's bundle as serverless-esbuild builds it, and beside it a
// floor: a bundle, built with the same options, that does nothing but
// construct at module scope the AWS SDK v3 clients the function uses (those
// of the services its role grants, found in its bundle).

/**
 * The clients a function uses are those of the services its role grants (functions/permissions.ts,
 * the declarations its IAM is derived from), so a client bundled without a grant is not in the floor
 * and shows as a mismatch. STS is the exception: GetCallerIdentity (the function's own account,
 * shared/runtime/identity.ts) needs no grant.
 */
const UNGRANTED_CLIENTS = ['@aws-sdk/client-sts'];
/** Granted services the function calls without an SDK client: Lambda's own logs, traces and DLQ, KMS through SSM and Secrets Manager, iam:PassRole with ECS UpdateService. */
const NO_CLIENT_SERVICES = new Set(['logs', 'xray', 'sqs', 'kms', 'iam']);

/** The IAM service prefixes the function's role grants, or undefined for a function functions/permissions.ts does not name. */
function grantedServices(name: string): Set<string> | undefined {
  if (!Object.hasOwn(FUNCTIONS, name)) return undefined;
  return new Set(iamNeedsOf(name as FunctionName).flatMap((need) => need.actions.map((action) => action.split(':')[0]!)));
}

/** A client package's IAM service prefix: its name after "@aws-sdk/client-" without dashes (secrets-manager: secretsmanager). */
const serviceOf = (pkg: string) => pkg.replace('@aws-sdk/client-', '').replaceAll('-', '');

interface SdkClient {
  pkg: string;
  className: string;
}

interface BuiltBundle {
  file: string;
  bytes: number;
  metafile: Metafile;
  /** bytesInOutput per input path. */
  inputs: Record<string, number>;
}

export interface FunctionBundles {
  fn: FunctionSpec;
  bundle: BuiltBundle;
  floor: BuiltBundle;
  clients: SdkClient[];
  /** Clients found in the bundle that its role grants no service of, or granted services with no client in the bundle. */
  clientMismatch?: string;
}

export interface Contributor {
  name: string;
  bytes: number;
}

function outputOf(metafile: Metafile, file: string, root: string): { bytes: number; inputs: Record<string, number> } {
  const key = Object.keys(metafile.outputs).find((k) => join(root, k) === file || k === relative(root, file));
  const out = key ? metafile.outputs[key] : undefined;
  if (!out) throw new Error(`bench: esbuild metafile has no output ${file}`);
  const inputs: Record<string, number> = {};
  for (const [path, input] of Object.entries(out.inputs)) inputs[path] = input.bytesInOutput;
  return { bytes: out.bytes, inputs };
}

async function bundleTo(options: BuildOptions, file: string, root: string): Promise<BuiltBundle> {
  const result = await build({ ...options, outfile: file, metafile: true, logLevel: 'warning', absWorkingDir: root, write: true });
  return { file, metafile: result.metafile, ...outputOf(result.metafile, file, root) };
}

/** The @aws-sdk/client-* packages a bundle pulls in, with the client class each exports. */
function clientsIn(inputs: Record<string, number>, root: string): SdkClient[] {
  const pkgs = new Set<string>();
  for (const path of Object.keys(inputs)) {
    const m = /node_modules\/(@aws-sdk\/client-[^/]+)\//.exec(path);
    if (m) pkgs.add(m[1]!);
  }
  return [...pkgs].sort().map((pkg) => {
    const mod = require(require.resolve(pkg, { paths: [root] })) as Record<string, unknown>;
    const classes = Object.keys(mod).filter((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k) && typeof mod[k] === 'function');
    if (classes.length !== 1) throw new Error(`bench: ${pkg} exports ${classes.length} client classes (${classes.join(', ')})`);
    return { pkg, className: classes[0]! };
  });
}

function floorSource(clients: SdkClient[]): string {
  const lines = clients.map((c) => `import { ${c.className} } from '${c.pkg}';`);
  lines.push('', '// Module scope, default configuration: what any function using these clients pays at minimum.');
  lines.push(`export const clients = [${clients.map((c) => `new ${c.className}({})`).join(', ')}];`);
  lines.push(`export const handler = async () => clients.length;`);
  return lines.join('\n') + '\n';
}

export async function buildBundles(service: ServiceSpec, fn: FunctionSpec, outDir: string): Promise<FunctionBundles> {
  const dir = join(outDir, 'bundles', fn.name);
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleTo({ ...service.esbuild, entryPoints: [join(service.root, fn.entry)] }, join(dir, `${fn.name}.js`), service.root);

  const found = clientsIn(bundle.inputs, service.root);
  const granted = grantedServices(fn.name);
  const uses = (c: SdkClient) => !granted || granted.has(serviceOf(c.pkg)) || UNGRANTED_CLIENTS.includes(c.pkg);
  const clients = found.filter(uses);
  let clientMismatch: string | undefined;
  if (granted) {
    const bundled = new Set(found.map((c) => serviceOf(c.pkg)));
    const missing = [...granted].filter((g) => !NO_CLIENT_SERVICES.has(g) && !bundled.has(g));
    const extra = found.filter((c) => !uses(c)).map((c) => c.className);
    if (missing.length || extra.length) {
      clientMismatch = `granted but not bundled: [${missing.join(', ')}]; bundled but not granted (left out of the floor): [${extra.join(', ')}]`;
    }
  } else {
    clientMismatch = 'functions/permissions.ts does not name this function: the floor is every client in its bundle';
  }
  const floor = await bundleTo(
    {
      ...service.esbuild,
      stdin: { contents: floorSource(clients), resolveDir: service.root, sourcefile: `bench-floor-${fn.name}.js`, loader: 'js' },
    },
    join(dir, `floor-${fn.name}.js`),
    service.root,
  );
  return { fn, bundle, floor, clients, clientMismatch };
}

const packageOf = (path: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (m) return m[1]!;
  return path.split('/')[0] === '..' || path.startsWith('<') ? path : `(project) ${path.split('/')[0]}/`;
};

/** Inputs (and packages) by bytes in the function bundle beyond what the floor already carries. */
export function contributors(b: FunctionBundles, top = 10): { inputs: Contributor[]; packages: Contributor[] } {
  const delta: Record<string, number> = {};
  for (const [path, bytes] of Object.entries(b.bundle.inputs)) delta[path] = bytes - (b.floor.inputs[path] ?? 0);
  const byPackage: Record<string, number> = {};
  for (const [path, bytes] of Object.entries(delta)) byPackage[packageOf(path)] = (byPackage[packageOf(path)] ?? 0) + bytes;
  const rank = (r: Record<string, number>) =>
    Object.entries(r)
      .filter(([, bytes]) => bytes > 0)
      .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes }));
  return { inputs: rank(delta), packages: rank(byPackage) };
}
