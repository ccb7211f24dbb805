import * as z from 'zod/mini';

// The EventBridge envelope, field for field as Powertools' EventBridgeSchema.
// Written with zod/mini because Powertools' schemas pull in classic zod
// (~450 KB minified), which would double a function's cold-start bundle.
//
// Names and ids are checked against the patterns and lengths of AWS's API
// references, not only as non-empty strings: what AWS never sends (a lone
// surrogate, a 100 KB name, a "Region" with a host in it) is rejected here,
// before it reaches a link, a DynamoDB key or a message.

/** A string of at most `max` characters that matches `pattern`; the length is checked first, so a huge input costs nothing. */
export const matching = (pattern: RegExp, max: number, expected: string) =>
  z.string().check(z.refine((s) => s.length <= max && pattern.test(s), `expected ${expected}`));

/** Account ids: 12 digits. */
export const ACCOUNT_ID = '\\d{12}';
/** Region names in every partition: us-east-1, us-gov-west-1, cn-north-1, eu-central-2, il-central-1, us-isob-east-1. */
export const REGION = '[a-z]{2,4}(?:-[a-z]+)+-\\d{1,2}';
/** ARN partitions: aws, aws-cn, aws-us-gov, aws-iso-b, ... */
export const PARTITION = 'aws(?:-[a-z]+){0,2}';
const MAX_REGION = 32;
/** Longest ARN any AWS API accepts. */
export const MAX_ARN = 2048;
/** UUIDs as AWS writes them (CodePipeline execution ids, CodeBuild build ids): lower-case hex. */
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const accountId = () => matching(new RegExp(`^${ACCOUNT_ID}$`), 12, 'a 12-digit AWS account id');
export const region = () => matching(new RegExp(`^${REGION}$`), MAX_REGION, 'an AWS Region name such as "us-east-1"');

export const EventBridgeEnvelope = z.object({
  version: z.string(),
  // A UUID from EventBridge; bounded and printable so it is safe in keys and logs.
  id: matching(/^[\x21-\x7e]+$/, 128, 'an event id (up to 128 printable characters)'),
  source: z.string(),
  account: accountId(),
  time: z.iso.datetime(),
  region: region(),
  resources: z.array(z.string().check(z.maxLength(MAX_ARN))),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

export const eventOf = <S extends string, T extends string, D extends z.ZodMiniType>(source: S, detailType: T, detail: D) =>
  z.extend(EventBridgeEnvelope, { source: z.literal(source), 'detail-type': z.literal(detailType), detail });

export const nonEmpty = () => z.string().check(z.minLength(1));
