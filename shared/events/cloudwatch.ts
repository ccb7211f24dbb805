import * as z from 'zod/mini';
import { eventOf, nonEmpty } from './envelope.js';

// "CloudWatch Alarm State Change" (`source: aws.cloudwatch`), as documented in
// "Alarm events and EventBridge":
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
// `configuration` (metrics, or the rule of a composite alarm) is not read here, so it is
// not validated either; unknown keys are ignored.

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/;

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
      alarmName: nonEmpty(),
      state: State,
      previousState: z.optional(State),
    }),
  ),
  {
    resources: z.tuple(
      [z.string().check(z.regex(ALARM_ARN, 'expected a CloudWatch alarm ARN "arn:aws:cloudwatch:<region>:<account>:alarm:<name>"'))],
      z.string(),
    ),
  },
);
