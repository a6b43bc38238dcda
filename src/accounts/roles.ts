/** Roles of an account membership, lowest first. */
export const ROLES = ['viewer', 'agent', 'manager', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The lower of two roles: what an API key may do given its own role and its creator's current one. */
export function lowerRole(a: Role, b: Role): Role {
  return roleRank(a) <= roleRank(b) ? a : b;
}

/**
 * What each route may need, and the least role that grants it (API.md section 2).
 * A role grants every permission of the roles below it.
 */
export const PERMISSIONS = {
  'account:read': 'viewer', // read leads, teams, lead sources, rotations; list members
  'leads:write': 'agent', // create and update leads, convert a lead
  'leads:archive': 'manager',
  'config:manage': 'manager', // teams, lead sources, rotations
  'audit:read': 'manager',
  'audit:verify': 'admin',
  'access-log:read': 'admin',
  'members:manage': 'admin', // members below admin
  'api-keys:manage': 'admin',
  'webhooks:manage': 'admin', // webhook endpoints, their secrets and deliveries
  'admins:manage': 'owner', // admins and owners
  'account:rename': 'owner',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function hasPermission(role: Role, permission: Permission): boolean {
  return roleRank(role) >= roleRank(PERMISSIONS[permission]);
}

/** Whether `actor` may grant `target` (or change a member who holds it): admins manage roles below admin. */
export function canManageRole(actor: Role, target: Role): boolean {
  return roleRank(target) >= roleRank('admin') ? hasPermission(actor, 'admins:manage') : hasPermission(actor, 'members:manage');
}
