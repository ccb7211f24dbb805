// Property-based tests through the real handlers (middy stack included):
// real sample events, damaged at random with values AWS never sends (lone
// surrogates, 100 KB names, a "Region" with a host in it, wrong types), run
// through notify and rollback with dynalite, the local Slack and mocked AWS.
// Rejected input fails the invocation with the parser's error (so the event
// goes to the dead-letter queue) and causes no Slack, SNS or AWS call and no
// state write; accepted input never crashes the handler.
import fc from 'fast-check';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { startLocalDynamo } from '../../local/dynamo';
import { applyEnv, localTopicArn, standInEnv } from '../../local/environment';
import { lambdaContext } from '../../local/lambda-context';
import { startSlackStandIn, type SlackStandIn } from '../../local/slack-stand-in';
import { parseConfig, setConfig } from '../../shared/config/load';
import { handler as notifyHandler } from '../../functions/notify';
import { handler as rollbackHandler } from '../../functions/rollback';
import { CI_DETAIL_TYPES, EventValidationError, parseCiEvent } from '../../shared/events/parse';
import { ROLLBACK_DETAIL_TYPES, parseRollbackEvent } from '../../shared/events/parse-rollback';
import { hostileValue, mutate, mutationOf, sampleEvents, textReplacementOf } from '../helpers/event-mutations';
import { BAD_REVISION, GOOD_REVISION } from '../helpers/rollback-events';

const NUM_RUNS = 100;

const ecs = mockClient(ECSClient);
const codepipeline = mockClient(CodePipelineClient);
const codedeploy = mockClient(CodeDeployClient);
const sns = mockClient(SNSClient);
let slack: SlackStandIn;
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;

/** Every DynamoDB request, counted by command; reads and writes alike go on to dynalite. */
const dynamoSend = jest.spyOn(DynamoDBClient.prototype, 'send');
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
const stateWrites = () => dynamoSend.mock.calls.filter(([command]) => WRITES.has(command.constructor.name)).length;
/** Everything that leaves the function: Slack (accepted or refused), SNS, AWS changes and reads, state writes. */
const sideEffects = () => slack.calls.length + slack.refused.length + sns.calls().length + ecs.calls().length + codepipeline.calls().length + codedeploy.calls().length + stateWrites();

/** Values that look right but that AWS never sends, besides the wrong types and hostile strings of hostileValue. */
const NEVER_FROM_AWS = [
  'payments-\ud800-api',
  'payments api',
  'evil.example',
  'us-east-1.evil.example/#',
  '12345',
  'p'.repeat(101),
  'arn:aws:ecs:evil.example:123456789012:service/payments-prod/payments-api',
  'https://console.aws.amazon.com.evil.example/cloudwatch',
];
const hostile = hostileValue(NEVER_FROM_AWS);
/** Any damage, or (as often) one of the event's strings replaced by a value AWS never sends. */
const damageOf = (detailTypes: readonly string[]) =>
  fc.oneof(mutationOf(hostile, detailTypes), textReplacementOf(fc.constantFrom(...NEVER_FROM_AWS, 'x'.repeat(100_000))));

const FUNCTIONS = {
  notify: {
    handler: notifyHandler,
    parse: (raw: unknown) => parseCiEvent(raw),
    samples: sampleEvents(['codepipeline', 'codebuild', 'scenarios/pipeline-fails-in-deploy']),
    mutation: damageOf(CI_DETAIL_TYPES),
  },
  rollback: {
    handler: rollbackHandler,
    parse: (raw: unknown) => parseRollbackEvent(raw),
    samples: sampleEvents(['ecs', 'cloudwatch', 'manual', 'scenarios/ecs-crash-on-start']),
    mutation: damageOf(ROLLBACK_DETAIL_TYPES),
  },
} as const;

/** Errors that mean the code broke, not that the input was refused or an action failed. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, URIError, ReferenceError, SyntaxError];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackStandIn();
  applyEnv(standInEnv({ dynamo, slack: { apiUrl: slack.apiUrl, token: 'xoxb-test' }, topicArn: localTopicArn('cicd-guardian-test') }));
  setConfig(
    parseConfig(
      {
        slack: { botToken: { ssm: '/cicd-guardian/slack/bot-token' } },
        notifications: { routes: [{ name: 'all', pipelines: ['*'], projects: ['*'], slack: { channel: '#deployments' } }], default: { slack: { channel: '#ci' } } },
        rollback: {
          services: [
            { cluster: 'payments-prod', service: 'payments-api', alarms: ['payments-api-5xx'], pipeline: { name: 'payments-api', deployStage: 'Deploy' }, slack: { channel: '#deployments' } },
          ],
        },
      },
      'fuzz config',
    ),
  );
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  codepipeline.on(GetPipelineStateCommand).resolves({ stageStates: [] });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'payments-api',
        status: 'ACTIVE',
        deploymentController: { type: 'ECS' },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
        deployments: [
          { id: 'ecs-svc/1234567890123456789', status: 'PRIMARY', taskDefinition: BAD_REVISION, rolloutState: 'IN_PROGRESS' },
          { id: 'ecs-svc/9876543210987654321', status: 'ACTIVE', taskDefinition: GOOD_REVISION, rolloutState: 'COMPLETED' },
        ],
      },
    ],
  });
  ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
  ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { status: 'ACTIVE' } });
  ecs.on(StopServiceDeploymentCommand).resolves({});
  ecs.on(UpdateServiceCommand).resolves({});
});

afterAll(async () => {
  await slack.close();
  await dynamo.close();
  setConfig(undefined);
  dynamoSend.mockRestore();
});

describe.each(Object.entries(FUNCTIONS))('%s on randomly damaged real events', (name, fn) => {
  it('rejects what the parser rejects with no Slack, SNS or AWS call and no state write, and never crashes on what it accepts', async () => {
    const outcomes = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(fn.samples.fixtureFile, fc.array(fn.mutation, { minLength: 1, maxLength: 3 }), async (file, mutations) => {
        const event = mutate(fn.samples.fixture(file), mutations);
        const context = lambdaContext({ functionName: `cicd-guardian-fuzz-${name}`, budgetMs: 30_000 });
        let parserError: unknown;
        try {
          fn.parse(event);
        } catch (error) {
          parserError = error;
        }
        const before = sideEffects();
        const outcome = await fn.handler(event, context).then(
          () => undefined,
          (error: unknown) => error,
        );

        if (parserError !== undefined) {
          outcomes.rejected++;
          expect(parserError).toBeInstanceOf(EventValidationError);
          // The invocation fails with the parser's rejection, so the event goes to the dead-letter queue.
          expect(outcome).toMatchObject({ name: 'ParseError' });
          expect(sideEffects()).toBe(before);
        } else {
          outcomes.accepted++;
          expect((outcome as Error | undefined)?.name).not.toBe('ParseError');
          for (const kind of PROGRAMMING_ERRORS) expect(outcome).not.toBeInstanceOf(kind);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
