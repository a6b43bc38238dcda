import { Global, Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { PassportModule } from '@nestjs/passport';
import { JwtStrategy } from './jwt.strategy';

/**
 * What the guards of @LeadDeskController() need (principal, rate limit, account and role). Guards named in
 * a controller decorator are built in the module of that controller, so their dependencies must be visible
 * from every feature module: global, which also keeps the module imports a tree (Audit, which Accounts
 * imports, has a controller too).
 */
@Global()
@Module({
  imports: [PassportModule, AccountsModule, RateLimitModule],
  providers: [JwtStrategy],
  exports: [PassportModule, AccountsModule, RateLimitModule],
})
export class AuthModule {}
