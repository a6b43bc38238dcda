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
import { LeadBatchService } from './lead-batch.service';
import { LeadBulkService } from './lead-bulk.service';
import { LeadMergeService } from './lead-merge.service';
import { FirstTouchService } from './first-touch.service';

@Module({
  imports: [TypeOrmModule.forFeature([LeadEntity, IdempotencyKeyEntity]), AuditModule, RotationsModule, WebhooksModule],
  controllers: [LeadsController],
  providers: [LeadsService, LeadReadsService, LeadChangesService, IdempotencyService, LeadCreatePaths, LeadBatchService, LeadBulkService, LeadMergeService, FirstTouchService],
  exports: [LeadsService, LeadReadsService, LeadChangesService, LeadBulkService, LeadMergeService],
})
export class LeadsModule {}
