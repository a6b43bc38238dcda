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
import { CreateTeamDto, TeamDto, TeamPageDto, UpdateTeamDto } from './dto/team.dto';
import { TeamsService } from './teams.service';

@ApiTags('teams')
@LeadDeskController('teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @HttpCode(201)
  @Permission('config:manage')
  @ApiOperation({ summary: 'Create a team' })
  @ApiCreatedResponse({ type: TeamDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A live team of the account already has this name (case-insensitive)' })
  create(@Ctx() ctx: AccountContext, @Body() dto: CreateTeamDto): Promise<TeamDto> {
    return this.teams.create(ctx, dto);
  }

  @Get()
  @Permission('account:read')
  @ApiOperation({ summary: "List the account's teams, oldest first" })
  @ApiOkResponse({ type: TeamPageDto })
  list(@Ctx() ctx: AccountContext, @Query() query: PageQueryDto): Promise<TeamPageDto> {
    return this.teams.list(ctx, query);
  }

  @Get(':id')
  @Permission('account:read')
  @ApiOperation({ summary: 'Read a team' })
  @ApiOkResponse({ type: TeamDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The team id')
  get(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<TeamDto> {
    return this.teams.get(ctx, id);
  }

  @Patch(':id')
  @Permission('config:manage')
  @ApiOperation({ summary: 'Rename a team' })
  @ApiOkResponse({ type: TeamDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A live team of the account already has this name (case-insensitive)' })
  @ApiIdParam('id', 'The team id')
  update(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: UpdateTeamDto): Promise<TeamDto> {
    return this.teams.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permission('config:manage')
  @ApiOperation({ summary: 'Delete a team (soft: its leads keep their teamId; its lead sources and rotations are deleted with it)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The team id')
  remove(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.teams.remove(ctx, id);
  }
}
