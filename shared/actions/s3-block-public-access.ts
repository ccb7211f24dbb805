import { PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3BlockPublicAccessAction } from '../plan/plan.js';
import { clientFor } from '../runtime/aws.js';
import type { ActionModule } from './module.js';
import { call, performChange } from './change.js';

// Turns all four Block Public Access settings of a bucket on again.

export const s3BlockPublicAccess: ActionModule<S3BlockPublicAccessAction> = {
  type: 's3.blockPublicAccess',
  kind: 'change',
  order: 0,
  iam: [{ actions: ['s3:PutBucketPublicAccessBlock'], resources: 'anyBucket', conditions: { StringEquals: { 'aws:ResourceAccount': 'thisAccount' } }, why: 'bucket ARNs name no account: only buckets of the account the role is in' }],
  target: (action) => `bucket ${action.bucket}`,
  perform: (action, ctx) =>
    performChange(
      action,
      `bucket ${action.bucket}`,
      ctx,
      call(
        's3:PutBucketPublicAccessBlock',
        { Bucket: action.bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } },
        (input) => clientFor(S3Client, ctx.channels.place).send(new PutPublicAccessBlockCommand(input)),
      ),
      () => undefined,
    ),
  describe: (action) => `turn all four Block Public Access settings of bucket ${action.bucket} on`,
};
