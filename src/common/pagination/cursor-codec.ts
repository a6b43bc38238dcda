import { BadRequestException, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

export type CursorValue = string | number;

/**
 * Opaque, tamper-checked keyset cursors: base64url(JSON of the last row's sort key) + "." + HMAC.
 * The `scope` (e.g. "leads") is signed in, so a cursor of one list is refused by another.
 */
@Injectable()
export class CursorCodec {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.jwt.secret).update('lead-desk cursor key').digest();
  }

  encode(scope: string, values: CursorValue[]): string {
    const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
    return `${payload}.${this.sign(scope, payload)}`;
  }

  /** The values of a cursor made by `encode(scope, …)` with `arity` values; 400 for anything else. */
  decode(scope: string, cursor: string, arity: number): CursorValue[] {
    const invalid = () => new BadRequestException('cursor is invalid; pass a nextCursor returned by this list');
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || !signature || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.sign(scope, payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let values: unknown;
    try {
      values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(values) || values.length !== arity || !values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      throw invalid();
    }
    return values as CursorValue[];
  }

  private sign(scope: string, payload: string): string {
    return createHmac('sha256', this.key).update(scope).update('\0').update(payload).digest('base64url').slice(0, 22);
  }
}
