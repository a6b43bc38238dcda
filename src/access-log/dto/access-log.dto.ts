import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsInstant } from '../../audit/dto/audit-query.dto';
import { PageQueryDto, toInteger } from '../../common/pagination/page-query.dto';
import { MAX_ID } from '../../common/pipes/params';

export class AccessLogQueryDto extends PageQueryDto {
  /** Records of requests that arrived at or after this instant (a date or a date-time with a time zone) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-12-01T00:00:00Z' })
  from?: string;

  /** Records of requests that arrived before this instant */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-12-02T00:00:00Z' })
  to?: string;

  /** A status code (`403`) or a class (`4xx`) */
  @IsOptional()
  @IsString()
  @Matches(/^[1-5](\d\d|xx)$/, { message: 'status must be a status code such as 403 or a class such as 4xx' })
  @ApiProperty({ type: 'string', required: false, example: '4xx' })
  status?: string;

  /** Only requests of this user (email; for an API key, its creator) */
  @IsOptional()
  @IsString()
  @Length(1, 320)
  user?: string;

  /** Only requests made with this API key */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  @ApiProperty({ type: 'integer', minimum: 1, required: false, example: 7 })
  apiKeyId?: number;

  /** Only requests with this HTTP method */
  @IsOptional()
  @IsString()
  @Matches(/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i, { message: 'method must be an HTTP method such as GET or POST' })
  @ApiProperty({ type: 'string', required: false, example: 'POST' })
  method?: string;

  /** Only requests to this route template, e.g. `/leads/:id` */
  @IsOptional()
  @IsString()
  @Length(1, 512)
  @ApiProperty({ type: 'string', required: false, example: '/leads/:id' })
  route?: string;
}

/** One request as the access log recorded it. No body, query value or header but the user agent is kept. */
@ApiSchema({ name: 'AccessLogRecord' })
export class AccessLogRecordDto {
  @ApiProperty({ type: 'integer', example: 1042 })
  id: number;

  /** When the request arrived */
  @ApiProperty({ type: 'string', format: 'date-time' })
  at: Date;

  /** The account the request named in `x-account-id` (null when it named none that exists) */
  @ApiProperty({ type: 'string', nullable: true, example: '2311' })
  accountId: string | null;

  /** The authenticated caller (for an API key, its creator); null when authentication failed */
  @ApiProperty({ type: 'string', nullable: true, example: 'alice@example.com' })
  user: string | null;

  /** The API key the request was made with */
  @ApiProperty({ type: 'integer', nullable: true, example: null })
  apiKeyId: number | null;

  @ApiProperty({ example: 'POST' })
  method: string;

  /** The route template; null when no route matched (404) */
  @ApiProperty({ type: 'string', nullable: true, example: '/leads/:id' })
  route: string | null;

  @ApiProperty({ type: 'integer', example: 201 })
  status: number;

  /** Time from the request's arrival to its response, in whole milliseconds */
  @ApiProperty({ type: 'integer', example: 12 })
  durationMs: number;

  @ApiProperty({ type: 'string', nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: 'curl/8.5.0' })
  userAgent: string | null;

  /** The request's x-request-id, as in the response header, the server log and audit entries */
  @ApiProperty({ example: '3f2b8c1e-5d4a-4e7b-9a61-0c2d8e7f1a90' })
  requestId: string;
}

@ApiSchema({ name: 'AccessLogPage' })
export class AccessLogPageDto {
  data: AccessLogRecordDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export class ApiKeyUsageQueryDto {
  /** From this instant (default: 30 days before `to`) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-11-01' })
  from?: string;

  /** Before this instant (default: now) */
  @IsOptional()
  @IsInstant()
  @ApiProperty({ type: 'string', format: 'date-time', required: false, example: '2026-12-01' })
  to?: string;
}

@ApiSchema({ name: 'ApiKeyUsageDay' })
export class ApiKeyUsageDayDto {
  /** The day, in the account's time zone (UTC until accounts have one) */
  @ApiProperty({ example: '2026-12-01' })
  day: string;
  @ApiProperty({ type: 'integer', example: 120 })
  requests: number;
  @ApiProperty({ type: 'integer', example: 112 })
  status2xx: number;
  @ApiProperty({ type: 'integer', example: 7 })
  status4xx: number;
  @ApiProperty({ type: 'integer', example: 1 })
  status5xx: number;
}

@ApiSchema({ name: 'ApiKeyUsage' })
export class ApiKeyUsageDto {
  /** One item per day with at least one request, oldest first */
  data: ApiKeyUsageDayDto[];
}
