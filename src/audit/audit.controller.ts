import { Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { AuditService } from './audit.service';
import { AuditPageDto } from './dto/audit-entry.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@LeadDeskController('audit-logs')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Permission('audit:read')
  @ApiOperation({ summary: 'List audit log entries, newest first' })
  list(@Ctx() ctx: AccountContext, @Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(ctx.accountId, query);
  }
}
