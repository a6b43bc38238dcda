import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessLogController } from './access-log.controller';
import { AccessLogGuard } from './access-log.guard';
import { AccessLogPartitions } from './access-log-partitions';
import { AccessLogRecordEntity } from './access-log-record.entity';
import { AccessLogRecorder } from './access-log-recorder';
import { AccessLogService } from './access-log.service';
import { ApiKeyUsageController } from './api-key-usage.controller';

/**
 * The access log (API.md section 12). Global because @LeadDeskController's access-log guard and audit
 * interceptor are built in every feature module and need the one recorder.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AccessLogRecordEntity])],
  controllers: [AccessLogController, ApiKeyUsageController],
  providers: [AccessLogRecorder, AccessLogService, AccessLogPartitions, AccessLogGuard],
  exports: [AccessLogRecorder, AccessLogGuard],
})
export class AccessLogModule {}
