/** Reports a read that failed, with the call's name; the caller goes on with what it has. */
export type FactError = (call: string, error: unknown) => void;

/** Runs an optional read: its failure is reported and yields undefined instead of failing the caller. */
export async function attempt<T>(call: string, read: () => Promise<T>, onError: FactError): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    onError(call, error);
    return undefined;
  }
}
