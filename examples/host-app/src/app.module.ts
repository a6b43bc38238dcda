import { Controller, Get, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LeadDeskModule, type LeadDeskOptions } from 'lead-desk';

/** The host's own settings, read from its environment (a real service may use @nestjs/config instead). */
export const settings = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/host_example',
  port: Number(process.env.PORT ?? 3001),
  leadDesk: {
    // Lead Desk's own JWT secret (16+ characters), never the host's.
    jwt: { secret: process.env.LEAD_DESK_JWT_SECRET ?? 'host-example-development-secret', issuer: 'host-example' },
    rateLimit: { perMinute: 1200, anonPerMinute: 60 }, // the defaults; 0 turns one off
    migrationsRun: true, // apply Lead Desk's migrations to the host's database at start-up
  } satisfies LeadDeskOptions,
};

/** A route of the host's own: Lead Desk's guards, pipes and filters do not touch it. */
@Controller('hello')
export class HelloController {
  @Get()
  hello(): { hello: string } {
    return { hello: 'from the host' };
  }
}

@Module({
  imports: [
    // The host's connection: Lead Desk uses this default DataSource and opens none itself.
    TypeOrmModule.forRoot({ type: 'postgres', url: settings.databaseUrl, autoLoadEntities: true, synchronize: false }),
    LeadDeskModule.forRootAsync({ useFactory: () => settings.leadDesk }),
  ],
  controllers: [HelloController],
})
export class AppModule {}
