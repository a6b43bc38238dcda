import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiIdParam } from '../common/decorators/api-id-param.decorator';
import { EmailParamPipe, IdParamPipe } from '../common/pipes/params';
import { AwayPeriodDto, AwayPeriodPageDto, CreateAwayDto } from './dto/member.dto';
import { MemberAwayService } from './member-away.service';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { AddMemberDto, MemberDto, MemberPageDto, UpdateMemberDto } from './dto/member.dto';
import { MembersService } from './members.service';

@ApiTags('members')
@LeadDeskController('members')
export class MembersController {
  constructor(
    private readonly members: MembersService,
    private readonly away: MemberAwayService,
  ) {}

  @Get()
  @Permission('account:read')
  @ApiOperation({ summary: "List the account's members, by email" })
  list(@Ctx() ctx: AccountContext, @Query() query: PageQueryDto): Promise<MemberPageDto> {
    return this.members.list(ctx, query);
  }

  @Post()
  @HttpCode(201)
  @Permission('members:manage')
  @ApiOperation({ summary: 'Add a member (admins: roles below admin; owners: any role)' })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already a member' })
  add(@Ctx() ctx: AccountContext, @Body() dto: AddMemberDto): Promise<MemberDto> {
    return this.members.add(ctx, dto);
  }

  @Patch(':email')
  @Permission('account:read')
  @ApiOperation({
    summary: "Change a member's role or deactivate / reactivate them (admins and up), or their time zone and working hours (the member themself, or managers and up)",
  })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiOkResponse({ type: MemberDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: "Role or active without admin; another member's availability below manager" })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The last owner cannot be demoted or deactivated' })
  update(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string, @Body() dto: UpdateMemberDto): Promise<MemberDto> {
    return this.members.update(ctx, email, dto);
  }

  @Post(':email/away')
  @HttpCode(201)
  @Permission('account:read')
  @ApiOperation({ summary: 'Add an away period (the member themself, or managers and up): rotations that respect availability skip the member during it' })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiCreatedResponse({ type: AwayPeriodDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: "Another member's availability, below manager" })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a member of the account' })
  addAway(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string, @Body() dto: CreateAwayDto): Promise<AwayPeriodDto> {
    return this.away.create(ctx, email, dto);
  }

  @Get(':email/away')
  @Permission('account:read')
  @ApiOperation({ summary: "A member's current and future away periods, oldest first" })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiOkResponse({ type: AwayPeriodPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a member of the account' })
  listAway(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string, @Query() query: PageQueryDto): Promise<AwayPeriodPageDto> {
    return this.away.list(ctx, email, query);
  }

  @Delete(':email/away/:id')
  @HttpCode(204)
  @Permission('account:read')
  @ApiOperation({ summary: 'Remove an away period (the member themself, or managers and up)' })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiIdParam('id', 'The away period id')
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: "Another member's availability, below manager" })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  removeAway(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.away.remove(ctx, email, id);
  }

  @Delete(':email')
  @HttpCode(204)
  @Permission('members:manage')
  @ApiOperation({ summary: 'Remove a member' })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The last owner cannot be removed' })
  remove(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string): Promise<void> {
    return this.members.remove(ctx, email);
  }
}
