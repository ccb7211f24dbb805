// Writes the member-account template (.serverless/member-account-template.json): the CloudFormation
// template a service-managed StackSet deploys to the organisation's member accounts and regions.
// `npm run member-template` (after `npm run package`, which also writes it). Everything in it is
// derived: the forwarding rules' patterns are the packaged stack's own rules, the member role's
// permissions come from the same declarations and scoping as the functions' roles (the guardian
// plugin's memberRoleStatements), and its trust names the packaged functions' roles.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { readConfigFile } from '../shared/config/load.js';
import type { GuardianConfig } from '../shared/config/schema.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface Packaged {
  resources: Record<string, Resource>;
  /** The guardian's region (the stack's, where its bus and roles are). */
  region: string;
}

const ROOT = resolve(__dirname, '..');
const SERVERLESS_DIR = join(ROOT, '.serverless');
export const MEMBER_TEMPLATE_PATH = join(SERVERLESS_DIR, 'member-account-template.json');

const plugin = createRequire(__filename)(join(ROOT, 'serverless', 'guardian-plugin.cjs')) as { memberRoleStatements(config: GuardianConfig): Statement[] };

function readPackaged(): Packaged {
  const template = join(SERVERLESS_DIR, 'cloudformation-template-update-stack.json');
  const state = join(SERVERLESS_DIR, 'serverless-state.json');
  if (!existsSync(template) || !existsSync(state)) throw new Error(`${template} is missing: run \`npm run package\` first (the member template follows the packaged stack)`);
  const { Resources } = JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, Resource> };
  const { service } = JSON.parse(readFileSync(state, 'utf8')) as { service: { provider: { region: string } } };
  return { resources: Resources, region: service.provider.region };
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The member template for `config`, following the packaged stack. */
export function memberTemplate(config: GuardianConfig, { resources, region }: Packaged): Record<string, unknown> {
  const organization = config.organization;
  if (!organization) throw new Error('guardian.yml has no organization section: there are no member accounts to write a template for');
  const bus = resources.OrganizationEventBus;
  if (!bus) throw new Error('the packaged stack has no OrganizationEventBus: package again with the organization section');
  const busArn = { 'Fn::Sub': `arn:\${AWS::Partition}:events:${region}:\${GuardianAccountId}:event-bus/${String(bus.Properties.Name)}` };

  // The stack's own rules on its default bus: exactly the event kinds its functions subscribe to.
  const rules = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern && !r.Properties.EventBusName);
  const forwarding = Object.fromEntries(
    rules.map(([id, rule]) => [
      `Forward${id}`,
      {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: `${String(rule.Properties.Name)}-forward`,
          Description: `To cicd-guardian: ${String(rule.Properties.Description ?? rule.Properties.Name)}`,
          EventPattern: rule.Properties.EventPattern,
          State: 'ENABLED',
          Targets: [{ Id: 'guardian', Arn: busArn, RoleArn: { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] } }],
        },
      },
    ]),
  );

  // The functions' roles that assume the member role: those granted sts:AssumeRole on it.
  const assumers = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Role')
    .filter((r) => (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).some((p) => p.PolicyDocument.Statement.some((s) => asArray(s.Action).includes('sts:AssumeRole'))))
    .map((r) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${GuardianAccountId}:role/${String(r.Properties.RoleName)}` }));

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `cicd-guardian member account (organisation ${organization.id}): forwards the events the guardian's functions use to its bus, and the role they assume here`,
    Parameters: {
      GuardianAccountId: { Type: 'String', AllowedPattern: '^\\d{12}$', Description: 'The account cicd-guardian is deployed in (its bus and function roles)' },
    },
    Conditions: {
      // IAM roles are global: the member role is made once per account, by the instance in the guardian's region.
      InGuardianRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, region] },
    },
    Resources: {
      ForwardingRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: "EventBridge puts this account's forwarded events on cicd-guardian's bus",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
          },
          Policies: [{ PolicyName: 'put-events-on-guardian-bus', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }] } }],
        },
      },
      ...forwarding,
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'InGuardianRegion',
        Properties: {
          RoleName: organization.memberRole,
          Description: "cicd-guardian's functions read and act in this account through this role, as guardian.yml scopes them",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: assumers }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalOrgID': organization.id } } }],
          },
          Policies: [{ PolicyName: 'cicd-guardian', PolicyDocument: { Version: '2012-10-17', Statement: plugin.memberRoleStatements(config) } }],
        },
      },
    },
  };
}

if (require.main === module) {
  const config = readConfigFile(resolve(process.argv[2] ?? 'guardian.yml'));
  if (!config.organization) {
    // The package step runs this for every policy: a single-account one has no member accounts.
    rmSync(MEMBER_TEMPLATE_PATH, { force: true });
    console.log('guardian.yml has no organization section: no member template written');
  } else {
    writeFileSync(MEMBER_TEMPLATE_PATH, `${JSON.stringify(memberTemplate(config, readPackaged()), null, 2)}\n`);
    console.log(`wrote ${MEMBER_TEMPLATE_PATH}`);
  }
}
