import { Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics (API.md section 14). The standalone server exposes them (app.factory.ts installs the
 * request hook and /metrics); a feature that reports (webhooks: attempts, outbox lag) imports this module and
 * calls MetricsService, which does nothing while metrics are off.
 */
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
