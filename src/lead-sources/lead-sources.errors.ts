import { ConflictException, NotFoundException } from '@nestjs/common';

/** The user-facing sentences of the lead sources feature, in one place. */
export const LeadSourceErrors = {
  notFound: () => new NotFoundException('lead source not found'),
  teamNotFound: () => new NotFoundException('team not found'),
  nameTaken: () => new ConflictException('a lead source with this name already exists in the team'),
};
