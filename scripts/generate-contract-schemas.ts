// `npm run contract:generate`: writes the contract's JSON Schemas (contract/json-schema.ts says what and why)
// into contract/json-schema/v<N>/, removing files no message names any more. Commit the result;
// test/contract/json-schema.test.ts fails while the committed files differ from a fresh generation.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contractSchemaFiles, SCHEMA_DIR, schemaFileText } from '../contract/json-schema';

const files = contractSchemaFiles();
mkdirSync(SCHEMA_DIR, { recursive: true });
for (const stale of readdirSync(SCHEMA_DIR)) if (!(stale in files)) rmSync(path.join(SCHEMA_DIR, stale));
for (const [name, value] of Object.entries(files)) writeFileSync(path.join(SCHEMA_DIR, name), schemaFileText(value));
console.log(`${Object.keys(files).length} files in ${path.relative(process.cwd(), SCHEMA_DIR)}`);
