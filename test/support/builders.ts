import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/accounts/roles';
import { tokenFor, type TestApp } from './app';
import { Client } from './http';

export function newEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.com`;
}

export interface TestUser {
  email: string;
  token: string;
  /** A client acting as this user in the account. */
  api: Client;
}

export interface TestAccount {
  id: string;
  owner: TestUser;
  /** Adds a member with `role` and returns them, ready to call. */
  member(role: Role, email?: string): Promise<TestUser>;
}

/** A fresh account (so tests never share data), owned by a fresh user. */
export async function createAccount(t: TestApp, name = 'Test account'): Promise<TestAccount> {
  const email = newEmail('owner');
  const token = tokenFor(t.config, email);
  const res = await new Client(t.app, token).post('/accounts', { name });
  if (res.status !== 201) throw new Error(`createAccount: ${res.status} ${JSON.stringify(res.body)}`);
  const id: string = res.body.id;
  const owner: TestUser = { email, token, api: new Client(t.app, token, id) };
  return {
    id,
    owner,
    async member(role: Role, memberEmail = newEmail(role)) {
      const added = await owner.api.post('/members', { email: memberEmail, role });
      if (added.status !== 201) throw new Error(`member: ${added.status} ${JSON.stringify(added.body)}`);
      const memberToken = tokenFor(t.config, memberEmail);
      return { email: memberEmail, token: memberToken, api: new Client(t.app, memberToken, id) };
    },
  };
}
