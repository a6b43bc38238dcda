import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AccountAccessService } from './account-access.service';
import { AccountContexts } from './account-contexts.service';
import { AccountEntity } from './account.entity';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { MemberAwayPeriodEntity } from './member-away-period.entity';
import { MemberAwayService } from './member-away.service';
import { MembershipEntity } from './membership.entity';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

@Module({
  imports: [TypeOrmModule.forFeature([AccountEntity, MembershipEntity, ApiKeyEntity, MemberAwayPeriodEntity]), AuditModule],
  controllers: [AccountsController, MembersController, ApiKeysController],
  providers: [AccountsService, MembersService, MemberAwayService, ApiKeysService, AccountAccessService, AccountContexts],
  exports: [AccountsService, MembersService, ApiKeysService, AccountAccessService, AccountContexts],
})
export class AccountsModule {}
