import type { DataSource, EntityManager } from 'typeorm';
import type { FieldError } from '../common/http/validation.exception';
import { RotationErrors } from './rotations.errors';
import { memberForSlot } from './weighted-round-robin';

/** A rotation member and where they stand in the account right now. */
export interface RotationMemberState {
  user: string;
  weight: number;
  /** `inactive`: deactivated membership; `not_a_member`: the membership was removed. Only `active` members get turns. */
  status: 'active' | 'inactive' | 'not_a_member';
}

export interface MemberInput {
  user: string;
  weight: number;
}

export const isActiveMember = (m: RotationMemberState) => m.status === 'active';

/** The member who takes turn `slot` (the rotation's position), or null when none is active. */
export function userForSlot(members: readonly RotationMemberState[], slot: bigint | number | string): string | null {
  return memberForSlot(members, isActiveMember, BigInt(slot))?.user ?? null;
}

/** The members of each of `rotationIds`, in turn order, with their membership status. */
export async function readRotationMembers(db: EntityManager | DataSource, accountId: string, rotationIds: number[]): Promise<Map<number, RotationMemberState[]>> {
  const out = new Map<number, RotationMemberState[]>(rotationIds.map((id) => [id, []]));
  if (rotationIds.length === 0) return out;
  const rows: { rotation_id: number; user_email: string; weight: number; member_active: boolean | null }[] = await db.query(
    `SELECT rm.rotation_id, rm.user_email, rm.weight, m.active AS member_active
       FROM rotation_members rm
       LEFT JOIN memberships m ON m.account_id = rm.account_id AND m.email = rm.user_email
      WHERE rm.account_id = $1 AND rm.rotation_id = ANY($2::integer[])
      ORDER BY rm.rotation_id, rm.ordinal`,
    [accountId, rotationIds],
  );
  for (const r of rows) out.get(r.rotation_id)!.push(toMemberState(r));
  return out;
}

export function toMemberState(r: { user_email: string; weight: number; member_active: boolean | null }): RotationMemberState {
  return { user: r.user_email, weight: r.weight, status: r.member_active === null ? 'not_a_member' : r.member_active ? 'active' : 'inactive' };
}

/** 400 naming each member of `members` who is not an active member of the account. */
export async function assertActiveMembers(m: EntityManager, accountId: string, members: MemberInput[]): Promise<void> {
  const rows: { email: string }[] = await m.query(
    `SELECT email FROM memberships WHERE account_id = $1 AND email = ANY($2::text[]) AND active`,
    [accountId, members.map((x) => x.user)],
  );
  const active = new Set(rows.map((r) => r.email));
  const details: FieldError[] = members.flatMap((x, i) =>
    active.has(x.user) ? [] : [{ field: `members[${i}].user`, message: `${x.user} is not an active member of the account` }],
  );
  if (details.length > 0) throw RotationErrors.notActiveMembers(details);
}

export function sameMembers(a: readonly MemberInput[], b: readonly MemberInput[]): boolean {
  return a.length === b.length && a.every((x, i) => x.user === b[i].user && x.weight === b[i].weight);
}
