import { CreateSnapshotCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2SnapshotVolumesAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, callAws, instanceTarget, performChange } from './change.js';

// Snapshots each EBS volume of a compromised instance for forensics, tagged
// with the finding, before anything about the instance changes.

const snapshot = (action: Ec2SnapshotVolumesAction, volumeId: string) =>
  ({
    VolumeId: volumeId,
    Description: `cicd-guardian forensics: GuardDuty finding ${action.findingId} on ${action.instanceId}`,
    TagSpecifications: [{ ResourceType: 'snapshot' as const, Tags: [{ Key: 'guardian:finding', Value: action.findingId }, { Key: 'guardian:instance', Value: action.instanceId }] }],
  });

export const ec2SnapshotVolumes: ActionModule<Ec2SnapshotVolumesAction> = {
  type: 'ec2.snapshotVolumes',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['ec2:CreateSnapshot', 'ec2:CreateTags'], resources: 'anyEc2', why: 'CreateSnapshot tags the snapshot as it creates it' }],
  target: instanceTarget,
  async perform(action, ctx) {
    const target = instanceTarget(action);
    const ec2 = () => clientFor(EC2Client, ctx.channels.place);
    const ids: string[] = [];
    for (const volume of action.volumeIds.slice(0, -1)) {
      const res = await callAws(target, ctx, call('ec2:CreateSnapshot', snapshot(action, volume), (input) => ec2().send(new CreateSnapshotCommand(input))));
      if (res?.SnapshotId) ids.push(res.SnapshotId);
    }
    const lastVolume = action.volumeIds.at(-1);
    if (lastVolume === undefined) return false;
    return performChange(action, target, ctx, call('ec2:CreateSnapshot', snapshot(action, lastVolume), (input) => ec2().send(new CreateSnapshotCommand(input))), (res) =>
      [...ids, ...(res?.SnapshotId ? [res.SnapshotId] : [])].join(', ') || undefined,
    );
  },
  describe: (action) => `snapshot volumes ${action.volumeIds.join(', ')} of instance ${action.instanceId}`,
};
