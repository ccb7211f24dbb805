// Specifications for the member-account template `npm run package` writes after the stack
// (.serverless/member-account-template.json), checked like the stack's: it forwards exactly
// the event kinds the stack's rules subscribe to, to the guardian's bus; its member role grants
// what the functions' declarations say of a member account's resources and nothing more, and
// trusts only the guardian's function roles within the organisation.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS, memberNeedsOf, type FunctionName } from '../../functions/permissions';
import { readConfigFile } from '../../shared/config/load';

interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const repo = join(__dirname, '..', '..');
const stackPath = join(repo, '.serverless', 'cloudformation-template-update-stack.json');
const memberPath = join(repo, '.serverless', 'member-account-template.json');
const organization = readConfigFile(join(repo, 'guardian.yml')).organization!;

let stack: Record<string, Resource>;
let member: { Parameters: Record<string, unknown>; Conditions: Record<string, unknown>; Resources: Record<string, Resource> };
beforeAll(() => {
  for (const path of [stackPath, memberPath]) if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run package\` first`);
  stack = (JSON.parse(readFileSync(stackPath, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
  member = JSON.parse(readFileSync(memberPath, 'utf8')) as typeof member;
});

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const policyStatements = (role: Resource) => (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
const GUARDIAN_BUS = { 'Fn::Sub': 'arn:${AWS::Partition}:events:us-east-1:${GuardianAccountId}:event-bus/cicd-guardian-ci-organization' };

describe('forwarding rules', () => {
  it("forward exactly the stack's event patterns (its default-bus rules), each to the guardian's bus through the forwarding role", () => {
    const stackPatterns = ofType(stack, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties.EventPattern && !r.Properties.EventBusName)
      .map(([, r]) => JSON.stringify(r.Properties.EventPattern))
      .sort();
    const rules = ofType(member.Resources, 'AWS::Events::Rule');
    expect(rules.map(([, r]) => JSON.stringify(r.Properties.EventPattern)).sort()).toEqual(stackPatterns);
    for (const [, rule] of rules) expect(rule.Properties.Targets).toEqual([{ Id: 'guardian', Arn: GUARDIAN_BUS, RoleArn: { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] } }]);
  });

  it("use a role EventBridge alone may assume, that may only put events on the guardian's bus", () => {
    const role = member.Resources.ForwardingRole!;
    expect((role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
    expect(policyStatements(role)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: GUARDIAN_BUS }]);
  });
});

describe('the member role', () => {
  const role = () => member.Resources.MemberRole!;

  it("is the role guardian.yml names, made once per account (in the guardian's region: roles are global)", () => {
    expect(role().Properties.RoleName).toBe(organization.memberRole);
    expect(role().Condition).toBe('InGuardianRegion');
    expect(member.Conditions.InGuardianRegion).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
  });

  it("trusts only the guardian's function roles that may assume it (by ARN), within the organisation", () => {
    const assumers = ofType(stack, 'AWS::IAM::Role')
      .filter(([, r]) => policyStatements(r).some((s) => asArray(s.Action).includes('sts:AssumeRole')))
      .map(([, r]) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${GuardianAccountId}:role/${String(r.Properties.RoleName)}` }));
    expect(assumers.length).toBeGreaterThan(0);
    expect((role().Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: assumers }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': organization.id } } },
    ]);
  });

  it("grants the actions the functions' member needs declare that guardian.yml gives resources (as their own roles have them), and no others (no wildcard action)", () => {
    const granted = new Set(policyStatements(role()).flatMap((s) => asArray(s.Action)));
    const declared = new Set((Object.keys(FUNCTIONS) as FunctionName[]).flatMap((name) => memberNeedsOf(name).flatMap((need) => need.actions)));
    const ownRoles = new Set(ofType(stack, 'AWS::IAM::Role').flatMap(([, r]) => policyStatements(r).flatMap((s) => asArray(s.Action))));
    expect([...granted].sort()).toEqual([...declared].filter((action) => ownRoles.has(action)).sort());
    expect([...granted].filter((action) => action.includes('*'))).toEqual([]);
    // Nothing of the guardian's own account: its table, topic, secrets, logs, queues.
    expect([...granted].filter((action) => /^(dynamodb|sns|ssm|secretsmanager|kms|logs|sqs|xray|sts):/.test(action))).toEqual([]);
  });

  it("grants on every resource only what declarations without resource-level permissions say, the rest in the member account's served regions", () => {
    const everything = new Set((Object.keys(FUNCTIONS) as FunctionName[]).flatMap((name) => memberNeedsOf(name).filter((n) => n.resources === 'everything').flatMap((n) => n.actions)));
    for (const statement of policyStatements(role())) {
      const resources = asArray(statement.Resource);
      if (resources.includes('*')) {
        expect({ sid: statement.Sid, actions: asArray(statement.Action).filter((a) => !everything.has(a)) }).toEqual({ sid: statement.Sid, actions: [] });
        continue;
      }
      for (const resource of resources) {
        const text = typeof resource === 'string' ? resource : String((resource as { 'Fn::Sub'?: string })['Fn::Sub']);
        // An ARN in the member account (the StackSet instance's own), a role rollback.passRoles names, or a bucket (S3 ARNs name no account) of the member account by condition.
        const ownBucket = text === 'arn:${AWS::Partition}:s3:::*' && JSON.stringify(statement.Condition) === JSON.stringify({ StringEquals: { 'aws:ResourceAccount': [{ Ref: 'AWS::AccountId' }] } });
        const inMember = (text.includes('${AWS::AccountId}') && !text.includes('${AWS::Region}')) || text.startsWith('arn:aws:iam::') || ownBucket;
        expect({ sid: statement.Sid, text, inMember }).toEqual({ sid: statement.Sid, text, inMember: true });
        const region = /:(codepipeline|codebuild|ecs|codedeploy|cloudtrail|codecommit):([a-z0-9-]+):/.exec(text)?.[2];
        if (region) expect(organization.regions).toContain(region);
      }
    }
  });
});
