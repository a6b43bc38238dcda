import { Body, Get, HttpCode, Param, Patch, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmbeddedAuditInterceptor } from '../audit/embedded-audit.interceptor';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { IdParamPipe } from '../common/pipes/params';
import { ConvertLeadDto } from './dto/convert-lead.dto';
import { CreateLeadQueryDto } from './dto/create-lead-query.dto';
import { LeadInputDto } from './dto/lead-input.dto';
import { LeadPageDto } from './dto/lead-page.dto';
import { LeadPatchDto } from './dto/lead-patch.dto';
import { LeadDto } from './dto/lead.dto';
import { ListLeadsQueryDto } from './dto/list-leads-query.dto';
import { IDEMPOTENCY_KEY_MAX, idempotentRequest } from './idempotency';
import { LeadChangesService } from './lead-changes.service';
import { LeadReadsService } from './lead-reads.service';
import { LeadsService } from './leads.service';
import { MayReadFromReplica } from '../common/decorators/read-consistency.decorator';

/** Set on an answer that repeats a stored one (same Idempotency-Key, same request). */
export const REPLAYED_HEADER = 'idempotent-replayed';

@ApiTags('leads')
@LeadDeskController('leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadsService,
    private readonly reads: LeadReadsService,
    private readonly changes: LeadChangesService,
  ) {}

  // The documentation decorators sit above @Permission so that their 400/401/403 (the seed's) win.
  @Post()
  @ApiOperation({
    summary: 'Create a new lead',
    description:
      'Create a new lead with the provided data. If teams exist in the account, a team ID is required unless skipTeamAndSourceRequirement=true. ' +
      'If a team has lead sources, a lead source ID is required. If a lead rotation exists for the team or a default lead rotation exists, ' +
      'the lead will be automatically assigned to the next user in the rotation if no assignedTo is specified.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Any string of 1 to 255 characters. The same key with the same request (method, path, query and JSON body, compared as values) ' +
      'in the same account within 24 hours returns the first response again and creates nothing; with a different request: 409. ' +
      'Only 2xx responses are stored, so a key may be retried after a 4xx or 5xx.',
    schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX },
  })
  // Swagger UI's "Try it out" starts from this example and the first body below: valid as they stand in any account
  // (npm run seed:demo's has teams), the lead assigned by the account's default rotation if there is one.
  @ApiQuery({ name: 'skipTeamAndSourceRequirement', required: false, type: Boolean, example: true, description: 'Optional flag to skip the team and lead source requirement, even if teams exist in the account' })
  @ApiBody({
    type: LeadInputDto,
    examples: {
      minimal: {
        summary: 'A lead without a team (with skipTeamAndSourceRequirement=true, as offered)',
        value: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines Ltd', monthlyTransactionVolume: 125000 },
      },
      withTeam: {
        summary: "A lead for a team and source (put your account's ids), assigned by the team's rotation",
        value: {
          teamId: 12,
          leadSourceId: 31,
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: 'ada@example.com',
          phone: '+44 20 7946 0958',
          company: 'Analytical Engines Ltd',
          currentPaymentProcessor: 'Stripe',
          monthlyTransactionVolume: 125000,
          interestedInSwitching: true,
          processStage: 'qualified',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: LeadDto, description: 'Lead created successfully' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Bad request - may occur if teamId is required but missing, or if leadSourceId is required for a team but missing',
    example: { error: 'team ID is required when teams exist in the account' },
  })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unauthorized - User not authenticated' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Forbidden - User does not have the required permissions' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The Idempotency-Key was already used with a different request, or its first request is still running',
    example: { error: 'Idempotency-Key was already used with a different request; use a new key for a new request' },
  })
  @ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Internal server error', example: { error: 'Internal server error' } })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description:
      "The team's rotation stayed locked by other requests past the lock timeout (nothing was written; retry after Retry-After seconds), " +
      'the database is unreachable, or the connection to it was lost while the lead was being written (it may exist: look for it, or retry with the same Idempotency-Key)',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying (when the rotation was busy)', schema: { type: 'integer' } } },
    example: { error: 'the rotation is busy with other leads; retry the request shortly' },
  })
  @Permission('leads:write')
  @HttpCode(201)
  async create(
    @Ctx() ctx: AccountContext,
    @Body() input: LeadInputDto,
    @Query() query: CreateLeadQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadDto> {
    const idempotency = idempotentRequest(request.headers, {
      method: request.method,
      path: request.url.split('?')[0],
      query: request.query,
      body: request.body,
    });
    const result = await this.leads.create(ctx, input, { skipTeamAndSourceRequirement: query.skipTeamAndSourceRequirement ?? false }, idempotency);
    reply.status(result.status);
    if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
    return result.body;
  }

  @MayReadFromReplica()
  @Get()
  @ApiOperation({
    summary: 'List leads, newest first',
    description:
      'Newest first (createdAt, then id, descending), without auditLog. Filters combine with AND; archived leads are left out unless ' +
      '`archived` is `true` or `all`. Keyset pagination: pass `nextCursor` as `cursor` for the next page; a page costs the same ' +
      'wherever it starts, and a lead created meanwhile never shifts the pages still to come.',
  })
  @ApiOkResponse({ type: LeadPageDto, description: 'One page of leads' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A filter, limit or cursor that cannot be read',
    example: { error: 'Request validation failed', details: [{ field: 'q', message: 'q must be 2 to 255 characters (after trimming spaces)' }] },
  })
  @Permission('account:read')
  list(@Ctx() ctx: AccountContext, @Query() query: ListLeadsQueryDto): Promise<LeadPageDto> {
    return this.reads.list(ctx, query);
  }

  @Get(':id')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @ApiOperation({ summary: 'Read a lead', description: 'The lead with its whole audit log, oldest entry first.' })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: LeadDto, description: 'The lead, with auditLog' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('account:read')
  get(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<LeadDto> {
    return this.reads.get(ctx, id);
  }

  @Patch(':id')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @ApiOperation({
    summary: 'Update a lead',
    description:
      'Changes the fields given (a partial LeadInput, same bounds; null clears an optional field). A changed teamId or leadSourceId is ' +
      'checked by rules 1-4 for the resulting lead (skipTeamAndSourceRequirement accepted), a changed assignedTo by rule 5. One audit entry, ' +
      '`lead_updated`, with data.changes = {field: {from, to}} for each field whose value changed; a PATCH that changes nothing writes ' +
      'nothing. Changing `archived` needs the archive permission (manager and up) and records `lead_archived` / `lead_unarchived` instead. ' +
      'Answers the Lead with its whole audit log.',
  })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiBody({ type: LeadPatchDto })
  @ApiOkResponse({ type: LeadDto, description: 'The lead after the change, with auditLog' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid fields (read-only ones included), or a rule of POST /leads broken by the resulting lead',
    example: { error: 'team not found' },
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Not an active member of the account, a role below agent, or a change of archived by a role below manager',
    example: { error: 'Your role does not allow archiving or unarchiving a lead' },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('leads:write')
  update(
    @Ctx() ctx: AccountContext,
    @Param('id', IdParamPipe) id: number,
    @Body() patch: LeadPatchDto,
    @Query() query: CreateLeadQueryDto,
  ): Promise<LeadDto> {
    return this.changes.update(ctx, id, patch, { skipTeamAndSourceRequirement: query.skipTeamAndSourceRequirement ?? false });
  }

  @Post(':id/archive')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a lead', description: 'Records `lead_archived`. A lead archived already is answered as it is, with no new entry.' })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: LeadDto, description: 'The archived lead, with auditLog' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('leads:archive')
  archive(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<LeadDto> {
    return this.changes.setArchived(ctx, id, true);
  }

  @Post(':id/unarchive')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @HttpCode(200)
  @ApiOperation({ summary: 'Unarchive a lead', description: 'Records `lead_unarchived`. A lead that is not archived is answered as it is, with no new entry.' })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: LeadDto, description: 'The unarchived lead, with auditLog' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('leads:archive')
  unarchive(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<LeadDto> {
    return this.changes.setArchived(ctx, id, false);
  }

  @Post(':id/convert')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Convert a lead',
    description:
      'Sets applicationId: the one given, or a generated one (`app_` followed by 24 hexadecimal characters). Records `lead_converted`. ' +
      'A lead converted already: 409.',
  })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiBody({ type: ConvertLeadDto, required: false })
  @ApiOkResponse({ type: LeadDto, description: 'The converted lead, with auditLog' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The lead is converted already',
    example: { error: 'lead is already converted (applicationId "app_3f9c1e0b7a5d4c2e8f6a9b1d")' },
  })
  @Permission('leads:write')
  convert(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: ConvertLeadDto): Promise<LeadDto> {
    return this.changes.convert(ctx, id, dto);
  }
}
