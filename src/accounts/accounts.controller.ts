import { Body, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import type { Principal } from '../auth/principal';
import type { AccountContext } from '../common/account-context';
import { Ctx, CurrentActor, CurrentPrincipal } from '../common/decorators/context.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Authenticated, Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { AccountsService } from './accounts.service';
import { AccountDto, AccountPageDto, CreateAccountDto, UpdateAccountDto } from './dto/account.dto';

@ApiTags('accounts')
@LeadDeskController('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: 'Create an account; the caller (a user token) becomes its owner' })
  @ApiCreatedResponse({ type: AccountDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The caller is an API key', example: { error: 'API keys cannot create accounts; use a user token' } })
  create(@CurrentPrincipal() principal: Principal, @CurrentActor() actor: Actor, @Body() dto: CreateAccountDto): Promise<AccountDto> {
    return this.accounts.create(principal, actor, dto.name);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "The caller's accounts, each with the caller's role" })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<AccountPageDto> {
    return this.accounts.list(principal, query);
  }

  @Patch(':id')
  @Permission('account:rename')
  @ApiOperation({
    summary: "Change the account's name and settings (owner; x-account-id must be the same id)",
    description: 'Settings: `timeZone` (IANA), `defaultCountry` (ISO 3166-1 alpha-2), `duplicatePolicy`. Absent fields keep their value; one `account_updated` audit entry lists the changed fields.',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The id is not the x-account-id account' })
  update(@Ctx() ctx: AccountContext, @Param('id') id: string, @Body() dto: UpdateAccountDto): Promise<AccountDto> {
    return this.accounts.update(ctx, id, dto);
  }
}
