// `npm run contract:generate`: writes the contract's JSON Schemas (contract/json-schema.ts says what and why)
// into contract/json-schema/v<N>/, removing files no message names any more, and the policy table into
// docs/gateway.md (contract/policy-docs.ts). Commit the result; test/contract/json-schema.test.ts and
// test/contract/policy-table.test.ts fail while the committed files differ from a fresh generation.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contractSchemaFiles, SCHEMA_DIR, schemaFileText } from '../contract/json-schema';
import { POLICY_DOC, withPolicyTable } from '../contract/policy-docs';

const files = contractSchemaFiles();
mkdirSync(SCHEMA_DIR, { recursive: true });
for (const stale of readdirSync(SCHEMA_DIR)) if (!(stale in files)) rmSync(path.join(SCHEMA_DIR, stale));
for (const [name, value] of Object.entries(files)) writeFileSync(path.join(SCHEMA_DIR, name), schemaFileText(value));
console.log(`${Object.keys(files).length} files in ${path.relative(process.cwd(), SCHEMA_DIR)}`);
writeFileSync(POLICY_DOC, withPolicyTable(readFileSync(POLICY_DOC, 'utf8')));
console.log(`the policy table in ${path.relative(process.cwd(), POLICY_DOC)}`);
