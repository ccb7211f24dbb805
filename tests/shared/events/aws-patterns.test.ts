import { parseCiEvent } from '../../../shared/events/parse';
import { parseRollbackEvent } from '../../../shared/events/parse-rollback';
import { validationErrorOf } from '../../helpers/event-checks';
import { loadEvent, type JsonObject } from '../../helpers/fixtures';
import { parentOf, type Container } from '../../helpers/event-mutations';
import { logger } from '../../../shared/runtime/observability';

// Input that AWS never sends is rejected by the parsers, naming the path,
// against the patterns and lengths of AWS's API references: account ids,
// Regions, ARNs, pipeline, stage, action and project names, execution ids.

/** `file` (in events/) with `value` at `path` ("detail.pipeline", "resources.0"). */
function withValue(file: string, path: string, value: unknown): JsonObject {
  const event = structuredClone(loadEvent<JsonObject>(file)) as Container;
  const keys = path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  parentOf(event, keys)[keys[keys.length - 1]!] = value;
  return event as JsonObject;
}

const parserFor = (file: string) => (file.startsWith('codepipeline/') || file.startsWith('codebuild/') ? parseCiEvent : parseRollbackEvent);
const rejectedPaths = (file: string, path: string, value: unknown) =>
  validationErrorOf(() => parserFor(file)(withValue(file, path, value))).issues.map((i) => i.path);
const accepts = (file: string, path: string, value: unknown) => expect(() => parserFor(file)(withValue(file, path, value))).not.toThrow();

const LONE_SURROGATE = 'payments-\ud800-api';
const ALL_SAMPLES = [
  'codepipeline/pipeline-started.json',
  'codepipeline/stage-failed.json',
  'codepipeline/action-failed-codebuild.json',
  'codebuild/build-failed.json',
  'ecs/deployment-failed.json',
  'ecs/service-task-start-impaired.json',
  'ecs/task-stopped-exit-code.json',
  'cloudwatch/alarm-5xx-alarm.json',
];

describe('the envelope: account, Region and event id', () => {
  it.each(ALL_SAMPLES)('%s: rejects an account that is not 12 digits', (file) => {
    for (const account of ['12345678901', '1234567890123', '12345678901a', ' 123456789012']) expect(rejectedPaths(file, 'account', account)).toContain('account');
  });

  it.each(ALL_SAMPLES)('%s: rejects a Region that is not a Region name, such as one that would put another host in a console link', (file) => {
    for (const region of ['evil.example/x', 'us-east-1.evil.example#', 'US-EAST-1', 'us-east', 'useast1', `us-east-${'1'.repeat(3)}`, 'x'.repeat(100_000)]) {
      expect(rejectedPaths(file, 'region', region)).toContain('region');
    }
  });

  it.each(['us-east-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-2', 'il-central-1', 'ap-southeast-7', 'us-iso-east-1', 'us-isob-east-1'])(
    'accepts the Region %s',
    (region) => accepts('codepipeline/pipeline-started.json', 'region', region),
  );

  it('rejects an event id longer than EventBridge ever makes one, or with control characters', () => {
    expect(rejectedPaths('codepipeline/pipeline-started.json', 'id', 'x'.repeat(100_000))).toContain('id');
    expect(rejectedPaths('codepipeline/pipeline-started.json', 'id', 'a\nb')).toContain('id');
  });
});

describe('text AWS never sends', () => {
  it.each([
    ['codepipeline/action-failed-codebuild.json', 'detail.execution-result.external-execution-id'],
    ['codepipeline/action-failed-codebuild.json', 'detail.execution-result.external-execution-summary'],
    ['codebuild/build-failed.json', 'detail.additional-information.initiator'],
    ['ecs/task-stopped-exit-code.json', 'detail.stoppedReason'],
    ['cloudwatch/alarm-5xx-alarm.json', 'detail.state.reason'],
  ])('%s: rejects a lone surrogate in %s (events are UTF-8 JSON: AWS cannot send one)', (file, path) => {
    expect(rejectedPaths(file, path, LONE_SURROGATE)).toContain(path);
  });

  it('looks for them without exhausting the stack on a deeply nested event', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => parseCiEvent(withValue('codepipeline/pipeline-started.json', 'detail.x-deep', deep))).not.toThrow();
  });

  it('accepts characters outside the Basic Multilingual Plane, which are surrogate pairs', () => {
    accepts('codepipeline/action-failed-codebuild.json', 'detail.execution-result.external-execution-summary', 'deploy \ud83d\ude80 failed');
  });
});

describe('CodePipeline names and ids', () => {
  const PIPELINE = 'codepipeline/action-failed-codebuild.json';

  it.each(['detail.pipeline', 'detail.stage', 'detail.action'])('%s: accepts letters, digits and . @ - _ up to 100 characters', (path) => {
    accepts(PIPELINE, path, 'Payments.API@eu-1_v2');
    accepts(PIPELINE, path, 'p'.repeat(100));
  });

  it.each(['detail.pipeline', 'detail.stage', 'detail.action'])('%s: rejects a lone surrogate, spaces, slashes and names over 100 characters', (path) => {
    for (const name of [LONE_SURROGATE, 'payments api', 'payments/../api', 'p'.repeat(101), 'x'.repeat(100_000)]) expect(rejectedPaths(PIPELINE, path, name)).toContain(path);
  });

  it('detail.execution-id: rejects what is not a UUID', () => {
    for (const id of ['not-an-id', 'A04BFA1E-3543-4022-A184-CE8627F3B8C3', `${'a'.repeat(36)}`, 'x'.repeat(100_000)]) {
      expect(rejectedPaths(PIPELINE, 'detail.execution-id', id)).toContain('detail.execution-id');
    }
  });

  it("detail.region (the action's Region): rejects what is not a Region name", () => {
    expect(rejectedPaths(PIPELINE, 'detail.region', 'evil.example')).toContain('detail.region');
  });
});

describe('CodeBuild names, ids and links', () => {
  const BUILD = 'codebuild/build-failed.json';

  it('detail.project-name: 2 to 255 letters, digits, hyphens and underscores, starting with a letter or digit', () => {
    accepts(BUILD, 'detail.project-name', 'payments_api-ci2');
    for (const name of ['-payments', 'p', 'payments api', 'p'.repeat(256), LONE_SURROGATE]) expect(rejectedPaths(BUILD, 'detail.project-name', name)).toContain('detail.project-name');
  });

  it('detail.build-id: a CodeBuild build ARN', () => {
    for (const id of ['payments-api-ci:83597583-1e1e-4065-8442-350f6029345d', 'arn:aws:codebuild:evil.example:123456789012:build/p:83597583-1e1e-4065-8442-350f6029345d', 'x'.repeat(100_000)]) {
      expect(rejectedPaths(BUILD, 'detail.build-id', id)).toContain('detail.build-id');
    }
  });

  it('detail.additional-information.logs.deep-link: only a link into the AWS console is kept; any other is dropped, with a warning naming it, and the build still notified', () => {
    const path = 'detail.additional-information.logs.deep-link';
    const cn = 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#logEvent:group=/aws/codebuild/p';
    expect(parseCiEvent(withValue(BUILD, path, cn))).toMatchObject({ kind: 'build', logsUrl: cn });
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      for (const url of ['https://console.aws.amazon.com.evil.example/cloudwatch', 'http://console.aws.amazon.com/cloudwatch', 'https://evil.example/?console.aws.amazon.com', 'javascript:alert(1)', `https://console.aws.amazon.com/${'x'.repeat(100_000)}`]) {
        warn.mockClear();
        const build = parseCiEvent(withValue(BUILD, path, url));
        expect(build).toMatchObject({ kind: 'build', status: 'FAILED', failedPhase: { phase: 'BUILD' } });
        expect(build.kind === 'build' && build.logsUrl).toBeUndefined();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]![0])).toContain(path);
      }
    } finally {
      warn.mockRestore();
    }
    // Not a string at all is still a malformed event.
    expect(rejectedPaths(BUILD, path, 42)).toContain(path);
  });
});

describe('ECS ARNs and ids, CloudWatch alarm names', () => {
  it('resources.0 of a deployment event: a service ARN with a real Region and account', () => {
    expect(rejectedPaths('ecs/deployment-failed.json', 'resources.0', 'arn:aws:ecs:evil.example:123456789012:service/payments-prod/payments-api')).toContain('resources.0');
    expect(rejectedPaths('ecs/deployment-failed.json', 'resources.0', 'arn:aws:ecs:us-east-1:12345:service/payments-prod/payments-api')).toContain('resources.0');
  });

  it('detail.deploymentId: "ecs-svc/" and digits', () => {
    expect(rejectedPaths('ecs/deployment-failed.json', 'detail.deploymentId', 'x'.repeat(100_000))).toContain('detail.deploymentId');
    expect(rejectedPaths('ecs/deployment-failed.json', 'detail.deploymentId', 'ecs-svc/12 34')).toContain('detail.deploymentId');
  });

  it('detail.taskArn and detail.startedBy of a task event', () => {
    expect(rejectedPaths('ecs/task-stopped-exit-code.json', 'detail.taskArn', 'task-1')).toContain('detail.taskArn');
    expect(rejectedPaths('ecs/task-stopped-exit-code.json', 'detail.startedBy', 'x'.repeat(129))).toContain('detail.startedBy');
  });

  it('detail.alarmName: 1 to 255 characters', () => {
    accepts('cloudwatch/alarm-5xx-alarm.json', 'detail.alarmName', 'a'.repeat(255));
    expect(rejectedPaths('cloudwatch/alarm-5xx-alarm.json', 'detail.alarmName', 'a'.repeat(256))).toContain('detail.alarmName');
  });
});
