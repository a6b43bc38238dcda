import { startTestApp, type TestApp } from './support/app';
import { createAccount, newEmail } from './support/builders';

describe('members', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('adds, lists (any member), updates and removes members, auditing each change', async () => {
    const account = await createAccount(t);
    const email = newEmail('Bob').toUpperCase();
    const added = await account.owner.api.post('/members', { email, role: 'agent' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: email.toLowerCase(), role: 'agent', active: true });
    const viewer = await account.member('viewer');
    const listed = await viewer.api.get('/members');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((m: { email: string }) => m.email)).toContain(email.toLowerCase());
    const updated = await account.owner.api.patch(`/members/${email.toLowerCase()}`, { role: 'manager' });
    expect(updated.body).toMatchObject({ role: 'manager', active: true });
    // the answer is the stored row, updatedAt included
    expect((await viewer.api.get('/members?limit=100')).body.data).toContainEqual(updated.body);
    const same = await account.owner.api.patch(`/members/${email.toLowerCase()}`, { role: 'manager' });
    expect(same.status).toBe(200);
    expect((await account.owner.api.delete(`/members/${email.toLowerCase()}`)).status).toBe(204);
    expect((await account.owner.api.delete(`/members/${email.toLowerCase()}`)).status).toBe(404);
    const events = (await account.owner.api.get(`/audit-logs?entityType=member&entityId=${email.toLowerCase()}`)).body.data;
    expect(events.map((e: { event: string }) => e.event)).toEqual(['member_deleted', 'member_updated', 'member_created']);
    expect(events[1].data).toEqual({ changes: { role: { from: 'agent', to: 'manager' } } });
  });

  it('409 for an existing member; 400 for a bad email or role', async () => {
    const account = await createAccount(t);
    const email = newEmail();
    await account.owner.api.post('/members', { email, role: 'agent' });
    expect((await account.owner.api.post('/members', { email, role: 'viewer' })).status).toBe(409);
    const bad = await account.owner.api.post('/members', { email: 'not-an-email', role: 'boss' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'role']);
    expect((await account.owner.api.patch(`/members/${email}`, { role: null })).status).toBe(400);
    expect((await account.owner.api.patch(`/members/${email}`, { active: 'no' })).status).toBe(400);
    expect((await account.owner.api.patch('/members/not-an-email', { active: false })).status).toBe(400);
  });

  it('admins manage members below admin only; owners manage everyone', async () => {
    const account = await createAccount(t);
    const admin = await account.member('admin');
    const otherAdmin = await account.member('admin');
    expect((await admin.api.post('/members', { email: newEmail(), role: 'manager' })).status).toBe(201);
    expect((await admin.api.post('/members', { email: newEmail(), role: 'admin' })).status).toBe(403);
    expect((await admin.api.patch(`/members/${otherAdmin.email}`, { active: false })).status).toBe(403);
    expect((await admin.api.delete(`/members/${account.owner.email}`)).status).toBe(403);
    const agent = await account.member('agent');
    expect((await admin.api.patch(`/members/${agent.email}`, { role: 'admin' })).status).toBe(403);
    expect((await admin.api.patch(`/members/${agent.email}`, { role: 'manager' })).status).toBe(200);
    expect((await account.owner.api.patch(`/members/${otherAdmin.email}`, { role: 'owner' })).status).toBe(200);
    expect((await agent.api.post('/members', { email: newEmail(), role: 'viewer' })).status).toBe(403);
  });

  it('a deactivated or removed member can no longer act; reactivation restores access', async () => {
    const account = await createAccount(t);
    const agent = await account.member('agent');
    expect((await agent.api.get('/members')).status).toBe(200);
    await account.owner.api.patch(`/members/${agent.email}`, { active: false });
    expect((await agent.api.get('/members')).status).toBe(403);
    expect((await agent.api.get('/accounts')).body.data).toEqual([]);
    await account.owner.api.patch(`/members/${agent.email}`, { active: true });
    expect((await agent.api.get('/members')).status).toBe(200);
    await account.owner.api.delete(`/members/${agent.email}`);
    expect((await agent.api.get('/members')).status).toBe(403);
  });

  it('the last owner cannot be removed, demoted or deactivated (409), even by concurrent requests', async () => {
    const account = await createAccount(t);
    const owner = account.owner;
    expect((await owner.api.delete(`/members/${owner.email}`)).status).toBe(409);
    expect((await owner.api.patch(`/members/${owner.email}`, { role: 'admin' })).status).toBe(409);
    expect((await owner.api.patch(`/members/${owner.email}`, { active: false })).status).toBe(409);
    const second = await account.member('owner');
    // both owners demote each other at once: exactly one succeeds
    const [a, b] = await Promise.all([
      owner.api.patch(`/members/${second.email}`, { role: 'admin' }),
      second.api.patch(`/members/${owner.email}`, { role: 'admin' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, expect.any(Number)]);
    const owners = (await owner.api.get('/members')).body.data.filter((m: { role: string; active: boolean }) => m.role === 'owner' && m.active);
    const viaSecond = (await second.api.get('/members')).body.data?.filter((m: { role: string; active: boolean }) => m.role === 'owner' && m.active);
    expect((owners.length || viaSecond.length)).toBe(1);
  });

  it('paginates members by email', async () => {
    const account = await createAccount(t);
    for (let i = 0; i < 4; i++) await account.member('viewer');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { email: string }[]; nextCursor: string | null } } = await account.owner.api.get(`/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.data.map((m) => m.email));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual(seen);
    const tampered = (await account.owner.api.get('/members?limit=2')).body.nextCursor.replace(/^./, 'x');
    expect((await account.owner.api.get(`/members?cursor=${tampered}`)).status).toBe(400);
  });
});
