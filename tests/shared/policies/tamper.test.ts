import { parseConfig } from '../../../shared/config/load';
import { parseApiCallEvent } from '../../../shared/events/cloudtrail';
import type { ApiCallEvent } from '../../../shared/events/types';
import { alertChannel, decideTamper, detectTampering, isOwnCall, type Detection, type OwnRoles, type TamperInputs } from '../../../shared/policies/tamper';
import type { ApprovalFacts } from '../../../shared/policies/approval';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { Action, AuditRecordAction, Plan } from '../../../shared/plan/plan';
import { emptyServiceView, type ServiceFacts, type ServiceView } from '../../../shared/views/service-view';
import { loadEvent, type JsonObject } from '../../helpers/fixtures';

// The tamper checks as pure decisions, on the CloudTrail samples in events/cloudtrail:
// what a call did to what is protected, whether its caller may, and the plan that follows
// (alerts, enforcement, audit records). No mocks: facts are plain values.

const ACCOUNT = '123456789012';
const SSO = (user: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/${user}`;
const td = (rev: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/payments-api:${rev}`;

const policy = (over: Record<string, unknown> = {}) =>
  parseConfig(
    {
      people: [
        { id: 'alice', name: 'Alice', principals: [`arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_*/alice@example.com`] },
        { id: 'mallory', principals: [`arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_*/mallory@example.com`] },
      ],
      notifications: { routes: [{ name: 'payments', pipelines: ['payments-*'], slack: { channel: '#deployments' } }], default: { slack: { channel: '#ci' } } },
      approvals: {
        freezes: [{ name: 'release-week', reason: 'the release is cut', timezone: 'Europe/Berlin', from: '2025-06-12T18:00', until: '2025-06-13T09:00' }],
        policies: [{ name: 'production', pipelines: ['payments-*'], stages: ['Approve'], approvers: { people: ['alice'] }, freezes: ['release-week'] }],
      },
      rollback: {
        services: [{ cluster: 'payments-prod', service: 'payments-api', pipeline: { name: 'payments-api', deployStage: 'Deploy' } }],
      },
      protection: {
        slack: { channel: '#security-alerts' },
        pipelines: [{ pipelines: ['payments-*'], changeableBy: [`arn:aws:iam::${ACCOUNT}:role/platform-infrastructure-deploy`] }],
        services: [{ cluster: 'payments-prod', service: 'payments-api', deployedBy: [`arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`], onBypass: 'revert' }],
        trails: [{ trails: ['org-management-*'], onStopLogging: 'restart' }],
      },
      ...over,
    },
    'test config',
  );
const config = policy();
const OWN: OwnRoles = { account: ACCOUNT, names: ['cicd-guardian-dev-notify-us-east-1', 'cicd-guardian-dev-rollback-us-east-1', 'cicd-guardian-dev-tamper-us-east-1'] };

/** A CloudTrail sample, parsed, with its request parameters (or caller) changed. */
function call(file: string, change: (detail: JsonObject) => void = () => undefined): ApiCallEvent {
  const raw = loadEvent(`cloudtrail/${file}`);
  change(raw.detail as JsonObject);
  return parseApiCallEvent(raw);
}
const asCaller = (arn: string) => (d: JsonObject) => {
  (d.userIdentity as JsonObject).arn = arn;
};

function detect(event: ApiCallEvent, cfg = config): Detection {
  const d = detectTampering(event, cfg, OWN);
  if ('ignored' in d) throw new Error(`expected a detection, got: ${d.ignored}`);
  return d;
}

function decide(event: ApiCallEvent, over: Partial<TamperInputs> = {}, cfg = config): Plan {
  return decideTamper({ event, detection: detect(event, cfg), config: cfg, slackMode: 'bot', delivery: emptyDelivery(), now: new Date('2025-06-12T14:06:00Z'), ...over });
}

const types = (plan: Plan) => plan.actions.map((a) => a.type);
const audits = (plan: Plan) => plan.actions.filter((a): a is AuditRecordAction => a.type === 'audit.record');
const ofType = <T extends Action['type']>(plan: Plan, type: T) => plan.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);

describe('calls that are never tampering', () => {
  it.each([
    ['a call that failed (errorCode)', 'cloudtrail-stop-logging-denied.json', /failed \(AccessDenied\): nothing changed/],
    ["a call of cicd-guardian's own role (the rollback's UpdateService)", 'ecs-update-service-by-guardian.json', /made by cicd-guardian/],
  ])('%s is ignored, saying why', (_, file, why) => {
    expect(detectTampering(call(file), config, OWN)).toEqual({ ignored: expect.stringMatching(why) });
  });

  it('a role of the same name in another account is not cicd-guardian', () => {
    const event = call('ecs-update-service-by-guardian.json');
    expect(isOwnCall(event.caller, OWN)).toBe(true);
    expect(isOwnCall(event.caller, { ...OWN, account: '210987654321' })).toBe(false);
    expect(isOwnCall({ ...event.caller, issuerArn: `arn:aws:iam::${ACCOUNT}:role/other/cicd-guardian-dev-rollback-us-east-1` }, OWN)).toBe(false);
  });

  it('AWS acting for the account through a service-linked role (Application Auto Scaling) is ignored', () => {
    const event = call('ecs-update-service-desired-count.json', (d) => {
      const who = d.userIdentity as JsonObject;
      ((who.sessionContext as JsonObject).sessionIssuer as JsonObject).arn = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;
    });
    expect(detectTampering(event, config, OWN)).toEqual({ ignored: expect.stringMatching(/made by AWS for the account/) });
  });

  it.each([
    ['a pipeline nobody protects', 'codepipeline-delete-pipeline.json', (d: JsonObject) => ((d.requestParameters as JsonObject).name = 'web-frontend')],
    ['a service nobody protects', 'ecs-delete-service.json', (d: JsonObject) => ((d.responseElements as JsonObject).service = { serviceName: 'search', clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/payments-prod` })],
    ['a trail nobody protects', 'cloudtrail-delete-trail.json', (d: JsonObject) => ((d.requestParameters as JsonObject).name = 'data-events')],
    ['an approval no policy governs', 'codepipeline-put-approval-result.json', (d: JsonObject) => ((d.requestParameters as JsonObject).stageName = 'QA')],
  ])('%s is ignored', (_, file, change) => {
    expect(detectTampering(call(file, change), config, OWN)).toEqual({ ignored: expect.stringMatching(/not protected|no approval policy/) });
  });
});

describe('approvals made outside cicd-guardian', () => {
  const execution = (over: Partial<ApprovalFacts> = {}): ApprovalFacts => ({ pipelineExecutionId: 'b59d6ab5-7b6c-4a3e-9c1d-2f4e6a8b0c1d', source: {}, unreadable: [], ...over });
  const byAlice = () => call('codepipeline-put-approval-result.json', asCaller(SSO('alice@example.com')));

  it('by someone who is not an approver: stops that execution (running actions finish) and alerts, naming the principal', () => {
    const plan = decide(call('codepipeline-put-approval-result.json'), { approval: execution() });
    expect(ofType(plan, 'codepipeline.stopExecution')).toEqual([
      expect.objectContaining({ pipeline: 'payments-api', executionId: 'b59d6ab5-7b6c-4a3e-9c1d-2f4e6a8b0c1d', reason: expect.stringContaining(SSO('mallory@example.com')) }),
    ]);
    const [alert] = ofType(plan, 'slack.upsert');
    expect(alert).toMatchObject({ channel: '#security-alerts', message: { title: expect.stringContaining("against policy 'production'") } });
    expect(alert!.message.fields).toContainEqual({ label: 'Who', value: `mallory (${SSO('mallory@example.com')})` });
    expect(alert!.message.fields).toContainEqual({ label: 'Why it is flagged', value: expect.stringContaining("mallory is not an approver under policy 'production'") });
    expect(types(plan)).toContain('email.publish');
    // Recorded as enforced only once the stop is made.
    expect(audits(plan)).toEqual([expect.objectContaining({ after: 'stop:a1f5c3e7-2b4d-4f6a-8c0e-9d1b3f5a7c01', entry: expect.objectContaining({ capability: 'tamper', decision: 'enforced', pipeline: 'payments-api', stage: 'Approve', policy: 'production', by: { principal: SSO('mallory@example.com'), person: 'mallory', automatic: false } }) })]);
  });

  it('by an allowed approver, within the policy: recorded, nothing stopped, nobody alerted', () => {
    const plan = decide(byAlice(), { approval: execution() });
    expect(types(plan)).toEqual(['audit.record']);
    expect(audits(plan)[0]!.entry).toMatchObject({ decision: 'approved', executionId: 'b59d6ab5-7b6c-4a3e-9c1d-2f4e6a8b0c1d', by: { person: 'alice' } });
  });

  it.each([
    ['approving her own change (she started the execution)', {}, { startedBy: SSO('alice@example.com') }, '2025-06-12T14:05:29Z', /no self-approval: Alice started the execution/],
    ['inside a freeze', {}, {}, '2025-06-12T17:30:00Z', /inside freeze window 'release-week'/],
  ])('by an allowed approver %s: stopped', (_, __, facts, calledAt, why) => {
    const event = call('codepipeline-put-approval-result.json', (d) => {
      asCaller(SSO('alice@example.com'))(d);
      d.eventTime = calledAt;
    });
    const plan = decide(event, { approval: execution(facts) });
    expect(types(plan)).toContain('codepipeline.stopExecution');
    expect(audits(plan)[0]!.entry.reasons.join('; ')).toMatch(why);
  });

  it('by an allowed approver while the commit author is unknown: recorded, saying self-approval was not checked; stopped under selfApproval: verifiedOnly', () => {
    const recorded = decide(byAlice(), { approval: execution() });
    expect(audits(recorded)[0]!.entry).toMatchObject({ decision: 'approved', reasons: [expect.any(String), expect.stringMatching(/^author unknown: /)] });
    const cfg = policy({ approvals: { policies: [{ name: 'production', pipelines: ['payments-*'], stages: ['Approve'], approvers: { people: ['alice'] }, selfApproval: 'verifiedOnly' }] } });
    const stopped = decide(byAlice(), { approval: execution() }, cfg);
    expect(types(stopped)).toContain('codepipeline.stopExecution');
    expect(audits(stopped)[0]!.entry.reasons).toContainEqual(expect.stringMatching(/^author unknown: .*\(selfApproval: verifiedOnly\)$/));
  });

  it('an N-of-M policy is broken by one console approval', () => {
    const cfg = policy({ approvals: { policies: [{ name: 'production', pipelines: ['payments-*'], stages: ['Approve'], approvers: { people: ['alice', 'mallory'], required: 2 } }] } });
    const plan = decide(byAlice(), { approval: execution() }, cfg);
    expect(audits(plan)[0]!.entry.reasons).toContain("policy 'production' requires 2 distinct approvals; an approval in the console is one person's");
  });

  it("a person's principal naming only the role their session was issued by does not make everyone in that role the person", () => {
    const SSO_ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978`;
    const cfg = policy({ people: [{ id: 'alice', name: 'Alice', principals: [SSO_ROLE] }] });
    const byMallory = call('codepipeline-put-approval-result.json');
    expect(detect(byMallory, cfg).person).toBeUndefined();
    const plan = decide(byMallory, { approval: execution() }, cfg);
    expect(types(plan)).toContain('codepipeline.stopExecution');
    expect(audits(plan)[0]!.entry.reasons[0]).toMatch(/mallory@example.com is none of the people in guardian.yml/);
  });

  it('a rejection is recorded: it stops the change by itself', () => {
    const event = call('codepipeline-put-approval-result.json', (d) => ((d.requestParameters as JsonObject).result = { status: 'Rejected', summary: 'not today' }));
    const plan = decide(event);
    expect(types(plan)).toEqual(['audit.record']);
    expect(audits(plan)[0]!.entry.decision).toBe('rejected');
  });

  it('when the approved execution cannot be found: alerts that it must be stopped by hand', () => {
    const plan = decide(call('codepipeline-put-approval-result.json'), { approval: { source: {}, unreadable: ['GetPipelineState failed (AccessDeniedException: no)'] } });
    expect(types(plan)).not.toContain('codepipeline.stopExecution');
    expect(ofType(plan, 'slack.upsert')[0]!.message.summary).toMatch(/could not be found \(GetPipelineState failed .*\): stop it by hand/);
    expect(audits(plan)[0]!.entry.decision).toBe('alerted');
  });

  it('a retry plans nothing it already did', () => {
    const first = decide(call('codepipeline-put-approval-result.json'), { approval: execution() });
    const delivery: Delivery = { messages: { 'tamper:a1f5c3e7-2b4d-4f6a-8c0e-9d1b3f5a7c01': { ts: '1.2', channelId: 'C1' } }, sent: first.actions.flatMap((a) => ('key' in a ? [a.key] : [])) };
    expect(decide(call('codepipeline-put-approval-result.json'), { approval: execution(), delivery }).actions).toEqual([]);
  });
});

describe('changes of protected pipelines', () => {
  it('UpdatePipeline by someone else: alerts with the principal and the outline of the new definition', () => {
    const plan = decide(call('codepipeline-update-pipeline.json'));
    const change = ofType(plan, 'slack.upsert')[0]!.message.fields.find((f) => f.label === 'What changed')!.value;
    expect(change).toBe('definition replaced (now version 8); stages Source [Source: CodeStarSourceConnection], Build [Build: CodeBuild], Deploy [Deploy: ECS]; role payments-api-pipeline; execution mode SUPERSEDED');
    expect(audits(plan)[0]!.entry).toMatchObject({ decision: 'alerted', pipeline: 'payments-api' });
  });

  it('what an UpdatePipeline changed is bounded, however large the definition', () => {
    const event = call('codepipeline-update-pipeline.json', (d) => {
      const stages = ((d.requestParameters as JsonObject).pipeline as JsonObject).stages as JsonObject[];
      for (let i = 0; i < 200; i++) stages.push({ name: `Stage${i}`, actions: [] });
    });
    expect(detect(event).change.length).toBeLessThanOrEqual(600);
  });

  it.each([
    ['codepipeline-disable-stage-transition.json', 'disabled the inbound transition of stage Deploy (reason: holding deploys while the database migrates)'],
    ['codepipeline-enable-stage-transition.json', 'enabled the inbound transition of stage Deploy'],
    ['codepipeline-delete-pipeline.json', 'deleted the pipeline'],
  ])('%s: says what changed', (file, change) => {
    expect(detect(call(file)).change).toBe(change);
  });

  it('by a principal in changeableBy (matched on the role the session was issued by): recorded, not alerted', () => {
    const event = call('codepipeline-update-pipeline.json', (d) => {
      ((((d.userIdentity as JsonObject).sessionContext as JsonObject).sessionIssuer as JsonObject).arn = `arn:aws:iam::${ACCOUNT}:role/platform-infrastructure-deploy`);
    });
    const plan = decide(event);
    expect(types(plan)).toEqual(['audit.record']);
    expect(audits(plan)[0]!.entry.decision).toBe('allowed');
  });
});

describe('protected ECS services changed outside the pipeline', () => {
  const knownGood = (view: Partial<ServiceView> = {}): ServiceView => ({
    ...emptyServiceView({ account: ACCOUNT, region: 'us-east-1', cluster: 'payments-prod', service: 'payments-api' }),
    knownGood: { taskDefinitionArn: td(42), deploymentId: 'ecs-svc/1234567890123456789', at: '2025-06-11T09:40:05Z' },
    ...view,
  });
  const facts = (over: Partial<ServiceFacts> = {}): ServiceFacts => ({
    controller: 'ECS',
    nativeRollbackEnabled: false,
    nativeRollbackInProgress: false,
    deployments: [],
    successfulTaskDefinitions: [{ taskDefinition: td(42) }],
    taskDefinitionStatus: { [td(42)]: 'ACTIVE' },
    ...over,
  });

  it('the pipeline\'s deploy role deploying is no bypass', () => {
    expect(decide(call('ecs-update-service-by-pipeline.json')).actions.map((a) => a.type)).toEqual(['audit.record']);
  });

  it('a task definition deployed by someone else, onBypass revert: restores the known-good revision with the rollback\'s UpdateService, keyed as a rollback of the bypass deployment', () => {
    const plan = decide(call('ecs-update-service.json'), { revert: { view: knownGood(), facts: facts() } });
    expect(ofType(plan, 'ecs.updateService')).toEqual([
      expect.objectContaining({ key: 'rollback:ecs-svc/4455667788990011223', cluster: 'payments-prod', service: 'payments-api', taskDefinitionArn: td(42) }),
    ]);
    expect(ofType(plan, 'slack.upsert')[0]!.message.title).toBe('service payments-prod/payments-api: changed outside the pipeline (bypass of CI/CD)');
    expect(audits(plan)[0]).toMatchObject({ after: 'rollback:ecs-svc/4455667788990011223', entry: { decision: 'enforced', resource: 'payments-prod/payments-api' } });
  });

  it.each([
    ['within the rollback cooldown', { delivery: { messages: {}, sent: [], changes: [{ key: 'rollback:ecs-svc/1', type: 'ecs.updateService', at: '2025-06-12T13:50:00Z' }] } }, /within the 30-minute cooldown/],
    ['while ECS rolls back by itself', { revert: { view: knownGood(), facts: facts({ nativeRollbackInProgress: true }) } }, /ECS is rolling .* back by itself/],
    ['for a CODE_DEPLOY service', { revert: { view: knownGood(), facts: facts({ controller: 'CODE_DEPLOY' }) } }, /CODE_DEPLOY deployment controller/],
    ['without a known-good revision', { revert: { view: knownGood({ knownGood: undefined }), facts: facts({ successfulTaskDefinitions: [] }) } }, /no known-good revision/],
    ['when ECS cannot be read', { revert: { view: knownGood(), unreadable: 'ThrottlingException' } }, /could not be read \(ThrottlingException\)/],
    ['when nothing is known of the service yet (no state)', { revert: { view: knownGood({ knownGood: undefined }) } }, /nothing is known of payments-prod\/payments-api yet/],
  ])('no revert %s: alerts why', (_, over, why) => {
    const plan = decide(call('ecs-update-service.json'), { revert: { view: knownGood(), facts: facts() }, ...over });
    expect(types(plan)).not.toContain('ecs.updateService');
    expect(audits(plan)[0]!.entry.reasons.join('; ')).toMatch(why);
  });

  it('a service that rollback.services does not list is not reverted (its known-good revision is learned there)', () => {
    const cfg = policy({ rollback: { services: [] } });
    const plan = decide(call('ecs-update-service.json'), {}, cfg);
    expect(audits(plan)[0]!.entry.reasons.join('; ')).toMatch(/not in rollback.services/);
  });

  it("a rollback service's dry-run rehearses the revert", () => {
    const cfg = policy({ rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api', dryRun: true }] } });
    const plan = decide(call('ecs-update-service.json'), { revert: { view: knownGood(), facts: facts() } }, cfg);
    expect(ofType(plan, 'ecs.updateService')[0]).toMatchObject({ rehearsal: true });
    expect(audits(plan)[0]!.entry.decision).toBe('alerted');
  });

  it.each([
    ['a scale change (nothing to revert)', 'ecs-update-service-desired-count.json', 'desiredCount → 6'],
    ['a deleted service', 'ecs-delete-service.json', 'deleted the service (forced, with its tasks)'],
  ])('%s: alerted as a bypass, not reverted', (_, file, change) => {
    const plan = decide(call(file));
    expect(types(plan)).not.toContain('ecs.updateService');
    expect(ofType(plan, 'slack.upsert')[0]!.message.fields).toContainEqual({ label: 'What changed', value: change });
  });

  it('onBypass alert only alerts', () => {
    const cfg = policy({ protection: { services: [{ cluster: 'payments-prod', service: 'payments-api', deployedBy: ['arn:aws:iam::*:role/payments-api-pipeline'] }] } });
    const plan = decide(call('ecs-update-service.json'), { revert: { view: knownGood(), facts: facts() } }, cfg);
    expect(types(plan)).toEqual(['slack.upsert', 'email.publish', 'audit.record']);
  });
});

describe('CodeDeploy deployments of protected services made outside the pipeline', () => {
  const GROUP = { application: 'AppECS-payments-prod-payments-api', deploymentGroup: 'DgpECS-payments-prod-payments-api' };
  const withGroup = policy({
    protection: {
      slack: { channel: '#security-alerts' },
      services: [{ cluster: 'payments-prod', service: 'payments-api', deployedBy: [`arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`], onBypass: 'revert', codeDeploy: GROUP }],
    },
  });
  const deployment = (change?: (d: JsonObject) => void) => call('codedeploy-create-deployment.json', change);

  it('CreateDeployment by someone else on the service\'s deployment group: a bypass, alerted with the deployment, never reverted (and says so)', () => {
    const detection = detect(deployment(), withGroup);
    expect(detection).toMatchObject({ kind: 'service', cluster: 'payments-prod', service: 'payments-api', change: 'CodeDeploy deployment d-7KX3Q9V2B of AppSpec sha256 5f2b8c1e9d4a (description: hotfix from my laptop)' });
    const plan = decide(deployment(), {}, withGroup);
    expect(types(plan)).toEqual(['slack.upsert', 'email.publish', 'audit.record']);
    const [alert] = ofType(plan, 'slack.upsert');
    expect(alert!.message.title).toMatch(/changed outside the pipeline \(bypass of CI\/CD\)/);
    expect(alert!.message.summary).toMatch(/only alerts \(a CodeDeploy deployment is never reverted: .*stop the deployment in CodeDeploy, with rollback/);
    expect(audits(plan)[0]!.entry).toMatchObject({ decision: 'alerted', resource: 'payments-prod/payments-api' });
  });

  it("the pipeline's deploy role deploying through CodeDeploy is no bypass", () => {
    const byPipeline = deployment((d) => {
      (d.userIdentity as JsonObject).arn = `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api-pipeline/1718205605123`;
      ((d.userIdentity as JsonObject).sessionContext as { sessionIssuer: JsonObject }).sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/payments-api-pipeline`;
    });
    expect(detect(byPipeline, withGroup).allowedBy).toMatch(/deploy role/);
  });

  it("finds the deployment group in the service's rollback.services entry too", () => {
    const viaRollback = policy({ rollback: { services: [{ cluster: 'payments-prod', service: 'payments-api', codeDeploy: GROUP }] } });
    expect(detect(deployment(), viaRollback)).toMatchObject({ kind: 'service', service: 'payments-api' });
  });

  it('ignores a deployment group that is no protected service\'s', () => {
    expect(detectTampering(deployment(), config, OWN)).toEqual({ ignored: expect.stringMatching(/deployment group AppECS-payments-prod-payments-api\/DgpECS-payments-prod-payments-api is no protected service's/) });
  });
});

describe('protected trails', () => {
  it('StopLogging with onStopLogging restart: starts logging again and alerts', () => {
    const plan = decide(call('cloudtrail-stop-logging.json'));
    expect(ofType(plan, 'cloudtrail.startLogging')).toEqual([expect.objectContaining({ trail: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-management-events` })]);
    expect(audits(plan)[0]).toMatchObject({ after: 'start:e1d5a3c7-2f4b-4d6e-8a0c-9b1f3d5e7a11', entry: { decision: 'enforced', resource: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-management-events` } });
  });

  it('StopLogging with onStopLogging alert: alerts only', () => {
    const cfg = policy({ protection: { trails: [{ trails: ['org-management-events'] }] } });
    expect(types(decide(call('cloudtrail-stop-logging.json'), {}, cfg))).toEqual(['slack.upsert', 'email.publish', 'audit.record']);
  });

  it.each([
    ['cloudtrail-delete-trail.json', 'trail deleted', 'deleted the trail'],
    ['cloudtrail-put-event-selectors.json', 'what the trail records changed', '1 event selector(s) set; management events are no longer logged; write events are no longer logged'],
    ['cloudtrail-update-trail.json', 'what the trail records changed', 'isMultiRegionTrail → false, includeGlobalServiceEvents → false'],
  ])('%s: alerted, never restarted', (file, headline, change) => {
    const plan = decide(call(file));
    expect(types(plan)).toEqual(['slack.upsert', 'email.publish', 'audit.record']);
    expect(ofType(plan, 'slack.upsert')[0]!.message).toMatchObject({ title: `trail org-management-events: ${headline}` });
    expect(ofType(plan, 'slack.upsert')[0]!.message.fields).toContainEqual({ label: 'What changed', value: change });
  });
});

describe('where tampering is told', () => {
  it('protection.slack, else the route of the pipeline, else notifications.default', () => {
    expect(alertChannel(config, 'payments-api')).toBe('#security-alerts');
    const unset = policy({ protection: {} });
    expect(alertChannel(unset, 'payments-api')).toBe('#deployments');
    expect(alertChannel(unset, undefined)).toBe('#ci');
  });

  it('through the webhook when there is no bot token, and always by email', () => {
    const plan = decide(call('cloudtrail-delete-trail.json'), { slackMode: 'webhook' });
    expect(types(plan)).toEqual(['slack.webhook', 'email.publish', 'audit.record']);
  });
});
