import { canManageRole, hasPermission, lowerRole, PERMISSIONS, ROLES, type Permission, type Role } from './roles';

/** API.md section 2, written out as the contract's table: which roles hold each permission. */
const TABLE: Record<Permission, Role[]> = {
  'account:read': ['viewer', 'agent', 'manager', 'admin', 'owner'],
  'leads:write': ['agent', 'manager', 'admin', 'owner'],
  'leads:archive': ['manager', 'admin', 'owner'],
  'config:manage': ['manager', 'admin', 'owner'],
  'audit:read': ['manager', 'admin', 'owner'],
  'audit:verify': ['admin', 'owner'],
  'access-log:read': ['admin', 'owner'],
  'members:manage': ['admin', 'owner'],
  'api-keys:manage': ['admin', 'owner'],
  'webhooks:manage': ['admin', 'owner'],
  'admins:manage': ['owner'],
  'account:rename': ['owner'],
};

describe('permission table', () => {
  it('covers every permission', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  for (const [permission, allowed] of Object.entries(TABLE) as [Permission, Role[]][]) {
    it(`${permission}: ${allowed.join(', ')}`, () => {
      for (const role of ROLES) expect({ role, granted: hasPermission(role, permission) }).toEqual({ role, granted: allowed.includes(role) });
    });
  }

  it('admins manage roles below admin; owners manage every role', () => {
    expect(ROLES.filter((r) => canManageRole('admin', r))).toEqual(['viewer', 'agent', 'manager']);
    expect(ROLES.filter((r) => canManageRole('owner', r))).toEqual([...ROLES]);
    expect(ROLES.filter((r) => canManageRole('manager', r))).toEqual([]);
  });

  it('an API key acts with the lower of its role and its creator’s', () => {
    expect(lowerRole('admin', 'agent')).toBe('agent');
    expect(lowerRole('viewer', 'owner')).toBe('viewer');
  });
});
