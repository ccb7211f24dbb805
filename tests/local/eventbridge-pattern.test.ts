// Specification of local/eventbridge-pattern.ts. Events and patterns are the
// examples of the EventBridge User Guide ("Event patterns", "Matching null values
// and empty strings", "Arrays in event patterns", "Content filtering" /
// "Comparison operators"), plus the README of aws/event-ruler, the library
// EventBridge matches with, where the guide gives no example.
import { matchesPattern, validatePattern } from '../../local/eventbridge-pattern';

type Case = { name: string; pattern: unknown; event: unknown; expected: boolean };

function specify(rows: Case[]): void {
  it.each(rows)('$name', ({ pattern, event, expected }) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
}

// "Event patterns": a simple AWS event from Amazon EC2.
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

// "Matching null values and empty strings": an EC2 Auto Scaling event.
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

// "Event patterns", value matching: a (truncated) Amazon Macie Classic alert.
const macieEvent = {
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  detail: {
    'notification-type': 'ALERT_CREATED',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'alert-type': 'basic', risk: 8 },
  },
};

// event-ruler README, "Ruler by Example".
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const ec2Termination = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};

describe('field matching', () => {
  specify([
    { name: 'matches when every field in the pattern matches', pattern: ec2Termination, event: ec2Event, expected: true },
    {
      name: 'does not match when one field differs',
      pattern: { ...ec2Termination, detail: { state: ['running'] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'ignores event fields the pattern does not name',
      pattern: { source: ['aws.ec2'] },
      event: ec2Event,
      expected: true,
    },
    {
      name: 'does not match when the event lacks a field named in the pattern',
      pattern: { source: ['aws.ec2'], detail: { 'previous-state': ['running'] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'requires the same nesting: a top-level "state" is not detail.state',
      pattern: { state: ['terminated'] },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'matches any of several listed values',
      pattern: { source: ['aws.ec2', 'aws.fargate'] },
      event: { ...ec2Event, source: 'aws.fargate' },
      expected: true,
    },
    {
      name: 'matches numbers in nested objects (Macie risk score 80, trigger risk 8)',
      pattern: { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } },
      event: macieEvent,
      expected: true,
    },
    {
      name: 'does not match a different number',
      pattern: { detail: { 'risk-score': [81] } },
      event: macieEvent,
      expected: false,
    },
    {
      name: 'does not match the string "80" against the number 80',
      pattern: { detail: { 'risk-score': ['80'] } },
      event: macieEvent,
      expected: false,
    },
    { name: 'matches the literal true', pattern: { ok: [true] }, event: { ok: true }, expected: true },
    {
      name: 'does not match the string "true" against the literal true',
      pattern: { ok: ['true'] },
      event: { ok: true },
      expected: false,
    },
    {
      name: 'compares strings character by character, without case folding',
      pattern: { source: ['AWS.EC2'] },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'does not match a leaf value against an object in the event',
      pattern: { detail: ['terminated'] },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'uses the last reference when a key appears twice (JSON keeps the last)',
      pattern: JSON.parse('{"detail":{"state":[{"prefix":"term"}],"state":[{"anything-but":"terminated"}]}}'),
      event: ec2Event,
      expected: false,
    },
  ]);
});

describe('null values and empty strings', () => {
  specify([
    {
      name: 'matches an empty string with [""]',
      pattern: { detail: { eventVersion: [''] } },
      event: autoScalingEvent,
      expected: true,
    },
    {
      name: 'matches null with [null]',
      pattern: { detail: { responseElements: [null] } },
      event: autoScalingEvent,
      expected: true,
    },
    {
      name: 'does not match an empty string with [null]',
      pattern: { detail: { eventVersion: [null] } },
      event: autoScalingEvent,
      expected: false,
    },
    {
      name: 'does not match null with [""]',
      pattern: { detail: { responseElements: [''] } },
      event: autoScalingEvent,
      expected: false,
    },
    {
      name: 'matches the documented Auto Scaling pattern on responseElements',
      pattern: { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful'], detail: { responseElements: [null] } },
      event: autoScalingEvent,
      expected: true,
    },
  ]);
});

describe('arrays', () => {
  const resourcesPattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  specify([
    {
      name: 'matches when the pattern array and the event array intersect',
      pattern: resourcesPattern,
      event: {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
      expected: true,
    },
    {
      name: 'does not match when the arrays share no value',
      pattern: resourcesPattern,
      event: { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] },
      expected: false,
    },
    { name: 'does not match an empty event array', pattern: resourcesPattern, event: { resources: [] }, expected: false },
    {
      name: 'matches one element of a string array (Macie tags)',
      pattern: { detail: { tags: ['Insider'] } },
      event: macieEvent,
      expected: true,
    },
    {
      name: 'matches fields of objects inside an array (event-ruler: arrays are "crushed out")',
      pattern: { employees: { firstName: ['Anna'] } },
      event: employees,
      expected: true,
    },
    {
      name: 'matches several fields only within the same array element',
      pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
      event: employees,
      expected: true,
    },
    {
      name: 'does not combine fields from different array elements',
      pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
      event: employees,
      expected: false,
    },
    {
      name: 'matches through arrays of arrays',
      pattern: { employees: { firstName: ['Peter'] } },
      event: { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] },
      expected: true,
    },
  ]);
});

describe('prefix', () => {
  specify([
    {
      name: 'matches a string starting with the prefix',
      pattern: { time: [{ prefix: '2017-10-02' }] },
      event: { time: '2017-10-02T18:43:48Z' },
      expected: true,
    },
    {
      name: 'does not match another string',
      pattern: { time: [{ prefix: '2017-10-02' }] },
      event: { time: '2017-10-03T18:43:48Z' },
      expected: false,
    },
    {
      name: 'selects Auto Scaling events from European regions',
      pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
      event: { ...autoScalingEvent, region: 'eu-west-1' },
      expected: true,
    },
    {
      name: 'leaves out Auto Scaling events from other regions',
      pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
      event: autoScalingEvent,
      expected: false,
    },
    { name: 'is case-sensitive', pattern: { region: [{ prefix: 'EU-' }] }, event: { region: 'eu-west-1' }, expected: false },
    { name: 'only works on strings', pattern: { code: [{ prefix: '12' }] }, event: { code: 123 }, expected: false },
    {
      name: 'matches any element of an event array',
      pattern: { tags: [{ prefix: 'team:' }] },
      event: { tags: ['env:prod', 'team:ops'] },
      expected: true,
    },
    {
      name: 'with equals-ignore-case, matches the prefix in any case',
      pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      event: { detail: { service: 'eventbridge' } },
      expected: true,
    },
    {
      name: 'with equals-ignore-case, still needs the prefix at the start',
      pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      event: { detail: { service: 'Amazon EVENTBRIDGE' } },
      expected: false,
    },
  ]);
});

describe('suffix', () => {
  specify([
    {
      name: 'matches a string ending with the suffix',
      pattern: { FileName: [{ suffix: '.png' }] },
      event: { FileName: 'image.png' },
      expected: true,
    },
    { name: 'is case-sensitive', pattern: { FileName: [{ suffix: '.png' }] }, event: { FileName: 'image.PNG' }, expected: false },
    {
      name: 'does not match another ending',
      pattern: { FileName: [{ suffix: '.png' }] },
      event: { FileName: 'image.jpg' },
      expected: false,
    },
    {
      name: 'matches the source "aws.ec2" with suffix "ec2"',
      pattern: { source: [{ suffix: 'ec2' }] },
      event: ec2Event,
      expected: true,
    },
    {
      name: 'with equals-ignore-case, matches the suffix in any case',
      pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      event: { detail: { FileName: 'IMAGE.PNG' } },
      expected: true,
    },
    {
      name: 'with equals-ignore-case, does not match another ending',
      pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      event: { detail: { FileName: 'image.jpg' } },
      expected: false,
    },
    { name: 'only works on strings', pattern: { n: [{ suffix: '5' }] }, event: { n: 5 }, expected: false },
  ]);
});

describe('equals-ignore-case', () => {
  specify([
    {
      name: 'matches the same string in another case',
      pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
      event: { Name: 'Alice' },
      expected: true,
    },
    {
      name: 'matches all upper case',
      pattern: { source: [{ 'equals-ignore-case': 'EC2' }] },
      event: { source: 'ec2' },
      expected: true,
    },
    {
      name: 'does not match a different string',
      pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
      event: { Name: 'Alicia' },
      expected: false,
    },
    {
      name: 'only works on strings',
      pattern: { flag: [{ 'equals-ignore-case': 'true' }] },
      event: { flag: true },
      expected: false,
    },
  ]);
});

describe('wildcard', () => {
  specify([
    {
      name: 'matches any run of characters at the *',
      pattern: { source: [{ wildcard: 'Simple*Service' }] },
      event: { source: 'SimpleNotificationService' },
      expected: true,
    },
    {
      name: 'lets * match no characters',
      pattern: { source: [{ wildcard: 'Simple*Service' }] },
      event: { source: 'SimpleService' },
      expected: true,
    },
    {
      name: 'anchors both ends',
      pattern: { source: [{ wildcard: 'Simple*Service' }] },
      event: { source: 'SimpleServices' },
      expected: false,
    },
    {
      name: 'matches a .png file within the folder "dir"',
      pattern: { FilePath: [{ wildcard: 'dir/*.png' }] },
      event: { FilePath: 'dir/photo.png' },
      expected: true,
    },
    {
      name: 'does not match a file in another folder',
      pattern: { FilePath: [{ wildcard: 'dir/*.png' }] },
      event: { FilePath: 'other/photo.png' },
      expected: false,
    },
    {
      name: 'matches an event bus ARN in any account',
      pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
      event: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
      expected: true,
    },
    { name: 'treats \\* as a literal asterisk', pattern: { v: [{ wildcard: 'a\\*b' }] }, event: { v: 'a*b' }, expected: true },
    {
      name: 'does not let \\* match other characters',
      pattern: { v: [{ wildcard: 'a\\*b' }] },
      event: { v: 'axb' },
      expected: false,
    },
    {
      name: 'treats \\\\ as a literal backslash',
      pattern: { v: [{ wildcard: 'C:\\\\*' }] },
      event: { v: 'C:\\temp' },
      expected: true,
    },
    {
      name: 'treats regular-expression characters literally',
      pattern: { v: [{ wildcard: 'a.c*' }] },
      event: { v: 'abc' },
      expected: false,
    },
    { name: 'only works on strings', pattern: { v: [{ wildcard: '*' }] }, event: { v: 1 }, expected: false },
  ]);
});

describe('anything-but', () => {
  specify([
    {
      name: 'matches any other string',
      pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: 'does not match the excluded string',
      pattern: { detail: { state: [{ 'anything-but': 'terminated' }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'matches any other number',
      pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      event: rulerEvent,
      expected: true,
    },
    {
      name: 'does not match the excluded number',
      pattern: { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } },
      event: rulerEvent,
      expected: false,
    },
    {
      name: 'with a list of strings, matches a string not in the list',
      pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      event: rulerEvent,
      expected: true,
    },
    {
      name: 'with a list of strings, does not match a listed string',
      pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
      event: rulerEvent,
      expected: false,
    },
    {
      name: 'with a list of numbers, matches a number not in the list',
      pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      event: rulerEvent,
      expected: true,
    },
    {
      name: 'with a list of numbers, does not match a listed number',
      pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      event: { detail: { 'x-limit': 200 } },
      expected: false,
    },
    {
      name: 'excludes CloudTrail API call events and keeps the rest',
      pattern: { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] },
      event: ec2Event,
      expected: true,
    },
    {
      name: 'with a prefix, keeps sources outside "aws." (your own events)',
      pattern: { source: [{ 'anything-but': { prefix: 'aws.' } }] },
      event: { source: 'com.mycompany.myapp' },
      expected: true,
    },
    {
      name: 'with a prefix, excludes AWS events',
      pattern: { source: [{ 'anything-but': { prefix: 'aws.' } }] },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'with a prefix, excludes a state beginning with "init"',
      pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      event: { detail: { state: 'initializing' } },
      expected: false,
    },
    {
      name: 'with a suffix, matches a file not ending in .png',
      pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
      event: { FileName: 'notes.txt' },
      expected: true,
    },
    {
      name: 'with a suffix, excludes a .png file',
      pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
      event: { FileName: 'image.png' },
      expected: false,
    },
    {
      name: 'with equals-ignore-case, excludes the value in any case',
      pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      event: { state: 'INITIALIZING' },
      expected: false,
    },
    {
      name: 'with equals-ignore-case and a list, excludes every listed value',
      pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
      event: { state: 'Stopped' },
      expected: false,
    },
    {
      name: 'with equals-ignore-case, matches another value',
      pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      event: { state: 'Running' },
      expected: true,
    },
    {
      name: 'with a wildcard, excludes a path that includes /lib/',
      pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      event: { FilePath: '/usr/lib/libc.so' },
      expected: false,
    },
    {
      name: 'with a wildcard, matches a path outside /lib/',
      pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      event: { FilePath: '/usr/bin/env' },
      expected: true,
    },
    {
      name: 'still requires the field to be present',
      pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
      event: { detail: {} },
      expected: false,
    },
    {
      name: 'matches a non-string value when excluding by prefix (it has no such prefix)',
      pattern: { code: [{ 'anything-but': { prefix: '4' } }] },
      event: { code: 404 },
      expected: true,
    },
    {
      name: 'matches an event array holding at least one value that is not excluded',
      pattern: { states: [{ 'anything-but': 'initializing' }] },
      event: { states: ['initializing', 'running'] },
      expected: true,
    },
    {
      name: 'does not match an event array holding only excluded values',
      pattern: { states: [{ 'anything-but': ['initializing', 'pending'] }] },
      event: { states: ['initializing', 'pending'] },
      expected: false,
    },
  ]);
});

describe('numeric', () => {
  const documented = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  const cCount = (n: unknown) => ({ detail: { 'c-count': n } });
  const range = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } };
  specify([
    {
      name: 'matches when every numeric field is in range (c-count 5, d-count 3, x-limit 301.8)',
      pattern: documented,
      event: rulerEvent,
      expected: true,
    },
    {
      name: 'does not match when one numeric field is out of range',
      pattern: documented,
      event: { detail: { ...rulerEvent.detail, 'd-count': 10 } },
      expected: false,
    },
    { name: 'excludes the lower bound of ">"', pattern: range, event: cCount(0), expected: false },
    { name: 'includes the upper bound of "<="', pattern: range, event: cCount(5), expected: true },
    { name: 'matches a fraction inside the range', pattern: range, event: cCount(0.5), expected: true },
    { name: 'does not match above the range', pattern: range, event: cCount(5.000001), expected: false },
    { name: 'includes the bound of ">="', pattern: { n: [{ numeric: ['>=', 10] }] }, event: { n: 10 }, expected: true },
    { name: 'excludes the bound of "<"', pattern: { n: [{ numeric: ['<', 10] }] }, event: { n: 10 }, expected: false },
    {
      name: 'compares "=" by value, not by spelling (3.018e2 is 301.8)',
      pattern: { n: [{ numeric: ['=', 3.018e2] }] },
      event: JSON.parse('{"n":301.80}'),
      expected: true,
    },
    { name: 'handles negative numbers', pattern: { n: [{ numeric: ['<', 0] }] }, event: { n: -1.5 }, expected: true },
    { name: 'only works on JSON numbers, not numeric strings', pattern: range, event: cCount('3'), expected: false },
    { name: 'matches an event array with one number in range', pattern: range, event: cCount([9, 3]), expected: true },
    { name: 'does not match a missing field', pattern: range, event: { detail: {} }, expected: false },
  ]);
});

describe('exists', () => {
  const stateExists = { detail: { state: [{ exists: true }] } };
  const cCountAbsent = { detail: { 'c-count': [{ exists: false }] } };
  const cCountPresent = { detail: { 'c-count': [{ exists: true }] } };
  const withState = {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2015-11-11T21:29:54Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
  };
  const withoutCCount = {
    'detail-type': 'EC2 Instance State-change Notification',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
    detail: { state: ['initializing', 'running'] },
  };
  const cCountObject = {
    'detail-type': 'EC2 Instance State-change Notification',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
    detail: { 'c-count': { c1: 100 } },
  };
  specify([
    { name: 'true matches an event that has detail.state', pattern: stateExists, event: withState, expected: true },
    { name: 'true does not match an event without detail.state', pattern: stateExists, event: cCountObject, expected: false },
    { name: 'false matches an event without detail.c-count', pattern: cCountAbsent, event: withoutCCount, expected: true },
    { name: 'false does not match an event with detail.c-count', pattern: cCountAbsent, event: rulerEvent, expected: false },
    {
      name: 'false matches when c-count is an object, because it is not a leaf',
      pattern: cCountAbsent,
      event: cCountObject,
      expected: true,
    },
    {
      name: 'true does not match an object, because it is not a leaf',
      pattern: cCountPresent,
      event: cCountObject,
      expected: false,
    },
    {
      name: 'false matches when the parent object is missing too',
      pattern: cCountAbsent,
      event: { source: 'aws.ec2' },
      expected: true,
    },
    {
      name: 'true matches a field whose value is null (null is a value)',
      pattern: { detail: { responseElements: [{ exists: true }] } },
      event: autoScalingEvent,
      expected: true,
    },
    {
      name: 'false does not match a field whose value is null',
      pattern: { detail: { responseElements: [{ exists: false }] } },
      event: autoScalingEvent,
      expected: false,
    },
    {
      name: 'true matches a field whose value is an empty string',
      pattern: { detail: { eventVersion: [{ exists: true }] } },
      event: autoScalingEvent,
      expected: true,
    },
    {
      name: 'true does not match an empty array (it holds no value)',
      pattern: { resources: [{ exists: true }] },
      event: autoScalingEvent,
      expected: false,
    },
    {
      name: 'false matches an empty array',
      pattern: { resources: [{ exists: false }] },
      event: autoScalingEvent,
      expected: true,
    },
    {
      name: 'true selects events that have a description (full-text index example)',
      pattern: { detail: { description: [{ exists: true }] } },
      event: { detail: { description: 'CPU above 90%' } },
      expected: true,
    },
    {
      name: 'combines with values: matches "x" or an absent field (absent)',
      pattern: { v: ['x', { exists: false }] },
      event: {},
      expected: true,
    },
    {
      name: 'combines with values: matches "x" or an absent field (other value)',
      pattern: { v: ['x', { exists: false }] },
      event: { v: 'y' },
      expected: false,
    },
  ]);
});

describe('cidr', () => {
  const slash24 = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
  const ip = (address: unknown) => ({ detail: { sourceIPAddress: address } });
  specify([
    { name: 'matches an address inside 10.0.0.0/24', pattern: slash24, event: ip('10.0.0.33'), expected: true },
    { name: 'matches the last address of the block', pattern: slash24, event: ip('10.0.0.255'), expected: true },
    { name: 'does not match an address outside the block', pattern: slash24, event: ip('10.0.1.1'), expected: false },
    { name: 'does not match a string that is not an IP address', pattern: slash24, event: ip('not-an-ip'), expected: false },
    { name: 'does not match a non-string value', pattern: slash24, event: ip(167772161), expected: false },
    {
      name: 'matches 10.0.0.33 with a /8 block (complex example)',
      pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } },
      event: rulerEvent,
      expected: true,
    },
    {
      name: 'matches an IPv6 address inside an IPv6 block',
      pattern: { ip: [{ cidr: '2001:db8::/32' }] },
      event: { ip: '2001:db8::1' },
      expected: true,
    },
    {
      name: 'does not match an IPv6 address outside the block',
      pattern: { ip: [{ cidr: '2001:db8::/32' }] },
      event: { ip: '2001:db9::1' },
      expected: false,
    },
    {
      name: 'does not match an IPv6 address against an IPv4 block',
      pattern: slash24,
      event: ip('::ffff:10.0.0.1'),
      expected: false,
    },
  ]);
});

describe('$or', () => {
  const normalOr = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  };
  const orWithAnd = {
    source: ['aws.cloudwatch'],
    $or: [
      { metricName: ['CPUUtilization', 'ReadLatency'] },
      { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
      { scope: ['Service'] },
    ],
  };
  const nestedOr = {
    source: ['aws.cloudwatch'],
    $or: [
      { metricName: ['CPUUtilization', 'ReadLatency'] },
      { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      { scope: ['Service'] },
    ],
  };
  const parallelOr = {
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
  };
  const detailOr = {
    detail: {
      $or: [
        { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
        { 'd-count': [{ numeric: ['<', 10] }] },
        { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
      ],
    },
  };
  specify([
    {
      name: 'matches when the first alternative matches',
      pattern: normalOr,
      event: { source: 'aws.cloudwatch', metricName: 'ReadLatency' },
      expected: true,
    },
    {
      name: 'matches when another alternative matches',
      pattern: normalOr,
      event: { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
      expected: true,
    },
    {
      name: 'does not match when no alternative matches',
      pattern: normalOr,
      event: { source: 'aws.cloudwatch', namespace: 'AWS/S3' },
      expected: false,
    },
    {
      name: 'still requires the fields beside "$or"',
      pattern: normalOr,
      event: { source: 'aws.ec2', metricName: 'ReadLatency' },
      expected: false,
    },
    {
      name: 'requires every field of an alternative (an "and" inside the "or")',
      pattern: orWithAnd,
      event: { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
      expected: false,
    },
    {
      name: 'matches an alternative whose fields all match',
      pattern: orWithAnd,
      event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
      expected: true,
    },
    {
      name: 'nests: matches an inner "$or" inside an alternative',
      pattern: nestedOr,
      event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 },
      expected: true,
    },
    {
      name: 'nests: does not match when the inner "$or" fails',
      pattern: nestedOr,
      event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1001 },
      expected: false,
    },
    {
      name: 'works at several levels at once (parallel "or")',
      pattern: parallelOr,
      event: { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
      expected: true,
    },
    {
      name: 'requires each of the parallel "or"s',
      pattern: parallelOr,
      event: { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } },
      expected: false,
    },
    {
      name: 'works inside detail, one numeric condition sufficing',
      pattern: detailOr,
      event: { detail: { 'd-count': 3 } },
      expected: true,
    },
    {
      name: 'inside detail, fails when no numeric condition holds',
      pattern: detailOr,
      event: { detail: { 'c-count': 6, 'd-count': 10 } },
      expected: false,
    },
  ]);
});

describe('combined operators (complex example)', () => {
  const complex = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
      'source-ip': [{ cidr: '10.0.0.0/8' }],
    },
  };
  specify([
    { name: 'matches when every condition holds', pattern: complex, event: rulerEvent, expected: true },
    {
      name: 'fails on the anything-but',
      pattern: complex,
      event: { ...rulerEvent, detail: { ...rulerEvent.detail, state: 'initializing' } },
      expected: false,
    },
    { name: 'fails on the prefix', pattern: complex, event: { ...rulerEvent, time: '2017-10-03T00:00:00Z' }, expected: false },
    {
      name: 'fails on the cidr',
      pattern: complex,
      event: { ...rulerEvent, detail: { ...rulerEvent.detail, 'source-ip': '192.168.0.1' } },
      expected: false,
    },
  ]);
});

describe('validatePattern', () => {
  it.each([
    { name: 'a pattern that is not an object', pattern: ['aws.ec2'], path: '(root)' },
    { name: 'an empty pattern', pattern: {}, path: '(root)' },
    { name: 'a leaf that is not an array', pattern: { source: 'aws.ec2' }, path: 'source' },
    { name: 'a nested leaf that is not an array', pattern: { detail: { state: 'running' } }, path: 'detail.state' },
    { name: 'an empty leaf array', pattern: { source: [] }, path: 'source' },
    { name: 'an array nested in a leaf array', pattern: { source: [['aws.ec2']] }, path: 'source[0]' },
    { name: 'an unknown operator', pattern: { detail: { state: [{ contains: 'run' }] } }, path: 'detail.state[0]' },
    { name: 'an operator object with two keys', pattern: { v: [{ prefix: 'a', suffix: 'b' }] }, path: 'v[0]' },
    { name: 'a prefix that is not a string', pattern: { v: [{ prefix: 1 }] }, path: 'v[0].prefix' },
    { name: 'a suffix with an unknown modifier', pattern: { v: [{ suffix: { 'ignore-case': '.png' } }] }, path: 'v[0].suffix' },
    { name: 'equals-ignore-case with a number', pattern: { v: [{ 'equals-ignore-case': 1 }] }, path: 'v[0].equals-ignore-case' },
    { name: 'a bad numeric operator', pattern: { v: [{ numeric: ['!=', 1] }] }, path: 'v[0].numeric[0]' },
    { name: 'a numeric bound that is a string', pattern: { v: [{ numeric: ['<', '10'] }] }, path: 'v[0].numeric[1]' },
    { name: 'a numeric expression with three terms', pattern: { v: [{ numeric: ['>', 0, '<'] }] }, path: 'v[0].numeric' },
    { name: 'numeric that is not an array', pattern: { v: [{ numeric: 5 }] }, path: 'v[0].numeric' },
    {
      name: 'a numeric range starting with an upper bound',
      pattern: { v: [{ numeric: ['<', 5, '>', 0] }] },
      path: 'v[0].numeric[0]',
    },
    {
      name: 'a numeric range ending with a lower bound',
      pattern: { v: [{ numeric: ['>', 0, '>=', 5] }] },
      path: 'v[0].numeric[2]',
    },
    { name: 'a numeric range whose bounds are reversed', pattern: { v: [{ numeric: ['>', 5, '<', 1] }] }, path: 'v[0].numeric' },
    { name: 'exists that is not a boolean', pattern: { v: [{ exists: 'yes' }] }, path: 'v[0].exists' },
    {
      name: 'an anything-but list mixing strings and numbers',
      pattern: { v: [{ 'anything-but': ['a', 1] }] },
      path: 'v[0].anything-but',
    },
    { name: 'an empty anything-but list', pattern: { v: [{ 'anything-but': [] }] }, path: 'v[0].anything-but' },
    { name: 'anything-but null', pattern: { v: [{ 'anything-but': null }] }, path: 'v[0].anything-but' },
    {
      name: 'an anything-but prefix list',
      pattern: { v: [{ 'anything-but': { prefix: ['a', 'b'] } }] },
      path: 'v[0].anything-but.prefix',
    },
    {
      name: 'an empty anything-but prefix',
      pattern: { v: [{ 'anything-but': { prefix: '' } }] },
      path: 'v[0].anything-but.prefix',
    },
    {
      name: 'anything-but with numeric inside',
      pattern: { v: [{ 'anything-but': { numeric: ['>', 1] } }] },
      path: 'v[0].anything-but.numeric',
    },
    { name: 'consecutive wildcard characters', pattern: { v: [{ wildcard: 'a**b' }] }, path: 'v[0].wildcard' },
    { name: 'a backslash escaping another character', pattern: { v: [{ wildcard: 'a\\b*' }] }, path: 'v[0].wildcard' },
    {
      name: 'a bad wildcard inside an anything-but list',
      pattern: { v: [{ 'anything-but': { wildcard: ['*/lib/*', 'x**'] } }] },
      path: 'v[0].anything-but.wildcard[1]',
    },
    { name: 'a CIDR block without a mask', pattern: { ip: [{ cidr: '10.0.0.0' }] }, path: 'ip[0].cidr' },
    { name: 'a CIDR mask that is too long', pattern: { ip: [{ cidr: '10.0.0.0/33' }] }, path: 'ip[0].cidr' },
    { name: 'a CIDR block with an invalid address', pattern: { ip: [{ cidr: '300.0.0.0/8' }] }, path: 'ip[0].cidr' },
    { name: '"$or" that is not an array', pattern: { $or: { a: ['x'] } }, path: '$or' },
    { name: '"$or" with a single alternative', pattern: { $or: [{ a: ['x'] }] }, path: '$or' },
    { name: 'a "$or" alternative that is not an object', pattern: { $or: [{ a: ['x'] }, ['y']] }, path: '$or[1]' },
    {
      name: 'an invalid leaf inside a nested "$or"',
      pattern: { detail: { $or: [{ a: ['x'] }, { b: 'y' }] } },
      path: 'detail.$or[1].b',
    },
  ])('rejects $name, naming $path', ({ pattern, path }) => {
    expect(() => validatePattern(pattern)).toThrow(`Invalid event pattern at ${path}:`);
  });

  it('refuses to match with an invalid pattern instead of silently not matching', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' }, ec2Event)).toThrow('Invalid event pattern at source:');
  });

  it.each([
    { name: 'the EC2 termination pattern', pattern: ec2Termination },
    { name: 'exact values of every JSON type', pattern: { a: ['s', 1, -2.5e3, true, false, null] } },
    {
      name: 'prefix and suffix, with and without equals-ignore-case',
      pattern: {
        a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }, { suffix: 'y' }, { suffix: { 'equals-ignore-case': 'y' } }],
      },
    },
    {
      name: 'every anything-but form',
      pattern: {
        a: [
          { 'anything-but': 'x' },
          { 'anything-but': 1 },
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': [1, 2] },
          { 'anything-but': { prefix: 'x' } },
          { 'anything-but': { suffix: 'x' } },
          { 'anything-but': { 'equals-ignore-case': ['x', 'y'] } },
          { 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } },
        ],
      },
    },
    {
      name: 'every numeric operator and a range',
      pattern: {
        a: [{ numeric: ['<', 1] }, { numeric: ['<=', 1] }, { numeric: ['=', 1] }, { numeric: ['>', 1] }, { numeric: ['>=', 1, '<', 2] }],
      },
    },
    { name: 'escaped wildcards, even next to a real one', pattern: { a: [{ wildcard: 'a\\*b\\\\*' }, { wildcard: 'a\\**' }] } },
    { name: 'IPv4 and IPv6 CIDR blocks', pattern: { a: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }] } },
    { name: 'exists true and false', pattern: { a: [{ exists: true }], b: [{ exists: false }] } },
    { name: '"$or" at the top level and nested', pattern: { $or: [{ a: ['x'] }, { b: { $or: [{ c: ['y'] }, { d: ['z'] }] } }] } },
  ])('accepts $name', ({ pattern }) => {
    expect(() => validatePattern(pattern)).not.toThrow();
  });
});
