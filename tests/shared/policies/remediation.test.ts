import { parseConfig } from '../../../shared/config/load';
import { parseFindingEvent, type Finding } from '../../../shared/events/guardduty';
import { capWindow, decideRemediation, destructiveOwed, playbookFor, resourceKeyOf, type RemediationFacts, type RemediationInputs } from '../../../shared/policies/remediation';
import { emptyDelivery, type Delivery } from '../../../shared/plan/delivery';
import type { Action, AuditRecordAction, Plan } from '../../../shared/plan/plan';
import { loadEvent } from '../../helpers/fixtures';

// GuardDuty remediation as pure decisions, on the findings in events/guardduty:
// which playbook, its steps in order (evidence first), and the guardrails
// (sample, exemptions, severity, other accounts, dry-run, approvals, cap,
// idempotency). No mocks: facts are plain values.

const ACCOUNT = '123456789012';
const NOW = new Date('2026-12-02T09:46:00Z');

const policy = (remediation: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
  parseConfig(
    {
      notifications: { default: { slack: { channel: '#ci' } } },
      protection: { trails: [{ trails: ['org-management-*'], onStopLogging: 'restart' }] },
      remediation: {
        slack: { channel: '#security-alerts' },
        exemptions: { tags: [{ key: 'guardian:remediation', value: 'exempt' }] },
        protectedRoles: ['payments-api-pipeline'],
        artifactBuckets: ['payments-pipeline-artifacts'],
        playbooks: { s3: { minSeverity: 1 }, cloudTrail: { minSeverity: 1 } },
        actOnAttackSequences: true,
        ...remediation,
      },
      ...over,
    },
    'test',
  );

const finding = (file: string): Finding => parseFindingEvent(loadEvent(`guardduty/${file}`));

const instanceFacts = (over: Partial<Extract<RemediationFacts['instance'], { volumeIds: string[] }>> = {}): RemediationFacts => ({
  instance: { volumeIds: ['vol-0a1b2c3d4e5f60001', 'vol-0a1b2c3d4e5f60002'], autoScalingGroup: 'build-runners', terminationProtected: false, state: 'running', groupsByEni: { 'eni-0a1b2c3d4e5f60718': ['sg-0aa11bb22cc33dd44'] }, ...over },
});

const decide = (f: Finding, over: Partial<RemediationInputs> = {}): Plan =>
  decideRemediation({ finding: f, config: policy(), facts: {}, delivery: emptyDelivery(), slackMode: 'bot', now: NOW, reach: {}, exemptServices: [], dryRun: false, ...over });

const changes = (plan: Plan) => plan.actions.filter((a) => !['slack.upsert', 'slack.webhook', 'email.publish', 'audit.record'].includes(a.type));
const types = (plan: Plan) => changes(plan).map((a) => a.type);
const audits = (plan: Plan) => plan.actions.filter((a): a is AuditRecordAction => a.type === 'audit.record').map((a) => a.entry.decision);
const message = (plan: Plan) => plan.actions.find((a): a is Extract<Action, { type: 'slack.upsert' }> => a.type === 'slack.upsert');
const steps = (plan: Plan) => (message(plan)?.message.steps?.items ?? []).map((s) => `${s.mark} ${s.what}: ${s.state}${s.why ? ` (${s.why})` : ''}`).join('\n');
const deliveredAfter = (plan: Plan): Delivery => ({ ...emptyDelivery(), sent: plan.actions.flatMap((a) => ('key' in a ? [a.key] : [])) });

describe('which playbook a finding type calls for (by prefix, as GuardDuty renames types)', () => {
  it.each([
    ['Backdoor:EC2/C&CActivity.B', 'ec2'],
    ['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'ec2'],
    ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', 'iamCredentials'],
    ['Execution:Runtime/ReverseShell', 'ecsRuntime'],
    ['Policy:S3/BucketBlockPublicAccessDisabled', 's3'],
    ['Stealth:IAMUser/CloudTrailLoggingDisabled', 'cloudTrail'],
    ['AttackSequence:ECS/CompromisedCluster', 'attackSequence'],
    ['Recon:EC2/PortProbeUnprotectedPort', undefined],
  ])('%s -> %s', (type, name) => {
    expect(playbookFor(type, policy())?.name).toBe(name);
  });

  it('takes the types guardian.yml names for a playbook instead of its own', () => {
    expect(playbookFor('Recon:EC2/PortProbeUnprotectedPort', policy({ playbooks: { ec2: { types: ['Recon:EC2'] } } }))?.name).toBe('ec2');
    expect(playbookFor('Backdoor:EC2/C&CActivity.B', policy({ playbooks: { ec2: { types: ['Recon:EC2'] } } }))).toBeUndefined();
  });
});

describe('EC2 compromise', () => {
  it('keeps the evidence first: tag, snapshot, termination protection, then detach (capacity kept) and isolate', () => {
    const plan = decide(finding('ec2-backdoor-cc-activity.json'), { facts: instanceFacts() });
    expect(types(plan)).toEqual(['ec2.tagInstance', 'ec2.snapshotVolumes', 'ec2.protectInstance', 'autoscaling.detachInstance', 'ec2.isolateInstance']);
    expect(changes(plan)[1]).toMatchObject({ volumeIds: ['vol-0a1b2c3d4e5f60001', 'vol-0a1b2c3d4e5f60002'], findingId: 'a4c9e8f1b2d3c4e5f6a7b8c9d0e1f2a3' });
    expect(changes(plan)[4]).toMatchObject({ vpcId: 'vpc-0123456789abcdef0', networkInterfaceIds: ['eni-0a1b2c3d4e5f60718'], groupName: 'cicd-guardian-isolation' });
    expect(changes(plan)[4]).not.toHaveProperty('groupId');
  });

  it('uses the VPC isolation group that exists, and records an instance already isolated instead of isolating it again', () => {
    const f = finding('ec2-backdoor-cc-activity.json');
    expect(changes(decide(f, { facts: instanceFacts({ isolationGroupId: 'sg-0ffee0000000000aa' }) }))[4]).toMatchObject({ groupId: 'sg-0ffee0000000000aa' });
    const plan = decide(f, { facts: instanceFacts({ isolationGroupId: 'sg-0ffee0000000000aa', groupsByEni: { 'eni-0a1b2c3d4e5f60718': ['sg-0ffee0000000000aa'] }, terminationProtected: true }) });
    expect(types(plan)).toEqual(['ec2.tagInstance', 'ec2.snapshotVolumes', 'autoscaling.detachInstance']);
    expect(audits(plan)).toEqual(expect.arrayContaining(['in effect', 'in effect']));
    expect(steps(plan)).toMatch(/isolation group cicd-guardian-isolation: in effect \(every interface already has only sg-0ffee0000000000aa\)/);
  });

  it('stops the instance last only where guardian.yml says so, and not when approval is required for it', () => {
    const f = finding('ec2-backdoor-cc-activity.json');
    expect(types(decide(f, { config: policy({ ec2: { stopInstance: true } }), facts: instanceFacts() })).at(-1)).toBe('ec2.stopInstance');
    const plan = decide(f, { config: policy({ ec2: { stopInstance: true }, approval: { required: ['stopInstance'] } }), facts: instanceFacts() });
    expect(types(plan)).not.toContain('ec2.stopInstance');
    expect(steps(plan)).toMatch(/stop i-0a1b2c3d4e5f60789: awaiting approval/);
  });

  it('says what it does not do: a network ACL deny is not made by this version', () => {
    const plan = decide(finding('ec2-bitcoin-tool.json'), { config: policy({ ec2: { denyRemoteIp: true } }) });
    expect(plan.skipped.join('\n')).toMatch(/deny 192\.0\.2\.77 .*not made by this version/);
  });

  it('refuses clearly when the instance is gone', () => {
    const plan = decide(finding('ec2-bitcoin-tool.json'), { facts: { instance: { missing: 'instance i-0b2c3d4e5f6071890 does not exist (InvalidInstanceID.NotFound): terminated?' } } });
    expect(types(plan)).toEqual([]);
    expect(steps(plan)).toMatch(/skipped \(instance i-0b2c3d4e5f6071890 does not exist/);
    expect(audits(plan)).toContain('skipped');
  });
});

describe('IAM credentials', () => {
  it("deactivates the one key a user's finding names, never the user's other keys", () => {
    const plan = decide(finding('iam-user-access-key.json'), { facts: { accessKey: { status: 'Active' } } });
    expect(changes(plan)).toEqual([expect.objectContaining({ type: 'iam.deactivateAccessKey', userName: 'ci-deployer', accessKeyId: 'AKIA3XFRBF23DEPLOYER1' })]);
  });

  it('records a key that is already Inactive, and does not change it', () => {
    const plan = decide(finding('iam-user-access-key.json'), { facts: { accessKey: { status: 'Inactive' } } });
    expect(types(plan)).toEqual([]);
    expect(audits(plan)).toEqual(['in effect']);
  });

  it("revokes an assumed role's sessions issued before the finding's last-seen time", () => {
    const plan = decide(finding('iam-assumed-role-credential-exfiltration.json'));
    expect(changes(plan)).toEqual([expect.objectContaining({ type: 'iam.revokeRoleSessions', roleName: 'payments-api-build', issuedBefore: '2026-12-02T09:40:51.000Z' })]);
  });

  it("waits for approval before revoking a protected role's sessions (in-flight builds and tasks would die)", () => {
    const plan = decide(finding('iam-assumed-role-credential-exfiltration.json'), { config: policy({ protectedRoles: ['payments-api-*'] }) });
    expect(types(plan)).toEqual([]);
    expect(steps(plan)).toMatch(/awaiting approval \(payments-api-build is a protected role/);
    expect(audits(plan)).toEqual(['refused']);
  });
});

describe('ECS runtime findings', () => {
  const restore = { type: 'ecs.updateService' as const, key: 'rollback:x', cluster: 'payments-prod', service: 'payments-api', taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/payments-api:41`, reason: 'r' };

  it("rolls a service task's service back to its known-good revision (the rollback's rules), not the task", () => {
    const plan = decide(finding('ecs-runtime-service-task.json'), { facts: { service: { restore } } });
    expect(changes(plan)).toEqual([expect.objectContaining({ type: 'ecs.updateService', cluster: 'payments-prod', service: 'payments-api', taskDefinitionArn: restore.taskDefinitionArn })]);
    expect(resourceKeyOf(finding('ecs-runtime-service-task.json'))).toBe('service/payments-prod/payments-api');
  });

  it("says why the rollback's rules refuse", () => {
    const plan = decide(finding('ecs-runtime-service-task.json'), { facts: { service: { refused: 'nothing is known of payments-prod/payments-api yet' } } });
    expect(types(plan)).toEqual([]);
    expect(steps(plan)).toMatch(/skipped \(nothing is known of payments-prod\/payments-api yet\)/);
  });

  const tasks = { desiredCount: 3, subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], securityGroups: ['sg-0aa11bb22cc33dd44'], assignPublicIp: 'DISABLED' as const, vpcId: 'vpc-0123456789abcdef0' };
  const entries = (plan: Plan) => plan.actions.filter((a): a is AuditRecordAction => a.type === 'audit.record').map((a) => a.entry);

  it("isolates a service's tasks with its VPC's isolation group when guardian.yml says so, keeping its subnets and recording its groups before", () => {
    const plan = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'isolate' } }), facts: { serviceTasks: tasks } });
    expect(changes(plan)).toEqual([
      expect.objectContaining({
        type: 'ecs.isolateService', cluster: 'payments-prod', service: 'payments-api', vpcId: 'vpc-0123456789abcdef0', groupName: 'cicd-guardian-isolation',
        subnets: tasks.subnets, assignPublicIp: 'DISABLED', previousGroups: ['sg-0aa11bb22cc33dd44'],
      }),
    ]);
    expect(entries(plan)[0]).toMatchObject({ decision: 'remediated', reasons: [expect.stringContaining('(it had sg-0aa11bb22cc33dd44)')] });
    const isolated = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'isolate' } }), facts: { serviceTasks: { ...tasks, securityGroups: ['sg-0150la7ed000000aa'], isolationGroupId: 'sg-0150la7ed000000aa' } } });
    expect(types(isolated)).toEqual([]);
    expect(audits(isolated)).toEqual(['in effect']);
  });

  it('does not isolate tasks without an awsvpc network configuration, saying why', () => {
    const plan = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'isolate' } }), facts: { serviceTasks: { ...tasks, subnets: [], securityGroups: [] } } });
    expect(types(plan)).toEqual([]);
    expect(steps(plan)).toMatch(/no awsvpc network configuration/);
  });

  it('scales a service to zero when guardian.yml says so, recording its desired count before; already at zero is in effect', () => {
    const plan = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'scaleToZero' } }), facts: { serviceTasks: tasks } });
    expect(changes(plan)).toEqual([expect.objectContaining({ type: 'ecs.scaleService', cluster: 'payments-prod', service: 'payments-api', desiredCount: 0, previousDesiredCount: 3 })]);
    expect(entries(plan)[0]).toMatchObject({ decision: 'remediated', reasons: [expect.stringContaining('(desired count was 3)')] });
    expect(destructiveOwed(plan)).toBe(1);
    const zero = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'scaleToZero' } }), facts: { serviceTasks: { ...tasks, desiredCount: 0 } } });
    expect(audits(zero)).toEqual(['in effect']);
    const gone = decide(finding('ecs-runtime-service-task.json'), { config: policy({ ecs: { onServiceFinding: 'scaleToZero' } }), facts: { serviceTasks: { missing: 'service payments-prod/payments-api does not exist (MISSING)' } } });
    expect(steps(gone)).toMatch(/skipped \(service payments-prod\/payments-api does not exist/);
  });

  it('stops a standalone task', () => {
    expect(changes(decide(finding('ecs-runtime-standalone-task.json')))).toEqual([
      expect.objectContaining({ type: 'ecs.stopTask', cluster: 'payments-prod', task: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/payments-prod/9a8b7c6d5e4f43210a1b2c3d4e5f6a7b` }),
    ]);
  });
});

describe('S3 and CloudTrail', () => {
  it('turns Block Public Access on for an artifact bucket always, and for other buckets only when public in effect', () => {
    expect(types(decide(finding('s3-block-public-access-disabled.json')))).toEqual(['s3.blockPublicAccess']);
    expect(types(decide(finding('s3-bucket-public-access-granted.json')))).toEqual(['s3.blockPublicAccess']);
    const notPublic = decide(finding('s3-bucket-public-access-granted.json'), { facts: { buckets: { 'payments-build-cache': { allBlocked: false, publicInEffect: false } } } });
    expect(types(notPublic)).toEqual([]);
    expect(notPublic.skipped.join()).toMatch(/not public in effect/);
  });

  it('records Block Public Access already on', () => {
    const plan = decide(finding('s3-block-public-access-disabled.json'), { facts: { buckets: { 'payments-pipeline-artifacts': { allBlocked: true } } } });
    expect(types(plan)).toEqual([]);
    expect(audits(plan)).toEqual(['in effect']);
  });

  it('starts logging on a protected trail again, unless it is logging already', () => {
    const f = finding('cloudtrail-logging-disabled.json');
    expect(changes(decide(f))).toEqual([expect.objectContaining({ type: 'cloudtrail.startLogging', trail: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-management-events` })]);
    expect(types(decide(f, { facts: { trail: { logging: true } } }))).toEqual([]);
    expect(decide(f, { config: policy({}, { protection: {} }) }).skipped.join()).toMatch(/not in protection\.trails/);
    expect(resourceKeyOf(f)).toBe('trail/org-management-events');
  });
});

describe('attack sequences', () => {
  it("notify with the sequence's signals and resources, and run the playbooks of the resources it names", () => {
    const plan = decide(finding('attack-sequence-compromised-credentials.json'), { facts: { accessKey: { status: 'Active' } } });
    expect(types(plan)).toEqual(['iam.deactivateAccessKey', 's3.blockPublicAccess']);
    const fields = message(plan)!.message.fields.map((f) => f.label);
    expect(fields).toEqual(expect.arrayContaining(['Signals', 'Resources']));
  });

  it('only notify when guardian.yml does not let them act', () => {
    const plan = decide(finding('attack-sequence-compromised-credentials.json'), { config: policy({ actOnAttackSequences: false }) });
    expect(types(plan)).toEqual([]);
    expect(message(plan)).toBeDefined();
  });
});

describe('guardrails', () => {
  it.each([
    ['ec2-sample-finding.json', /sample finding/],
    ['ec2-exempted-by-tag.json', /tagged guardian:remediation=exempt/],
  ])('%s: notified, never acted on', (file, why) => {
    const plan = decide(finding(file), { facts: instanceFacts() });
    expect(types(plan)).toEqual([]);
    expect(plan.skipped.join()).toMatch(why);
    expect(audits(plan)).toEqual(['notified']);
    expect(message(plan)?.message.summary).toMatch(why);
  });

  it('only notifies a finding in an account it does not reach (not served, or remediation off there), saying why', () => {
    const why = 'account 210987654321 (region us-east-1) is not served: cicd-guardian runs in account 123456789012 and guardian.yml has no organization section naming other accounts';
    const plan = decide(finding('ec2-other-account.json'), { facts: instanceFacts(), reach: { refused: why } });
    expect(types(plan)).toEqual([]);
    expect(plan.skipped.join()).toMatch(why);
    expect(audits(plan)).toEqual(['notified']);
    expect(message(plan)?.message.summary).toMatch(why);
  });

  it("acts in a served member account through its member role, and says so", () => {
    const plan = decide(finding('ec2-other-account.json'), { reach: { roleArn: 'arn:aws:iam::210987654321:role/cicd-guardian-member' } });
    expect(types(plan)).toContain('ec2.isolateInstance');
    expect(message(plan)?.message.summary).toMatch(/through arn:aws:iam::210987654321:role\/cicd-guardian-member/);
  });

  it("leaves alone an ECS service the finding's account exempts (organization exempt.services)", () => {
    const f = finding('ecs-runtime-service-task.json');
    const r = f.resource as Extract<Finding['resource'], { kind: 'ecsTask' }>;
    const plan = decide(f, { exemptServices: [`${r.cluster}/${r.service}`] });
    expect(types(plan)).toEqual([]);
    expect(plan.skipped.join()).toMatch(new RegExp(`service ${r.cluster}/${r.service} is exempt in account ${ACCOUNT} \\(organization exempt.services\\): notified only`));
  });

  it('exempts whole accounts', () => {
    expect(types(decide(finding('ec2-bitcoin-tool.json'), { config: policy({ exemptions: { accounts: [ACCOUNT] } }) }))).toEqual([]);
  });

  it('only notifies below the playbook severity floor', () => {
    const plan = decide(finding('iam-user-access-key.json'), { config: policy({ playbooks: { iamCredentials: { minSeverity: 7 } } }) });
    expect(types(plan)).toEqual([]);
    expect(plan.skipped.join()).toMatch(/severity 5 is below playbook iamCredentials's floor 7/);
  });

  it('a dry-run (global or per playbook) plans the same changes as rehearsals, shown in Slack', () => {
    for (const inputs of [{ dryRun: true }, { config: policy({ playbooks: { ec2: { dryRun: true } } }) }]) {
      const plan = decide(finding('ec2-backdoor-cc-activity.json'), { facts: instanceFacts(), ...inputs });
      expect(changes(plan).every((a) => 'rehearsal' in a && a.rehearsal)).toBe(true);
      expect(changes(plan)).toHaveLength(5);
      expect(message(plan)!.message.summary).toMatch(/Dry-run/);
      expect(destructiveOwed(plan)).toBe(0);
    }
  });

  it('never repeats a step done for the resource when the finding is re-published (count grown, updatedAt later)', () => {
    const first = decide(finding('ec2-backdoor-cc-activity.json'), { facts: instanceFacts() });
    const reported = decide(finding('ec2-backdoor-cc-activity.json'), { facts: instanceFacts(), delivery: deliveredAfter(first) });
    const again = decide(finding('ec2-backdoor-cc-activity-republished.json'), { facts: instanceFacts(), delivery: { ...emptyDelivery(), sent: [...deliveredAfter(first).sent, ...deliveredAfter(reported).sent] } });
    expect(types(again)).toEqual([]);
    expect(steps(again)).toMatch(/detach i-0a1b2c3d4e5f60789 .*: done/);
    expect(message(again)!.messageKey).toBe(message(first)!.messageKey);
    expect(message(again)!.message.fields.find((f) => f.label === 'Seen')?.value).toMatch(/14 times/);
    expect(again.actions.some((a) => a.type === 'email.publish')).toBe(false);
  });

  it('counts the destructive steps the cap must allow, and holds back those past it, paging once per window', () => {
    const f = finding('ec2-backdoor-cc-activity.json');
    expect(destructiveOwed(decide(f, { facts: instanceFacts() }))).toBe(2);
    const window = capWindow(NOW, 60);
    const plan = decide(f, { facts: instanceFacts(), allowance: 1, capReached: 'cap of 10 per hour in account 123456789012 reached', page: { window } });
    expect(types(plan)).toEqual(['ec2.tagInstance', 'ec2.snapshotVolumes', 'ec2.protectInstance', 'autoscaling.detachInstance']);
    expect(steps(plan)).toMatch(/isolation group .*: skipped \(cap of 10 per hour/);
    expect(plan.actions.filter((a) => a.type === 'email.publish').map((a) => 'key' in a && a.key)).toEqual([`page:${window}`]);
    expect(audits(plan)).toContain('refused');
    // Decided again once the allowed step is made (the allowance spent on it), to report it: the held step stays held.
    const reported = decide(f, { facts: instanceFacts(), allowance: 0, capReached: 'cap of 10 per hour in account 123456789012 reached', page: { window }, delivery: deliveredAfter(plan) });
    expect(types(reported)).toEqual([]);
    expect(steps(reported)).toMatch(/isolation group .*: skipped \(cap of 10 per hour/);
    expect(message(reported)!.message.summary).toMatch(/cap held back 1 step/);
  });

  it('posts the message with the plan (steps "doing"), and once the changes are made reports each done, the summary in the past tense, and emails the outcome once', () => {
    const f = finding('ec2-backdoor-cc-activity.json');
    const plan = decide(f, { facts: instanceFacts() });
    expect(steps(plan)).toMatch(/▶ tag i-0a1b2c3d4e5f60789 with the finding: doing/);
    expect(message(plan)!.message.summary).toBe('cicd-guardian is taking 5 steps of playbook ec2.');
    // The email cannot be updated: it waits for the outcome.
    expect(plan.actions.some((a) => a.type === 'email.publish')).toBe(false);

    const reported = decide(f, { facts: instanceFacts(), delivery: deliveredAfter(plan) });
    expect(types(reported)).toEqual([]);
    expect(steps(reported).split('\n')).toEqual([
      '✓ tag i-0a1b2c3d4e5f60789 with the finding: done',
      '✓ snapshot the volumes of i-0a1b2c3d4e5f60789 (vol-0a1b2c3d4e5f60001, vol-0a1b2c3d4e5f60002): done',
      '✓ protect i-0a1b2c3d4e5f60789 from termination: done',
      '✓ detach i-0a1b2c3d4e5f60789 from Auto Scaling group build-runners (capacity kept): done',
      "✓ replace the security groups of i-0a1b2c3d4e5f60789's network interfaces with the isolation group cicd-guardian-isolation: done",
    ]);
    expect(message(reported)!.message.summary).toBe('cicd-guardian contained instance i-0a1b2c3d4e5f60789 (build-runner-3): 5 steps done.');
    const email = reported.actions.find((a) => a.type === 'email.publish');
    expect(email).toMatchObject({ key: `email:${f.id}`, message: { summary: message(reported)!.message.summary } });
    expect(decide(f, { facts: instanceFacts(), delivery: { ...emptyDelivery(), sent: [...deliveredAfter(plan).sent, `email:${f.id}`] } }).actions.some((a) => a.type === 'email.publish')).toBe(false);
  });

  it('marks a step that failed with what AWS said, makes it no more in that invocation, and leaves the email to the failure alert', () => {
    const f = finding('ec2-backdoor-cc-activity.json');
    const plan = decide(f, { facts: instanceFacts() });
    const isolate = changes(plan).find((a) => a.type === 'ec2.isolateInstance')! as Extract<Action, { key: string }>;
    const done: Delivery = { ...emptyDelivery(), sent: deliveredAfter(plan).sent.filter((k) => k !== isolate.key && k !== `audit:${isolate.key}`) };
    const why = 'ec2:ModifyNetworkInterfaceAttribute for instance i-0a1b2c3d4e5f60789 failed (UnauthorizedOperation). Grant the permission.';
    const after = decide(f, { facts: instanceFacts(), delivery: done, failed: { [isolate.key]: why } });
    expect(types(after)).toEqual([]);
    expect(steps(after)).toContain(`✗ replace the security groups of i-0a1b2c3d4e5f60789's network interfaces with the isolation group cicd-guardian-isolation: failed (${why})`);
    expect(steps(after)).toMatch(/✓ detach i-0a1b2c3d4e5f60789 .*: done/);
    expect(message(after)!.message.summary).toMatch(/^cicd-guardian could not take 1 step of playbook ec2 on instance i-0a1b2c3d4e5f60789 \(build-runner-3\) \(marked ✗, with what AWS said\): 4 steps done, 1 failed\.$/);
    expect(after.actions.some((a) => a.type === 'email.publish')).toBe(false);
  });

  it('notifies anything else with its facts and a console link', () => {
    const f = { ...finding('ec2-bitcoin-tool.json'), type: 'Recon:EC2/PortProbeUnprotectedPort' };
    const plan = decide(f);
    expect(types(plan)).toEqual([]);
    expect(message(plan)!.message.links[0]!.url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/guardduty\/home\?region=us-east-1#\/findings\?macros=current&fId=b5d0f9a2/);
  });

  it('records every step, skip and refusal in the audit trail with the finding id', () => {
    const plan = decide(finding('ec2-backdoor-cc-activity.json'), { facts: instanceFacts() });
    const entries = plan.actions.filter((a): a is AuditRecordAction => a.type === 'audit.record');
    expect(entries).toHaveLength(5);
    for (const e of entries) expect(e.entry).toMatchObject({ capability: 'remediation', resource: expect.stringContaining('a4c9e8f1b2d3c4e5f6a7b8c9d0e1f2a3') });
    expect(entries.every((e) => e.after)).toBe(true);
  });
});
