import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AuditQueryDto } from './audit-query.dto';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;

/** GET /audit-logs's filters, without paging: the export has every matching entry. */
export class AuditExportQueryDto extends OmitType(AuditQueryDto, ['limit', 'cursor'] as const) {
  /** `ndjson` (one AuditEntry JSON object per line, default) or `csv` (RFC 4180, a header row; `data` and `requestHeaders` as JSON) */
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  @ApiProperty({ enum: EXPORT_FORMATS, enumName: 'AuditExportFormat', required: false, example: 'ndjson' })
  format?: (typeof EXPORT_FORMATS)[number];
}
