import { Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { AuditExportService } from './audit-export.service';
import { AuditSealService } from './audit-seal.service';
import { AuditService } from './audit.service';
import { AuditPageDto } from './dto/audit-entry.dto';
import { AuditExportQueryDto } from './dto/audit-export.dto';
import { AuditQueryDto } from './dto/audit-query.dto';
import { AuditVerifyDto, AuditVerifyQueryDto } from './dto/audit-verify.dto';
import { MayReadFromReplica } from '../common/decorators/read-consistency.decorator';

@ApiTags('audit')
@LeadDeskController('audit-logs')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly seals: AuditSealService,
    private readonly exports: AuditExportService,
  ) {}

  @MayReadFromReplica()
  @Get()
  @Permission('audit:read')
  @ApiOperation({ summary: 'List audit log entries, newest first' })
  list(@Ctx() ctx: AccountContext, @Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(ctx.accountId, query, ctx);
  }

  @Get('verify')
  @Permission('audit:verify')
  @ApiOperation({
    summary: "Verify the account's audit seals",
    description:
      'Recomputes each seal made in [from, to) (all seals without them) from the entries as they are now, and checks each links to the ' +
      'one before. `firstMismatch` names the first seal that does not hold and the entry found edited, deleted or inserted in it. ' +
      'Entries are sealed in the background within AUDIT_SEAL_INTERVAL_S of being appended; newer ones are not covered yet.',
  })
  @ApiOkResponse({
    type: AuditVerifyDto,
    examples: {
      intact: { summary: 'Every seal holds', value: { ok: true, entries: 1200, seals: 3, firstMismatch: null } },
      tampered: { summary: 'An entry was altered', value: { ok: false, entries: 1200, seals: 3, firstMismatch: { sealId: 17, entryId: 4242 } } },
    },
  })
  verify(@Ctx() ctx: AccountContext, @Query() query: AuditVerifyQueryDto): Promise<AuditVerifyDto> {
    return this.seals.verify(ctx.accountId, query);
  }

  @MayReadFromReplica()
  @Get('export')
  @Permission('audit:read')
  @ApiOperation({
    summary: 'Download every matching audit entry, oldest first',
    description:
      'The filters of GET /audit-logs, without paging: every matching entry, streamed (constant memory on the server) as a download. ' +
      '`ndjson`: one AuditEntry JSON object per line. `csv`: RFC 4180 with a header row; `data` and `requestHeaders` as JSON text.',
  })
  @ApiOkResponse({
    description: 'The entries, as an attachment',
    content: {
      'application/x-ndjson': {
        schema: { type: 'string' },
        example: '{"id":1,"event":"team_created","user":"alice@example.com","apiKey":null,"data":{"name":"EMEA"},"created":"2026-12-01T14:30:00.123Z","requestMethod":"POST","requestPath":"/teams","requestHeaders":{"x-account-id":"2311"},"requestIpAddress":"203.0.113.7","requestId":"3f2b8c1e","account_id":"2311","entityType":"team","entityId":"5"}\n',
      },
      'text/csv': {
        schema: { type: 'string' },
        example:
          'id,created,event,entityType,entityId,user,apiKey,account_id,requestMethod,requestPath,requestIpAddress,requestId,requestHeaders,data\r\n' +
          '1,2026-12-01T14:30:00.123Z,team_created,team,5,alice@example.com,,2311,POST,/teams,203.0.113.7,3f2b8c1e,"{""x-account-id"":""2311""}","{""name"":""EMEA""}"\r\n',
      },
    },
  })
  export(@Ctx() ctx: AccountContext, @Query() query: AuditExportQueryDto): StreamableFile {
    const format = query.format ?? 'ndjson';
    const stamp = new Date().toISOString().slice(0, 10);
    return new StreamableFile(this.exports.stream(ctx.accountId, query, ctx), {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="audit-log-${ctx.accountId}-${stamp}.${format}"`,
    });
  }
}
