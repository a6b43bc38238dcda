import { Module, type ExecutionContext } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../../config/app-config';
import { PUBLIC_KEY } from '../decorators/route-access.decorator';
import type { RequestWithContext } from '../decorators/context.decorator';
import { AnonymousBlocks } from './anonymous-blocks';
import { FailOpenStorage } from './fail-open-storage';

const MINUTE_MS = 60_000;

/**
 * The rate limiter's options and counter store. Lead Desk's own tokens rather than @nestjs/throttler's
 * ThrottlerModule, which is global: in a host application that uses the throttler too, its options and
 * storage would clash with the host's.
 */
export const RATE_LIMIT_OPTIONS = Symbol('LEAD_DESK_RATE_LIMIT_OPTIONS');
export const RATE_LIMIT_STORAGE = Symbol('LEAD_DESK_RATE_LIMIT_STORAGE');
/** The one window every counter uses. */
export const RATE_LIMIT_WINDOW_MS = MINUTE_MS;
/** The counter of requests without valid credentials from `ip` (the guard's key for its `ip:` tracker). */
export const anonymousCounterKey = (ip: string) => `leaddesk:default:ip:${ip}`;

const isPublic = (context: ExecutionContext) =>
  Reflect.getMetadata(PUBLIC_KEY, context.getHandler()) === true || Reflect.getMetadata(PUBLIC_KEY, context.getClass()) === true;

/** Counters live in Redis when REDIS_URL is set (shared by every process), else in this process. */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_OPTIONS,
      inject: [AppConfig],
      useFactory: (config: AppConfig): ThrottlerModuleOptions => {
        const limitFor = (context: ExecutionContext) =>
          context.switchToHttp().getRequest<RequestWithContext>().user ? config.rateLimit.perMinute : config.rateLimit.anonPerMinute;
        return {
          throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: limitFor }],
          skipIf: (context) => isPublic(context) || limitFor(context) === 0,
        };
      },
    },
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [AppConfig],
      useFactory: (config: AppConfig): ThrottlerStorage =>
        config.rateLimit.redisUrl
          ? new FailOpenStorage(
              new ThrottlerStorageRedisService(config.rateLimit.redisUrl, {
                maxRetriesPerRequest: 1,
                enableOfflineQueue: false,
                connectTimeout: 2000,
                lazyConnect: false,
              }),
            )
          : new ThrottlerStorageService(),
    },
    AnonymousBlocks,
  ],
  exports: [RATE_LIMIT_OPTIONS, RATE_LIMIT_STORAGE, AnonymousBlocks],
})
export class RateLimitModule {}
