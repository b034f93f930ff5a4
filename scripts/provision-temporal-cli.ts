// `npm run temporal:provision`: find, download or build the Temporal CLI and print where it is.
import { resolveTemporalCli } from './temporal-cli';

try {
  console.log((await resolveTemporalCli()).path);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
