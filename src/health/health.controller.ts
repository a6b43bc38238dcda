import { Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Public } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';

@ApiTags('health')
@Public()
@LeadDeskController('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'The database is reachable' })
  @ApiOkResponse({ schema: { example: { status: 'ok', info: { database: { status: 'up' } } } } })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, example: { error: 'Database unavailable' } })
  async ready() {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 2000 })]);
    } catch {
      throw new ServiceUnavailableException({ error: 'Database unavailable', status: 'error' });
    }
  }
}
