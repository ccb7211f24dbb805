// Renders a MessageModel as a plain-text email for SNS Publish (Subject +
// Message). Plain text only: no HTML, no mrkdwn, so nothing is escaped, but
// every model string is still cleaned (no control or bidi characters, no
// fake extra lines in names) and cut, and only http(s) URLs are shown.

import type { MessageModel } from './model';
import { cleanText, safeUrl, singleLine } from './text';
import { truncate } from '../views/bounds';

export interface Email {
  subject: string;
  body: string;
}

// SNS Publish: "Subjects must be ASCII text that begins with a letter,
// number, or punctuation mark; must not include line breaks or control
// characters; and must be less than 100 characters long." The current API
// reference says "UTF-8 text" instead of ASCII; printable ASCII meets both.
export const MAX_SUBJECT_LENGTH = 99;
const FALLBACK_SUBJECT = 'CI/CD notification';

// SNS messages are at most 256 KB of UTF-8. One UTF-16 code unit is at most
// 3 UTF-8 bytes, so 60,000 code units stay well under that.
export const MAX_BODY_LENGTH = 60_000;
// Each list gets its own share, so a huge one cannot push the failure
// details or links out of the body. Shares and text caps add up to < 55,000.
const LIST_BUDGET = 10_000;

export function renderEmail(model: MessageModel): Email {
  const lines: string[] = [truncate(singleLine(model.title), 500)];
  const summary = model.summary === undefined ? '' : cleanText(model.summary);
  if (summary) lines.push('', truncate(summary, 4000));

  if (model.fields.length > 0) {
    lines.push('', 'Details');
    lines.push(...listed(model.fields, (f) => `  ${one(f.label, 100)}: ${withUrl(one(f.value, 1000), f.url)}`));
  }
  if (model.steps && model.steps.items.length > 0) {
    lines.push('', one(model.steps.heading, 100) || 'Steps');
    lines.push(...listed(model.steps.items, (st) => `  ${one(st.mark, 4)} ${one(st.what, 500)}: ${one(st.state, 40)}${st.why === undefined || !singleLine(st.why) ? '' : ` (${one(st.why, 1000)})`}`));
  }
  if (model.stages.length > 0) {
    lines.push('', 'Stages');
    lines.push(
      ...listed(model.stages, (s) => {
        const duration = s.duration === undefined ? '' : one(s.duration, 30);
        return `  - ${one(s.name, 200)}: ${one(s.state, 40)}${duration ? ` (${duration})` : ''}`;
      }),
    );
  }
  const failure = model.failure;
  if (failure) {
    lines.push('', 'Failure');
    const facts: [string, string | undefined][] = [
      ['Stage', failure.stage],
      ['Action', failure.action],
      ['Phase', failure.phase],
      ['Error code', failure.errorCode],
    ];
    for (const [label, value] of facts) {
      if (value !== undefined && singleLine(value)) lines.push(`  ${label}: ${one(value, 200)}`);
    }
    const details = failure.summary === undefined ? '' : cleanText(failure.summary);
    if (details) lines.push(`  Summary: ${indent(truncate(details, 8000))}`);
    const next = failure.link === undefined ? undefined : safeUrl(failure.link.url);
    if (next) lines.push(`  ${one(failure.link!.label, 100) || 'Details'}: ${next}`);
  }
  if (model.links.length > 0) {
    lines.push('', 'Links');
    lines.push(...listed(model.links, (l) => `  - ${withUrl(one(l.label, 200) || 'link', l.url)}`));
  }
  const context = model.context === undefined ? '' : singleLine(model.context);
  if (context) lines.push('', '--', truncate(context, 500));

  return { subject: emailSubject(model.title), body: truncate(lines.join('\n'), MAX_BODY_LENGTH) };
}

/**
 * A subject SNS accepts: printable ASCII only (accents are dropped from
 * letters, other characters become "?"), one line, starting with a visible
 * character, under 100 characters (cut with "...").
 */
export function emailSubject(title: string): string {
  const ascii = singleLine(title)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7E]+/gu, '?')
    // Must begin with a letter, number or punctuation mark: not a space or
    // a symbol such as "+" or "|".
    .replace(/^[^A-Za-z0-9\p{P}]+/u, '')
    .trimEnd();
  if (!ascii) return FALLBACK_SUBJECT;
  if (ascii.length <= MAX_SUBJECT_LENGTH) return ascii;
  const cut = ascii.slice(0, MAX_SUBJECT_LENGTH - 3);
  const space = cut.lastIndexOf(' '); // end on a whole word when one is near
  return `${(space > cut.length - 20 ? cut.slice(0, space) : cut).trimEnd()}...`;
}

function one(s: string, max: number): string {
  return truncate(singleLine(s), max);
}

/** "value (url)"; an unsafe URL is left out and the value kept. */
function withUrl(value: string, url: string | undefined): string {
  const safe = url === undefined ? undefined : safeUrl(url);
  return safe ? `${value} (${safe})` : value;
}

/** One line per item while they fit in LIST_BUDGET, then how many were left out. */
function listed<T>(items: T[], line: (item: T) => string): string[] {
  const shown: string[] = [];
  let used = 0;
  for (const item of items) {
    const text = line(item);
    if (used + text.length + 1 > LIST_BUDGET) break;
    shown.push(text);
    used += text.length + 1;
  }
  if (shown.length < items.length) shown.push(`  ...and ${items.length - shown.length} more`);
  return shown;
}

/** Continuation lines of a multi-line value line up under the first. */
function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}
