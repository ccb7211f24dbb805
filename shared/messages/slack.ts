// Renders a MessageModel / ReplyModel as Slack Block Kit.
//
// Safety: every model string is untrusted. It is cleaned (text.ts), escaped
// (&, <, > as entities) and cut to a budget before it is placed; links are
// written only from model `url` fields that pass safeUrl. Whole rendered
// lines are never cut afterwards, so a cut cannot break an entity or a link.
//
// Limits: each part has a fixed budget within Slack's per-object limits
// (header 150, section text 3000, 10 fields of 2000, context 10 elements,
// 50 blocks). The budgets also add up to less than 9,000 characters, because
// chat.postMessage rejects messages whose blocks hold roughly 12,000
// characters in total (`msg_blocks_too_long`, a limit Slack does not publish).
// Steps (a remediation's) take what the stages and failure details leave of
// theirs: the messages that have steps have neither.

import type { ActionsBlock, ContextBlock, HeaderBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/web-api';
import type { Button, FailureDetails, Field, Link, MessageModel, ReplyModel, StageLine, StepItem, Tone } from './model';
import { cleanText, escapeMrkdwn, escapeTruncate, safeUrl, singleLine } from './text';

export interface SlackMessage {
  /** Notification and accessibility fallback; mrkdwn, escaped like the blocks. */
  text: string;
  blocks: KnownBlock[];
}

export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
} as const;

// Per-part budgets (characters after escaping). Sum: 8,950.
const BUDGET = {
  header: SLACK_LIMITS.headerText,
  summary: 1000,
  field: 300, // x 10 fields
  stages: 1500,
  failure: 2000,
  links: 1000,
  context: 300,
  fallback: 1000,
  reply: 2500,
} as const;

/** Each step is one section of its own, cut per step (never the list as a whole), at most this many. */
const STEP = { what: 250, why: 300, sections: 30 } as const;

const TONE_EMOJI: Record<Tone, string> = {
  success: '✅',
  failure: '❌',
  warning: '⚠️',
  info: 'ℹ️',
  progress: '🔄',
};

// Keys are states with everything but letters removed, so "IN_PROGRESS",
// "InProgress" and "in progress" all match. Covers CodePipeline pipeline,
// stage and action states and CodeBuild build statuses.
const STATE_ICON: Record<string, string> = {
  SUCCEEDED: '✅',
  FAILED: '❌',
  FAULT: '❌',
  TIMEDOUT: '❌',
  STARTED: '🔄',
  RESUMED: '🔄',
  INPROGRESS: '🔄',
  CANCELED: '⏹️',
  CANCELLED: '⏹️',
  STOPPING: '⏹️',
  STOPPED: '⏹️',
  SUPERSEDED: '⏹️',
  ABANDONED: '⏹️',
  PENDING: '⚪',
  NOTRUN: '⚪',
};
const UNKNOWN_STATE_ICON = '❔';

export function renderSlackMessage(model: MessageModel): SlackMessage {
  const emoji = TONE_EMOJI[model.tone] ?? TONE_EMOJI.info;
  const title = singleLine(model.title);
  const blocks: KnownBlock[] = [header(`${emoji} ${title}`)];

  const summary = model.summary === undefined ? '' : cleanText(model.summary);
  if (summary) blocks.push(section(escapeTruncate(summary, BUDGET.summary)));
  if (model.fields.length > 0) blocks.push(fieldsSection(model.fields));
  const stages = model.stages.length > 0 ? stagesText(model.stages) : '';
  const failure = model.failure ? failureText(model.failure) : '';
  if (model.steps && model.steps.items.length > 0) blocks.push(...stepSections(model.steps, BUDGET.stages + BUDGET.failure - stages.length - failure.length));
  if (stages) blocks.push(section(stages));
  if (failure) blocks.push(section(failure));
  if (model.links.length > 0) blocks.push(section(linksText(model.links, BUDGET.links)));
  const context = model.context === undefined ? '' : singleLine(model.context);
  if (context) blocks.push(contextBlock(escapeTruncate(context, BUDGET.context)));
  if (model.buttons?.length) blocks.push(actionsBlock(model.buttons));

  // The notification's text: the summary, or where it failed (the failure block is not in it).
  const where = model.failure ? failureWhere(model.failure).join(' / ') : '';
  const gist = summary || (where ? `Failed in ${where}` : '');
  return { text: fallbackText(emoji, [title, gist].filter(Boolean).join('\n')), blocks };
}

export function renderSlackReply(reply: ReplyModel): SlackMessage {
  const emoji = TONE_EMOJI[reply.tone] ?? TONE_EMOJI.info;
  const text = cleanText(reply.text);
  const blocks: KnownBlock[] = [section(`${emoji} ${escapeTruncate(text, BUDGET.reply)}`)];
  if (reply.links.length > 0) blocks.push(section(linksText(reply.links, BUDGET.links)));
  return { text: fallbackText(emoji, text), blocks };
}

function fallbackText(emoji: string, text: string): string {
  return `${emoji} ${escapeTruncate(text, BUDGET.fallback - emoji.length - 1)}`;
}

// --- blocks -----------------------------------------------------------------

function header(text: string): HeaderBlock {
  // plain_text shows no mrkdwn, but Slack still decodes the three entities in
  // every text object, so the title is escaped here too.
  return { type: 'header', text: { type: 'plain_text', text: escapeTruncate(text, BUDGET.header), emoji: true } };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

/** Slack allows 25 elements, a label of 75 characters, a value and an action id of 255: longer ones are refused, not cut. */
function actionsBlock(buttons: Button[]): ActionsBlock {
  for (const b of buttons) {
    if (b.value.length > 255 || b.actionId.length > 255) throw new Error(`button ${b.actionId}: its value and action id must fit Slack's 255 characters`);
  }
  return {
    type: 'actions',
    elements: buttons.slice(0, 25).map((b) => ({
      type: 'button',
      action_id: b.actionId,
      text: { type: 'plain_text', text: escapeTruncate(singleLine(b.label), 75), emoji: true },
      value: b.value,
      ...(b.style ? { style: b.style } : {}),
    })),
  };
}

function contextBlock(text: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(text)] };
}

/**
 * verbatim: Slack does not auto-link bare URLs, channel names or mentions in
 * the text, so the only links are the `<url|label>` written here.
 */
function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

// --- parts ------------------------------------------------------------------

function fieldsSection(fields: Field[]): SectionBlock {
  const max = SLACK_LIMITS.sectionFields;
  const shown = fields.length > max ? fields.slice(0, max - 1) : fields;
  const texts = shown.map(fieldText);
  if (shown.length < fields.length) texts.push(`_+${fields.length - shown.length} more_`);
  return { type: 'section', fields: texts.map(mrkdwn) };
}

function fieldText(field: Field): string {
  const label = escapeTruncate(singleLine(field.label), 60);
  const value = singleLine(field.value) || '–';
  const head = label ? `*${label}*\n` : '';
  const plain = head + escapeTruncate(value, BUDGET.field - head.length);
  const url = field.url === undefined ? undefined : safeUrl(field.url);
  if (!url) return plain;
  const linked = head + link(url, value, BUDGET.field - head.length - url.length - 3);
  // A URL too long for the field's budget leaves the value unlinked.
  return linked.length <= BUDGET.field ? linked : plain;
}

function stagesText(stages: StageLine[]): string {
  const heading = '*Stages*';
  const lines = stages.map(stageLine);
  return `${heading}\n${fitItems(lines, '\n', BUDGET.stages - heading.length - 1, (n) => `_…and ${n} more stages_`)}`;
}

function stageLine(stage: StageLine): string {
  const state = singleLine(stage.state);
  const icon = STATE_ICON[state.toUpperCase().replace(/[^A-Z]/g, '')] ?? UNKNOWN_STATE_ICON;
  const name = escapeTruncate(singleLine(stage.name), 120) || '–';
  const duration = stage.duration === undefined ? '' : singleLine(stage.duration);
  const after = duration ? ` · ${escapeTruncate(duration, 30)}` : '';
  return `${icon} *${name}* ${escapeTruncate(state, 40)}${after}`;
}

/** The heading, then one section per step while they fit in `room` (none when not even the heading and the count of the rest would). */
function stepSections(steps: NonNullable<MessageModel['steps']>, room: number): SectionBlock[] {
  const heading = `*${escapeTruncate(singleLine(steps.heading), 60) || 'Steps'}*`;
  const more = (n: number) => `_…and ${n} more step${n === 1 ? '' : 's'}_`;
  if (room < heading.length + more(steps.items.length).length) return [];
  return [heading, ...fitList(steps.items.map(stepLine), 0, room - heading.length, more, STEP.sections)].map(section);
}

function stepLine(step: StepItem): string {
  const mark = escapeTruncate(singleLine(step.mark), 4);
  const what = escapeTruncate(singleLine(step.what), STEP.what) || '–';
  const state = escapeTruncate(singleLine(step.state), 40);
  const why = step.why === undefined ? '' : escapeTruncate(singleLine(step.why), STEP.why);
  return `${mark ? `${mark} ` : ''}${what}${state ? `: *${state}*` : ''}${why ? ` (${why})` : ''}`;
}

function failureText(failure: FailureDetails): string {
  const where = failureWhere(failure)
    .map((s) => `*${escapeTruncate(s, 100)}*`)
    .join(' › ');
  const phase = failure.phase === undefined ? '' : escapeTruncate(singleLine(failure.phase), 60);
  // Where it failed, once: the stage and action, or (a build on its own) the phase.
  const lines = [where ? `❌ *Failed in* ${where}` : phase ? `❌ *Failed in phase* *${phase}*` : '❌ *Failed*'];
  const code = failure.errorCode === undefined ? '' : singleLine(failure.errorCode);
  // A backtick in the code would end the code span early.
  const facts = [where && phase ? `Phase *${phase}*` : '', code ? `Error \`${escapeTruncate(code.replace(/`/g, 'ˋ'), 100)}\`` : ''].filter(Boolean);
  if (facts.length > 0) lines.push(facts.join(' · '));
  const url = failure.link === undefined ? undefined : safeUrl(failure.link.url);
  const next = url ? link(url, failure.link!.label || 'Details', 40) : '';

  const summary = failure.summary === undefined ? '' : cleanText(failure.summary);
  const used = [...lines, next].join('\n').length;
  const room = BUDGET.failure - used - 1;
  if (summary && room > 1) lines.push(escapeTruncate(summary, room));
  if (next) lines.push(next);
  return lines.join('\n');
}

/** The stage and action a failure names, as single lines. */
const failureWhere = (failure: FailureDetails): string[] =>
  [failure.stage, failure.action].map((s) => (s === undefined ? '' : singleLine(s))).filter(Boolean);

function linksText(links: Link[], budget: number): string {
  const items = links.map((l) => {
    const url = safeUrl(l.url);
    const label = singleLine(l.label) || url || 'link';
    // An unsafe URL is dropped; its label stays as plain text.
    return url ? link(url, label, 80) : escapeTruncate(label, 80);
  });
  return fitItems(items, ' · ', budget, (n) => `_+${n} more_`);
}

/** `<url|label>`; the url must come from safeUrl, the label is escaped here. */
function link(url: string, label: string, labelMax: number): string {
  const text = escapeTruncate(singleLine(label), Math.max(labelMax, 1)) || escapeMrkdwn(url);
  return `<${url}|${text}>`;
}

/**
 * Joins whole items (never cut, so no link or entity is broken) while they
 * fit in `max`, keeping room to say how many were left out.
 */
function fitItems(items: string[], sep: string, max: number, more: (n: number) => string): string {
  return fitList(items, sep.length, max, more).join(sep);
}

/** The whole items that fit in `max` characters (and `maxItems`, with the count of the rest), each `sepLength` apart. */
function fitList(items: string[], sepLength: number, max: number, more: (n: number) => string, maxItems = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  let used = 0;
  for (const [i, item] of items.entries()) {
    const cost = (out.length > 0 ? sepLength : 0) + item.length;
    const left = items.length - i - 1;
    const reserve = left > 0 ? sepLength + more(left).length : 0;
    if (used + cost + reserve > max || (left > 0 && out.length + 2 > maxItems)) {
      out.push(more(items.length - i));
      break;
    }
    out.push(item);
    used += cost;
  }
  return out;
}
