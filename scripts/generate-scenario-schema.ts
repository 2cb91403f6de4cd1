/** Writes docs/scenario.schema.json from scenario/scenario-schema.ts (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scenarioJsonSchema } from '../scenario/scenario-schema.ts';

const out = path.resolve(import.meta.dirname, '../docs/scenario.schema.json');
writeFileSync(out, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
