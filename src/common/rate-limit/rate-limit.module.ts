import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ExecutionContext } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { PUBLIC_KEY } from '../decorators/route-access.decorator';
import type { RequestWithContext } from '../decorators/context.decorator';
import { FailOpenStorage } from './fail-open-storage';

const MINUTE_MS = 60_000;

const isPublic = (context: ExecutionContext) =>
  Reflect.getMetadata(PUBLIC_KEY, context.getHandler()) === true || Reflect.getMetadata(PUBLIC_KEY, context.getClass()) === true;

/** Counters live in Redis when REDIS_URL is set (shared by every process), else in this process. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const limitFor = (context: ExecutionContext) =>
          context.switchToHttp().getRequest<RequestWithContext>().user ? config.rateLimit.perMinute : config.rateLimit.anonPerMinute;
        return {
          throttlers: [{ name: 'default', ttl: MINUTE_MS, limit: limitFor }],
          skipIf: (context) => isPublic(context) || limitFor(context) === 0,
          storage: config.rateLimit.redisUrl
            ? new FailOpenStorage(
                new ThrottlerStorageRedisService(config.rateLimit.redisUrl, {
                  maxRetriesPerRequest: 1,
                  enableOfflineQueue: false,
                  connectTimeout: 2000,
                  lazyConnect: false,
                }),
              )
            : undefined,
        };
      },
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
