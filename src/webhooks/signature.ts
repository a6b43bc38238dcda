import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** `whsec_` + base64 of 32 random bytes (API.md 10: at least 24), the Standard Webhooks secret format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` header of Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`
 * keyed with the secret's bytes (base64 after `whsec_`), one per secret, space-separated.
 */
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  const content = `${id}.${timestamp}.${body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(content).digest('base64')}`).join(' ');
}

/** Signing keys by secret, decoded once (a process signs with few secrets, thousands of times a second). */
const signingKeys = new Map<string, KeyObject>();
const MAX_SIGNING_KEYS = 1000;

function signingKey(secret: string): KeyObject {
  let key = signingKeys.get(secret);
  if (!key) {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(secret, (key = createSecretKey(Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))));
  }
  return key;
}
