import { parseCiEvent } from '../../../shared/events/parse';
import type { BuildEvent } from '../../../shared/events/types';
import { describeBuild } from '../../../shared/messages/build';
import { laterBuildEvent } from '../../../shared/views/build-view';
import { loadEvent, type JsonObject } from '../../helpers/fixtures';

// The view of a build no pipeline covers is its latest event, stored as it
// arrives but for free text no message shows: bounded, whatever CodeBuild says.

/** The sample failed build with `contexts` in its failed phase and `info` in its additional information. */
function failedBuild(contexts: string[], info: JsonObject = {}): BuildEvent {
  const raw = structuredClone(loadEvent<JsonObject>('codebuild/build-failed.json'));
  const additional = (raw.detail as JsonObject)['additional-information'] as JsonObject;
  Object.assign(additional, info);
  ((additional.phases as JsonObject[]).find((p) => p['phase-status'] === 'FAILED')!)['phase-context'] = contexts;
  return parseCiEvent(raw) as BuildEvent;
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('the stored view of a build', () => {
  const reason = 'COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1';
  const chatty = failedBuild([reason, ...Array.from({ length: 2000 }, (_, i) => `line ${i}: ${'output '.repeat(14)}`)], {
    'source-version': `9e2b7c41d5a08f3e6b1c2d4a7f90e8d3c5b6a712${'x'.repeat(50_000)}`,
  });

  it('keeps at most a few KB of a failed phase that says 200 KB, and of a long source version', () => {
    expect(bytes(chatty)).toBeGreaterThan(200 * 1024);
    expect(bytes(laterBuildEvent(undefined, chatty))).toBeLessThan(8 * 1024);
  });

  it('cuts one context of any length, and an initiator, to what a message can show', () => {
    const stored = laterBuildEvent(undefined, failedBuild([`${reason} ${'output '.repeat(30_000)}`], { initiator: `user/${'ci-bot-'.repeat(5000)}` }));
    expect(stored.failedPhase?.context.map((c) => c.length)).toEqual([2000]);
    expect(stored.initiator).toHaveLength(1000);
    expect(describeBuild(stored).failure).toMatchObject({ errorCode: 'COMMAND_EXECUTION_ERROR', summary: expect.stringMatching(/^Error while executing command: npm test\. Reason: exit status 1 output/) });
  });

  it('shows the same message as the event it came from', () => {
    expect(describeBuild(laterBuildEvent(undefined, chatty))).toEqual(describeBuild(chatty));
  });

  it('is the event itself when it says little, and stays the latest one', () => {
    const small = failedBuild([reason]);
    expect(laterBuildEvent(undefined, small)).toEqual(small);
    const later = { ...chatty, eventId: 'later', time: '2025-06-09T16:26:00Z' };
    expect(laterBuildEvent(laterBuildEvent(undefined, small), later).eventId).toBe('later');
    expect(laterBuildEvent(laterBuildEvent(undefined, later), small).eventId).toBe('later');
  });
});
