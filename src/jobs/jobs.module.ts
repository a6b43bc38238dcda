import { Global, Module } from '@nestjs/common';
import { JobRunner } from './job-runner';

/** The one runner of Lead Desk's background work; features register their jobs with it at start. */
@Global()
@Module({ providers: [JobRunner], exports: [JobRunner] })
export class JobsModule {}
