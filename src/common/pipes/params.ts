import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { normalizeEmail } from '../email';

/** The largest id: ids are PostgreSQL `integer`s. */
export const MAX_ID = 2_147_483_647;

/** A path id: a positive 32-bit integer written in decimal; anything else is 400. */
@Injectable()
export class IdParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > MAX_ID) {
      throw new BadRequestException(`id must be a positive integer, got "${value.slice(0, 40)}"`);
    }
    return Number(value);
  }
}

/**
 * A member's email in a path, normalised as every email is (normalizeEmail: ASCII lower-cased; case folding into another email → 400). Fastify has already percent-decoded it: decoding again would turn
 * `%25` into a lone `%` and throw (a 500), and would read an email that contains `%` as another one.
 */
@Injectable()
export class EmailParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const email = normalizeEmail(value);
    if (email === null || email.length > 255 || !isEmail(email)) throw new BadRequestException('email in the path must be an email address');
    return email;
  }
}
