/**
 * `.env.development` into process.env, when the file exists: the URLs of the local
 * dependencies for `npm run dev` and `npm test`. Variables already set win (loadEnvFile never
 * overrides them). Loaded here rather than with Node's `--env-file-if-exists` flag: under
 * `--watch`, Ctrl-C with that flag naming a missing file aborted Node 24 with
 * `Assertion failed: (wrap) != nullptr`. Production never imports this module.
 */
import { existsSync } from 'node:fs';

const file = new URL('../.env.development', import.meta.url);
if (existsSync(file)) process.loadEnvFile(file);
