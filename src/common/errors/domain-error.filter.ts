import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DomainError } from './domain-error';

/**
 * For a host's own routes that call Lead Desk's services and let their errors through: answers a DomainError
 * as Lead Desk's routes do (`{"error", "details"?}` with the status of its kind), and nothing else (other
 * errors go on to the host's own filters). Lead Desk's controllers do not need it: their error filter maps
 * domain errors already. Without it, Nest answers an uncaught DomainError as a 500.
 *
 *   @UseFilters(DomainErrorFilter)   // on a host controller or route, or app.useGlobalFilters(...) in the host
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: DomainError, host: ArgumentsHost): void {
    const response: unknown = host.switchToHttp().getResponse();
    if (error.retryAfterSeconds !== undefined) this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(error.retryAfterSeconds));
    this.adapterHost.httpAdapter.reply(response, error.toResponseBody(), error.httpStatus);
  }
}
