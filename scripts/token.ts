// Prints a JWT the API accepts, signed with the configured JWT_SECRET (or the development secret).
//   npm run token -- --email alice@example.com [--hours 12]
import { signDevelopmentToken } from '../src/auth/dev-token';
import { loadConfig } from '../src/config/config.module';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const email = arg('email');
if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
  console.error('usage: npm run token -- --email alice@example.com [--hours 12]');
  process.exit(2);
}
const hours = Number(arg('hours') ?? '12');
if (!Number.isFinite(hours) || hours <= 0) {
  console.error('--hours must be a positive number');
  process.exit(2);
}
const config = loadConfig();
if (config.jwt.usingDevelopmentSecret) console.error('note: JWT_SECRET is not set; signed with the development secret');
if (hours * 3600 > config.jwt.maxLifetimeSeconds) {
  console.error(`--hours: the server accepts tokens living at most ${config.jwt.maxLifetimeSeconds / 3600} h (JWT_MAX_LIFETIME_SECONDS)`);
  process.exit(2);
}
process.stdout.write(`${signDevelopmentToken(config, email, Math.round(hours * 3600))}\n`);
