import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importHandler } from '../../local/service-definition';

// The local runner replays a scenario at its events' own time by giving the
// functions a clock: it makes the handler with the module's factory
// (`createHandler` beside `handler`) and never replaces the global Date.

const dir = mkdtempSync(join(tmpdir(), 'guardian-handler-'));
const file = join(dir, 'fn.cjs');
writeFileSync(
  file,
  `exports.handler = async () => 'the real time';
exports.createHandler = ({ now }) => async () => now().toISOString();
exports.plain = async () => 'no factory';`,
);

describe('importHandler', () => {
  it('imports the exported handler as it is when no clock is given', async () => {
    const handler = await importHandler({ file, exportName: 'handler' }, 'fn');
    expect(await handler({}, {} as never)).toBe('the real time');
  });

  it("makes the handler with the module's factory when a clock is given, and the handler reads that clock", async () => {
    const handler = await importHandler({ file, exportName: 'handler' }, 'fn', { now: () => new Date('2025-06-12T14:04:09.000Z') });
    expect(await handler({}, {} as never)).toBe('2025-06-12T14:04:09.000Z');
  });

  it('says which factory is missing when a module cannot be given a clock', async () => {
    await expect(importHandler({ file, exportName: 'plain' }, 'fn', { now: () => new Date() })).rejects.toThrow(/exports no function "createPlain" to give functions\.fn a clock/);
  });
});
