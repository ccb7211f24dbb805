// Checks for the parser tests (tests/shared/events/): the EventValidationError a parser
// throws, and the string fields of the events it returns.
import { EventValidationError } from '../../shared/events/parse';

/** The EventValidationError thrown by `fn`; fails the test if `fn` returns or throws anything else. */
export function validationErrorOf(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EventValidationError);
    return err as EventValidationError;
  }
  throw new Error('expected an EventValidationError, but nothing was thrown');
}

export const expectNonEmptyString = (v: unknown) => {
  expect(typeof v).toBe('string');
  expect((v as string).length).toBeGreaterThan(0);
};
export const expectOptionalString = (v: unknown) => {
  if (v !== undefined) expect(typeof v).toBe('string');
};
export const expectTime = (v: unknown) => {
  expectNonEmptyString(v);
  expect(Number.isNaN(Date.parse(v as string))).toBe(false);
};

/** What `fn` throws; undefined if it returns. */
export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Either `parse()` returns an event that passes `expectWellFormed`, or it throws an
 * EventValidationError that says where the problem is.
 */
export function expectParsedOrRejected<E>(parse: () => E, expectWellFormed: (e: E) => void): 'parsed' | 'rejected' {
  let result: E;
  try {
    result = parse();
  } catch (err) {
    expect(err).toBeInstanceOf(EventValidationError);
    const e = err as EventValidationError;
    expect(e.issues.length).toBeGreaterThan(0);
    e.issues.forEach((i) => {
      expect(typeof i.path).toBe('string');
      expectNonEmptyString(i.message);
    });
    // The message names problems; it does not echo arbitrarily large input back into logs.
    expect(e.message.length).toBeLessThan(5_000);
    return 'rejected';
  }
  expectWellFormed(result);
  return 'parsed';
}
