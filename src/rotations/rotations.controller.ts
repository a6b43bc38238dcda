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
import { CreateRotationDto, RotationDto, RotationPageDto, UpdateRotationDto } from './dto/rotation.dto';
import { PreviewQueryDto, RotationPreviewDto, RotationStatsDto, StatsQueryDto } from './dto/rotation-insight.dto';
import { RotationsService } from './rotations.service';

const ONE_ACTIVE = 'The team (or, without a team, the account) already has an active rotation';

@ApiTags('rotations')
@LeadDeskController('rotations')
export class RotationsController {
  constructor(private readonly rotations: RotationsService) {}

  @Post()
  @HttpCode(201)
  @Permission('config:manage')
  @ApiOperation({ summary: "Create a team's rotation, or (without teamId) the account's default rotation" })
  @ApiCreatedResponse({ type: RotationDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: ONE_ACTIVE })
  create(@Ctx() ctx: AccountContext, @Body() dto: CreateRotationDto): Promise<RotationDto> {
    return this.rotations.create(ctx, dto);
  }

  @Get()
  @Permission('account:read')
  @ApiOperation({ summary: "List the account's rotations, oldest first" })
  @ApiOkResponse({ type: RotationPageDto })
  list(@Ctx() ctx: AccountContext, @Query() query: PageQueryDto): Promise<RotationPageDto> {
    return this.rotations.list(ctx, query);
  }

  @Get(':id')
  @Permission('account:read')
  @ApiOperation({ summary: 'Read a rotation: its members in turn order and who gets the next lead' })
  @ApiOkResponse({ type: RotationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The rotation id')
  get(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<RotationDto> {
    return this.rotations.get(ctx, id);
  }

  @Get(':id/preview')
  @Permission('account:read')
  @ApiOperation({ summary: 'Who the next `count` leads through this rotation would go to if they arrived now and nothing else changed; moves nothing' })
  @ApiOkResponse({ type: RotationPreviewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The rotation id')
  preview(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Query() query: PreviewQueryDto): Promise<RotationPreviewDto> {
    return this.rotations.preview(ctx, id, query.count!);
  }

  @Get(':id/stats')
  @Permission('config:manage')
  @ApiOperation({ summary: "Leads the rotation assigned per member in a period (default the last 7 days): actual share against the weights' expected share" })
  @ApiOkResponse({ type: RotationStatsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The rotation id')
  stats(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Query() query: StatsQueryDto): Promise<RotationStatsDto> {
    return this.rotations.stats(ctx, id, query);
  }

  @Patch(':id')
  @Permission('config:manage')
  @ApiOperation({ summary: 'Rename, (de)activate, or change the members (a different member list restarts at the first member)' })
  @ApiOkResponse({ type: RotationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: ONE_ACTIVE })
  @ApiIdParam('id', 'The rotation id')
  update(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number, @Body() dto: UpdateRotationDto): Promise<RotationDto> {
    return this.rotations.update(ctx, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permission('config:manage')
  @ApiOperation({ summary: 'Delete a rotation (soft)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The rotation id')
  remove(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.rotations.remove(ctx, id);
  }
}
