import { Injectable } from '@nestjs/common';

/** How POST /leads wrote a lead: alone in one statement, in one statement with others of its team, or checked. */
export type LeadCreatePath = 'at-once' | 'batched' | 'checked';

/**
 * Told how each lead this process creates was written. It keeps nothing: a seam for observers (the tests spy
 * on it to prove which path ran; metrics can count here), so the production service carries no counters.
 */
@Injectable()
export class LeadCreatePaths {
  created(path: LeadCreatePath, leads: number): void {}
}
