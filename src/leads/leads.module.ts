import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { RotationsModule } from '../rotations/rotations.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyService } from './idempotency.service';
import { LeadCreatePaths } from './lead-create-paths';
import { LeadChangesService } from './lead-changes.service';
import { LeadReadsService } from './lead-reads.service';
import { LeadEntity } from './lead.entity';
import { LeadsController } from './leads.controller';
import { LeadsService } from './leads.service';

@Module({
  imports: [TypeOrmModule.forFeature([LeadEntity, IdempotencyKeyEntity]), AuditModule, RotationsModule, WebhooksModule],
  controllers: [LeadsController],
  providers: [LeadsService, LeadReadsService, LeadChangesService, IdempotencyService, LeadCreatePaths],
  exports: [LeadsService, LeadReadsService, LeadChangesService],
})
export class LeadsModule {}
