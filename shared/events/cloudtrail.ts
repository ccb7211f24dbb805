import '../runtime/zod-messages.js';
import * as z from 'zod/mini';
import { EventBridgeEnvelope, MAX_ARN, matching } from './envelope.js';
import { asStandardSchema, check, EventValidationError } from './parse.js';
import type { ApiCallEvent } from './types.js';

// "AWS API Call via CloudTrail": a management event a trail recorded, which
// EventBridge receives from CloudTrail (source `aws.<service>`). The detail is
// the CloudTrail record, as documented in "CloudTrail record contents":
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
// Only what the tamper checks read is validated; every object ignores keys it
// does not know (CloudTrail adds fields with each eventVersion).

export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** Request parameters and response elements: an object, or null when the call has none (DeletePipeline answers nothing). */
const Elements = z.optional(z.nullable(z.record(z.string(), z.unknown())));

const arn = () => z.optional(z.string().check(z.maxLength(MAX_ARN)));

const UserIdentity = z.object({
  // Root, IAMUser, AssumedRole, FederatedUser, AWSService, AWSAccount, IdentityCenterUser, ...: kept as written.
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  arn: arn(),
  principalId: z.optional(z.string().check(z.maxLength(512))),
  accountId: z.optional(z.string().check(z.maxLength(12))),
  invokedBy: z.optional(z.string().check(z.maxLength(256))),
  sessionContext: z.optional(
    z.object({
      sessionIssuer: z.optional(z.object({ type: z.optional(z.string()), arn: arn(), userName: z.optional(z.string()) })),
    }),
  ),
});

const ApiCallDetail = z.object({
  eventSource: matching(/^[a-z0-9.-]+\.amazonaws\.com$/, 128, 'an AWS service endpoint such as "codepipeline.amazonaws.com"'),
  eventName: matching(/^[A-Za-z0-9]+$/, 128, 'an API operation name such as "UpdatePipeline"'),
  eventTime: z.iso.datetime(),
  eventID: matching(/^[\x21-\x7e]+$/, 128, 'a CloudTrail event id (up to 128 printable characters)'),
  userIdentity: UserIdentity,
  requestParameters: Elements,
  responseElements: Elements,
  errorCode: z.optional(z.string().check(z.maxLength(256))),
  sourceIPAddress: z.optional(z.string().check(z.maxLength(256))),
});

export const ApiCallEventSchema = z.extend(EventBridgeEnvelope, {
  source: matching(/^aws\.[a-z0-9-]+$/, 64, 'an AWS event source such as "aws.codepipeline"'),
  'detail-type': z.literal(API_CALL_DETAIL_TYPE),
  detail: ApiCallDetail,
});

/** Validates an "AWS API Call via CloudTrail" event and normalizes it. */
export function parseApiCallEvent(raw: unknown): ApiCallEvent {
  const dt = (raw as { 'detail-type'?: unknown } | null)?.['detail-type'];
  const detailType = typeof dt === 'string' ? dt.slice(0, 100) : '(no detail-type)';
  if (detailType !== API_CALL_DETAIL_TYPE) {
    throw new EventValidationError(detailType, [{ path: 'detail-type', message: `expected "${API_CALL_DETAIL_TYPE}"` }]);
  }
  const e = check(ApiCallEventSchema, raw, detailType);
  const d = e.detail;
  const who = d.userIdentity;
  const issuer = who.sessionContext?.sessionIssuer?.arn;
  return {
    kind: 'api-call',
    eventId: e.id,
    time: e.time,
    account: e.account,
    region: e.region,
    service: d.eventSource,
    operation: d.eventName,
    calledAt: d.eventTime,
    callId: d.eventID,
    caller: {
      type: who.type,
      ...(who.arn ? { arn: who.arn } : {}),
      ...(who.principalId ? { principalId: who.principalId } : {}),
      ...(issuer ? { issuerArn: issuer } : {}),
      ...(who.invokedBy ? { invokedBy: who.invokedBy } : {}),
    },
    request: d.requestParameters ?? {},
    response: d.responseElements ?? {},
    ...(d.errorCode ? { errorCode: d.errorCode } : {}),
    ...(d.sourceIPAddress ? { sourceIp: d.sourceIPAddress } : {}),
  };
}

export const ApiCallEventStandardSchema = asStandardSchema(parseApiCallEvent);
