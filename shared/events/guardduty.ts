import '../runtime/zod-messages.js';
import * as z from 'zod/mini';
import { EventBridgeEnvelope, MAX_ARN, accountId, matching, region } from './envelope.js';
import { asStandardSchema, check, EventValidationError } from './parse.js';

// "GuardDuty Finding" events (source aws.guardduty), as EventBridge delivers
// them: the finding in camelCase, shaped as GuardDuty's Finding API type
// (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html).
// Only what the playbooks read is validated; unknown keys are ignored (GuardDuty
// adds fields with new features), and what a playbook acts on (ids, names) is
// checked against AWS's patterns so it is safe in keys, links and API calls.

export const FINDING_DETAIL_TYPE = 'GuardDuty Finding';

const text = (max: number) => z.string().check(z.maxLength(max));
const optionalText = (max: number) => z.optional(z.nullable(text(max)));
const Tags = z.optional(z.nullable(z.array(z.object({ key: text(128), value: z.optional(z.nullable(text(256))) }))));

const NetworkInterface = z.object({
  networkInterfaceId: matching(/^eni-[0-9a-f]{8,17}$/, 21, 'a network interface id such as "eni-0a1b2c3d"'),
  vpcId: z.optional(z.nullable(matching(/^vpc-[0-9a-f]{8,17}$/, 21, 'a VPC id such as "vpc-0a1b2c3d"'))),
  subnetId: z.optional(z.nullable(matching(/^subnet-[0-9a-f]{8,17}$/, 24, 'a subnet id such as "subnet-0a1b2c3d"'))),
  securityGroups: z.optional(z.nullable(z.array(z.object({ groupId: optionalText(32), groupName: optionalText(255) })))),
});

const InstanceDetails = z.object({
  instanceId: matching(/^i-[0-9a-f]{8,17}$/, 19, 'an EC2 instance id such as "i-0a1b2c3d"'),
  networkInterfaces: z.optional(z.nullable(z.array(NetworkInterface))),
  tags: Tags,
  instanceState: optionalText(32),
});

const AccessKeyDetails = z.object({
  accessKeyId: optionalText(128),
  principalId: optionalText(256),
  userName: optionalText(128),
  userType: optionalText(64),
});

const TaskDetails = z.object({
  arn: z.optional(z.nullable(matching(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/[A-Za-z0-9]+$/, MAX_ARN, 'an ECS task ARN'))),
  definitionArn: optionalText(MAX_ARN),
  group: optionalText(255),
  startedBy: optionalText(128),
});

const EcsClusterDetails = z.object({
  name: z.optional(z.nullable(matching(/^[A-Za-z0-9_-]{1,255}$/, 255, 'an ECS cluster name'))),
  arn: optionalText(MAX_ARN),
  tags: Tags,
  taskDetails: z.optional(z.nullable(TaskDetails)),
});

const BucketDetails = z.object({
  name: matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 63, 'an S3 bucket name'),
  tags: Tags,
  publicAccess: z.optional(z.nullable(z.object({ effectivePermission: optionalText(32) }))),
});

const RemoteIp = z.optional(z.nullable(z.object({ ipAddressV4: optionalText(15) })));

const Action = z.object({
  actionType: optionalText(64),
  networkConnectionAction: z.optional(z.nullable(z.object({ remoteIpDetails: RemoteIp, connectionDirection: optionalText(16) }))),
  portProbeAction: z.optional(z.nullable(z.object({ portProbeDetails: z.optional(z.array(z.object({ remoteIpDetails: RemoteIp }))) }))),
  awsApiCallAction: z.optional(
    z.nullable(z.object({ api: optionalText(256), serviceName: optionalText(256), remoteIpDetails: RemoteIp, affectedResources: z.optional(z.nullable(z.record(z.string(), text(MAX_ARN)))) })),
  ),
});

const Sequence = z.object({
  description: optionalText(4096),
  resources: z.optional(z.array(z.object({ uid: optionalText(MAX_ARN), name: optionalText(1024), resourceType: optionalText(256), accountId: optionalText(12) }))),
  signals: z.optional(z.array(z.object({ name: optionalText(512), description: optionalText(4096), severity: z.optional(z.nullable(z.number())), type: optionalText(64) }))),
});

const FindingDetail = z.object({
  accountId: accountId(),
  region: region(),
  id: matching(/^[A-Za-z0-9]{1,300}$/, 300, 'a GuardDuty finding id (letters and digits)'),
  arn: optionalText(MAX_ARN),
  type: matching(/^[A-Za-z0-9:/._&!-]+$/, 128, 'a GuardDuty finding type such as "Backdoor:EC2/C&CActivity.B"'),
  severity: z.number().check(z.minimum(0), z.maximum(10)),
  title: optionalText(1024),
  description: optionalText(4096),
  updatedAt: z.iso.datetime(),
  resource: z.object({
    resourceType: matching(/^[A-Za-z0-9]+$/, 64, 'a GuardDuty resource type such as "Instance"'),
    instanceDetails: z.optional(z.nullable(InstanceDetails)),
    accessKeyDetails: z.optional(z.nullable(AccessKeyDetails)),
    ecsClusterDetails: z.optional(z.nullable(EcsClusterDetails)),
    s3BucketDetails: z.optional(z.nullable(z.array(BucketDetails))),
  }),
  service: z.object({
    action: z.optional(z.nullable(Action)),
    count: z.optional(z.nullable(z.number().check(z.int(), z.minimum(0)))),
    eventFirstSeen: z.optional(z.nullable(z.iso.datetime())),
    eventLastSeen: z.optional(z.nullable(z.iso.datetime())),
    additionalInfo: z.optional(z.nullable(z.object({ value: optionalText(65536), sample: z.optional(z.nullable(z.boolean())) }))),
    detection: z.optional(z.nullable(z.object({ sequence: z.optional(z.nullable(Sequence)) }))),
  }),
});

export const FindingEventSchema = z.extend(EventBridgeEnvelope, {
  source: z.literal('aws.guardduty'),
  'detail-type': z.literal(FINDING_DETAIL_TYPE),
  detail: FindingDetail,
});

export type FindingResource =
  | { kind: 'instance'; instanceId: string; tags: Record<string, string>; networkInterfaces: { id: string; vpcId?: string; subnetId?: string; groups: string[] }[] }
  | { kind: 'accessKey'; accessKeyId?: string; userName?: string; userType?: string; tags: Record<string, string> }
  | { kind: 'ecsTask'; cluster: string; taskArn?: string; taskDefinitionArn?: string; service?: string; tags: Record<string, string> }
  | { kind: 'buckets'; buckets: { name: string; publicInEffect?: boolean; tags: Record<string, string> }[]; tags: Record<string, string> }
  | { kind: 'other'; resourceType: string; tags: Record<string, string> };

export interface Finding {
  kind: 'finding';
  eventId: string;
  time: string;
  /** The account and region of the event (a GuardDuty administrator account receives its members' findings). */
  account: string;
  region: string;
  /** Where the finding is: the member account and its region. */
  findingAccount: string;
  findingRegion: string;
  id: string;
  type: string;
  severity: number;
  title: string;
  description?: string;
  updatedAt: string;
  count: number;
  lastSeen?: string;
  /** CreateSampleFindings' findings: never acted on. */
  sample: boolean;
  resource: FindingResource;
  /** The remote address of a network connection, port probe or API call. */
  remoteIp?: string;
  /** The API call a finding is about (StopLogging) and what it touched (a trail's ARN). */
  api?: string;
  affectedResources: Record<string, string>;
  /** Extended Threat Detection's sequence: its signals and resources. */
  sequence?: { description?: string; signals: { name: string; description?: string; severity?: number }[]; resources: { uid: string; name?: string; resourceType?: string; accountId?: string }[] };
}

const tagsOf = (tags: z.output<typeof Tags>): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value ?? '']));
const defined = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

function resourceOf(r: z.output<typeof FindingDetail>['resource']): FindingResource {
  if (r.resourceType === 'Instance' && r.instanceDetails) {
    const i = r.instanceDetails;
    return {
      kind: 'instance',
      instanceId: i.instanceId,
      tags: tagsOf(i.tags),
      networkInterfaces: (i.networkInterfaces ?? []).map((n) => ({
        id: n.networkInterfaceId,
        ...(n.vpcId ? { vpcId: n.vpcId } : {}),
        ...(n.subnetId ? { subnetId: n.subnetId } : {}),
        groups: (n.securityGroups ?? []).map((g) => g.groupId).filter(defined),
      })),
    };
  }
  if (r.resourceType === 'AccessKey' && r.accessKeyDetails) {
    const k = r.accessKeyDetails;
    return { kind: 'accessKey', ...(k.accessKeyId ? { accessKeyId: k.accessKeyId } : {}), ...(k.userName ? { userName: k.userName } : {}), ...(k.userType ? { userType: k.userType } : {}), tags: {} };
  }
  if ((r.resourceType === 'ECSCluster' || r.resourceType === 'Container') && r.ecsClusterDetails?.name) {
    const c = r.ecsClusterDetails;
    const t = c.taskDetails;
    const service = t?.group?.startsWith('service:') ? t.group.slice('service:'.length) : undefined;
    return {
      kind: 'ecsTask',
      cluster: c.name!,
      ...(t?.arn ? { taskArn: t.arn } : {}),
      ...(t?.definitionArn ? { taskDefinitionArn: t.definitionArn } : {}),
      ...(service && /^[A-Za-z0-9_-]{1,255}$/.test(service) ? { service } : {}),
      tags: tagsOf(c.tags),
    };
  }
  if (r.resourceType === 'S3Bucket' && r.s3BucketDetails?.length) {
    const buckets = r.s3BucketDetails.map((b) => {
      const effective = b.publicAccess?.effectivePermission;
      return { name: b.name, ...(effective ? { publicInEffect: effective === 'PUBLIC' } : {}), tags: tagsOf(b.tags) };
    });
    return { kind: 'buckets', buckets, tags: Object.assign({}, ...buckets.map((b) => b.tags)) as Record<string, string> };
  }
  return { kind: 'other', resourceType: r.resourceType, tags: {} };
}

function isSample(info: { value?: string | null; sample?: boolean | null } | null | undefined): boolean {
  if (info?.sample === true) return true;
  try {
    return (JSON.parse(info?.value ?? '{}') as { sample?: unknown }).sample === true;
  } catch {
    return false;
  }
}

/** Validates a "GuardDuty Finding" event and normalizes it. */
export function parseFindingEvent(raw: unknown): Finding {
  const dt = (raw as { 'detail-type'?: unknown } | null)?.['detail-type'];
  const detailType = typeof dt === 'string' ? dt.slice(0, 100) : '(no detail-type)';
  if (detailType !== FINDING_DETAIL_TYPE) {
    throw new EventValidationError(detailType, [{ path: 'detail-type', message: `expected "${FINDING_DETAIL_TYPE}"` }]);
  }
  const e = check(FindingEventSchema, raw, detailType);
  const d = e.detail;
  const action = d.service.action;
  const remoteIp =
    action?.networkConnectionAction?.remoteIpDetails?.ipAddressV4 ??
    action?.awsApiCallAction?.remoteIpDetails?.ipAddressV4 ??
    action?.portProbeAction?.portProbeDetails?.find((p) => p.remoteIpDetails?.ipAddressV4)?.remoteIpDetails?.ipAddressV4 ??
    undefined;
  const sequence = d.service.detection?.sequence;
  return {
    kind: 'finding',
    eventId: e.id,
    time: e.time,
    account: e.account,
    region: e.region,
    findingAccount: d.accountId,
    findingRegion: d.region,
    id: d.id,
    type: d.type,
    severity: d.severity,
    title: d.title ?? d.type,
    ...(d.description ? { description: d.description } : {}),
    updatedAt: d.updatedAt,
    count: d.service.count ?? 1,
    ...(d.service.eventLastSeen ? { lastSeen: d.service.eventLastSeen } : {}),
    sample: isSample(d.service.additionalInfo),
    resource: resourceOf(d.resource),
    ...(remoteIp && /^\d{1,3}(\.\d{1,3}){3}$/.test(remoteIp) ? { remoteIp } : {}),
    ...(action?.awsApiCallAction?.api ? { api: action.awsApiCallAction.api } : {}),
    affectedResources: action?.awsApiCallAction?.affectedResources ?? {},
    ...(sequence
      ? {
          sequence: {
            ...(sequence.description ? { description: sequence.description } : {}),
            signals: (sequence.signals ?? []).map((s) => ({ name: s.name ?? s.type ?? 'signal', ...(s.description ? { description: s.description } : {}), ...(defined(s.severity) ? { severity: s.severity } : {}) })),
            resources: (sequence.resources ?? []).filter((r) => r.uid).map((r) => ({ uid: r.uid!, ...(r.name ? { name: r.name } : {}), ...(r.resourceType ? { resourceType: r.resourceType } : {}), ...(r.accountId ? { accountId: r.accountId } : {}) })),
          },
        }
      : {}),
  };
}

export const FindingEventStandardSchema = asStandardSchema(parseFindingEvent);
