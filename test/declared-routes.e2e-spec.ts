// Deny by default in the standalone server. Lead Desk's guards sit on its controllers (@LeadDeskController), so
// the server adds a global backstop: a controller declared with a plain @Controller() is refused as a whole, and
// a Lead Desk route without @Public, @Authenticated or @Permission is refused by the account guard.
import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import { signDevelopmentToken } from '../src/auth/dev-token';
import { LeadDeskController } from '../src/common/decorators/lead-desk-controller.decorator';
import { testConfig } from './support/app';
import { newEmail } from './support/builders';
import { call } from './support/http';
import { removePgliteDataDir, seedPgliteDataDir } from './support/test-database';

@Controller('stray')
class StrayController {
  @Get()
  open(): { leaked: true } {
    return { leaked: true };
  }
}

@LeadDeskController('undeclared')
class UndeclaredRouteController {
  @Get()
  open(): { leaked: true } {
    return { leaked: true };
  }
}

describe('the standalone server (AppModule) with routes that declare no access rule', () => {
  const config = testConfig();
  const dataDir = config.database.url ? undefined : config.database.dataDir;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    if (dataDir) seedPgliteDataDir(dataDir);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
      controllers: [StrayController, UndeclaredRouteController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    if (dataDir) removePgliteDataDir(dataDir);
  });

  const token = () => signDevelopmentToken(config, newEmail());

  it('refuses every route of a controller not declared with @LeadDeskController, with or without a token', async () => {
    for (const t of [undefined, token()]) {
      const res = await call(app, { method: 'GET', url: '/stray', token: t });
      expect(res).toEqual(expect.objectContaining({ status: 403, body: { error: 'This route declares no access rule' } }));
    }
  });

  it('refuses a Lead Desk route without an access decorator: 401 without a token, 403 with one', async () => {
    expect(await call(app, { method: 'GET', url: '/undeclared' })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    const res = await call(app, { method: 'GET', url: '/undeclared', token: token() });
    expect(res).toEqual(expect.objectContaining({ status: 403, body: { error: 'This route declares no access rule' } }));
  });

  it("leaves Lead Desk's declared routes as they are", async () => {
    expect((await call(app, { method: 'GET', url: '/health/live' })).status).toBe(200);
    expect(await call(app, { method: 'GET', url: '/teams' })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    expect((await call(app, { method: 'GET', url: '/accounts', token: token() })).status).toBe(200);
    expect(await call(app, { method: 'GET', url: '/no-such-route' })).toMatchObject({ status: 404, body: { error: 'Route GET /no-such-route not found' } });
  });
});
