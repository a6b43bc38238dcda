import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/**
 * Wraps a shared (Redis) counter store so that its outage never fails a request: rate limiting is a
 * protection, not a dependency. While the store errors, requests pass and a warning is logged (at most
 * once a minute).
 */
export class FailOpenStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private lastWarning = 0;

  constructor(private readonly inner: ThrottlerStorage & Partial<OnModuleDestroy>) {}

  /** Nest calls the hooks of the provider, this wrapper: pass it on, so the Redis connection is closed with the app. */
  onModuleDestroy(): void | Promise<void> {
    return this.inner.onModuleDestroy?.();
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: error }, 'rate-limit store unavailable; not limiting');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
