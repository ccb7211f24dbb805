// Bounds on what a stored view keeps: text is cut where it enters a view, so
// an item stays small whatever AWS or a user sends. The renderers cut to
// Slack's and SNS's limits with the same functions.
// Lengths are UTF-16 code units (String#length).

export const ELLIPSIS = '…';

/** Cuts `s` to at most `max` code units, ending with "…"; never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < ELLIPSIS.length) return '';
  return s.slice(0, pairSafeCut(s, max - ELLIPSIS.length)) + ELLIPSIS;
}

/** Moves a cut index back by one if it would separate a surrogate pair. */
export function pairSafeCut(s: string, cut: number): number {
  const before = s.charCodeAt(cut - 1);
  return cut > 0 && before >= 0xd800 && before <= 0xdbff ? cut - 1 : cut;
}

/** Longer links are dropped: they cannot fit a Slack section field (2000) anyway. */
export const MAX_URL_LENGTH = 1000;
