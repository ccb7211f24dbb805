import { parseApiCallEvent } from '../../../shared/events/cloudtrail';
import { listEvents, loadEvent, type JsonObject } from '../../helpers/fixtures';
import { validationErrorOf } from '../../helpers/event-checks';

// "AWS API Call via CloudTrail" events as EventBridge delivers them: every sample
// in events/cloudtrail/ is accepted and normalized; what AWS never sends is refused
// with the path of the bad field.

const detailOf = (e: JsonObject) => e.detail as JsonObject;

describe('parseApiCallEvent', () => {
  it.each(listEvents('cloudtrail'))('accepts %s and keeps the call, its caller and its parameters', (file) => {
    const raw = loadEvent(file);
    const e = parseApiCallEvent(raw);
    expect(e).toMatchObject({ kind: 'api-call', eventId: raw.id, operation: detailOf(raw).eventName, service: detailOf(raw).eventSource, callId: detailOf(raw).eventID });
    expect(e.caller.arn).toMatch(/^arn:aws:(sts|iam)::123456789012:/);
    expect(e.request).toEqual(detailOf(raw).requestParameters);
  });

  it('names the role a session was issued by, and keeps the error code of a failed call', () => {
    const denied = parseApiCallEvent(loadEvent('cloudtrail/cloudtrail-stop-logging-denied.json'));
    expect(denied.errorCode).toBe('AccessDenied');
    expect(denied.caller).toMatchObject({ type: 'AssumedRole', issuerArn: expect.stringMatching(/:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_/) });
  });

  it('takes a call without parameters or answer (null) as empty ones', () => {
    const e = parseApiCallEvent(loadEvent('cloudtrail/codepipeline-delete-pipeline.json'));
    expect(e.response).toEqual({});
    const raw = loadEvent('cloudtrail/codepipeline-delete-pipeline.json');
    detailOf(raw).requestParameters = null;
    expect(parseApiCallEvent(raw).request).toEqual({});
  });

  it('refuses another detail-type, naming it', () => {
    const raw = loadEvent('codepipeline/pipeline-started.json');
    expect(() => parseApiCallEvent(raw)).toThrow(/"CodePipeline Pipeline Execution State Change" event: detail-type: expected "AWS API Call via CloudTrail"/);
  });

  it.each([
    ['detail.eventName', (d: JsonObject) => (d.eventName = 'Update Pipeline; drop')],
    ['detail.eventSource', (d: JsonObject) => (d.eventSource = 'evil.example.com')],
    ['detail.eventTime', (d: JsonObject) => (d.eventTime = 'yesterday')],
    ['detail.userIdentity', (d: JsonObject) => delete d.userIdentity],
    ['detail.eventID', (d: JsonObject) => delete d.eventID],
  ])('refuses a call whose %s is not what CloudTrail writes', (path, mutate) => {
    const raw = loadEvent('cloudtrail/ecs-update-service.json');
    mutate(detailOf(raw));
    expect(validationErrorOf(() => parseApiCallEvent(raw)).issues.map((i) => i.path)).toContain(path);
  });
});
