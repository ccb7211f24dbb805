import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionExecutionDetail, PipelineDeclaration, PipelineExecution, PipelineMetadata } from '@aws-sdk/client-codepipeline';
import { ACCOUNT, REGION } from './environment';
import { readBody } from './http-body';

// A local stand-in for the AWS APIs the notify function calls, spoken to by
// the real SDK clients through AWS_ENDPOINT_URL_SNS / _CODEPIPELINE:
//
//   SNS Publish (awsQuery: form-encoded POST, XML answer): recorded as an email.
//   CodePipeline GetPipelineExecution, GetPipeline, ListActionExecutions
//   (awsJson1_1, X-Amz-Target: CodePipeline_20150709.<Operation>): answered
//   from scenario data, by default a payments-api execution failing in Deploy
//   (the one events/scenarios/pipeline-fails-in-deploy/ describes).
//
// Anything else gets the error AWS gives an unknown operation, so a call
// nobody planned for fails loudly instead of reaching a real account.
// Shapes follow the API references' "Response Syntax" sections.

/** One pipeline execution the stand-in knows, in the SDK's types (timestamps as Date). */
interface ExecutionScenario {
  /** GetPipelineExecution's `pipelineExecution`. */
  execution: PipelineExecution & { pipelineName: string; pipelineExecutionId: string };
  /** GetPipeline's `pipeline` for the execution's pipeline. */
  pipeline: PipelineDeclaration;
  metadata?: PipelineMetadata;
  /** ListActionExecutions' `actionExecutionDetails` for the execution, newest first (as the API lists them). */
  actions: ActionExecutionDetail[];
}

interface AwsScenario {
  /** Default: [paymentsApiExecution()]. */
  executions?: ExecutionScenario[];
}

export interface PublishedEmail {
  topicArn: string;
  subject?: string;
  message: string;
  messageId: string;
}

interface AwsCall {
  /** "sns", "codepipeline", or the target prefix / "unknown" for what the stand-in does not serve. */
  service: string;
  operation: string;
  input: Record<string, unknown>;
  status: number;
  /** Set when the call was answered with an error. */
  errorCode?: string;
}

interface ScriptedAwsFailure {
  /** HTTP status, e.g. 400 for throttling and access denied (both protocols use 400 for those). */
  status: number;
  /** The error code: ThrottlingException / AccessDeniedException (CodePipeline), Throttled / AuthorizationError (SNS). */
  code: string;
  message?: string;
  /** How many of the next calls to `operation` fail (default 1). The SDK retries throttling, so script maxAttempts to fail a call. */
  times?: number;
}

export interface AwsStandIn {
  /** For AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_CODEPIPELINE (and any service that must not reach AWS). */
  endpoint: string;
  /** SNS Publish calls that succeeded, in order. */
  published: PublishedEmail[];
  /** Every call, answered or failed, in order. */
  calls: AwsCall[];
  /** The next call(s) to `operation` (e.g. "GetPipelineExecution", "Publish") fail as given. */
  failNext(operation: string, failure: ScriptedAwsFailure): void;
  /** Called for every successful Publish (the local runner prints them). */
  onPublish?: (email: PublishedEmail) => void;
  close(): Promise<void>;
}

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const CODEPIPELINE_TARGET = 'CodePipeline_20150709.';
/** SNS: messages up to 256 KB; subjects under 100 characters, one line. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 99;

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startAwsStandIn(scenario: AwsScenario = {}): Promise<AwsStandIn> {
  const executions = scenario.executions ?? [paymentsApiExecution()];
  const failures: { operation: string; failure: ScriptedAwsFailure; left: number }[] = [];

  const stand: AwsStandIn = {
    endpoint: '',
    published: [],
    calls: [],
    failNext: (operation, failure) => failures.push({ operation, failure, left: failure.times ?? 1 }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const scripted = (operation: string): AwsError | undefined => {
    const i = failures.findIndex((f) => f.operation === operation);
    if (i < 0) return undefined;
    const entry = failures[i]!;
    if (--entry.left <= 0) failures.splice(i, 1);
    return new AwsError(entry.failure.status, entry.failure.code, entry.failure.message ?? `${entry.failure.code} (scripted by the test)`);
  };

  // ---------------------------------------------------------- CodePipeline

  const pipelineOf = (name: unknown) => {
    const found = executions.find((e) => e.execution.pipelineName === name);
    if (!found) throw new AwsError(400, 'PipelineNotFoundException', `Account '${ACCOUNT}' does not have a pipeline with name '${String(name)}'`);
    return found;
  };
  const executionOf = (pipeline: unknown, id: unknown) => {
    pipelineOf(pipeline);
    const found = executions.find((e) => e.execution.pipelineName === pipeline && e.execution.pipelineExecutionId === id);
    if (!found) throw new AwsError(400, 'PipelineExecutionNotFoundException', `Pipeline execution with id '${String(id)}' does not exist in pipeline '${String(pipeline)}'`);
    return found;
  };
  const required = (input: Record<string, unknown>, ...names: string[]) => {
    for (const name of names) {
      if (typeof input[name] !== 'string' || input[name] === '') {
        throw new AwsError(400, 'ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
      }
    }
  };

  const codePipeline: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetPipelineExecution: (input) => {
      required(input, 'pipelineName', 'pipelineExecutionId');
      return { pipelineExecution: executionOf(input.pipelineName, input.pipelineExecutionId).execution };
    },
    GetPipeline: (input) => {
      required(input, 'name');
      const { pipeline, metadata } = pipelineOf(input.name);
      return { pipeline, ...(metadata ? { metadata } : {}) };
    },
    ListActionExecutions: (input) => {
      required(input, 'pipelineName');
      const filter = input.filter as { pipelineExecutionId?: string } | undefined;
      const max = typeof input.maxResults === 'number' ? input.maxResults : 100;
      const details = filter?.pipelineExecutionId
        ? executionOf(input.pipelineName, filter.pipelineExecutionId).actions
        : executions.filter((e) => e.execution.pipelineName === pipelineOf(input.pipelineName).execution.pipelineName).flatMap((e) => e.actions);
      return { actionExecutionDetails: details.slice(0, max) };
    },
  };

  function answerJson(res: ServerResponse, contentType: string, status: number, body: unknown) {
    const text = JSON.stringify(body, epochSeconds);
    const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': randomUUID() };
    if (status >= 400) headers['x-amzn-errortype'] = (body as { __type: string }).__type;
    res.writeHead(status, headers).end(text);
  }

  function jsonCall(target: string, text: string, contentType: string, res: ServerResponse) {
    const known = target.startsWith(CODEPIPELINE_TARGET);
    const operation = known ? target.slice(CODEPIPELINE_TARGET.length) : target.split('.').pop() || target;
    const call: AwsCall = { service: known ? 'codepipeline' : target.split('.')[0] || 'unknown', operation, input: {}, status: 200 };
    stand.calls.push(call);
    try {
      try {
        call.input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        throw new AwsError(400, 'SerializationException', 'Start of structure or map found where not expected');
      }
      const op = known ? codePipeline[operation] : undefined;
      if (!op) throw new AwsError(400, 'UnknownOperationException', `Operation ${target} is not served by the local AWS stand-in`);
      const failure = scripted(operation);
      if (failure) throw failure;
      answerJson(res, contentType, 200, op(call.input));
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'InternalFailure', (error as Error).message);
      call.status = e.status;
      call.errorCode = e.code;
      answerJson(res, contentType, e.status, { __type: e.code, message: e.message });
    }
  }

  // ------------------------------------------------------------------ SNS

  function answerXml(res: ServerResponse, status: number, xml: string) {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(xml);
  }

  function publish(params: URLSearchParams): string {
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    const message = params.get('Message');
    const subject = params.get('Subject') ?? undefined;
    if (!topicArn || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(topicArn)) {
      throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
    }
    if (!message) throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    // "Subjects must be text that begins with a letter, number, or punctuation mark; must not include
    // line breaks or control characters; and must be less than 100 characters long."
    if (subject !== undefined && (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || /\p{Cc}/u.test(subject) || /^\s/.test(subject))) {
      throw new AwsError(400, 'InvalidParameter', 'Invalid parameter: Subject');
    }
    const email: PublishedEmail = { topicArn, subject, message, messageId: randomUUID() };
    stand.published.push(email);
    stand.onPublish?.(email);
    return email.messageId;
  }

  function queryCall(text: string, res: ServerResponse) {
    const params = new URLSearchParams(text);
    const operation = params.get('Action') ?? '(no Action)';
    const call: AwsCall = { service: 'sns', operation, input: Object.fromEntries(params), status: 200 };
    stand.calls.push(call);
    const requestId = randomUUID();
    try {
      if (operation !== 'Publish' || params.get('Version') !== '2010-03-31') {
        throw new AwsError(400, 'InvalidAction', `The action or operation requested is invalid: ${operation} is not served by the local AWS stand-in`);
      }
      const failure = scripted(operation);
      if (failure) throw failure;
      const messageId = publish(params);
      answerXml(
        res,
        200,
        `<PublishResponse xmlns="${SNS_XMLNS}">\n  <PublishResult>\n    <MessageId>${messageId}</MessageId>\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`,
      );
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'InternalError', (error as Error).message);
      call.status = e.status;
      call.errorCode = e.code;
      answerXml(
        res,
        e.status,
        `<ErrorResponse xmlns="${SNS_XMLNS}">\n  <Error>\n    <Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type>\n    <Code>${xml(e.code)}</Code>\n    <Message>${xml(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
      );
    }
  }

  // ------------------------------------------------------------- routing

  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const target = req.headers['x-amz-target'];
    const contentType = req.headers['content-type'] ?? '';
    if (typeof target === 'string') return jsonCall(target, text, contentType.startsWith('application/x-amz-json') ? contentType : 'application/x-amz-json-1.1', res);
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) return queryCall(text, res);
    stand.calls.push({ service: 'unknown', operation: `${req.method} ${req.url}`, input: {}, status: 400, errorCode: 'UnknownOperationException' });
    answerJson(res, 'application/json', 400, { __type: 'UnknownOperationException', message: `${req.method} ${req.url} is not served by the local AWS stand-in` });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stand.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stand;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** JSON.stringify replacer: awsJson timestamps are epoch seconds (Date#toJSON has already made an ISO string of `value`). */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

// -------------------------------------------------------------- scenario

/** The scenario's commit (events/scenarios/pipeline-fails-in-deploy/04-source-action-succeeded.json). */
export const PAYMENTS_COMMIT = '4f1a9c27e8b3d605c2e7f9a1b4d8c3e6f0a2b5c7';
export const PAYMENTS_EXECUTION_ID = '2626f4d3-6125-49ec-b3c8-3074348bc840';
export const PAYMENTS_COMMIT_MESSAGE = 'Add idempotency keys to the refund endpoint';

/**
 * The payments-api execution of events/scenarios/pipeline-fails-in-deploy/, as
 * CodePipeline reports it once it has failed: source commit from a GitHub
 * connection, Build succeeded, DeployToEcs failed with JobFailed. Another
 * execution id gives the same execution under that id (tests re-key scenarios).
 */
export function paymentsApiExecution(executionId = PAYMENTS_EXECUTION_ID): ExecutionScenario {
  const at = (time: string) => new Date(`2025-06-12T${time}Z`);
  const connectionArn = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/5acc0bb5-21d2-4163-b4d6-cc4d42ea17a1`;
  const revisionUrl = `https://${REGION}.console.aws.amazon.com/codesuite/settings/connections/redirect?connectionArn=${connectionArn}&referenceType=COMMIT&FullRepositoryId=example-org/payments-api&Commit=${PAYMENTS_COMMIT}`;
  const revisionSummary = JSON.stringify({ ProviderType: 'GitHub', CommitMessage: PAYMENTS_COMMIT_MESSAGE });
  const bucket = 'codepipeline-us-east-1-482910375612';
  const source = { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' } as const;
  const build = { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' } as const;
  const deploy = { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' } as const;
  const sourceConfig = { ConnectionArn: connectionArn, FullRepositoryId: 'example-org/payments-api', BranchName: 'main', OutputArtifactFormat: 'CODE_ZIP', DetectChanges: 'true' };
  const buildConfig = { ProjectName: 'payments-api-build' };
  const deployConfig = { ClusterName: 'payments-prod', ServiceName: 'payments-api', FileName: 'imagedefinitions.json' };
  const ecsSummary = '(service payments-api) (deployment ecs-svc/7301958264410238846) deployment failed: tasks failed to start.';
  const common = { pipelineExecutionId: executionId, pipelineVersion: 13 };

  return {
    execution: {
      pipelineName: 'payments-api',
      pipelineVersion: 13,
      pipelineExecutionId: executionId,
      status: 'Failed',
      statusSummary: 'Deploy failed: DeployToEcs (JobFailed)',
      artifactRevisions: [
        { name: 'SourceArtifact', revisionId: PAYMENTS_COMMIT, revisionSummary, revisionUrl, created: at('13:58:40') },
      ],
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: `arn:aws:sts::${ACCOUNT}:assumed-role/ReleaseManager/jane.doe` },
      executionMode: 'SUPERSEDED',
      executionType: 'STANDARD',
    },
    pipeline: {
      name: 'payments-api',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`,
      artifactStore: { type: 'S3', location: bucket },
      pipelineType: 'V2',
      executionMode: 'SUPERSEDED',
      version: 13,
      stages: [
        {
          name: 'Source',
          actions: [{ name: 'GitHubSource', actionTypeId: source, runOrder: 1, configuration: sourceConfig, outputArtifacts: [{ name: 'SourceArtifact' }], namespace: 'SourceVariables', region: REGION }],
        },
        {
          name: 'Build',
          actions: [
            { name: 'BuildImage', actionTypeId: build, runOrder: 1, configuration: buildConfig, inputArtifacts: [{ name: 'SourceArtifact' }], outputArtifacts: [{ name: 'BuildArtifact' }], namespace: 'BuildVariables', region: REGION },
          ],
        },
        {
          name: 'Deploy',
          actions: [{ name: 'DeployToEcs', actionTypeId: deploy, runOrder: 1, configuration: deployConfig, inputArtifacts: [{ name: 'BuildArtifact' }], region: REGION }],
        },
      ],
    },
    metadata: { pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:payments-api`, created: new Date('2024-11-04T09:12:00Z'), updated: new Date('2025-05-28T16:40:00Z') },
    actions: [
      {
        ...common,
        actionExecutionId: '7a3d9e1c-5f8b-4c2a-91e6-4b0d7c3f8a95',
        stageName: 'Deploy',
        actionName: 'DeployToEcs',
        startTime: at('14:06:44'),
        lastUpdateTime: at('14:19:27'),
        status: 'Failed',
        input: {
          actionTypeId: deploy,
          configuration: deployConfig,
          resolvedConfiguration: deployConfig,
          region: REGION,
          inputArtifacts: [{ name: 'BuildArtifact', s3location: { bucket, key: 'payments-api/BuildArtif/Jd3Vn6p' } }],
        },
        output: {
          outputArtifacts: [],
          executionResult: {
            externalExecutionId: 'ecs-svc/7301958264410238846',
            externalExecutionSummary: ecsSummary,
            externalExecutionUrl: `https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/payments-prod/services/payments-api/deployments?region=${REGION}`,
            errorDetails: { code: 'JobFailed', message: ecsSummary },
          },
        },
      },
      {
        ...common,
        actionExecutionId: '2c8f5a1e-9d47-4b36-a0e2-6f1b3d7c9e84',
        stageName: 'Build',
        actionName: 'BuildImage',
        startTime: at('14:02:22'),
        lastUpdateTime: at('14:06:41'),
        status: 'Succeeded',
        input: {
          actionTypeId: build,
          configuration: buildConfig,
          resolvedConfiguration: buildConfig,
          region: REGION,
          inputArtifacts: [{ name: 'SourceArtifact', s3location: { bucket, key: 'payments-api/SourceArti/Rw5Yc8e' } }],
          namespace: 'BuildVariables',
        },
        output: {
          outputArtifacts: [{ name: 'BuildArtifact', s3location: { bucket, key: 'payments-api/BuildArtif/Jd3Vn6p' } }],
          executionResult: {
            externalExecutionId: 'payments-api-build:0b4e7c52-3f19-4d8a-b6e0-9a2c5d1f7e38',
            externalExecutionUrl: `https://console.aws.amazon.com/codebuild/home?region=${REGION}#/builds/payments-api-build:0b4e7c52-3f19-4d8a-b6e0-9a2c5d1f7e38/view/new`,
          },
          outputVariables: {},
        },
      },
      {
        ...common,
        actionExecutionId: '0e4b8d2f-7a1c-4963-b5d0-8c2f6a9e3b17',
        stageName: 'Source',
        actionName: 'GitHubSource',
        startTime: at('14:02:13'),
        lastUpdateTime: at('14:02:19'),
        status: 'Succeeded',
        input: { actionTypeId: source, configuration: sourceConfig, resolvedConfiguration: sourceConfig, region: REGION, inputArtifacts: [], namespace: 'SourceVariables' },
        output: {
          outputArtifacts: [{ name: 'SourceArtifact', s3location: { bucket, key: 'payments-api/SourceArti/Rw5Yc8e' } }],
          executionResult: { externalExecutionId: PAYMENTS_COMMIT, externalExecutionSummary: revisionSummary, externalExecutionUrl: revisionUrl },
          // The six variables CodeStarSourceConnection documents, plus AuthorDisplayName: not among
          // them, but shared/facts/codepipeline.ts reads it for the commit's author.
          outputVariables: {
            AuthorDate: '2025-06-12T13:58:40Z',
            BranchName: 'main',
            CommitId: PAYMENTS_COMMIT,
            CommitMessage: PAYMENTS_COMMIT_MESSAGE,
            ConnectionArn: connectionArn,
            FullRepositoryName: 'example-org/payments-api',
            AuthorDisplayName: 'Priya Raman',
          },
        },
      },
    ],
  };
}
