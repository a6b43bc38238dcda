import { applyDecorators, Body, Get, HttpCode, Param, Patch, Post, Query, Req, Res, StreamableFile, UnsupportedMediaTypeException, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
  ApiForbiddenResponse,
  ApiNoContentResponse,
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
import { CreateLeadsQueryDto } from './dto/create-leads-query.dto';
import { BulkCreatedDto, BulkFailedDto, BulkLeadsDto, BulkResultDto, MAX_BULK_LEADS } from './dto/bulk-leads.dto';
import { DuplicateConflictDto, LeadDuplicateListDto } from './dto/duplicates.dto';
import { MergeLeadsDto } from './dto/merge-leads.dto';
import { LeadBulkService } from './lead-bulk.service';
import { LeadMergeService } from './lead-merge.service';
import { ImportErrors } from './leads.errors';
import { LeadInputDto } from './dto/lead-input.dto';
import { LeadPageDto } from './dto/lead-page.dto';
import { LeadAssignmentPageDto } from './dto/lead-assignment.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { LeadPatchDto } from './dto/lead-patch.dto';
import { LeadDto } from './dto/lead.dto';
import { ListLeadsQueryDto } from './dto/list-leads-query.dto';
import { IDEMPOTENCY_KEY_MAX, idempotentRequest } from './idempotency';
import { LeadChangesService } from './lead-changes.service';
import { LeadReadsService } from './lead-reads.service';
import { LeadsService } from './leads.service';
import { MayReadFromReplica } from '../common/decorators/read-consistency.decorator';

/** The documented ?onDuplicate of the routes that create leads. */
const ON_DUPLICATE_QUERY = {
  name: 'onDuplicate',
  required: false,
  enum: ['allow', 'reject', 'assign_to_owner'],
  enumName: 'DuplicatePolicy',
  description:
    "Overrides the account's duplicatePolicy for this request: allow (create anyway), reject (409 listing the live leads with the same email " +
    'or phone), assign_to_owner (a lead without assignedTo goes to the assignee of the newest match, reason duplicate_owner, no rotation turn)',
} as const;

const BATCH_IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Any string of 1 to 255 characters, as for POST /leads: the same key with the same request in the same account within 24 hours returns the ' +
    'first answer again and creates nothing; with a different request: 409.',
  schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX },
} as const;

/** The error answers POST /leads/bulk and POST /leads/import share: not signed in, not allowed, the batch's Idempotency-Key reused. */
const BatchCreateErrors = () =>
  applyDecorators(
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unauthorized - User not authenticated' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an active member of the account, or a role below agent' }),
    ApiConflictResponse({
      type: ErrorResponseDto,
      description: 'The Idempotency-Key was already used with a different request, or its first request is still running',
      example: { error: 'Idempotency-Key was already used with a different request; use a new key for a new request' },
    }),
  );

/** Set on an answer that repeats a stored one (same Idempotency-Key, same request). */
export const REPLAYED_HEADER = 'idempotent-replayed';

@ApiTags('leads')
@ApiExtraModels(BulkCreatedDto, BulkFailedDto, DuplicateConflictDto)
@LeadDeskController('leads')
export class LeadsController {
  constructor(
    private readonly leads: LeadsService,
    private readonly reads: LeadReadsService,
    private readonly changes: LeadChangesService,
    private readonly bulkCreate: LeadBulkService,
    private readonly merges: LeadMergeService,
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
  @ApiQuery(ON_DUPLICATE_QUERY)
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
    description:
      'Under the `reject` duplicate policy (the account\'s, or ?onDuplicate=reject), a live lead has the same email or phone (after rules 1-5 pass; ' +
      'nothing is created); or the Idempotency-Key was already used with a different request, or its first request is still running',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(DuplicateConflictDto) },
        examples: {
          duplicate: { summary: 'A duplicate under reject', value: { error: 'a lead with the same email or phone already exists', duplicates: [{ id: 42, matchedOn: ['email'] }] } },
          idempotency: { summary: 'Idempotency-Key reused', value: { error: 'Idempotency-Key was already used with a different request; use a new key for a new request' } },
        },
      },
    },
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
    @Query() query: CreateLeadsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadDto> {
    const idempotency = idempotentRequest(request.headers, requestParts(request));
    const result = await this.leads.create(ctx, input, createOptions(query), idempotency);
    reply.status(result.status);
    if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
    return result.body;
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create up to 1000 leads at once',
    description:
      'Each lead is judged and assigned exactly as if it had been POSTed alone to /leads, in array order: the same validation, rules 1-5, ' +
      'duplicate policy (duplicates within the batch count too), assignees, rotation turns and `lead_created` entries. The batch is one ' +
      'transaction written in a few statements. One Idempotency-Key covers the whole batch. The body may be up to 10 MiB on this route. ' +
      'Answers 200 with each lead\'s result in order: `{index, status: 201, lead}` or `{index, status, error, details?, duplicates?}`.',
  })
  @ApiHeader(BATCH_IDEMPOTENCY_HEADER)
  @ApiQuery({ name: 'skipTeamAndSourceRequirement', required: false, type: Boolean, description: 'As for POST /leads, for every lead of the batch' })
  @ApiQuery(ON_DUPLICATE_QUERY)
  @ApiBody({
    type: BulkLeadsDto,
    examples: {
      two: {
        summary: 'Two leads with the same email (under reject, the second fails with 409)',
        value: {
          leads: [
            { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
            { firstName: 'Ada', lastName: 'King', email: 'ADA@Example.com' },
          ],
        },
      },
    },
  })
  @ApiOkResponse({
    type: BulkResultDto,
    description: 'What became of each lead, in order',
    example: {
      created: 1,
      failed: 1,
      results: [
        { index: 0, status: 201, lead: { id: 42, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } },
        { index: 1, status: 409, error: 'a lead with the same email or phone already exists', duplicates: [{ id: 42, matchedOn: ['email'] }] },
      ],
    },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'The body is not {leads: [1..1000 items]} (checked before any work; each lead\'s own problems are in its result)',
    example: { error: 'Request validation failed', details: [{ field: 'leads', message: `leads must contain no more than ${MAX_BULK_LEADS} elements` }] },
  })
  @BatchCreateErrors()
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The body is larger than 10 MiB', example: { error: 'Request body is larger than 10 MiB' } })
  @ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Internal server error', example: { error: 'Internal server error' } })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A rotation stayed locked by other requests past the lock timeout, or the database is unavailable (nothing was written)',
    example: { error: 'the rotation is busy with other leads; retry the request shortly' },
  })
  @Permission('leads:write')
  async bulk(
    @Ctx() ctx: AccountContext,
    @Body() body: BulkLeadsDto,
    @Query() query: CreateLeadsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResultDto> {
    const idempotency = idempotentRequest(request.headers, requestParts(request));
    const result = await this.bulkCreate.bulk(ctx, body.leads, createOptions(query), idempotency);
    if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
    return result.body;
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import leads from a CSV file',
    description:
      'Content-Type: text/csv (RFC 4180), up to 10 MiB: a header row of LeadInput field names, then one lead per row (an empty cell is an ' +
      'absent field; integers and true/false are read as such). A header naming an unknown or repeated field, or lacking firstName or lastName, ' +
      'a quote never closed or misplaced, or a row of another width than the header: 400 naming the row (1-based data row; the header is ' +
      '"header") and the column, and nothing is created. Otherwise each row is created as POST /leads/bulk would, 1000 rows per transaction, ' +
      'and the answer is the bulk answer with `index` = the data row number, streamed as the rows are written (`results` comes first). ' +
      'An Idempotency-Key is accepted for a file of at most 1000 rows (one transaction).',
  })
  @ApiHeader({ ...BATCH_IDEMPOTENCY_HEADER, description: `${BATCH_IDEMPOTENCY_HEADER.description} At most 1000 rows with a key.` })
  @ApiQuery({ name: 'skipTeamAndSourceRequirement', required: false, type: Boolean, description: 'As for POST /leads, for every row' })
  @ApiQuery(ON_DUPLICATE_QUERY)
  @ApiConsumes('text/csv')
  @ApiBody({
    required: true,
    description: 'The CSV file: a header row of LeadInput field names, then one lead per row',
    schema: { type: 'string', example: 'firstName,lastName,email,phone,company\r\nAda,Lovelace,ada@example.com,+44 20 7946 0958,Analytical Engines Ltd\r\n' },
  })
  @ApiOkResponse({
    type: BulkResultDto,
    description: 'What became of each row, in order (`index` = data row number, 1-based)',
    example: { results: [{ index: 1, status: 201, lead: { id: 42, firstName: 'Ada', lastName: 'Lovelace' } }], created: 1, failed: 0 },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A CSV of the wrong shape (nothing created)',
    example: { error: 'CSV row 3, column 4 ("phone") has a quote that is never closed', details: [{ field: 'row 3, column 4', message: 'Quote Not Closed: ...' }] },
  })
  @BatchCreateErrors()
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than 10 MiB', example: { error: 'Request body is larger than 10 MiB' } })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorResponseDto, description: 'The body is not text/csv', example: { error: 'Content-Type must be text/csv' } })
  @ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Internal server error', example: { error: 'Internal server error' } })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A rotation stayed locked past the lock timeout, or the database is unavailable (rows of earlier chunks stay created)',
    example: { error: 'the rotation is busy with other leads; retry the request shortly' },
  })
  @Permission('leads:write')
  async importCsv(
    @Ctx() ctx: AccountContext,
    @Query() query: CreateLeadsQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkResultDto | StreamableFile> {
    if (!Buffer.isBuffer(request.body)) {
      if (request.body === undefined && /^text\/csv\b/i.test(request.headers['content-type'] ?? '')) throw ImportErrors.noHeader();
      throw new UnsupportedMediaTypeException();
    }
    const idempotency = idempotentRequest(request.headers, { ...requestParts(request), body: request.body.toString('base64') });
    const result = await this.bulkCreate.importCsv(ctx, request.body, createOptions(query), idempotency);
    if ('body' in result) {
      if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
      return result.body;
    }
    return new StreamableFile(result, { type: 'application/json; charset=utf-8' });
  }

  @Get(':id/duplicates')
  @ApiOperation({
    summary: "A lead's duplicates",
    description:
      'The live, unarchived leads of the account with the same email (trimmed, lower-cased) or phone (E.164 for the account\'s ' +
      'defaultCountry, else its digits) as this lead, newest first (up to 100 per key), each with what it matched on.',
  })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({
    type: LeadDuplicateListDto,
    description: 'The matching leads (without auditLog)',
    example: { data: [{ lead: { id: 57, firstName: 'Ada', lastName: 'King', email: 'ada@example.com' }, matchedOn: ['email'] }] },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a positive integer', example: { error: 'id must be a positive integer, got "x"' } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('account:read')
  duplicates(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<LeadDuplicateListDto> {
    return this.merges.duplicates(ctx, id);
  }

  @Post(':id/merge')
  @HttpCode(200)
  @UseInterceptors(EmbeddedAuditInterceptor)
  @ApiOperation({
    summary: 'Merge leads into this one',
    description:
      'All or nothing: the target (this lead) keeps its values; each of its null fields takes the value of the newest source that has one ' +
      '(teamId and leadSourceId together); each source is archived with mergedIntoId = the target. Audit `lead_merged` on the target ' +
      '(data.sourceIds, data.changes) and `lead_merged_into` on each source. Manager and up. Idempotent with Idempotency-Key.',
  })
  @ApiParam({ name: 'id', description: 'The target lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiHeader({ ...BATCH_IDEMPOTENCY_HEADER, description: 'As for POST /leads: the same key and request replays the first answer and merges nothing again.' })
  @ApiBody({ type: MergeLeadsDto, examples: { two: { summary: 'Two sources', value: { sourceIds: [43, 57] } } } })
  @ApiOkResponse({ type: LeadDto, description: 'The target after the merge, with auditLog' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'sourceIds is not 1-20 distinct ids, or names a lead that is not a lead of this account',
    example: { error: 'source lead not found: 99', details: [{ field: 'sourceIds', message: 'no lead of this account has id 99' }] },
  })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unauthorized - User not authenticated' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an active member of the account, or a role below manager' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such target lead in this account', example: { error: 'lead not found' } })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The target is among the sources, a source or the target was already merged, or the Idempotency-Key was used with a different request',
    example: { error: 'lead 43 was already merged into lead 42' },
  })
  @ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'Internal server error', example: { error: 'Internal server error' } })
  @Permission('leads:archive')
  async merge(
    @Ctx() ctx: AccountContext,
    @Param('id', IdParamPipe) id: number,
    @Body() dto: MergeLeadsDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LeadDto> {
    const idempotency = idempotentRequest(request.headers, requestParts(request));
    const result = await this.merges.merge(ctx, id, dto, idempotency);
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

  @Get(':id/assignments')
  @ApiOperation({
    summary: "A lead's assignments, newest first",
    description: 'Every time the lead got an assignee (created, PATCHed, reassigned): who, the one before, why, and, when a rotation chose, every candidate with why each was skipped.',
  })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: LeadAssignmentPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('account:read')
  assignments(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Query() query: PageQueryDto): Promise<LeadAssignmentPageDto> {
    return this.reads.assignments(ctx, id, query);
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

  @Post(':id/touch')
  @UseInterceptors(EmbeddedAuditInterceptor)
  @HttpCode(204)
  @ApiOperation({
    summary: "Record the assignee's first touch",
    description:
      'First-touch timers (API.md 10): the lead\'s assignee tells that they took it up. When a first-touch deadline runs ' +
      '(`firstTouchDueAt`), it is cleared and `firstTouchedAt` set, so the lead is not reassigned. Only the assignee may touch ' +
      'a lead (a PATCH that changes something, archive or convert by the assignee count as the touch too). Records `lead_touched`.',
  })
  @ApiParam({ name: 'id', description: 'The lead id', schema: { type: 'integer', minimum: 1 } })
  @ApiNoContentResponse({ description: 'Touched' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: "Not an active member of the account, a role below agent, or not the lead's assignee",
    example: { error: "only the lead's assignee can touch it" },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such lead in this account', example: { error: 'lead not found' } })
  @Permission('leads:write')
  touch(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.changes.touch(ctx, id);
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

function requestParts(request: FastifyRequest) {
  return { method: request.method, path: request.url.split('?')[0], query: request.query, body: request.body };
}

function createOptions(query: CreateLeadsQueryDto) {
  return { skipTeamAndSourceRequirement: query.skipTeamAndSourceRequirement ?? false, onDuplicate: query.onDuplicate };
}
