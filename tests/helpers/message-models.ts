// Message models for the renderer specifications (tests/shared/messages/):
// a typical failure, and fast-check generators of any model, rich in the
// text that must never act as markup or break a limit.
import fc from 'fast-check';
import type { MessageModel, ReplyModel, Tone } from '../../shared/messages/model';

export const REGION = 'eu-west-1';
export const PIPELINE_URL = `https://${REGION}.console.aws.amazon.com/codesuite/codepipeline/pipelines/shop-api/view?region=${REGION}`;
export const EXECUTION_URL = `https://${REGION}.console.aws.amazon.com/codesuite/codepipeline/pipelines/shop-api/executions/1f2e3d4c-aaaa-bbbb-cccc-0123456789ab/timeline?region=${REGION}`;
export const LOGS_URL = `https://${REGION}.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/shop-api-build/build/shop-api-build%3A9b1c2d3e-1111-2222-3333-444455556666/log?region=${REGION}`;
export const REVISION_URL = 'https://github.com/acme/shop-api/commit/a1b2c3d';

/** A pipeline execution that failed in Build / UnitTests: its build failed in phase BUILD, with a two-line message. */
export function failureModel(): MessageModel {
  return {
    title: 'shop-api failed',
    tone: 'failure',
    fields: [
      { label: 'Pipeline', value: 'shop-api', url: PIPELINE_URL },
      { label: 'Execution', value: '1f2e3d4c', url: EXECUTION_URL },
      { label: 'Revision', value: 'a1b2c3d', url: REVISION_URL },
      { label: 'Commit', value: 'Fix checkout rounding' },
      { label: 'Author', value: 'Dana Smith' },
    ],
    stages: [
      { name: 'Source', state: 'SUCCEEDED', duration: '12s' },
      { name: 'Build', state: 'FAILED', duration: '2m 05s' },
      { name: 'Deploy', state: 'PENDING' },
    ],
    failure: {
      stage: 'Build',
      action: 'UnitTests',
      phase: 'BUILD',
      errorCode: 'COMMAND_EXECUTION_ERROR',
      summary: 'Error while executing command: npm test.\nReason: exit status 1',
      link: { label: 'Build logs', url: LOGS_URL },
    },
    links: [{ label: 'Execution in console', url: EXECUTION_URL }],
    context: `123456789012 · ${REGION} · execution 1f2e3d4c-aaaa-bbbb-cccc-0123456789ab`,
  };
}

/** A UTF-16 surrogate half without its partner: text that cannot be encoded as UTF-8. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// --- arbitraries ---------------------------------------------------------------

/** Markup attempts and awkward characters: Slack's control characters and entities, mentions, links, line breaks, controls, bidi, emoji. */
export const INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0123ABC>',
  '<@U123>',
  '<#C123>',
  '<https://evil.example|Click>',
  '&lt;!channel&gt;',
  '&amp;',
  '&',
  '<',
  '>',
  '|',
  '`',
  '*',
  '\n',
  '\r',
  '\u0000',
  '\u202E',
  '😀',
  '👩‍👩‍👧',
];

const piece = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);

/** Short or very long (up to ~100 KB) untrusted text, rich in markup attempts. */
export const untrusted = fc.oneof(
  { weight: 5, arbitrary: fc.array(piece, { maxLength: 12 }).map((p) => p.join('')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 10_000 }))
      .map(([p, n]) => p.join('').repeat(n).slice(0, 100_000)),
  },
);

/** Web URLs, URLs that must never become links (javascript:, data:, credentials, link-breaking characters, too long), and any text. */
export const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'javascript:alert(1)',
    'JAVASCRIPT:alert(document.cookie)',
    ' javascript:alert(1)',
    'data:text/html,<b>x</b>',
    'data:,x',
    'https://evil.example/a|b>c d',
    'https://x.example/?q=<!channel>',
    'https://user:pw@x.example/',
    `https://x.example/${'a'.repeat(950)}`,
  ),
  untrusted,
);

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

export const tone = fc.constantFrom<Tone>('success', 'failure', 'warning', 'info', 'progress');

/** Any message model: untrusted text everywhere, up to 25 fields and links, 250 stages and 60 steps. */
export const model: fc.Arbitrary<MessageModel> = fc.record({
  title: untrusted,
  tone,
  summary: opt(untrusted),
  fields: fc.array(fc.record({ label: untrusted, value: untrusted, url: opt(url) }), { maxLength: 25 }),
  stages: fc.array(
    fc.record({
      name: untrusted,
      state: fc.oneof(fc.constantFrom('SUCCEEDED', 'FAILED', 'STARTED', 'PENDING', 'STOPPED'), untrusted),
      duration: opt(untrusted),
    }),
    { maxLength: 250 },
  ),
  steps: opt(
    fc.record({
      heading: untrusted,
      items: fc.array(fc.record({ mark: fc.oneof(fc.constantFrom('✓', '✗', '○', '–', '⏸'), untrusted), what: untrusted, state: untrusted, why: opt(untrusted) }), { maxLength: 60 }),
    }),
  ),
  failure: opt(
    fc.record({
      stage: opt(untrusted),
      action: opt(untrusted),
      errorCode: opt(untrusted),
      summary: opt(untrusted),
      phase: opt(untrusted),
      link: opt(fc.record({ label: untrusted, url })),
    }),
  ),
  links: fc.array(fc.record({ label: untrusted, url }), { maxLength: 25 }),
  context: opt(untrusted),
});

/** Any thread reply. */
export const reply: fc.Arbitrary<ReplyModel> = fc.record({
  tone,
  text: untrusted,
  links: fc.array(fc.record({ label: untrusted, url }), { maxLength: 25 }),
});
