// The built server's command line (dist/main.js): `--help`, `token --email ...`, or no arguments to serve.
// Kept apart from main.ts so scripts/token.ts and tests use the same code.
import { signDevelopmentToken } from './auth/dev-token';
import { loadConfig } from './config/config.module';
import { EnvironmentVariables } from './config/environment';
import { variablesHelp } from './config/help';

export function usage(): string {
  return `Lead Desk API server

Usage:
  node dist/main.js                          start the server (configured by the environment below)
  node dist/main.js token --email you@example.com [--hours 12]
                                             print a JWT this server accepts (signed with JWT_SECRET,
                                             or the development secret when it is unset)
  node dist/main.js --help                   this text

A .env file in the working directory is read at start (variables already set in the environment win).

Environment variables (default, meaning):
${variablesHelp(EnvironmentVariables)}
`;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * `token --email you@example.com [--hours 12]`: writes the token to stdout, notes to stderr. Returns the exit
 * code (2 for a usage error).
 */
export function tokenCommand(args: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }, usageLine: string): number {
  const email = option(args, 'email');
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    out.stderr(`usage: ${usageLine} --email alice@example.com [--hours 12]\n`);
    return 2;
  }
  const hours = Number(option(args, 'hours') ?? '12');
  if (!Number.isFinite(hours) || hours <= 0) {
    out.stderr('--hours must be a positive number\n');
    return 2;
  }
  const config = loadConfig();
  if (config.jwt.usingDevelopmentSecret) out.stderr('note: JWT_SECRET is not set; signed with the development secret\n');
  if (hours * 3600 > config.jwt.maxLifetimeSeconds) {
    out.stderr(`--hours: the server accepts tokens living at most ${config.jwt.maxLifetimeSeconds / 3600} h (JWT_MAX_LIFETIME_SECONDS)\n`);
    return 2;
  }
  out.stdout(`${signDevelopmentToken(config, email, Math.round(hours * 3600))}\n`);
  return 0;
}
