// Specification of shared/messages/email.ts: the same facts as the Slack
// message, as plain text, and a Subject that SNS Publish accepts ("must be
// ASCII text that begins with a letter, number, or punctuation mark; must not
// include line breaks or control characters; and must be less than 100
// characters long").
import fc from 'fast-check';
import { MAX_BODY_LENGTH, emailSubject, renderEmail } from '../../../shared/messages/email';
import { EXECUTION_URL, LOGS_URL, LONE_SURROGATE, PIPELINE_URL, REGION, REVISION_URL, failureModel, model } from '../../helpers/message-models';

/** SNS's rule for Subject, as a predicate. */
const VALID_SUBJECT = /^[A-Za-z0-9!"#%&'()*,\-./:;?@[\\\]_{}][\x20-\x7E]*$/;

describe('renderEmail', () => {
  it('tells the same facts as the Slack message, in plain text', () => {
    expect(renderEmail(failureModel())).toEqual({
      subject: 'shop-api failed',
      body: [
        'shop-api failed',
        '',
        'Details',
        `  Pipeline: shop-api (${PIPELINE_URL})`,
        `  Execution: 1f2e3d4c (${EXECUTION_URL})`,
        `  Revision: a1b2c3d (${REVISION_URL})`,
        '  Commit: Fix checkout rounding',
        '  Author: Dana Smith',
        '',
        'Stages',
        '  - Source: SUCCEEDED (12s)',
        '  - Build: FAILED (2m 05s)',
        '  - Deploy: PENDING',
        '',
        'Failure',
        '  Stage: Build',
        '  Action: UnitTests',
        '  Phase: BUILD',
        '  Error code: COMMAND_EXECUTION_ERROR',
        '  Summary: Error while executing command: npm test.',
        '    Reason: exit status 1',
        `  Build logs: ${LOGS_URL}`,
        '',
        'Links',
        `  - Execution in console (${EXECUTION_URL})`,
        '',
        '--',
        `123456789012 · ${REGION} · execution 1f2e3d4c-aaaa-bbbb-cccc-0123456789ab`,
      ].join('\n'),
    });
  });

  it('shows Slack markup in names as the text it is, and adds none', () => {
    const { body } = renderEmail({
      title: '<!channel> *deploy*',
      tone: 'info',
      fields: [{ label: 'Author', value: '<@U123> &lt;x&gt;' }],
      stages: [],
      links: [],
    });
    expect(body).toContain('<!channel> *deploy*');
    expect(body).toContain('Author: <@U123> &lt;x&gt;');
    expect(body).not.toContain('&amp;');
  });

  it('keeps names on one line, so they cannot fake lines of the message', () => {
    const { body } = renderEmail({
      title: 'shop-api\nStages\n  - Deploy: SUCCEEDED',
      tone: 'failure',
      fields: [],
      stages: [{ name: 'Build\r\n  - Deploy', state: 'FAILED\u202E' }],
      links: [],
    });
    expect(body.split('\n')[0]).toBe('shop-api Stages - Deploy: SUCCEEDED');
    expect(body).toContain('  - Build - Deploy: FAILED');
    expect(body).not.toContain('\u202E');
  });

  it('never shows a javascript: URL, but keeps the label', () => {
    const { body } = renderEmail({
      title: 't',
      tone: 'info',
      fields: [{ label: 'Pipeline', value: 'shop-api', url: 'javascript:alert(1)' }],
      stages: [],
      failure: { link: { label: 'Build logs', url: 'JAVASCRIPT:alert(2)' } },
      links: [{ label: 'Run', url: ' javascript:alert(3)' }],
    });
    expect(body.toLowerCase()).not.toContain('javascript');
    expect(body).toContain('  Pipeline: shop-api');
    expect(body).toContain('  - Run');
    expect(body).not.toContain('Build logs:');
  });

  it('bounds a huge model, saying what was left out', () => {
    const { subject, body } = renderEmail({
      title: 'T'.repeat(10_000),
      tone: 'failure',
      summary: 'S'.repeat(100_000),
      fields: Array.from({ length: 300 }, (_, i) => ({ label: `F${i}`, value: 'v'.repeat(5000) })),
      stages: Array.from({ length: 200 }, (_, i) => ({ name: `Stage ${i}`, state: 'SUCCEEDED' })),
      failure: { summary: 'z'.repeat(100_000) },
      links: [],
    });
    expect(subject).toBe(`${'T'.repeat(96)}...`);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_LENGTH);
    expect(body).toMatch(/^ {2}\.\.\.and \d+ more$/m);
    // A huge list does not push the later sections out.
    expect(body).toContain('  - Stage 199: SUCCEEDED');
    expect(body).toContain('  Summary: zzz');
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(256 * 1024);
  });
});

describe('emailSubject', () => {
  it.each([
    ['shop-api failed', 'shop-api failed'],
    ['  shop-api\r\nfailed\t', 'shop-api failed'],
    ['Déploiement échoué', 'Deploiement echoue'],
    ['🚀 shop-api SUCCEEDED', '? shop-api SUCCEEDED'],
    ['デプロイ failed', '? failed'],
    ['| + shop-api', 'shop-api'],
    ['', 'CI/CD notification'],
    ['\u0000\u0007', 'CI/CD notification'],
    ['+++', 'CI/CD notification'],
  ])('turns %j into %j', (title, subject) => {
    expect(emailSubject(title)).toBe(subject);
  });

  it('cuts long titles to under 100 characters with "..."', () => {
    const subject = emailSubject(`${'word '.repeat(40)}end`);
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith('word...')).toBe(true);
  });

  it('is always a Subject SNS accepts', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 150 }),
      fc.array(fc.constantFrom(' ', '\n', '|', '+', 'é', '😀', '\uD800', 'a', '1', '.', '\u0085', '\u00A0'), { maxLength: 200 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (title) => {
        const subject = emailSubject(title);
        expect(subject.length).toBeGreaterThan(0);
        expect(subject.length).toBeLessThan(100);
        expect(subject).toMatch(VALID_SUBJECT);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderEmail for any model', () => {
  it('gives a valid subject and a bounded, well-formed plain-text body', () => {
    fc.assert(
      fc.property(model, (m) => {
        const { subject, body } = renderEmail(m);
        expect(subject.length).toBeLessThan(100);
        expect(subject).toMatch(VALID_SUBJECT);
        expect(body.length).toBeLessThanOrEqual(MAX_BODY_LENGTH);
        // Encodable as UTF-8 (no lone surrogates) and free of control characters.
        expect(body).not.toMatch(LONE_SURROGATE);
        expect(body).not.toMatch(/(?![\n\t])\p{Cc}/u);
        expect(body.toLowerCase()).not.toMatch(/\((javascript|data):/);
      }),
      { numRuns: 150 },
    );
  });
});
