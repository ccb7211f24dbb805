// Writes guardian.schema.json, the JSON Schema of guardian.yml, from the same
// zod schema the service validates with. `npm run schema`; a test keeps it current.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configJsonSchema } from '../shared/config/load.js';

export const schemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

if (require.main === module) {
  const out = resolve(__dirname, '..', 'guardian.schema.json');
  writeFileSync(out, schemaText());
  console.log(`wrote ${out}`);
}
