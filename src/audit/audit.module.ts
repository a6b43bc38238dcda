import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditExportService } from './audit-export.service';
import { AuditSealEntity } from './audit-seal.entity';
import { AuditSealService } from './audit-seal.service';
import { AuditService } from './audit.service';

@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity, AuditSealEntity])],
  controllers: [AuditController],
  providers: [AuditService, AuditSealService, AuditExportService],
  exports: [AuditService, AuditSealService],
})
export class AuditModule {}
