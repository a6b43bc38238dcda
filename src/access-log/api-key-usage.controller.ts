import { Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { ApiIdParam } from '../common/decorators/api-id-param.decorator';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { IdParamPipe } from '../common/pipes/params';
import { AccessLogService } from './access-log.service';
import { ApiKeyUsageDto, ApiKeyUsageQueryDto } from './dto/access-log.dto';
import { MayReadFromReplica } from '../common/decorators/read-consistency.decorator';

@ApiTags('api-keys')
@LeadDeskController('api-keys')
export class ApiKeyUsageController {
  constructor(private readonly accessLog: AccessLogService) {}

  @MayReadFromReplica()
  @Get(':id/usage')
  @Permission('api-keys:manage')
  @ApiOperation({
    summary: "An API key's requests per day",
    description: 'From the access log: requests per day (in the account\'s time zone; UTC for now) and by status class, days without requests left out.',
  })
  @ApiIdParam('id', 'The API key id')
  @ApiOkResponse({ type: ApiKeyUsageDto, example: { data: [{ day: '2026-12-01', requests: 120, status2xx: 112, status4xx: 7, status5xx: 1 }] } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, example: { error: 'API key not found' } })
  usage(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Query() query: ApiKeyUsageQueryDto): Promise<ApiKeyUsageDto> {
    return this.accessLog.usage(ctx, id, query);
  }
}
