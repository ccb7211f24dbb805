import { codeBuildLogsUrl, consoleOrigin, pipelineExecutionUrl } from '../../../shared/messages/links';

// Console links point only at the AWS console of the event's partition; the
// Region in them was validated by the parser (shared/events/envelope.ts).

describe('console links', () => {
  it.each([
    ['us-east-1', 'https://us-east-1.console.aws.amazon.com'],
    ['eu-central-2', 'https://eu-central-2.console.aws.amazon.com'],
    ['cn-north-1', 'https://cn-north-1.console.amazonaws.cn'],
    ['us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com'],
  ])('%s: the console of its partition, %s', (region, origin) => {
    expect(consoleOrigin(region)).toBe(origin);
    expect(new URL(pipelineExecutionUrl(region, 'payments-api', 'a04bfa1e-3543-4022-a184-ce8627f3b8c3')).origin).toBe(origin);
    expect(new URL(codeBuildLogsUrl(region, '123456789012', 'payments-api-build:719caa98-f5d7-47e4-a09e-3753cb98f760')!).origin).toBe(origin);
  });
});
