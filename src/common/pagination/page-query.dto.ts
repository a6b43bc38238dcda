import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 25;

/** Strictly an integer written in decimal; anything else stays a string so validation refuses it. */
export const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value);

export class PageQueryDto {
  /** Page size, 1..100 */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiProperty({ type: 'integer', required: false, example: DEFAULT_PAGE_SIZE })
  limit?: number = DEFAULT_PAGE_SIZE;

  /** A `nextCursor` from the previous page */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}
