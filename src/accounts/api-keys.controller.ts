import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountContext } from '../common/account-context';
import { Ctx } from '../common/decorators/context.decorator';
import { ApiIdParam } from '../common/decorators/api-id-param.decorator';
import { LeadDeskController } from '../common/decorators/lead-desk-controller.decorator';
import { Permission } from '../common/decorators/route-access.decorator';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { IdParamPipe } from '../common/pipes/params';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

@ApiTags('api-keys')
@LeadDeskController('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @Permission('api-keys:manage')
  @ApiOperation({ summary: 'Issue an API key; the key is shown in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Ctx() ctx: AccountContext, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(ctx, dto);
  }

  @Get()
  @Permission('api-keys:manage')
  @ApiOperation({ summary: "List the account's API keys, newest first, without secrets" })
  list(@Ctx() ctx: AccountContext, @Query() query: PageQueryDto): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(ctx, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permission('api-keys:manage')
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiIdParam('id', 'The API key id')
  revoke(@Ctx() ctx: AccountContext, @Param('id', IdParamPipe) id: number): Promise<void> {
    return this.apiKeys.revoke(ctx, id);
  }
}
