// Text helpers shared by the Slack and email renderers. Every input is
// untrusted display text (see model.ts); these functions make it safe to put
// in front of a reader without letting it act as markup or break limits.
// Lengths are UTF-16 code units (String#length): never fewer than the
// characters Slack or SNS count, so a limit held here holds there too.

import { ELLIPSIS, MAX_URL_LENGTH, pairSafeCut } from '../views/bounds.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Bidirectional overrides and marks can make a name read differently from
// what it is (the "Trojan Source" trick), so they are dropped.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const CONTROLS_EXCEPT_NEWLINE_AND_TAB = /(?![\n\t])\p{Cc}/gu;

/**
 * Multi-line text (summaries, replies): well-formed UTF-16 (a lone surrogate
 * cannot be encoded as UTF-8 for SNS or JSON), no control characters other
 * than newline and tab, no bidi controls.
 */
export function cleanText(s: string): string {
  return s
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(CONTROLS_EXCEPT_NEWLINE_AND_TAB, '')
    .replace(BIDI_CONTROLS, '')
    .trim();
}

/**
 * One-line text (names, states, labels): as cleanText, with every run of
 * whitespace made one space, so a name cannot fake extra lines of a message.
 */
export function singleLine(s: string): string {
  return cleanText(s).replace(/\s+/g, ' ');
}

/**
 * Slack's three control characters as HTML entities, as the Slack formatting
 * guide asks; nothing else is entity-encoded because Slack decodes only these.
 * Applied to all untrusted text, this is what stops `<!channel>`, `<@U123>`
 * and disguised links `<https://evil|click>` from being parsed.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}


const ESCAPED_WIDTH: Readonly<Record<string, number>> = { '&': 5, '<': 4, '>': 4 };

/**
 * escapeMrkdwn, then cut to `max`. The cut is chosen on the raw text (each
 * raw character counted at its escaped width), so it can never fall inside
 * an entity and leave "&am…".
 */
export function escapeTruncate(s: string, max: number): string {
  const escaped = escapeMrkdwn(s);
  if (escaped.length <= max) return escaped;
  if (max < ELLIPSIS.length) return '';
  const room = max - ELLIPSIS.length;
  let used = 0;
  let cut = 0;
  while (cut < s.length) {
    const width = ESCAPED_WIDTH[s.charAt(cut)] ?? 1;
    if (used + width > room) break;
    used += width;
    cut += 1;
  }
  return escapeMrkdwn(s.slice(0, pairSafeCut(s, cut))) + ELLIPSIS;
}



/**
 * The URL to link to, or undefined when it must not become a link: only
 * http(s), no embedded credentials (they would be posted to a channel), and
 * serialised so it cannot break Slack's `<url|label>` syntax. The WHATWG URL
 * parser percent-encodes spaces, quotes, `<` and `>` but leaves `|`, which
 * Slack reads as the label separator, so that is encoded here.
 */
export function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  const href = parsed.href.replace(/\|/g, '%7C');
  // Belt and braces: nothing that could end the link token may remain.
  if (/[\s<>|]/.test(href) || href.length > MAX_URL_LENGTH) return undefined;
  return href;
}

/** "45s", "2m 05s", "1h 03m"; negative or non-finite durations read as "0s". */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
