import fc from 'fast-check';
import { cleanText, escapeMrkdwn, escapeTruncate, formatDuration, safeUrl, singleLine } from '../../../shared/messages/text';
import { ELLIPSIS, truncate } from '../../../shared/views/bounds';
import { LONE_SURROGATE } from '../../helpers/message-models';

/** Any text, including lone surrogate halves and Slack's control characters. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('&', '<', '>', '&amp;', '&lt;', '😀', '👩‍👩‍👧', '\n', '\t', '\u202E'),
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
        fc.string({ maxLength: 5 }),
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join('')),
);

/** The text with Slack's three entities decoded (the inverse of escapeMrkdwn). */
function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('escapeMrkdwn', () => {
  it('turns the three Slack control characters into entities', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!subteam^S123|devs>', '&lt;!subteam^S123|devs&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<#C123>', '&lt;#C123&gt;'],
    ['<https://evil.example|Click>', '&lt;https://evil.example|Click&gt;'],
  ])('neutralises %s', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('escapes already-escaped text again, so it shows as typed', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('leaves everything else alone (no full HTML encoding)', () => {
    expect(escapeMrkdwn(`it's "*bold*" _x_ ~y~ \`z\``)).toBe(`it's "*bold*" _x_ ~y~ \`z\``);
  });

  it('round-trips and leaves no raw control character', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const escaped = escapeMrkdwn(s);
        expect(escaped).not.toMatch(/[<>]/);
        expect(escaped.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        expect(unescape(escaped)).toBe(s);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps text that fits', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('cuts with an ellipsis to exactly the limit', () => {
    expect(truncate('hello world', 6)).toBe(`hello${ELLIPSIS}`);
  });

  it('never splits a surrogate pair', () => {
    // "a😀b": the emoji is two code units at index 1-2.
    expect(truncate('a😀b', 3)).toBe(`a${ELLIPSIS}`);
    expect(truncate('a😀bc', 4)).toBe(`a😀${ELLIPSIS}`);
    expect(truncate('😀'.repeat(10), 6)).toBe(`😀😀${ELLIPSIS}`);
  });

  it('returns nothing when not even the ellipsis fits', () => {
    expect(truncate('hello', 0)).toBe('');
  });

  it('holds the limit, keeps a prefix and never creates a lone surrogate', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 400 }), (s, max) => {
        const out = truncate(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (out === s) return;
        const kept = out.endsWith(ELLIPSIS) ? out.slice(0, -ELLIPSIS.length) : out;
        expect(s.startsWith(kept)).toBe(true);
        if (!LONE_SURROGATE.test(s)) expect(out).not.toMatch(LONE_SURROGATE);
      }),
    );
  });
});

describe('escapeTruncate', () => {
  it('cuts before escaping, so no entity is broken', () => {
    // Escaped, "a&b" is "a&amp;b" (7); a cut at 4 must not leave "a&am…".
    expect(escapeTruncate('a&b', 4)).toBe(`a${ELLIPSIS}`);
    expect(escapeTruncate('a&b', 7)).toBe('a&amp;b');
    expect(escapeTruncate('<<<<', 9)).toBe(`&lt;&lt;${ELLIPSIS}`);
  });

  it('holds the limit with whole entities and a raw prefix', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 400 }), (s, max) => {
        const out = escapeTruncate(s, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        if (out !== escapeMrkdwn(s) && out !== '') {
          expect(out.endsWith(ELLIPSIS)).toBe(true);
          expect(s.startsWith(unescape(out.slice(0, -ELLIPSIS.length)))).toBe(true);
        }
        if (!LONE_SURROGATE.test(s)) expect(out).not.toMatch(LONE_SURROGATE);
      }),
    );
  });
});

describe('cleanText / singleLine', () => {
  it('drops control and bidi characters and repairs lone surrogates', () => {
    expect(cleanText('a\u0000b\u0007c\r\nd\u202Ee\uD800')).toBe('abc\nde\uFFFD');
  });

  it('makes one line of anything', () => {
    expect(singleLine('  deploy\n✅ Prod\tSUCCEEDED\u2028x ')).toBe('deploy ✅ Prod SUCCEEDED x');
  });

  it('always yields well-formed text without control characters', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(cleanText(s)).not.toMatch(LONE_SURROGATE);
        expect(cleanText(s)).not.toMatch(/(?![\n\t])\p{Cc}/u);
        expect(singleLine(s)).not.toMatch(/[\n\r\t\u2028\u2029]/);
      }),
    );
  });
});

describe('safeUrl', () => {
  it.each([
    ['https://console.aws.amazon.com/codesuite/codebuild/projects/x/build/x%3A1/?region=eu-west-1&a=b'],
    ['http://example.com/'],
  ])('keeps the http(s) URL %s', (url) => {
    expect(safeUrl(url)).toBe(url);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '  javascript:alert(1)',
    'java\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'mailto:a@example.com',
    '//evil.example/x',
    '/relative/path',
    'not a url',
    '',
    'https://user:secret@example.com/',
    `https://example.com/${'a'.repeat(1000)}`,
  ])('rejects %j', (url) => {
    expect(safeUrl(url)).toBeUndefined();
  });

  it('encodes what would break <url|label>', () => {
    expect(safeUrl('https://evil.example/a|b>c d<e')).toBe('https://evil.example/a%7Cb%3Ec%20d%3Ce');
    expect(safeUrl('https://x.example/?q=<!channel>|y#<@U1>')).toBe(
      'https://x.example/?q=%3C!channel%3E%7Cy#%3C@U1%3E',
    );
  });

  it('never returns anything that could end a Slack link token', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyText), (url) => {
        const safe = safeUrl(url);
        if (safe === undefined) return;
        expect(safe).toMatch(/^https?:\/\//);
        expect(safe).not.toMatch(/[\s<>|]/);
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [59_400, '59s'],
    [59_600, '1m 00s'],
    [125_000, '2m 05s'],
    [3_599_000, '59m 59s'],
    [3_780_000, '1h 03m'],
    [26 * 3_600_000, '26h 00m'],
    [-5_000, '0s'],
    [Number.NaN, '0s'],
    [Number.POSITIVE_INFINITY, '0s'],
  ])('%d ms is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
