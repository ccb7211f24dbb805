// The packaging plugin's validation of guardian.yml, called directly (no `sls` run):
// an invalid policy must fail packaging with the bad field's path.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../shared/config/load';

interface GuardianPluginModule {
  new (serverless: unknown): unknown;
  loadGuardianConfig(path: string): unknown;
  deriveValues(config: unknown): { buildStates: string[]; embedded: string };
  /** What each IAM scope of the role declarations stands for, for one function. */
  iamScope(config: unknown, name: string, uses: object): { taskDefinitions: { 'Fn::Sub': string }[] };
}

const repo = join(__dirname, '..', '..');
const plugin = createRequire(__filename)(join(repo, 'serverless', 'guardian-plugin.cjs')) as GuardianPluginModule;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Policy = {
  notifications: {
    routes: { slack: Record<string, unknown>; email: unknown }[];
    default: { slack: Record<string, unknown> };
  };
};

/** Writes guardian.yml, changed by `edit`, to the temp dir and returns its path. */
function variant(name: string, edit: (policy: Policy) => void): string {
  const policy = parse(readFileSync(join(repo, 'guardian.yml'), 'utf8')) as Policy;
  edit(policy);
  const path = join(dir, `${name}.yml`);
  writeFileSync(path, stringify(policy));
  return path;
}

describe('guardian.yml validation', () => {
  it('accepts the example policy', () => {
    const config = plugin.loadGuardianConfig(join(repo, 'guardian.yml'));
    const values = plugin.deriveValues(config);
    // `embedded` becomes the bundle's GUARDIAN_EMBEDDED_CONFIG (esbuild define), which the function
    // parses with parseConfig: it must pass validation again and give back the same policy.
    expect(parseConfig(JSON.parse(values.embedded), 'embedded guardian config')).toEqual(config);
    // No route asks for SUCCEEDED, so the CodeBuild rule lets through failures only.
    expect(values.buildStates).toEqual(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);
  });

  it('names the path of a bad channel', () => {
    const path = variant('bad-channel', (p) => {
      p.notifications.routes[0]!.slack.channel = 'deployments';
    });
    expect(() => plugin.loadGuardianConfig(path)).toThrow(/notifications\.routes\.0\.slack\.channel: a channel is "#name"/);
  });

  it('names the path of an unknown state', () => {
    const path = variant('bad-state', (p) => {
      p.notifications.routes[1]!.slack.states = ['FAILED', 'EXPLODED'];
    });
    expect(() => plugin.loadGuardianConfig(path)).toThrow(/notifications\.routes\.1\.slack\.states\.1: /);
  });

  it('names the object holding a misspelt key', () => {
    const path = variant('typo', (p) => {
      p.notifications.default.slack = { chanel: '#ci' };
    });
    expect(() => plugin.loadGuardianConfig(path)).toThrow(/notifications\.default\.slack: /);
  });

  it('fails the Serverless command with that message', () => {
    const path = variant('bad-channel-sls', (p) => {
      p.notifications.routes[1]!.slack.channel = 'ci sandbox';
    });
    class ServerlessError extends Error {}
    const serverless = {
      serviceDir: dir,
      configurationInput: { custom: { guardian: { configFile: path } } },
      classes: { Error: ServerlessError },
      configSchemaHandler: { defineCustomProperties: () => undefined },
    };
    expect(() => new plugin(serverless)).toThrow(ServerlessError);
    expect(() => new plugin(serverless)).toThrow(/notifications\.routes\.1\.slack\.channel/);
  });
});

describe('the task definitions a rollback may deploy (UpdateService\'s ecs:task-definition condition)', () => {
  const families = (services: Record<string, string>[]) =>
    plugin.iamScope(parseConfig({ rollback: { services } }, 'test config'), 'rollback', {}).taskDefinitions.map((a) => a['Fn::Sub']);

  it('are the revisions of the family named by taskDefinitionFamily', () => {
    expect(families([{ cluster: 'payments-prod', service: 'payments-api', taskDefinitionFamily: 'prod-payments-api-task' }])).toEqual([
      'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/prod-payments-api-task:*',
    ]);
  });

  it('without it, the revisions of the family named like the service', () => {
    expect(families([{ cluster: 'payments-prod', service: 'payments-api' }, { cluster: 'payments-prod', service: 'ledger', taskDefinitionFamily: 'ledger-task' }])).toEqual([
      'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/payments-api:*',
      'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/ledger-task:*',
    ]);
  });
});

describe("the tamper function's rules, derived from guardian.yml", () => {
  interface TamperRules {
    tamperEvents: { eventBridge: { name: string; pattern: { detail: { eventName: string[] } } } }[];
  }
  const rulesFor = (policy: object) => (plugin.deriveValues(parseConfig(policy, 'test')) as unknown as TamperRules).tamperEvents.map((e) => e.eventBridge);

  it('are none without protection', () => {
    expect(rulesFor({})).toEqual([]);
  });

  it('ask for PutApprovalResult only when approval policies exist', () => {
    const protectedOnly = rulesFor({ protection: { pipelines: [{ pipelines: ['payments-*'] }] } });
    expect(protectedOnly.flatMap((r) => r.pattern.detail.eventName)).not.toContain('PutApprovalResult');
    const withPolicy = rulesFor({ approvals: { policies: [{ name: 'prod', pipelines: ['payments-*'] }] } });
    expect(withPolicy.map((r) => [r.name, r.pattern.detail.eventName])).toEqual([['${self:service}-${sls:stage}-tamper-pipelines', ['PutApprovalResult']]]);
  });

  it("ask for CodeDeploy's CreateDeployment only when a protected service has a deployment group (its own, or its rollback service's)", () => {
    const service = { cluster: 'payments-prod', service: 'payments-api', deployedBy: ['arn:aws:iam::123456789012:role/payments-api-pipeline'] };
    const group = { application: 'AppECS-payments-prod-payments-api', deploymentGroup: 'DgpECS-payments-prod-payments-api' };
    const deployments = (rules: ReturnType<typeof rulesFor>) => rules.filter((r) => r.pattern.detail.eventName.includes('CreateDeployment'));
    expect(deployments(rulesFor({ protection: { services: [service] } }))).toEqual([]);
    const own = deployments(rulesFor({ protection: { services: [{ ...service, codeDeploy: group }] } }));
    expect(own).toEqual([expect.objectContaining({ name: '${self:service}-${sls:stage}-tamper-deployments', pattern: expect.objectContaining({ source: ['aws.codedeploy'], detail: { eventSource: ['codedeploy.amazonaws.com'], eventName: ['CreateDeployment'] } }) })]);
    const viaRollback = rulesFor({ rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api', codeDeploy: group }] }, protection: { services: [service] } });
    expect(deployments(viaRollback)).toHaveLength(1);
  });

  it('ask for the trail calls only when a trail is protected', () => {
    const rules = rulesFor({ protection: { trails: [{ trails: ['org-*'] }] } });
    expect(rules.map((r) => r.pattern.detail.eventName)).toEqual([['StopLogging', 'DeleteTrail', 'PutEventSelectors', 'UpdateTrail']]);
  });
});
