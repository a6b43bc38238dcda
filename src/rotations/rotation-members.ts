import { memberForSlot } from './weighted-round-robin';

/** A rotation member and where they stand in the account right now. */
export interface RotationMemberState {
  user: string;
  weight: number;
  capDay?: number | null;
  capWeek?: number | null;
  /** `inactive`: deactivated membership; `not_a_member`: the membership was removed. Only `active` members get turns. */
  status: 'active' | 'inactive' | 'not_a_member';
}

export interface MemberInput {
  user: string;
  weight: number;
  capDay: number | null;
  capWeek: number | null;
}

export const isActiveMember = (m: RotationMemberState) => m.status === 'active';

/** The member who takes turn `slot` (the rotation's position), or null when none is active. */
export function userForSlot(members: readonly RotationMemberState[], slot: bigint | number | string): string | null {
  return memberForSlot(members, isActiveMember, BigInt(slot))?.user ?? null;
}

export function toMemberState(r: { user_email: string; weight: number; member_active: boolean | null }): RotationMemberState {
  return { user: r.user_email, weight: r.weight, status: r.member_active === null ? 'not_a_member' : r.member_active ? 'active' : 'inactive' };
}

/** Same users and weights in the same order: the schedule is the same (caps aside). */
export function sameMembers(a: readonly Pick<MemberInput, 'user' | 'weight'>[], b: readonly Pick<MemberInput, 'user' | 'weight'>[]): boolean {
  return a.length === b.length && a.every((x, i) => x.user === b[i].user && x.weight === b[i].weight);
}

/** Same members with the same caps. */
export function sameMembersAndCaps(a: readonly MemberInput[], b: readonly MemberInput[]): boolean {
  return sameMembers(a, b) && a.every((x, i) => x.capDay === b[i].capDay && x.capWeek === b[i].capWeek);
}
