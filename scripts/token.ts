// Prints a JWT the API accepts, signed with the configured JWT_SECRET (or the development secret); reads .env
// as the server does. The built server does the same: `node dist/main.js token --email ...` (Docker).
//   npm run token -- --email alice@example.com [--hours 12]
import { tokenCommand } from '../src/cli';
import { loadDotEnv } from '../src/config/dotenv';

loadDotEnv();
const code = tokenCommand(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, 'npm run token --');
if (code !== 0) process.exit(code);
