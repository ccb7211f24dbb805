// Specification of shared/messages/slack.ts: what a notification shows, that
// untrusted text can never act as Slack markup, and that Slack's limits hold
// for any input ("Block Kit" reference pages for the header, section and
// context blocks; chat.postMessage: at most 50 blocks).
import fc from 'fast-check';
import type { KnownBlock } from '@slack/web-api';
import type { MessageModel, ReplyModel, Tone } from '../../../shared/messages/model';
import { SLACK_LIMITS, renderSlackMessage, renderSlackReply } from '../../../shared/messages/slack';
import { safeUrl } from '../../../shared/messages/text';
import { EXECUTION_URL, INJECTIONS, LOGS_URL, LONE_SURROGATE, REGION, REVISION_URL, failureModel, model, reply } from '../../helpers/message-models';

/** Every string anywhere in a JSON value (block types, texts, urls...). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function allText(message: { text: string; blocks: KnownBlock[] }): string {
  return strings(message).join('\n');
}

type TextObject = { type: string; text: string };
const textOf = (o: TextObject) => o.text;

/** Texts of all text objects, by where they sit. */
function texts(blocks: KnownBlock[]): { kind: string; text: string }[] {
  return blocks.flatMap((b) => {
    if (b.type === 'header') return [{ kind: 'header', text: b.text.text }];
    if (b.type === 'section') {
      return [
        ...(b.text ? [{ kind: 'section', text: b.text.text }] : []),
        ...(b.fields ?? []).map((f) => ({ kind: 'field', text: textOf(f) })),
      ];
    }
    if (b.type === 'context') return b.elements.map((e) => ({ kind: 'context', text: 'text' in e ? e.text : '' }));
    throw new Error(`unexpected block ${b.type}`);
  });
}

const LINK_TOKEN = /<([^<>|]*)\|([^<>]*)>/g;

/**
 * The safety property: apart from `<url|label>` links whose url is one of the
 * allowed (safeUrl'd model) urls, no string holds a raw `<` or `>`, and every
 * `&` starts one of the three entities. So nothing can be a mention, a
 * broadcast or a disguised link.
 */
function expectNoInjection(message: { text: string; blocks: KnownBlock[] }, allowedUrls: Set<string>): void {
  for (const s of strings(message)) {
    const rest = s.replace(LINK_TOKEN, (_token, url: string) => {
      expect(url).toMatch(/^https?:\/\/\S+$/);
      expect(allowedUrls.has(url)).toBe(true);
      return '';
    });
    expect(rest).not.toMatch(/[<>]/);
    expect(rest.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  }
}

function urlsOf(model: MessageModel | ReplyModel): Set<string> {
  const raw = [
    ...model.links.map((l) => l.url),
    ...('fields' in model ? model.fields.map((f) => f.url) : []),
    ...('failure' in model ? [model.failure?.link?.url] : []),
  ];
  return new Set(raw.flatMap((u) => (u === undefined ? [] : [safeUrl(u)].filter((s): s is string => !!s))));
}

/** Slack's documented limits, plus the undocumented total (msg_blocks_too_long near 12,000). */
function expectWithinLimits(message: { text: string; blocks: KnownBlock[] }): void {
  expect(message.blocks.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(4000);
  let total = 0;
  for (const block of message.blocks) {
    if (block.type === 'header') {
      expect(block.text.type).toBe('plain_text');
      expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    } else if (block.type === 'section') {
      expect(block.text ?? block.fields).toBeDefined();
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFields);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    } else if (block.type === 'context') {
      expect(block.elements.length).toBeGreaterThan(0);
      expect(block.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
    }
  }
  for (const { text } of texts(message.blocks)) {
    expect(text.length).toBeGreaterThan(0); // Slack rejects empty text objects
    total += text.length;
  }
  expect(total).toBeLessThanOrEqual(9000);
  for (const s of strings(message)) expect(s).not.toMatch(LONE_SURROGATE);
}

// --- specification ---------------------------------------------------------------

describe('renderSlackMessage', () => {
  it('shows a typical failure: status, failed stage, phase, error code and logs link, each once', () => {
    const message = renderSlackMessage(failureModel());
    const [header] = message.blocks;
    expect(header).toEqual({ type: 'header', text: { type: 'plain_text', text: '❌ shop-api failed', emoji: true } });
    const all = allText(message);
    expect(all).toContain('❌ *Build* FAILED · 2m 05s');
    expect(all).toContain('✅ *Source* SUCCEEDED · 12s');
    expect(all).toContain('⚪ *Deploy* PENDING');
    expect(all).toContain('❌ *Failed in* *Build* › *UnitTests*');
    expect(all).toContain('Phase *BUILD* · Error `COMMAND_EXECUTION_ERROR`');
    expect(all).toContain('Error while executing command: npm test.');
    expect(all).toContain(`<${LOGS_URL}|Build logs>`);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks.split('Failed in')).toHaveLength(2);
    expect(blocks.split(LOGS_URL)).toHaveLength(2);
    expect(all).toContain(`<${EXECUTION_URL}|Execution in console>`);
    expect(all).toContain(`*Revision*\n<${REVISION_URL}|a1b2c3d>`);
    expect(all).toContain('*Author*\nDana Smith');
    expect(message.text).toBe('❌ shop-api failed\nFailed in Build / UnitTests');
    expect(message.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `123456789012 · ${REGION} · execution 1f2e3d4c-aaaa-bbbb-cccc-0123456789ab`, verbatim: true }],
    });
    expectWithinLimits(message);
  });

  it.each<[Tone, string]>([
    ['success', '✅'],
    ['failure', '❌'],
    ['warning', '⚠️'],
    ['info', 'ℹ️'],
    ['progress', '🔄'],
  ])('marks a %s with %s', (t, emoji) => {
    const message = renderSlackMessage({ title: 'p', tone: t, fields: [], stages: [], links: [] });
    expect(message.blocks).toEqual([{ type: 'header', text: { type: 'plain_text', text: `${emoji} p`, emoji: true } }]);
  });

  it.each([
    ['SUCCEEDED', '✅'],
    ['FAILED', '❌'],
    ['STARTED', '🔄'],
    ['IN_PROGRESS', '🔄'],
    ['CANCELED', '⏹️'],
    ['STOPPED', '⏹️'],
    ['SUPERSEDED', '⏹️'],
    ['PENDING', '⚪'],
  ])('marks a %s stage with %s', (state, icon) => {
    const message = renderSlackMessage({ title: 'p', tone: 'info', fields: [], stages: [{ name: 'S', state }], links: [] });
    expect(allText(message)).toContain(`${icon} *S* ${state}`);
  });

  it('escapes every injection attempt, wherever it is placed', () => {
    const evil = INJECTIONS.join(' ');
    const m: MessageModel = {
      title: evil,
      tone: 'failure',
      summary: evil,
      fields: [{ label: evil, value: evil }, { label: 'Link', value: evil, url: 'https://ok.example/' }],
      stages: [{ name: evil, state: evil, duration: evil }],
      failure: { stage: evil, action: evil, errorCode: evil, summary: evil, phase: evil, link: { label: evil, url: 'https://ok.example/logs' } },
      links: [{ label: evil, url: 'https://ok.example/x' }],
      context: evil,
    };
    const message = renderSlackMessage(m);
    const all = allText(message);
    for (const raw of ['<!channel>', '<!here>', '<!everyone>', '<!subteam^', '<@U123>', '<#C123>', '<https://evil.example|Click>']) {
      expect(all).not.toContain(raw);
    }
    expect(all).toContain('&lt;!channel&gt;');
    // Already-escaped input is escaped again, so Slack shows it as typed.
    expect(all).toContain('&amp;lt;!channel&amp;gt;');
    expect(all).not.toContain('\u202E');
    expectNoInjection(message, urlsOf(m));
  });

  it('never links a javascript: (or other non-http) URL, but keeps its label', () => {
    const m: MessageModel = {
      title: 't',
      tone: 'info',
      fields: [{ label: 'Pipeline', value: 'shop-api', url: 'javascript:alert(1)' }],
      stages: [],
      failure: { link: { label: 'Build logs', url: 'JavaScript:alert(2)' } },
      links: [
        { label: 'Run', url: 'javascript:alert(3)' },
        { label: 'Data', url: 'data:text/html,x' },
      ],
    };
    const message = renderSlackMessage(m);
    const all = allText(message);
    expect(all.toLowerCase()).not.toContain('javascript:');
    expect(all).not.toContain('data:');
    expect(all).not.toMatch(/</);
    expect(all).toContain('*Pipeline*\nshop-api');
    expect(all).toContain('Run · Data');
    expect(all).not.toContain('Build logs');
  });

  it('encodes URL characters that would break the link syntax', () => {
    const m: MessageModel = { title: 't', tone: 'info', fields: [], stages: [], links: [{ label: 'L', url: 'https://x.example/a|b>c d' }] };
    expect(allText(renderSlackMessage(m))).toContain('<https://x.example/a%7Cb%3Ec%20d|L>');
  });

  it('keeps a message with 200 stages, 100 steps and a 100 KB summary within limits, saying what was left out', () => {
    const m: MessageModel = {
      title: 'T'.repeat(1000),
      tone: 'failure',
      summary: 'S'.repeat(100_000),
      fields: Array.from({ length: 30 }, (_, i) => ({ label: `Field ${i}`, value: 'v'.repeat(5000), url: LOGS_URL })),
      stages: Array.from({ length: 200 }, (_, i) => ({ name: `Stage ${i} ${'n'.repeat(300)}`, state: 'SUCCEEDED', duration: '1s' })),
      steps: { heading: 'H'.repeat(500), items: Array.from({ length: 100 }, (_, i) => ({ mark: '✓', what: `Step ${i} ${'w'.repeat(1000)}`, state: 'done', why: 'y'.repeat(1000) })) },
      failure: { stage: 'x'.repeat(5000), action: 'y'.repeat(5000), errorCode: 'E'.repeat(5000), summary: 'z'.repeat(100_000), phase: 'p'.repeat(5000), link: { label: 'l'.repeat(5000), url: LOGS_URL } },
      links: Array.from({ length: 100 }, (_, i) => ({ label: `Link ${i}`, url: LOGS_URL })),
      context: 'c'.repeat(100_000),
    };
    const message = renderSlackMessage(m);
    expectWithinLimits(message);
    const all = allText(message);
    expect(all).toMatch(/_…and \d+ more stages_/);
    expect(all).toContain('_+21 more_'); // 9 fields shown of 30
    expect(all).toMatch(/_\+\d+ more_/);
    expect(all).toContain(`<${LOGS_URL}|${'l'.repeat(39)}…>`);
    expect(all).toContain('…');
  });

  it('leaves a field value unlinked when its URL would not fit the field', () => {
    const longUrl = `https://x.example/${'a'.repeat(950)}`;
    const m: MessageModel = {
      title: 't',
      tone: 'info',
      fields: Array.from({ length: 10 }, (_, i) => ({ label: `F${i}`, value: `value ${i}`, url: longUrl })),
      stages: [],
      links: [],
    };
    const message = renderSlackMessage(m);
    expectWithinLimits(message);
    expect(allText(message)).toContain('*F3*\nvalue 3');
    expect(allText(message)).not.toContain(longUrl);
  });

  it('never splits a surrogate pair when it cuts', () => {
    const m: MessageModel = {
      title: '😀'.repeat(200),
      tone: 'info',
      summary: 'a' + '😀'.repeat(5000),
      fields: [{ label: '😀'.repeat(100), value: '𝄞'.repeat(1000) }],
      stages: [{ name: '😀'.repeat(300), state: 'PENDING' }],
      links: [],
      context: 'b' + '😀'.repeat(1000),
    };
    const message = renderSlackMessage(m);
    expectWithinLimits(message);
  });

  it('holds every limit and lets no markup through, for any model', () => {
    fc.assert(
      fc.property(model, (m) => {
        const message = renderSlackMessage(m);
        expectWithinLimits(message);
        expectNoInjection(message, urlsOf(m));
      }),
      { numRuns: 150 },
    );
  });
});

describe('renderSlackReply', () => {
  it('shows the text with its status and links', () => {
    const message = renderSlackReply({
      tone: 'failure',
      text: 'shop-api failed in Build / UnitTests — JobFailed: <!here> look',
      links: [{ label: 'Logs', url: LOGS_URL }],
    });
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '❌ shop-api failed in Build / UnitTests — JobFailed: &lt;!here&gt; look', verbatim: true },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `<${LOGS_URL}|Logs>`, verbatim: true } },
    ]);
    expect(message.text).toBe('❌ shop-api failed in Build / UnitTests — JobFailed: &lt;!here&gt; look');
  });

  it('holds every limit and lets no markup through, for any reply', () => {
    fc.assert(
      fc.property(reply, (r) => {
        const message = renderSlackReply(r);
        expectWithinLimits(message);
        expectNoInjection(message, urlsOf(r));
      }),
      { numRuns: 150 },
    );
  });
});
