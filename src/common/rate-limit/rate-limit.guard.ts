import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { RequestWithContext } from '../decorators/context.decorator';
import { AnonymousBlocks, bearerToken } from './anonymous-blocks';
import { anonymousCounterKey, RATE_LIMIT_OPTIONS, RATE_LIMIT_STORAGE } from './rate-limit.module';

/**
 * Lead Desk's routes, after authentication and before the account check: one counter per principal (user or API
 * key) across every route, or per client IP for requests without valid credentials, with the limits of
 * RATE_LIMIT_PER_MINUTE / RATE_LIMIT_ANON_PER_MINUTE (0 = off). Public routes (health) are never limited.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(RATE_LIMIT_OPTIONS) options: ThrottlerModuleOptions,
    @Inject(RATE_LIMIT_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly anonymousBlocks: AnonymousBlocks,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(req: RequestWithContext): Promise<string> {
    const principal = req.user;
    if (!principal) return `ip:${await super.getTracker(req)}`;
    return principal.kind === 'api-key' ? `key:${principal.apiKeyId}` : `user:${principal.email}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return tracker.startsWith('ip:') && name === 'default' ? anonymousCounterKey(tracker.slice(3)) : `leaddesk:${name}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    const request = context.switchToHttp().getRequest<RequestWithContext>();
    if (detail.tracker.startsWith('ip:')) this.anonymousBlocks.block(request.ip, retryAfter);
    else {
      const token = bearerToken(request.headers.authorization);
      if (token) this.anonymousBlocks.blockToken(token, retryAfter);
    }
    const exception = new ThrottlerException('Too many requests: slow down and retry after the time in Retry-After');
    throw Object.assign(exception, { retryAfter });
  }
}
