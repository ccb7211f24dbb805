import { singleLine } from './text.js';
import { truncate } from '../views/bounds.js';

// The modal a Reject opens: a button carries no text, so the reason is asked
// for here (required plain text, length-limited). Its view_submission names
// the request only through private_metadata (the request key), which the
// receiver treats as untrusted: it re-reads the request and checks everything
// again. Slack's limits: a modal title of 24 characters, a button's 24,
// private_metadata of 3000, an input label of 2000.

/** The modal's callback_id: its view_submission is recognised by it. */
export const REJECT_REASON_CALLBACK = 'approval.reject_reason';
/** Where the reason is in the submission's view.state.values. */
export const REASON_BLOCK = 'reject_reason';
export const REASON_INPUT = 'reason';
/** At most this long (Slack enforces it in the input; the receiver checks again). CodePipeline's summary holds 512 characters in all. */
export const REASON_MAX_CHARS = 300;

/** What the modal shows of the approval (names, not free text: still shown as plain text). */
export interface RejectSubject {
  key: string;
  pipeline: string;
  stage: string;
  action: string;
}

/** The modal, as Slack's views.open takes it. */
export function rejectReasonModal(subject: RejectSubject): Record<string, unknown> {
  const what = truncate(singleLine(`${subject.pipeline} ${subject.stage}/${subject.action}`), 200);
  return {
    type: 'modal',
    callback_id: REJECT_REASON_CALLBACK,
    private_metadata: subject.key,
    title: { type: 'plain_text', text: 'Reject approval' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'plain_text', text: `Reject ${what}? CodePipeline is told who rejected it and why.` } },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why is it rejected?' },
        element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, min_length: 1, max_length: REASON_MAX_CHARS },
      },
    ],
  };
}
