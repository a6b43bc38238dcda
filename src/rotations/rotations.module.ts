import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TeamsModule } from '../teams/teams.module';
import { AssignmentService } from './assignment.service';
import { RotationsController } from './rotations.controller';
import { RotationsService } from './rotations.service';

@Module({
  imports: [AuditModule, TeamsModule],
  controllers: [RotationsController],
  providers: [RotationsService, AssignmentService],
  exports: [RotationsService, AssignmentService],
})
export class RotationsModule {}
