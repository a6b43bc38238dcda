import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccountsModule } from '../accounts/accounts.module';
import { AccountGuard } from './account.guard';
import { ApiKeyStrategy } from './api-key.strategy';
import { AuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';

/** Deny by default: both guards are global, in this order (401, then 400/403). */
@Module({
  imports: [PassportModule, AccountsModule],
  providers: [JwtStrategy, ApiKeyStrategy, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: AccountGuard }],
})
export class AuthModule {}
