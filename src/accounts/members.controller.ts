import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { EmailParamPipe } from '../common/pipes/params';
import { AddMemberDto, MemberDto, MemberPageDto, UpdateMemberDto } from './dto/member.dto';
import { MembersService } from './members.service';

@ApiTags('members')
@LeadDeskController('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

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
  @Permission('members:manage')
  @ApiOperation({ summary: "Change a member's role or deactivate / reactivate them" })
  @ApiParam({ name: 'email', example: 'bob@example.com' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The last owner cannot be demoted or deactivated' })
  update(@Ctx() ctx: AccountContext, @Param('email', EmailParamPipe) email: string, @Body() dto: UpdateMemberDto): Promise<MemberDto> {
    return this.members.update(ctx, email, dto);
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
