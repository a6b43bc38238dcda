import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { ApiIdParam } from '../common/decorators/api-id-param.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { IdParamPipe } from '../common/pipes/params';
import { CreateLeadSourceDto, LeadSourceDto, LeadSourcePageDto, UpdateLeadSourceDto } from './dto/lead-source.dto';
import { LeadSourcesService } from './lead-sources.service';

/** Sources are created and listed under their team, and read, renamed and deleted by their own id. */
@ApiTags('lead-sources')
@LeadDeskController()
export class LeadSourcesController {
  constructor(private readonly sources: LeadSourcesService) {}

  @Post('teams/:teamId/lead-sources')
  @HttpCode(201)
  @Permission('config:manage')
  @ApiOperation({ summary: 'Create a lead source in a team' })
  @ApiCreatedResponse({ type: LeadSourceDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such team' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A live source of the team already has this name (case-insensitive)' })
  @ApiIdParam('teamId', 'The team id')
  create(@Ctx() ctx: AccountContext, @Param('teamId', IdParamPipe) teamId: number, @Body() dto: CreateLeadSourceDto): Promise<LeadSourceDto> {
    return this.sources.create(ctx, teamId, dto);
  }

  @Get('teams/:teamId/lead-sources')
  @Permission('account:read')
  @ApiOperation({ summary: "List a team's lead sources, oldest first" })
  @ApiOkResponse({ type: LeadSourcePageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such team' })
  @ApiIdParam('teamId', 'The team id')
  list(@Ctx() ctx: AccountContext, @Param('teamId', IdParamPipe) teamId: number, @Query() query: PageQueryDto): Promise<LeadSourcePageDto> {
    return this.sources.listForTeam(ctx, teamId, query);
  }

  @Get('lead-sources/:id')
  @Permission('account:read')
  @ApiOperation({ summary: 'Read a lead source' })
  @ApiOkResponse({ type: LeadSourceDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The lead source id')
  get(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<LeadSourceDto> {
    return this.sources.get(ctx, id);
  }

  @Patch('lead-sources/:id')
  @Permission('config:manage')
  @ApiOperation({ summary: 'Rename a lead source' })
  @ApiOkResponse({ type: LeadSourceDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A live source of the team already has this name (case-insensitive)' })
  @ApiIdParam('id', 'The lead source id')
  update(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: UpdateLeadSourceDto): Promise<LeadSourceDto> {
    return this.sources.update(ctx, id, dto);
  }

  @Delete('lead-sources/:id')
  @HttpCode(204)
  @Permission('config:manage')
  @ApiOperation({ summary: 'Delete a lead source (soft: its leads keep their leadSourceId)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The lead source id')
  remove(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.sources.remove(ctx, id);
  }
}
