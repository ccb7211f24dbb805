// Specifications for the organisation's part of the template `npm run package` writes, with the
// example guardian.yml's organization section: the bus member accounts forward to, admitting only
// the organisation, and every function's event rules on it as on the default bus.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigFile } from '../../shared/config/load';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const repo = join(__dirname, '..', '..');
const templatePath = join(repo, '.serverless', 'cloudformation-template-update-stack.json');
const organization = readConfigFile(join(repo, 'guardian.yml')).organization!;

let resources: Record<string, Resource>;
beforeAll(() => {
  if (!existsSync(templatePath)) throw new Error(`${templatePath} is missing: run \`npm run package\` first`);
  resources = (JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const onBus = (rule: Resource) => (rule.Properties.EventBusName as { Ref?: string } | undefined)?.Ref;
const patternRules = () => ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe("the organisation's event bus", () => {
  it('admits PutEvents only from principals of the organisation guardian.yml names, and nothing else', () => {
    const policies = ofType('AWS::Events::EventBusPolicy').filter(([, p]) => (p.Properties.EventBusName as { Ref?: string }).Ref === 'OrganizationEventBus');
    expect(policies).toHaveLength(1);
    expect(policies[0]![1].Properties.Statement).toEqual({
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': ['OrganizationEventBus', 'Arn'] },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': organization.id } },
    });
    expect(resources.OrganizationEventBus).toEqual({ Type: 'AWS::Events::EventBus', Properties: { Name: 'cicd-guardian-ci-organization' } });
  });

  it("carries every event-pattern rule of the default bus, with the same pattern, targets, retries and dead letters (schedules stay on the default bus)", () => {
    const onDefault = patternRules().filter(([, r]) => !onBus(r));
    const onOrganization = patternRules().filter(([, r]) => onBus(r) === 'OrganizationEventBus');
    expect(onDefault.length).toBeGreaterThan(0);
    expect(onOrganization.map(([id]) => id).sort()).toEqual(onDefault.map(([id]) => `${id}Organization`).sort());
    for (const [id, rule] of onDefault) expect(resources[`${id}Organization`]!.Properties).toEqual({ ...rule.Properties, EventBusName: { Ref: 'OrganizationEventBus' } });
    expect(ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression && onBus(r))).toEqual([]);
  });

  it('may invoke each rule’s function (a permission naming the copy) and dead-letter into the events queue', () => {
    const copies = patternRules().filter(([, r]) => onBus(r) === 'OrganizationEventBus');
    const permitted = ofType('AWS::Lambda::Permission').map(([, p]) => JSON.stringify(p.Properties.SourceArn));
    const deadLetterSources = JSON.stringify((resources.EventsDeadLetterQueuePolicy!.Properties.PolicyDocument as { Statement: unknown[] }).Statement);
    for (const [id] of copies) {
      const arn = JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
      expect({ id, permitted: permitted.includes(arn), deadLetters: deadLetterSources.includes(arn) }).toEqual({ id, permitted: true, deadLetters: true });
    }
  });
});

describe('acting in member accounts', () => {
  it("emails the stack's topic when a member account's role cannot be assumed (counted once per account, role and hour)", () => {
    expect(resources.MemberAccountUnreachableAlarm!.Properties).toMatchObject({
      Namespace: 'CicdGuardian',
      MetricName: 'MemberAccountUnreachable',
      Dimensions: [{ Name: 'service', Value: 'cicd-guardian' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'NotificationsTopic' }],
    });
  });

  it('every function that reads or acts where events happen may assume the member role, only in accounts of the organisation', () => {
    const grants = ofType('AWS::IAM::Role').flatMap(([id, role]) =>
      (role.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] } }[]).flatMap((p) =>
        p.PolicyDocument.Statement.filter((s) => asArray(s.Action).includes('sts:AssumeRole')).map((s) => ({ id, ...s })),
      ),
    );
    expect(grants.map((g) => g.id).sort()).toEqual(['ApprovalGateRole', 'NotifyRole', 'RemediateRole', 'RollbackRole', 'SlackInteractionsRole', 'TamperRole']);
    for (const grant of grants) {
      expect(grant).toMatchObject({
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/${organization.memberRole}` },
        Condition: { StringEquals: { 'aws:ResourceOrgID': [organization.id] } },
      });
    }
  });
});
