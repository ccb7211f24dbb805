import { parseFindingEvent } from '../../../shared/events/guardduty';
import { EventValidationError } from '../../../shared/events/parse';
import { listEvents, loadEvent } from '../../helpers/fixtures';

// "GuardDuty Finding" events as EventBridge delivers them (camelCase detail),
// normalized to what the playbooks read; a malformed one names each bad field.

const valid = listEvents('guardduty').filter((f) => f !== 'guardduty/malformed-finding.json');

describe('parseFindingEvent', () => {
  it.each(valid)('accepts %s', (file) => {
    const f = parseFindingEvent(loadEvent(file));
    expect(f).toMatchObject({ kind: 'finding', id: expect.stringMatching(/^[0-9a-f]{32}$/), severity: expect.any(Number) });
  });

  it('reads an EC2 finding: the instance, its interfaces and groups, its tags, the remote IP', () => {
    const f = parseFindingEvent(loadEvent('guardduty/ec2-backdoor-cc-activity.json'));
    expect(f).toMatchObject({
      type: 'Backdoor:EC2/C&CActivity.B',
      severity: 8,
      count: 1,
      sample: false,
      remoteIp: '198.51.100.23',
      resource: {
        kind: 'instance',
        instanceId: 'i-0a1b2c3d4e5f60789',
        tags: { Name: 'build-runner-3', 'aws:autoscaling:groupName': 'build-runners' },
        networkInterfaces: [{ id: 'eni-0a1b2c3d4e5f60718', vpcId: 'vpc-0123456789abcdef0', subnetId: 'subnet-0f1e2d3c4b5a69788', groups: ['sg-0aa11bb22cc33dd44'] }],
      },
    });
  });

  it('tells an IAM user key from an assumed role, and a service task (group service:NAME) from a standalone one', () => {
    expect(parseFindingEvent(loadEvent('guardduty/iam-user-access-key.json')).resource).toMatchObject({ kind: 'accessKey', userType: 'IAMUser', accessKeyId: 'AKIA3XFRBF23DEPLOYER1', userName: 'ci-deployer' });
    expect(parseFindingEvent(loadEvent('guardduty/iam-assumed-role-credential-exfiltration.json')).resource).toMatchObject({ userType: 'AssumedRole', userName: 'payments-api-build' });
    expect(parseFindingEvent(loadEvent('guardduty/ecs-runtime-service-task.json')).resource).toMatchObject({ kind: 'ecsTask', cluster: 'payments-prod', service: 'payments-api' });
    expect(parseFindingEvent(loadEvent('guardduty/ecs-runtime-standalone-task.json')).resource).not.toHaveProperty('service');
  });

  it('knows sample findings, other accounts, public buckets, the trail and an attack sequence', () => {
    expect(parseFindingEvent(loadEvent('guardduty/ec2-sample-finding.json')).sample).toBe(true);
    expect(parseFindingEvent(loadEvent('guardduty/ec2-other-account.json'))).toMatchObject({ account: '123456789012', findingAccount: '210987654321' });
    expect(parseFindingEvent(loadEvent('guardduty/s3-bucket-public-access-granted.json')).resource).toMatchObject({ buckets: [{ name: 'payments-build-cache', publicInEffect: true }] });
    expect(parseFindingEvent(loadEvent('guardduty/cloudtrail-logging-disabled.json'))).toMatchObject({ api: 'StopLogging', affectedResources: { 'AWS::CloudTrail::Trail': expect.stringMatching(/trail\/org-management-events$/) } });
    const seq = parseFindingEvent(loadEvent('guardduty/attack-sequence-compromised-credentials.json')).sequence;
    expect(seq?.signals.map((s) => s.name)).toEqual(['UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', 'DeletePublicAccessBlock']);
    expect(seq?.resources.map((r) => r.resourceType)).toEqual(['AWS::IAM::User', 'AWS::S3::Bucket']);
  });

  it('keeps the count and updatedAt of a re-published finding', () => {
    expect(parseFindingEvent(loadEvent('guardduty/ec2-backdoor-cc-activity-republished.json'))).toMatchObject({ id: 'a4c9e8f1b2d3c4e5f6a7b8c9d0e1f2a3', count: 14, updatedAt: '2026-12-02T15:36:12.904Z' });
  });

  it('rejects a malformed finding, naming each bad field', () => {
    expect(() => parseFindingEvent(loadEvent('guardduty/malformed-finding.json'))).toThrow(EventValidationError);
    expect(() => parseFindingEvent(loadEvent('guardduty/malformed-finding.json'))).toThrow(/detail\.id: .*expected string.*detail\.severity: .*expected number/);
  });

  it('rejects ids that could reach an API call or a key unchecked', () => {
    const e = loadEvent<{ detail: { resource: { instanceDetails: { instanceId: string } } } }>('guardduty/ec2-bitcoin-tool.json');
    e.detail.resource.instanceDetails.instanceId = 'i-123; rm -rf /';
    expect(() => parseFindingEvent(e)).toThrow(/detail\.resource\.instanceDetails\.instanceId: expected an EC2 instance id/);
  });
});
