import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module';
import { RateLimitGuard } from '../common/rate-limit/rate-limit.guard';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { AccountGuard } from './account.guard';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';

/** Deny by default. Global guards, in this order: principal, rate limit (429), account and role (401/400/403). */
@Module({
  imports: [AccountsModule, RateLimitModule],
  providers: [
    JwtVerifier,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccountGuard },
  ],
})
export class AuthModule {}
