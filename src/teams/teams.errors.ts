import { ConflictException, NotFoundException } from '@nestjs/common';

/** The user-facing sentences of the teams feature, in one place. */
export const TeamErrors = {
  notFound: () => new NotFoundException('team not found'),
  nameTaken: () => new ConflictException('a team with this name already exists in the account'),
};
