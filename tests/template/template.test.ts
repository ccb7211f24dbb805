// Specifications for the CloudFormation template `npm run package` writes
// (`npm run package:check` packages first, then runs these).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { AUDIT_INDEX } from '../../shared/state/audit';

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const serverlessDir = join(__dirname, '..', '..', '.serverless');
const templatePath = join(serverlessDir, 'cloudformation-template-update-stack.json');

let resources: Record<string, Resource>;

beforeAll(() => {
  if (!existsSync(templatePath)) throw new Error(`${templatePath} is missing: run \`npm run package\` first`);
  resources = (JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
});

const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (r: Resource): Record<string, unknown> => r.Properties ?? {};
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id an intrinsic points at: `{ Ref: X }` or `{ 'Fn::GetAtt': [X, attr] }`. */
function target(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
  return undefined;
}

/** Every statement of every policy document in the template (identity and resource policies alike). */
function statements(): { owner: string; statement: Statement }[] {
  const found: { owner: string; statement: Statement }[] = [];
  const visit = (owner: string, node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'PolicyDocument') {
        for (const statement of asArray((value as { Statement?: Statement | Statement[] }).Statement)) found.push({ owner, statement });
      } else {
        visit(owner, value);
      }
    }
  };
  for (const [id, r] of Object.entries(resources)) visit(id, r.Properties);
  return found;
}
const allowed = () => statements().filter(({ statement }) => statement.Effect === 'Allow');

/** A resource ARN as written: a string, or the template of an Fn::Sub. */
const arnText = (value: unknown): string =>
  typeof value === 'string' ? value : typeof (value as { 'Fn::Sub'?: unknown })?.['Fn::Sub'] === 'string' ? (value as { 'Fn::Sub': string })['Fn::Sub'] : JSON.stringify(value);

/** The on-failure destination of a function's EventInvokeConfig. */
function onFailureDestination(functionId: string): unknown {
  const config = ofType('AWS::Lambda::EventInvokeConfig')
    .map(([, r]) => props(r))
    .find((c) => target(c.FunctionName) === functionId);
  return (config?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
}

const functions = () => ofType('AWS::Lambda::Function');

describe('Lambda functions', () => {
  it('exist', () => {
    expect(functions().length).toBeGreaterThan(0);
  });

  it('run nodejs22.x on arm64', () => {
    for (const [id, fn] of functions()) {
      expect({ id, runtime: props(fn).Runtime, architectures: props(fn).Architectures }).toEqual({
        id,
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
      });
    }
  });

  it('each have a role of their own, defined in the template', () => {
    const roles = functions().map(([, fn]) => target(props(fn).Role));
    for (const role of roles) expect(role && resources[role]?.Type).toBe('AWS::IAM::Role');
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('share no framework default role', () => {
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('each have an EventInvokeConfig with an on-failure destination of their own that their role may send to', () => {
    const destinations = functions().map(([id]) => target(onFailureDestination(id)));
    expect(new Set(destinations).size).toBe(destinations.length);
    for (const [id, fn] of functions()) {
      const destination = onFailureDestination(id);
      expect({ id, destination }).toEqual({ id, destination: expect.anything() });

      const role = target(props(fn).Role);
      const sends = allowed().some(
        ({ owner, statement }) =>
          owner === role && asArray(statement.Action).includes('sqs:SendMessage') && asArray(statement.Resource).some((r) => target(r) === target(destination)),
      );
      expect({ id, rolePermitsDestination: sends }).toEqual({ id, rolePermitsDestination: true });
    }
  });

  it('each have an alarm on Errors that notifies someone', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    for (const [id] of functions()) {
      const alarm = alarms.find(
        (a) =>
          a.Namespace === 'AWS/Lambda' &&
          a.MetricName === 'Errors' &&
          asArray(a.Dimensions as { Name: string; Value: unknown }[]).some((d) => d.Name === 'FunctionName' && target(d.Value) === id),
      );
      expect({ id, actions: alarm?.AlarmActions }).toEqual({ id, actions: expect.arrayContaining([expect.anything()]) });
    }
  });

  it('have their zips under .serverless/', () => {
    for (const [id, fn] of functions()) {
      const key = (props(fn).Code as { S3Key?: string } | undefined)?.S3Key;
      expect({ id, key }).toEqual({ id, key: expect.stringMatching(/\.zip$/) });
      const zip = join(serverlessDir, basename(key ?? ''));
      expect(existsSync(zip) && statSync(zip).size > 0).toBe(true);
    }
  });
});

describe('IAM', () => {
  const READ_ONLY = /^[\w-]+:(Get|List|Describe|BatchGet)/;
  // X-Ray accepts no resource-level permissions; these writes only add trace data.
  const STAR_RESOURCE_EXCEPTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

  it('allows no wildcard actions', () => {
    expect(allowed().length).toBeGreaterThan(0);
    const wildcards = allowed().flatMap(({ owner, statement }) =>
      asArray(statement.Action)
        .filter((action) => action.includes('*'))
        .map((action) => `${owner}: ${action}`),
    );
    expect(wildcards).toEqual([]);
  });

  it('allows no write action on Resource "*" (X-Ray excepted)', () => {
    expect(allowed().length).toBeGreaterThan(0);
    const offenders = allowed().flatMap(({ owner, statement }) => {
      if (!asArray(statement.Resource).includes('*')) return [];
      return asArray(statement.Action)
        .filter((action) => !READ_ONLY.test(action) && !STAR_RESOURCE_EXCEPTIONS.has(action))
        .map((action) => `${owner}: ${action}`);
    });
    expect(offenders).toEqual([]);
  });

  it('has no statement with an empty resource list', () => {
    expect(allowed().length).toBeGreaterThan(0);
    const empty = allowed().filter(({ statement }) => Array.isArray(statement.Resource) && statement.Resource.length === 0);
    expect(empty).toEqual([]);
  });
});

describe('the notify role', () => {
  const notifyStatements = () => allowed().filter(({ owner }) => owner === 'NotifyRole').map(({ statement }) => statement);

  it('reads CodeBuild builds (why a pipeline build failed) with BatchGetBuilds only, on projects of its own account and region', () => {
    const codebuild = notifyStatements().filter((s) => asArray(s.Action).some((a) => a.startsWith('codebuild:')));
    expect(codebuild.flatMap((s) => asArray(s.Action))).toEqual(['codebuild:BatchGetBuilds']);
    expect(codebuild.flatMap((s) => asArray(s.Resource)).map(arnText)).toEqual(['arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/*']);
  });
});

describe('the rollback role', () => {
  const ROLE = 'RollbackRole';
  const READ_ONLY = /^[\w-]+:(Get|List|Describe|BatchGet)/;
  interface RollbackPolicy {
    services: { cluster: string; service: string; codeDeploy?: { application: string; deploymentGroup: string }; pipeline?: { name: string; deployStage: string } }[];
    passRoles: string[];
  }
  const policy: RollbackPolicy = { services: [], passRoles: [], ...(parse(readFileSync(join(__dirname, '..', '..', 'guardian.yml'), 'utf8')) as { rollback?: Partial<RollbackPolicy> }).rollback };
  const arn = (service: string, resource: string) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
  const services = policy.services.map((s) => arn('ecs', `service/${s.cluster}/${s.service}`));
  // The only ECS, CodeDeploy and CodePipeline changes a rollback makes, each on what guardian.yml names.
  const WRITES: Record<string, string[]> = {
    'ecs:UpdateService': services,
    // StopServiceDeployment authorizes against the service and the service deployment.
    'ecs:StopServiceDeployment': [...services, ...policy.services.map((s) => arn('ecs', `service-deployment/${s.cluster}/${s.service}/*`))],
    'codedeploy:StopDeployment': policy.services.flatMap((s) => (s.codeDeploy ? [arn('codedeploy', `deploymentgroup:${s.codeDeploy.application}/${s.codeDeploy.deploymentGroup}`)] : [])),
    'codepipeline:DisableStageTransition': policy.services.flatMap((s) => (s.pipeline ? [arn('codepipeline', `${s.pipeline.name}/${s.pipeline.deployStage}`)] : [])),
  };
  const roleStatements = () => allowed().filter(({ owner }) => owner === ROLE).map(({ statement }) => statement);

  it('belongs to the rollback function alone, which has its own dead-letter queue as on-failure destination', () => {
    const owners = functions().filter(([, fn]) => target(props(fn).Role) === ROLE);
    expect(owners.map(([id]) => id)).toEqual(['RollbackLambdaFunction']);
    expect(target(onFailureDestination('RollbackLambdaFunction'))).toBe('RollbackDeadLetterQueue');
    expect(resources.RollbackDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
  });

  it('changes ECS, CodeDeploy and CodePipeline only with the rollback actions, each on the configured resources only', () => {
    const statements = roleStatements();
    const writes = statements.flatMap((st) => asArray(st.Action).filter((a) => /^(ecs|codedeploy|codepipeline):/.test(a) && !READ_ONLY.test(a)));
    expect(writes.filter((a) => !(a in WRITES))).toEqual([]);
    // With a service in guardian.yml (the example names one), those two are there at least.
    if (policy.services.length > 0) expect(writes).toEqual(expect.arrayContaining(['ecs:UpdateService', 'ecs:StopServiceDeployment']));
    else expect(writes).toEqual([]);
    for (const st of statements) {
      for (const action of asArray(st.Action).filter((a) => a in WRITES)) {
        const arns = asArray(st.Resource).map(arnText);
        const stray = arns.filter((a) => !WRITES[action]!.includes(a));
        expect({ action, sid: st.Sid, resources: arns.length > 0, stray }).toEqual({ action, sid: st.Sid, resources: true, stray: [] });
      }
    }
  });

  it('may UpdateService only to a revision of the services\' own task definition families (ecs:task-definition)', () => {
    const updating = roleStatements().filter((st) => asArray(st.Action).includes('ecs:UpdateService'));
    expect(updating.length).toBe(policy.services.length > 0 ? 1 : 0);
    for (const st of updating) {
      expect(asArray(st.Action)).toEqual(['ecs:UpdateService']);
      const condition = st.Condition?.ArnLike?.['ecs:task-definition'];
      // The example names no taskDefinitionFamily: the service name, payments-api.
      expect(asArray(condition).map(arnText)).toEqual(['arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/payments-api:*']);
      expect(Object.keys(st.Condition ?? {})).toEqual(['ArnLike']);
    }
  });

  it('passes only the roles in rollback.passRoles, and only to ECS tasks', () => {
    const passing = roleStatements().filter((st) => asArray(st.Action).includes('iam:PassRole'));
    expect(passing.length).toBe(policy.passRoles.length > 0 ? 1 : 0);
    for (const st of passing) {
      expect(asArray(st.Action)).toEqual(['iam:PassRole']);
      expect(asArray(st.Resource).map(arnText).sort()).toEqual([...policy.passRoles].sort());
      expect(st.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
  });

  it('may send to its own dead-letter queue only', () => {
    const sends = roleStatements().filter((st) => asArray(st.Action).includes('sqs:SendMessage'));
    expect(sends.flatMap((st) => asArray(st.Resource).map(target))).toEqual(['RollbackDeadLetterQueue']);
  });
});

describe('the slack-interactions function', () => {
  const FUNCTION = 'SlackDashinteractionsLambdaFunction';
  const ROLE = 'SlackInteractionsRole';
  const roleStatements = () => allowed().filter(({ owner }) => owner === ROLE).map(({ statement }) => statement);
  const outputs = () => (JSON.parse(readFileSync(templatePath, 'utf8')) as { Outputs: Record<string, { Value: unknown }> }).Outputs;

  it('is the only function with a Function URL, public (auth type NONE: it checks Slack\'s signature itself)', () => {
    const urls = ofType('AWS::Lambda::Url').map(([, u]) => props(u));
    expect(urls).toEqual([{ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [FUNCTION, 'Arn'] } }]);
    const invokers = ofType('AWS::Lambda::Permission').map(([, p]) => props(p)).filter((p) => p.FunctionUrlAuthType === 'NONE');
    expect(invokers).toEqual([expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionName: { 'Fn::GetAtt': [FUNCTION, 'Arn'] } })]);
  });

  it('gives the URL as a stack output, for the Slack app\'s Interactivity Request URL', () => {
    expect(outputs().SlackDashinteractionsLambdaFunctionUrl?.Value).toEqual({ 'Fn::GetAtt': ['SlackDashinteractionsLambdaFunctionUrl', 'FunctionUrl'] });
  });

  it('times out after Slack\'s 3 s answer window closes but soon (it answers within 2.5 s), and is not retried', () => {
    const fn = props(resources[FUNCTION]!);
    expect(fn.Timeout).toBeGreaterThan(3);
    expect(fn.Timeout).toBeLessThanOrEqual(10);
    const config = ofType('AWS::Lambda::EventInvokeConfig').map(([, c]) => props(c)).find((c) => target(c.FunctionName) === FUNCTION);
    expect(config?.MaximumRetryAttempts).toBe(0);
  });

  it('may read the signing secret guardian.yml names, and the bot token, and no other secret', () => {
    const reads = roleStatements().filter((st) => asArray(st.Action).some((a) => a === 'ssm:GetParameter' || a === 'secretsmanager:GetSecretValue'));
    expect(reads.flatMap((st) => asArray(st.Resource).map(arnText)).sort()).toEqual([
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/cicd-guardian/slack/bot-token',
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/cicd-guardian/slack/signing-secret',
    ]);
  });

  it('may send to its own dead-letter queue only', () => {
    const sends = roleStatements().filter((st) => asArray(st.Action).includes('sqs:SendMessage'));
    expect(sends.flatMap((st) => asArray(st.Resource).map(target))).toEqual(['SlackInteractionsDeadLetterQueue']);
  });
});

describe('the notify role, and the others but slack-interactions', () => {
  it('may not read the signing secret', () => {
    const readers = allowed()
      .filter(({ statement }) => JSON.stringify(statement).includes('signing-secret'))
      .map(({ owner }) => owner);
    expect([...new Set(readers)]).toEqual(['SlackInteractionsRole']);
  });
});

describe('EventBridge rules', () => {
  const rules = () => ofType('AWS::Events::Rule');

  it('exist', () => {
    expect(rules().length).toBeGreaterThan(0);
  });

  it('give every target a dead-letter queue and a retry policy', () => {
    for (const [id, rule] of rules()) {
      for (const t of props(rule).Targets as Record<string, unknown>[]) {
        expect({ id, dlq: (t.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn, retry: t.RetryPolicy }).toEqual({
          id,
          dlq: expect.anything(),
          retry: { MaximumEventAgeInSeconds: expect.any(Number), MaximumRetryAttempts: expect.any(Number) },
        });
      }
    }
  });

  it('may send to their dead-letter queues (queue policy for events.amazonaws.com, limited by aws:SourceArn)', () => {
    const queuePolicies = ofType('AWS::SQS::QueuePolicy').map(([id, r]) => ({ id, queues: asArray(props(r).Queues).map(target) }));
    for (const [id, rule] of rules()) {
      for (const t of props(rule).Targets as Record<string, unknown>[]) {
        const queue = target((t.DeadLetterConfig as { Arn?: unknown }).Arn);
        const policyIds = queuePolicies.filter((p) => p.queues.includes(queue)).map((p) => p.id);
        const grant = allowed().find(
          ({ owner, statement }) =>
            policyIds.includes(owner) &&
            JSON.stringify(statement.Principal).includes('events.amazonaws.com') &&
            asArray(statement.Action).includes('sqs:SendMessage'),
        );
        expect({ id, queue, sourceArn: grant?.statement.Condition?.ArnEquals?.['aws:SourceArn'] }).toEqual({
          id,
          queue,
          sourceArn: expect.anything(),
        });
        // ...and the condition names this very rule.
        const sources = asArray(grant?.statement.Condition?.ArnEquals?.['aws:SourceArn']).map(arnText);
        const name = String(props(rule).Name);
        expect({ id, named: sources.some((arn) => arn.endsWith(`:rule/${name}`)) }).toEqual({ id, named: true });
      }
    }
  });
});

describe('state table', () => {
  it('is on-demand, with point-in-time recovery, TTL on expiresAt, and retained', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThan(0);
    for (const [, table] of tables) {
      expect(props(table)).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });

  it('keeps its key (pk only) and name, and lists the audit trail through the audit index (by subject, then time)', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    expect(props(table).KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(props(table).TableName).toBe('cicd-guardian-ci-state');
    expect(props(table).GlobalSecondaryIndexes).toEqual([
      {
        IndexName: AUDIT_INDEX,
        KeySchema: [
          { AttributeName: 'auditPk', KeyType: 'HASH' },
          { AttributeName: 'auditAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

describe('SNS topics', () => {
  it('are encrypted with KMS', () => {
    const topics = ofType('AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThan(0);
    for (const [id, topic] of topics) {
      const key = props(topic).KmsMasterKeyId;
      expect({ id, key }).toEqual({ id, key: expect.anything() });
      // A key of our own (not alias/aws/sns, whose policy CloudWatch alarms cannot use), rotated.
      const keyId = target(key);
      expect(keyId && resources[keyId]?.Type).toBe('AWS::KMS::Key');
      expect(props(resources[keyId!]!).EnableKeyRotation).toBe(true);
      expect(JSON.stringify(props(resources[keyId!]!).KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    }
  });
});

describe('the notifications key', () => {
  const key = () => {
    const keys = ofType('AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    return keys[0]![1];
  };
  const keyStatements = () => asArray((props(key()).KeyPolicy as { Statement?: Statement[] }).Statement);

  it('is retained when the stack is deleted or the key replaced (the topic\'s messages and subscriptions depend on it)', () => {
    expect({ deletion: key().DeletionPolicy, replace: key().UpdateReplacePolicy }).toEqual({ deletion: 'Retain', replace: 'Retain' });
  });

  it('lets CloudWatch use it only for alarms of this account (aws:SourceAccount, aws:SourceArn)', () => {
    const grants = keyStatements().filter((st) => JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'));
    expect(grants).toHaveLength(1);
    expect(grants[0]!.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*' } },
    });
  });
});

describe('decrypting the Slack secret', () => {
  const decrypts = () =>
    allowed().filter(({ statement }) => asArray(statement.Action).includes('kms:Decrypt') && JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService'));

  it('is allowed through SSM or Secrets Manager only, for the secret guardian.yml names (its encryption context)', () => {
    expect(decrypts().length).toBeGreaterThan(0);
    for (const { owner, statement } of decrypts()) {
      const via = asArray(statement.Condition?.StringEquals?.['kms:ViaService']).map(arnText);
      expect({ owner, via: via.length }).toEqual({ owner, via: 1 });
      const context = via[0]!.startsWith('ssm.') ? 'kms:EncryptionContext:PARAMETER_ARN' : 'kms:EncryptionContext:SecretARN';
      const arns = asArray(statement.Condition?.StringLike?.[context]).map(arnText);
      expect({ owner, sid: statement.Sid, context, bound: arns.length > 0 }).toEqual({ owner, sid: statement.Sid, context, bound: true });
    }
  });
});

describe('queues', () => {
  it('each have an alarm on visible messages that notifies someone', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    const queues = ofType('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id] of queues) {
      const alarm = alarms.find(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          asArray(a.Dimensions as { Name: string; Value: unknown }[]).some((d) => d.Name === 'QueueName' && target(d.Value) === id),
      );
      expect({ id, actions: alarm?.AlarmActions }).toEqual({ id, actions: expect.arrayContaining([expect.anything()]) });
    }
  });

  it('are retained when the stack is deleted or a queue replaced (they hold the events that failed)', () => {
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      expect({ id, deletion: queue.DeletionPolicy, replace: queue.UpdateReplacePolicy }).toEqual({ id, deletion: 'Retain', replace: 'Retain' });
    }
  });
});

describe('the tamper function', () => {
  const ROLE = 'TamperRole';
  const roleStatements = () => allowed().filter(({ owner }) => owner === ROLE).map(({ statement }) => statement);
  const tamperRules = () => ofType('AWS::Events::Rule').filter(([, r]) => String(props(r).Name).includes('-tamper-') && !props(r).EventBusName);
  const READ_ONLY = /^[\w-]+:(Get|List|Describe|BatchGet)/;

  it('has a role of its own and its own dead-letter queue as on-failure destination', () => {
    const owners = functions().filter(([, fn]) => target(props(fn).Role) === ROLE);
    expect(owners.map(([id]) => id)).toEqual(['TamperLambdaFunction']);
    expect(target(onFailureDestination('TamperLambdaFunction'))).toBe('TamperDeadLetterQueue');
  });

  it('is subscribed to the write calls CloudTrail records that the example protection needs, and to nothing read-only', () => {
    const patterns = tamperRules().map(([, r]) => props(r).EventPattern as { source: string[]; 'detail-type': string[]; detail: { eventSource: string[]; eventName: string[] } });
    expect(patterns.every((p) => p['detail-type'].join() === 'AWS API Call via CloudTrail')).toBe(true);
    const names = patterns.flatMap((p) => p.detail.eventName);
    expect(names.sort()).toEqual(['DeletePipeline', 'DeleteService', 'DeleteTrail', 'DisableStageTransition', 'EnableStageTransition', 'PutApprovalResult', 'PutEventSelectors', 'StopLogging', 'UpdatePipeline', 'UpdateService', 'UpdateTrail']);
    expect(names.filter((n) => READ_ONLY.test(`x:${n}`))).toEqual([]);
  });

  it("knows every function's role by name: GUARDIAN_OWN_ROLES lists the roles' RoleNames", () => {
    const env = (props(resources.TamperLambdaFunction!).Environment as { Variables: Record<string, string> }).Variables;
    const roleNames = ofType('AWS::IAM::Role').map(([, r]) => String(props(r).RoleName));
    expect(env.GUARDIAN_OWN_ROLES!.split(',').sort()).toEqual(roleNames.sort());
    expect(roleNames.every((n) => /^cicd-guardian-[a-z0-9]+-[a-z-]+-us-east-1$/.test(n) && n.length <= 64)).toBe(true);
  });

  it('changes only what guardian.yml protects: StartLogging on the protected trail, StopPipelineExecution on the pipelines approval policies govern, UpdateService on the reverted service to its own family', () => {
    const writes = roleStatements().flatMap((st) => asArray(st.Action).filter((a) => /^(ecs|codepipeline|cloudtrail):/.test(a) && !READ_ONLY.test(a)).map((a) => ({ a, resources: asArray(st.Resource).map(arnText), condition: st.Condition })));
    expect(writes.sort((x, y) => x.a.localeCompare(y.a))).toEqual([
      { a: 'cloudtrail:StartLogging', resources: ['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/org-management-events'], condition: undefined },
      {
        a: 'codepipeline:StopPipelineExecution',
        resources: ['arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:payments-api', 'arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:payments-web'],
        condition: undefined,
      },
      {
        a: 'ecs:UpdateService',
        resources: ['arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/payments-prod/payments-api'],
        condition: { ArnLike: { 'ecs:task-definition': [{ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/payments-api:*' }] } },
      },
    ]);
  });
});

describe('the remediate function', () => {
  const ROLE = 'RemediateRole';
  const roleActions = () => allowed().filter(({ owner }) => owner === ROLE).flatMap(({ statement }) => asArray(statement.Action));
  const rule = () => ofType('AWS::Events::Rule').find(([, r]) => String(props(r).Name).endsWith('-remediate-findings'));

  it('has a role of its own and its own dead-letter queue as on-failure destination', () => {
    const owners = functions().filter(([, fn]) => target(props(fn).Role) === ROLE);
    expect(owners.map(([id]) => id)).toEqual(['RemediateLambdaFunction']);
    expect(target(onFailureDestination('RemediateLambdaFunction'))).toBe('RemediateDeadLetterQueue');
  });

  it("is subscribed to GuardDuty findings at guardian.yml's severity floor (numeric matching), lower playbook floors by type prefix, no samples", () => {
    const pattern = props(rule()![1]).EventPattern as { source: string[]; 'detail-type': string[]; detail: Record<string, unknown> };
    expect(pattern.source).toEqual(['aws.guardduty']);
    expect(pattern['detail-type']).toEqual(['GuardDuty Finding']);
    expect(pattern.detail.service).toEqual({ additionalInfo: { sample: [{ exists: false }, false] } });
    expect(pattern.detail.$or).toEqual([
      { severity: [{ numeric: ['>=', 4] }] },
      { type: [{ prefix: 'Policy:S3/BucketBlockPublicAccessDisabled' }, { prefix: 'Policy:S3/BucketAnonymousAccessGranted' }, { prefix: 'Policy:S3/BucketPublicAccessGranted' }], severity: [{ numeric: ['>=', 1] }] },
      { type: [{ prefix: 'Stealth:IAMUser/CloudTrailLoggingDisabled' }], severity: [{ numeric: ['>=', 1] }] },
    ]);
  });

  it('may make the playbooks\' changes, and deletes nothing: a key is deactivated, never deleted; an instance stopped, never terminated', () => {
    const actions = roleActions();
    expect(actions).toEqual(expect.arrayContaining(['ec2:ModifyNetworkInterfaceAttribute', 'ec2:CreateSnapshot', 'autoscaling:DetachInstances', 'iam:UpdateAccessKey', 'iam:PutRolePolicy', 's3:PutBucketPublicAccessBlock', 'ecs:StopTask', 'cloudtrail:StartLogging', 'ecs:UpdateService']));
    expect(actions.filter((a) => /:(Delete|Terminate|Detach(Role|User)Policy)/.test(a))).toEqual([]);
  });

  it("may isolate or scale any service, but UpdateService to a task definition only as the rollback's rules scope it", () => {
    const updates = allowed().filter(({ owner, statement }) => owner === ROLE && asArray(statement.Action).includes('ecs:UpdateService')).map(({ statement }) => statement);
    const onAnyService = updates.filter((st) => asArray(st.Resource).some((r) => JSON.stringify(r).includes(':service/*')));
    expect(onAnyService).toHaveLength(1);
    expect(onAnyService[0]!.Condition).toEqual({ Null: { 'ecs:task-definition': 'true' } });
  });

  it("assumes no role but the organisation's member role (organization.memberRole), in its accounts", () => {
    const assumes = allowed().filter(({ owner, statement }) => owner === ROLE && asArray(statement.Action).includes('sts:AssumeRole'));
    expect(assumes.map(({ statement }) => [statement.Action, statement.Resource])).toEqual([['sts:AssumeRole', { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/cicd-guardian-member' }]]);
  });
});
