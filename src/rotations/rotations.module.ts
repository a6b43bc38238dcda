import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { AuditModule } from '../audit/audit.module';
import { TeamsModule } from '../teams/teams.module';
import { AssignmentService } from './assignment.service';
import { RotationMemberEntity } from './rotation-member.entity';
import { RotationEntity } from './rotation.entity';
import { RotationsController } from './rotations.controller';
import { RotationsService } from './rotations.service';

@Module({
  imports: [TypeOrmModule.forFeature([RotationEntity, RotationMemberEntity]), AccountsModule, AuditModule, TeamsModule],
  controllers: [RotationsController],
  providers: [RotationsService, AssignmentService],
  exports: [RotationsService, AssignmentService],
})
export class RotationsModule {}
