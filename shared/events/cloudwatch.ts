import * as z from 'zod/mini';
import { ACCOUNT_ID, MAX_ARN, PARTITION, REGION, eventOf, matching, nonEmpty } from './envelope.js';

// "CloudWatch Alarm State Change" (`source: aws.cloudwatch`), as documented in
// "Alarm events and EventBridge":
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
// `configuration` (metrics, or the rule of a composite alarm) is not read here, so it is
// not validated either; unknown keys are ignored.

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_ARN = new RegExp(`^arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:.+$`);

const State = z.object({
  value: z.enum(ALARM_STATES),
  reason: z.string(),
  // "2019-10-02T17:04:40.989+0000": not ISO-8601 as z.iso.datetime() reads it, so kept as written.
  timestamp: nonEmpty(),
  reasonData: z.optional(z.string()),
});

export const AlarmStateChangeEventSchema = z.extend(
  eventOf(
    'aws.cloudwatch',
    'CloudWatch Alarm State Change',
    z.object({
      // PutMetricAlarm: 1 to 255 characters, no pattern.
      alarmName: z.string().check(z.minLength(1), z.maxLength(255)),
      state: State,
      previousState: z.optional(State),
    }),
  ),
  {
    resources: z.tuple(
      [matching(ALARM_ARN, MAX_ARN, 'a CloudWatch alarm ARN "arn:aws:cloudwatch:<region>:<account>:alarm:<name>"')],
      z.string(),
    ),
  },
);
