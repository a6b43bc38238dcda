import { Body, Controller, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiInternalServerErrorResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { CreateLeadQueryDto } from './dto/create-lead-query.dto';
import { LeadInputDto } from './dto/lead-input.dto';
import { LeadDto } from './dto/lead.dto';
import { IDEMPOTENCY_KEY_MAX, idempotentRequest } from './idempotency';
import { LeadsService } from './leads.service';

/** Set on an answer that repeats a stored one (same Idempotency-Key, same request). */
export const REPLAYED_HEADER = 'idempotent-replayed';

@ApiTags('leads')
@Controller('leads')
export class LeadsController {
  constructor(private readonly leads: LeadsService) {}

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
}
