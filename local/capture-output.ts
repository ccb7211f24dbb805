// What a handler writes to stdout and stderr while it runs (Powertools writes
// logs straight to the streams), held back instead of printed: the local
// runner shows it compactly under its invocation, the bench keeps it out of
// its report and counts it.

interface CapturedOutput {
  /** Everything written since the capture started, in order. */
  text(): string;
  /** Non-empty lines written, and each write's first line (up to 90 characters) with how often it came, most frequent first. */
  summary(): { lines: number; distinct: { text: string; count: number }[] };
  /** Puts the streams' own write back. */
  restore(): void;
}

/** Captures process.stdout and process.stderr until restore(). */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return {
    text: () => chunks.join(''),
    summary: () => {
      const seen = new Map<string, number>();
      let lines = 0;
      for (const text of chunks) {
        lines += text.split('\n').filter(Boolean).length;
        const first = (text.split('\n')[0] ?? '').slice(0, 90);
        seen.set(first, (seen.get(first) ?? 0) + 1);
      }
      return { lines, distinct: [...seen].sort((a, b) => b[1] - a[1]).map(([text, count]) => ({ text, count })) };
    },
    restore: () => streams.forEach((stream, i) => (stream.write = originals[i]!)),
  };
}
