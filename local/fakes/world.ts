import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mockClient } from 'aws-sdk-client-mock';
import { NormalizedSchema } from '@smithy/core/schema';
import { AwsFault, type AwsChange, type FakeContext, type Input, type Operations, type PublishedEmail } from './service-fake';
import { clientModulesOf, DOMAIN, GUARDED } from './services';
import { operationSchemas, revive } from './shapes';

// The fake AWS world, put in place in this process with aws-sdk-client-mock:
// every SDK client of a faked service (services.ts) answers from the fakes
// instead of sending a request. Each call is recorded (with the access key of
// the credentials the client signs with), and a test can script failures.
// In process the SDK's retries are bypassed: a scripted failure fails the call.

/** The payments-api world every scenario in events/scenarios/ tells a part of. */
export const PAYMENTS_DATA = join(__dirname, 'payments');

export interface FakeAwsOptions {
  /** The folder of data files, <service>.json each (services.ts). Default: PAYMENTS_DATA. */
  dataDir?: string;
  /** Data that replaces a service's data file, by service (the bench's many executions). */
  data?: Record<string, unknown>;
  /** How long AssumeRole's credentials last, in seconds. Default: 3600 (STS's default). */
  assumedRoleSeconds?: number;
  /** The clock the changes are timed by (the local runner's replay clock). Default: the real time. */
  now?: () => Date;
}

export interface AwsCall {
  /** The service's name in services.ts ("ecs", "sts" ...). */
  service: string;
  operation: string;
  input: Input;
  /** 200, or the error's HTTP status. */
  status: number;
  /** Set when the call was answered with an error. */
  errorCode?: string;
  /** The access key id of the credentials the client signed with. */
  signedBy?: string;
}

export interface ScriptedAwsFailure {
  /** HTTP status, e.g. 400 for throttling and access denied. */
  status: number;
  /** The error code: ThrottlingException / AccessDeniedException (CodePipeline), ClientException (ECS), Throttled / AuthorizationError (SNS). */
  code: string;
  message?: string;
  /** How many of the next calls to the operation fail (default 1). */
  times?: number;
}

/** An SDK client module's client class, as the fakes use it. */
export type ClientClass = new (config: Record<string, unknown>) => { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };

/** A faked service: its name and the SDK client module the HTTP front calls it through. */
export interface FakedService {
  name: string;
  module: Record<string, unknown>;
  Client: ClientClass;
}

export interface FakeAws {
  /** Every call, answered or failed, in order. */
  calls: AwsCall[];
  /** SNS Publish calls that succeeded, in order. */
  published: PublishedEmail[];
  /** Calls that changed the world (StopServiceDeployment, UpdateService, DisableStageTransition), in order. */
  changes: AwsChange[];
  /** The next call(s) to `operation` (e.g. "GetPipelineExecution", "Publish") fail as given. */
  failNext(operation: string, failure: ScriptedAwsFailure): void;
  /** Called for every successful Publish (the local runner prints them). */
  onPublish?: (email: PublishedEmail) => void;
  /** Called for every change (the local runner prints them). */
  onChange?: (change: AwsChange) => void;
  /** The faked services, by the name SigV4 signs their requests with (the HTTP front routes by it). */
  bySigningName: Map<string, FakedService>;
  /** Puts the real SDK clients back. */
  close(): Promise<void>;
}

/** What the fakes use of aws-sdk-client-mock's stub: its sinon stub of `send` (called with the client as `this`). */
interface ClientMock {
  send: { callsFake(fake: (this: { config: Record<string, unknown> }, command: { schema: unknown; input: Input }) => Promise<unknown>): unknown };
  restore(): void;
}

/** One entry of a data file's "answers": see services.ts. */
interface DeclaredAnswer {
  input?: Input;
  output?: unknown;
  error?: { status?: number; code: string; message?: string };
}

/** Operations that only read: answering one changes nothing. */
const READ_ONLY = /^(Get|List|Describe|BatchGet|Search|Lookup|Head)/;
/**
 * What a declared change acts on: the first name-like parameter it was given (pipelineName, Name, serviceArn ...),
 * else the first list of them (CreateTags' Resources, StopInstances' InstanceIds).
 */
const targetOf = (input: Input): string => {
  const named = Object.entries(input).find(([key, value]) => typeof value === 'string' && /(name|arn|id)$/i.test(key) && key !== 'token');
  if (named) return String(named[1]);
  const listed = Object.values(input).find((value): value is string[] => Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'));
  return listed ? listed.join(', ') : '(no target)';
};
/** The change's other plain parameters, as the runner prints them (never a token). */
const detailOf = (input: Input): Record<string, string> =>
  Object.fromEntries(
    Object.entries(input)
      .filter(([key, value]) => key !== 'token' && value !== undefined && typeof value !== 'object' && String(value) !== targetOf(input))
      .map(([key, value]) => [key, String(value)]),
  );

export function installFakeAws(options: FakeAwsOptions = {}): FakeAws {
  const dir = options.dataDir ?? PAYMENTS_DATA;
  const data: Record<string, Record<string, unknown>> = existsSync(dir)
    ? Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [basename(f, '.json'), readData(join(dir, f))]))
    : {};
  for (const [service, replaced] of Object.entries(options.data ?? {})) data[service] = structuredClone(replaced) as Record<string, unknown>;

  const failures: { operation: string; failure: ScriptedAwsFailure; left: number }[] = [];
  const mocks: ClientMock[] = [];
  const world: FakeAws = {
    calls: [],
    published: [],
    changes: [],
    failNext: (operation, failure) => failures.push({ operation, failure, left: failure.times ?? 1 }),
    bySigningName: new Map(),
    close: async () => mocks.forEach((m) => m.restore()),
  };
  const context: FakeContext = {
    now: options.now ?? (() => new Date()),
    assumedRoleSeconds: options.assumedRoleSeconds ?? 3600,
    change: (made) => (world.changes.push(made), world.onChange?.(made)),
    publish: (email) => (world.published.push(email), world.onPublish?.(email)),
  };
  const scripted = (operation: string) => {
    const i = failures.findIndex((f) => f.operation === operation);
    if (i < 0) return undefined;
    const { failure } = failures[i]!;
    if (--failures[i]!.left <= 0) failures.splice(i, 1);
    return new AwsFault(failure.status, failure.code, failure.message ?? `${failure.code} (scripted by the test)`);
  };

  for (const name of new Set([...Object.keys(DOMAIN), ...Object.keys(data), ...GUARDED])) {
    const serviceData = data[name] ?? {};
    const declared = (serviceData.answers ?? {}) as Record<string, DeclaredAnswer[]>;
    const operations: Operations = DOMAIN[name]?.(serviceData, context) ?? {};

    const answer = (operation: string, input: Input, unknownCode: string): unknown => {
      const fault = scripted(operation);
      if (fault) throw fault;
      const entry = declared[operation]?.find((a) => a.input === undefined || isPartOf(a.input, input));
      if (entry?.error) throw new AwsFault(entry.error.status ?? 400, entry.error.code, entry.error.message ?? entry.error.code);
      if (entry) {
        // A declared answer to a call that changes something (not a Get/List/Describe) is a change the runner shows.
        if (!READ_ONLY.test(operation)) context.change({ service: name, operation, target: targetOf(input), detail: detailOf(input) });
        return entry.output ?? {};
      }
      if (Object.hasOwn(operations, operation)) return operations[operation]!(input);
      const why = declared[operation] ? `no answer in ${relative(process.cwd(), join(dir, `${name}.json`))} matches its input` : `${name} ${operation} has no local fake`;
      throw new AwsFault(400, unknownCode, `${operation}: ${why} (local/fakes/services.ts)`);
    };

    for (const moduleName of clientModulesOf(name)) {
      const module = loadClientModule(moduleName, name, dir);
      const Client = Object.entries(module).find(([key, value]) => /^[A-Za-z0-9]+Client$/.test(key) && typeof value === 'function')![1] as ClientClass;
      const mock = mockClient(Client as never) as unknown as ClientMock;
      mocks.push(mock);
      // One generic answer for every command: the operation is named by the command's schema.
      mock.send.callsFake(async function (this: { config: Record<string, unknown> }, command: { schema: unknown; input: Input }) {
        const operation = NormalizedSchema.of(command.schema as never).getName()!;
        // The credentials the client would sign with (a failure to get them fails the call before it is made, as in the SDK).
        const credentials = this.config.credentials as (() => Promise<{ accessKeyId: string }>) | undefined;
        const signedBy = credentials ? (await credentials()).accessKeyId : undefined;
        const call: AwsCall = { service: name, operation, input: structuredClone(command.input ?? {}), status: 200, ...(signedBy ? { signedBy } : {}) };
        world.calls.push(call);
        const $metadata = { httpStatusCode: 200, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
        const isQuery = (this.config.protocol as { getShapeId?(): string } | undefined)?.getShapeId?.() === 'aws.protocols#awsQuery';
        try {
          const output = await answer(operation, call.input, isQuery ? 'InvalidAction' : 'UnknownOperationException');
          const schemas = operationSchemas(module, operation);
          return { ...(schemas ? (revive(schemas.output, output) as object) : (output as object)), $metadata };
        } catch (error) {
          const fault = error instanceof AwsFault ? error : new AwsFault(500, 'InternalFailure', (error as Error).message);
          call.status = fault.status;
          call.errorCode = fault.code;
          throw sdkException(module, fault, { ...$metadata, httpStatusCode: fault.status });
        }
      });
      if (moduleName === clientModulesOf(name)[0]) {
        world.bySigningName.set(signingNameOf(Client), { name, module, Client });
      }
    }
  }
  return world;
}

/** A data file: JSON as written (timestamps stay ISO strings until a caller gets them). */
function readData(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${relative(process.cwd(), file)}: ${(error as Error).message}`, { cause: error });
  }
}

function loadClientModule(moduleName: string, service: string, dir: string): Record<string, unknown> {
  try {
    // require, not import(): Jest's module registry must give the tests' own copy of the client to mock.
    return require(moduleName) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${relative(process.cwd(), join(dir, `${service}.json`))}: the ${service} fake answers ${moduleName}, which is not installed (npm install -D ${moduleName})`, { cause: error });
  }
}

/** The name SigV4 signs the service's requests with ("ecs", "sts", "secretsmanager"). */
function signingNameOf(Client: ClientClass): string {
  const client = new Client({ region: 'us-east-1' }) as unknown as { config: { defaultSigningName?: string }; destroy(): void };
  client.destroy();
  return client.config.defaultSigningName ?? '';
}

/** The SDK's exception for `fault.code` (e.g. PipelineExecutionNotFoundException, or InvalidParameterException for SNS's "InvalidParameter"), else the service's base exception named by the code. */
function sdkException(module: Record<string, unknown>, fault: AwsFault, $metadata: Record<string, unknown>): Error {
  type ExceptionClass = new (options: Record<string, unknown>) => Error;
  const isError = (v: unknown): v is ExceptionClass => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error;
  const own = [module[fault.code], module[`${fault.code}Exception`]].find(isError);
  const base = Object.entries(module).find(([key, value]) => key.endsWith('ServiceException') && isError(value))![1] as ExceptionClass;
  const $fault = fault.status >= 500 ? 'server' : 'client';
  const error = own ? new own({ message: fault.message, $metadata }) : new base({ name: fault.code, $fault, message: fault.message, $metadata });
  // The code as the wire carries it, for the HTTP front.
  return Object.assign(error, { Code: fault.code });
}

/** Whether `pattern` is part of `value`: objects by the keys the pattern names, anything else equal. */
function isPartOf(pattern: unknown, value: unknown): boolean {
  if (typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern)) {
    return typeof value === 'object' && value !== null && Object.entries(pattern).every(([k, v]) => isPartOf(v, (value as Input)[k]));
  }
  return isDeepStrictEqual(pattern, value);
}
