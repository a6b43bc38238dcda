import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { AccessLogService } from './access-log.service';
import { AccessLogPageDto, AccessLogQueryDto } from './dto/access-log.dto';
import { MayReadFromReplica } from '../common/decorators/read-consistency.decorator';

@ApiTags('access-logs')
@LeadDeskController('access-logs')
export class AccessLogController {
  constructor(private readonly accessLog: AccessLogService) {}

  @MayReadFromReplica()
  @Get()
  @Permission('access-log:read')
  @ApiOperation({
    summary: "List the account's access log, newest first",
    description:
      'Every request that named this account in `x-account-id`, whatever its outcome (2xx, 4xx including 401/403/429, 5xx). ' +
      'Records are written in batches at least once a second, so a request may take a second to appear.',
  })
  @ApiOkResponse({
    type: AccessLogPageDto,
    example: {
      data: [
        {
          id: 1042,
          at: '2026-12-01T14:30:00.123Z',
          accountId: '2311',
          user: 'alice@example.com',
          apiKeyId: null,
          method: 'POST',
          route: '/leads',
          status: 201,
          durationMs: 12,
          ip: '203.0.113.7',
          userAgent: 'curl/8.5.0',
          requestId: '3f2b8c1e-5d4a-4e7b-9a61-0c2d8e7f1a90',
        },
      ],
      nextCursor: null,
    },
  })
  list(@Ctx() ctx: AccountContext, @Query() query: AccessLogQueryDto): Promise<AccessLogPageDto> {
    return this.accessLog.list(ctx.accountId, query, ctx);
  }
}
