import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AuditRow } from '../audit.service';

/** One audit log entry (the seed's `auditLog` item, plus the record it is about). */
@ApiSchema({ name: 'AuditEntry', description: "One audit log entry: the seed's auditLog item, plus the kind and id of the record it is about" })
export class AuditEntryDto {
  /** Unique identifier for the audit log entry */
  @ApiProperty({ type: 'integer', example: 1 })
  id: number;

  /** Type of event (e.g., lead_created, lead_updated, lead_archived, lead_converted) */
  @ApiProperty({ example: 'lead_created' })
  event: string;

  /** Email address or identifier of the user who performed the action */
  @ApiProperty({ example: 'alice@example.com' })
  user: string;

  /** API key identifier if the action was performed via API key authentication */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  apiKey: string | null;

  /** Event-specific data containing details about what was changed or accessed (structure varies by event type) */
  @ApiProperty({ type: 'object', additionalProperties: true })
  data: Record<string, unknown>;

  /** Timestamp when the event occurred */
  @ApiProperty({ type: 'string', format: 'date-time' })
  created: Date;

  /** HTTP method used (GET, POST, PATCH, DELETE) */
  @ApiProperty({ type: 'string', nullable: true, example: 'POST' })
  requestMethod: string | null;

  /** API endpoint path that was called */
  @ApiProperty({ type: 'string', nullable: true, example: '/leads' })
  requestPath: string | null;

  /** Sanitized HTTP headers from the request (sensitive values are masked) */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, example: { authorization: '[REDACTED]', 'x-account-id': '2311' } })
  requestHeaders: Record<string, string> | null;

  /** IP address of the request origin */
  @ApiProperty({ type: 'string', nullable: true, example: '203.0.113.7' })
  requestIpAddress: string | null;

  /** The x-request-id of the request that made the change (also in the access log and the server log); null in-process */
  @ApiProperty({ type: 'string', nullable: true, example: '3f2b8c1e-5d4a-4e7b-9a61-0c2d8e7f1a90' })
  requestId: string | null;

  /** Account ID associated with the action */
  @ApiProperty({ example: '2311' })
  account_id: string;

  /** Kind of record the entry is about */
  @ApiProperty({ enum: ['lead', 'team', 'lead_source', 'rotation', 'member', 'api_key', 'account', 'webhook'], enumName: 'AuditEntityType' })
  entityType: string;

  /** Id of the record the entry is about (an email for members) */
  @ApiProperty({ example: '42' })
  entityId: string;
}

@ApiSchema({ name: 'AuditPage' })
export class AuditPageDto {
  data: AuditEntryDto[];
  /** Pass as `cursor` for the next page; null on the last page */
  @ApiProperty({ type: 'string', nullable: true })
  nextCursor: string | null;
}

export function toAuditEntryDto(r: AuditRow): AuditEntryDto {
  return {
    id: Number(r.id),
    event: r.event,
    user: r.user_email,
    apiKey: r.api_key_id,
    data: r.data,
    created: r.created_at,
    requestMethod: r.request_method,
    requestPath: r.request_path,
    requestHeaders: r.request_headers,
    requestIpAddress: r.request_ip,
    requestId: r.request_id ?? null,
    account_id: String(r.account_id),
    entityType: r.entity_type,
    entityId: r.entity_id,
  };
}

/**
 * An entry as shown to a caller who may not read the audit log (`audit:read`, manager and up), embedded in
 * another answer (a lead's `auditLog`) when another user made it: that request's headers and client address
 * are the other member's data, so they are null. The method and path stay: they say what was done, as `event` does.
 */
export function withoutRequestMeta(entry: AuditEntryDto): AuditEntryDto {
  return { ...entry, requestHeaders: null, requestIpAddress: null };
}
