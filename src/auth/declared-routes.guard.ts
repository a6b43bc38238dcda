import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { LEAD_DESK_CONTROLLER_KEY } from '../common/decorators/lead-desk-controller.decorator';

/**
 * The standalone server's global backstop for deny by default: Lead Desk's guards are attached per controller
 * by @LeadDeskController(), so a controller declared with a plain @Controller() would have none. This guard
 * refuses every route of such a controller. (Not part of LeadDeskModule: a host's own routes are its own.)
 */
@Injectable()
export class DeclaredRoutesGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (Reflect.getMetadata(LEAD_DESK_CONTROLLER_KEY, context.getClass()) === true) return true;
    throw new ForbiddenException('This route declares no access rule');
  }
}
