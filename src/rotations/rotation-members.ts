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

export function toMemberState(r: { user_email: string; weight: number; member_active: boolean | null }): RotationMemberState {
  return { user: r.user_email, weight: r.weight, status: r.member_active === null ? 'not_a_member' : r.member_active ? 'active' : 'inactive' };
}

export function sameMembers(a: readonly MemberInput[], b: readonly MemberInput[]): boolean {
  return a.length === b.length && a.every((x, i) => x.user === b[i].user && x.weight === b[i].weight);
}
