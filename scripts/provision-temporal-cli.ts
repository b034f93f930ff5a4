// `npm run temporal:provision`: find or build the Temporal CLI and print where it is.
import { resolveTemporalCli } from './temporal-cli';

const source = await resolveTemporalCli();
if (source.kind === 'existing') {
  console.log(source.path);
} else {
  console.error(`No local Temporal CLI: ${source.why}`);
  process.exitCode = 1;
}
