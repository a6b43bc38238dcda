// Lead Desk inside another NestJS application, as README "Use it from another NestJS service" shows: a small
// host with its own TypeORM connection (on a database of its own, fresh), its own routes and its own passport
// `jwt` strategy imports LeadDeskModule.forRootAsync(...), which migrates that database; leads are then made
// through LeadsService in-process and through Lead Desk's routes, with the same rules, rotation and audit.
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Body, Controller, Get, HttpException, Injectable, Module, NotFoundException, Param, Post, Req, UseFilters, UseGuards, type DynamicModule } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { InjectRepository, TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { sign } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Client as PgClient } from 'pg';
import { DataSource, Repository } from 'typeorm';
import {
  AccountContexts,
  AccountError,
  DomainError,
  DomainErrorFilter,
  LeadEntity,
  LeadError,
  TeamError,
  AccountsService,
  AddMemberDto,
  CreateRotationDto,
  CreateTeamDto,
  inProcessActor,
  inProcessContext,
  LEAD_DESK_MIGRATIONS,
  LeadDeskModule,
  LeadInputDto,
  LeadsService,
  MembersService,
  RotationsService,
  signLeadDeskToken,
  TeamsService,
  userPrincipal,
  validateInput,
  type AccountContext,
  type LeadDeskOptions,
} from '../src';
import * as entryPoint from '../src';
import { AllExceptionsFilter } from '../src/common/filters/all-exceptions.filter';
import { openDatabase, type OpenedDatabase } from '../src/database/data-source-options';
import { leadDeskConfig } from '../src/lead-desk.options';
import { newEmail } from './support/builders';
import { call, Client } from './support/http';
import { ADMIN_URL, newPgliteDataDir, removePgliteDataDir, usingRealPostgres, withDatabase } from './support/test-database';

const ROOT = join(__dirname, '..');
const LEAD_DESK_JWT = { secret: 'host-app-lead-desk-secret-0123456789', issuer: 'host-app' };
const HOST_JWT_SECRET = 'host-app-own-secret-0123456789abcdef';
/** Low enough to reach in the last test, high enough for the anonymous requests before it. */
const ANON_LIMIT = 25;
/** The user the host's own team route acts as in Lead Desk (made an owner of the shared account below). */
const HOST_SERVICE_USER = 'host-service@example.com';

// ---- The host application -------------------------------------------------------------------------------

/** The host's own configuration (here a constant; a real host reads its environment). */
@Injectable()
class HostSettings {
  readonly leadDesk: LeadDeskOptions = { jwt: LEAD_DESK_JWT, rateLimit: { perMinute: 0, anonPerMinute: ANON_LIMIT }, migrationsRun: true };
}

@Module({ providers: [HostSettings], exports: [HostSettings] })
class HostSettingsModule {}

/** The host's own authentication: a passport strategy named `jwt`, as most Nest services have. */
@Injectable()
class HostJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: HOST_JWT_SECRET, algorithms: ['HS256'] });
  }

  validate(claims: { sub: string }): { hostUser: string } {
    return { hostUser: claims.sub };
  }
}

/** A host DTO without validation decorators: Lead Desk's pipe (whitelist, forbid unknown) would refuse any field of it. */
class HostNoteDto {
  [field: string]: unknown;
}

/** Plain host routes: no Lead Desk decorator, no guard, no pipe, no filter of their own. */
@Controller('host')
class HostController {
  constructor(
    private readonly contexts: AccountContexts,
    private readonly teams: TeamsService,
  ) {}

  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }

  @Post('echo')
  echo(@Body() body: HostNoteDto): HostNoteDto {
    return body;
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException('no such host thing');
  }

  /** A host route over a Lead Desk service that lets its domain errors through to DomainErrorFilter. */
  @Get('teams/:accountId/:id')
  @UseFilters(DomainErrorFilter)
  async team(@Param('accountId') accountId: string, @Param('id') id: string): Promise<unknown> {
    const ctx = await this.contexts.forMember(accountId, HOST_SERVICE_USER, 'account:read');
    return this.teams.get(ctx, Number(id));
  }

  @Get('me')
  @UseGuards(PassportAuthGuard('jwt'))
  me(@Req() request: { user: unknown }): unknown {
    return request.user;
  }
}

/** A host service reading Lead Desk's leads through its own repository: typed rows, the account in the where. */
@Injectable()
class HostLeadReports {
  constructor(@InjectRepository(LeadEntity) private readonly leads: Repository<LeadEntity>) {}

  lead(accountId: string, id: number): Promise<LeadEntity | null> {
    return this.leads.findOneBy({ accountId, id });
  }

  assignedTo(accountId: string, user: string): Promise<LeadEntity[]> {
    return this.leads.find({ where: { accountId, assignedTo: user }, order: { id: 'ASC' } });
  }
}

function hostAppModule(database: TypeOrmModuleOptions): DynamicModule {
  @Module({})
  class HostAppModule {}
  return {
    module: HostAppModule,
    imports: [
      TypeOrmModule.forRoot({ ...database, autoLoadEntities: true, synchronize: false }),
      TypeOrmModule.forFeature([LeadEntity]),
      LeadDeskModule.forRootAsync({
        imports: [HostSettingsModule],
        inject: [HostSettings],
        useFactory: (settings: HostSettings) => settings.leadDesk,
      }),
    ],
    controllers: [HostController],
    providers: [HostJwtStrategy, HostLeadReports],
  };
}

// ---- The host's database: fresh, not the run's (already migrated) one ------------------------------------

interface HostDatabase {
  options: TypeOrmModuleOptions;
  drop(): Promise<void>;
}

async function freshHostDatabase(): Promise<HostDatabase> {
  if (usingRealPostgres()) {
    const name = `leaddesk_test_host_${Date.now()}_${Math.random().toString(16).slice(2, 8)}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    return {
      options: { type: 'postgres', url: withDatabase(ADMIN_URL, name), extra: { max: 5 } },
      drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  // PGlite: a new, empty embedded database, reached through the same pg-over-PGlite adapter the server uses.
  const dataDir = newPgliteDataDir();
  const opened: OpenedDatabase = await openDatabase({ dataDir, poolSize: 1, migrationsRun: false, membershipCacheMs: 0 });
  const { type, extra } = opened.options;
  return {
    options: { type, extra },
    drop: async () => {
      await opened.close();
      removePgliteDataDir(dataDir);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new PgClient({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

// ---- The suite ------------------------------------------------------------------------------------------

describe('Lead Desk in a host NestJS application (LeadDeskModule.forRootAsync)', () => {
  let database: HostDatabase;
  let app: NestFastifyApplication;
  let leads: LeadsService;
  let contexts: AccountContexts;

  const leadDeskToken = (email: string) => signLeadDeskToken(LEAD_DESK_JWT, email);
  const hostToken = (subject: string) => sign({ sub: subject }, HOST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
  /** What Lead Desk's error filter answers over HTTP for `error`: in-process errors must be the same. */
  const asHttp = (error: unknown) => new AllExceptionsFilter().toResponse(error);

  // The account the in-process and HTTP tests share: an owner, two agents, a viewer, a team with a rotation.
  const owner = newEmail('host-owner');
  const agents = [newEmail('host-agent'), newEmail('host-agent')];
  const viewer = newEmail('host-viewer');
  let accountId: string;
  let teamId: number;
  let rotationId: number;
  let ownerCtx: AccountContext;

  beforeAll(async () => {
    database = await freshHostDatabase();
    const moduleRef = await Test.createTestingModule({ imports: [hostAppModule(database.options)] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    leads = app.get(LeadsService);
    contexts = app.get(AccountContexts);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('exposes the module, the services and the helpers from the package entry point, built to dist/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.types).toBe('dist/index.d.ts');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    // npm test builds first (pretest); the declarations must be emitted beside the code.
    for (const file of [pkg.main, pkg.types, 'dist/lead-desk.module.d.ts', 'dist/leads/leads.service.d.ts']) {
      expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
    }
    const built = require(join(ROOT, pkg.main)) as Record<string, unknown>;
    expect(Object.keys(built).sort()).toEqual(Object.keys(entryPoint).sort());
    for (const name of ['LeadDeskModule', 'LeadsService', 'RotationsService', 'AssignmentService', 'TeamsService', 'LeadSourcesService', 'AccountsService', 'MembersService', 'AccountContexts', 'LeadInputDto']) {
      expect({ name, type: typeof built[name] }).toEqual({ name, type: 'function' });
    }
  });

  it("applies Lead Desk's migrations to the host's own database at start-up (migrationsRun)", async () => {
    const dataSource = app.get(DataSource);
    const rows: { name: string }[] = await dataSource.query('SELECT name FROM migrations ORDER BY id');
    const names = LEAD_DESK_MIGRATIONS.map((M) => new M().name);
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(rows.map((r) => r.name)).toEqual(names);
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM information_schema.tables WHERE table_name IN ('leads', 'audit_log', 'rotations')`);
    expect(count).toBe(3);
  });

  it("leaves the host's routes alone: no Lead Desk guard, validation pipe or error filter, and the host's own passport `jwt` strategy", async () => {
    expect(await call(app, { method: 'GET', url: '/host/ping' })).toMatchObject({ status: 200, body: { ok: true } });
    // Lead Desk's pipe would refuse an unknown field (and any body without a DTO): the host's route gets it as sent.
    const echoed = await call(app, { method: 'POST', url: '/host/echo', body: { anything: ['goes', 1] } });
    expect(echoed).toMatchObject({ status: 201, body: { anything: ['goes', 1] } });
    // Nest's own error body, not Lead Desk's {"error": ...}.
    const missing = await call(app, { method: 'GET', url: '/host/missing' });
    expect(missing).toMatchObject({ status: 404, body: { statusCode: 404, message: 'no such host thing', error: 'Not Found' } });
    // The host's passport strategy named `jwt` is its own: Lead Desk does not register one.
    expect(await call(app, { method: 'GET', url: '/host/me', token: hostToken('h-1') })).toMatchObject({ status: 200, body: { hostUser: 'h-1' } });
    expect((await call(app, { method: 'GET', url: '/host/me', token: leadDeskToken(owner) })).status).toBe(401);
    // ... and a host token is not a Lead Desk token.
    expect(await call(app, { method: 'GET', url: '/accounts', token: hostToken(owner) })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
  });

  it('sets up an account, members, a team and a rotation through the services', async () => {
    const account = await app.get(AccountsService).create(userPrincipal(owner), inProcessActor(owner), 'Host account');
    accountId = account.id;
    expect(account).toMatchObject({ name: 'Host account', role: 'owner' });

    const admin = await contexts.forMember(accountId, owner.toUpperCase(), 'members:manage');
    expect(admin).toEqual({ accountId, user: owner, role: 'owner', apiKeyId: null });
    const members = app.get(MembersService);
    for (const email of agents) await members.add(admin, await validateInput(AddMemberDto, { email, role: 'agent' }));
    await members.add(admin, await validateInput(AddMemberDto, { email: viewer, role: 'viewer' }));

    const manager = await contexts.forMember(accountId, owner, 'config:manage');
    teamId = (await app.get(TeamsService).create(manager, await validateInput(CreateTeamDto, { name: 'Host team' }))).id;
    const rotation = await app
      .get(RotationsService)
      .create(manager, await validateInput(CreateRotationDto, { name: 'Host rotation', teamId, members: agents.map((user) => ({ user })) }));
    rotationId = rotation.id;
    expect(rotation.members.map((m) => m.user)).toEqual(agents);

    ownerCtx = await contexts.forMember(accountId, owner, 'leads:write');
  });

  it("creates leads in-process: the team's rotation assigns them, each with its lead_created entry (no request)", async () => {
    const assigned: string[] = [];
    for (let i = 0; i < 3; i++) {
      const input = await validateInput(LeadInputDto, { firstName: 'Ada', lastName: `In-process ${i}`, email: 'ADA@Example.com', teamId });
      const result = await leads.create(ownerCtx, input, { skipTeamAndSourceRequirement: false }, null);
      expect(result).toMatchObject({ status: 201, replayed: false });
      const lead = result.body;
      expect(lead).toMatchObject({ accountId, teamId, createdBy: owner, archived: false, email: 'ADA@Example.com' });
      assigned.push(lead.assignedTo!);
      expect(lead.auditLog).toHaveLength(1);
      expect(lead.auditLog![0]).toMatchObject({
        event: 'lead_created',
        user: owner,
        apiKey: null,
        account_id: accountId,
        requestMethod: null,
        requestPath: null,
        requestHeaders: null,
        requestIpAddress: null,
        data: expect.objectContaining({ assignment: expect.objectContaining({ rotationId, user: lead.assignedTo, skipped: [], fallbackFromTeamRotationId: null }) }),
      });
      // The same lead, entry included, over HTTP.
      const read = await new Client(app, leadDeskToken(owner), accountId).get(`/leads/${lead.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(JSON.parse(JSON.stringify(lead)));
    }
    expect(assigned).toEqual([agents[0], agents[1], agents[0]]);
  });

  it.each([
    ['no team', () => ({ firstName: 'No', lastName: 'Team' }), 'team_required', 'team ID is required when teams exist in the account'],
    ['an unknown team', () => ({ firstName: 'Unknown', lastName: 'Team', teamId: 999_999 }), 'team_not_found', 'team not found'],
    ['an unknown source', () => ({ firstName: 'Unknown', lastName: 'Source', teamId, leadSourceId: 999_999 }), 'lead_source_not_found', 'lead source not found'],
    [
      'an assignee who is not a member',
      () => ({ firstName: 'Not', lastName: 'Member', teamId, assignedTo: 'stranger@example.com' }),
      'assignee_not_active_member',
      'assignedTo must be an active member of the account',
    ],
  ])('refuses a lead with %s as POST /leads does: a typed LeadError in-process, the same answer over HTTP', async (_case, body, code, error) => {
    const input = await validateInput(LeadInputDto, body());
    const thrown = await leads.create(ownerCtx, input, { skipTeamAndSourceRequirement: false }, null).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(LeadError);
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code, kind: 'invalid', message: error });
    expect(asHttp(thrown)).toEqual([400, { error }]);
    const http = await new Client(app, leadDeskToken(owner), accountId).post('/leads', body());
    expect([http.status, http.body]).toEqual([400, { error }]);
  });

  it('refuses invalid input, access and roles in-process as the routes do', async () => {
    const api = new Client(app, leadDeskToken(owner), accountId);
    // Validation: the same refusal, details included, in-process (validateInput) and over HTTP.
    const bad = { firstName: 'Ada', email: 'not an email', surprise: true };
    const invalid = await validateInput(LeadInputDto, bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    const http = await api.post('/leads', bad);
    expect(http.status).toBe(400);
    expect(asHttp(invalid)).toEqual([400, http.body]);
    expect(http.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'lastName', 'surprise']);
    // Access: not a member, and a role too low, as the account guard answers: typed errors, not Nest's
    // HttpExceptions (whose body would be Nest's {message, error, statusCode}).
    const stranger = await contexts.forMember(accountId, 'stranger@example.com', 'leads:write').catch((e: unknown) => e);
    expect(stranger).toBeInstanceOf(AccountError);
    expect(stranger).not.toBeInstanceOf(HttpException);
    expect(stranger).toMatchObject({ code: 'no_access', kind: 'forbidden', httpStatus: 403, message: 'You do not have access to this account' });
    expect(asHttp(stranger)).toEqual([403, { error: 'You do not have access to this account' }]);
    const tooLow = await contexts.forMember(accountId, viewer, 'leads:write').catch((e: unknown) => e);
    expect(tooLow).toMatchObject({ code: 'role_too_low', kind: 'forbidden' });
    expect(asHttp(tooLow)).toEqual([403, (await new Client(app, leadDeskToken(viewer), accountId).post('/leads', { firstName: 'A', lastName: 'B', teamId })).body]);
    // Creating an archived lead needs the archive permission, in-process too.
    const agentCtx = inProcessContext({ accountId, user: agents[0], role: 'agent' });
    const archived = await validateInput(LeadInputDto, { firstName: 'Arch', lastName: 'Ived', teamId, archived: true });
    const refused = await leads.create(agentCtx, archived, { skipTeamAndSourceRequirement: false }, null).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'archive_not_allowed', kind: 'forbidden' });
    expect(asHttp(refused)[0]).toBe(403);
  });

  it('throws each feature its own error class, with a code, in-process as over HTTP (a team name taken)', async () => {
    const manager = await contexts.forMember(accountId, owner, 'config:manage');
    const taken = await app
      .get(TeamsService)
      .create(manager, await validateInput(CreateTeamDto, { name: 'HOST TEAM' }))
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(TeamError);
    expect(taken).toMatchObject({ code: 'name_taken', kind: 'conflict' });
    const http = await new Client(app, leadDeskToken(owner), accountId).post('/teams', { name: 'host team' });
    expect(asHttp(taken)).toEqual([http.status, http.body]);
    expect(http).toMatchObject({ status: 409, body: { error: 'a team with this name already exists in the account' } });
  });

  it("answers Lead Desk's domain errors on a host route with DomainErrorFilter, as Lead Desk's routes do", async () => {
    const route = (id: number | string) => call(app, { method: 'GET', url: `/host/teams/${accountId}/${id}` });
    expect(await route(teamId)).toMatchObject({ status: 403, body: { error: 'You do not have access to this account' } });
    const admin = await contexts.forMember(accountId, owner, 'members:manage');
    await app.get(MembersService).add(admin, await validateInput(AddMemberDto, { email: HOST_SERVICE_USER, role: 'viewer' }));
    expect(await route(teamId)).toMatchObject({ status: 200, body: { id: teamId, accountId, name: 'Host team' } });
    const missing = await route(999_999);
    expect([missing.status, missing.body]).toEqual([404, { error: 'team not found' }]);
    // the same answer as Lead Desk's own route
    const leadDeskAnswer = await new Client(app, leadDeskToken(owner), accountId).get('/teams/999999');
    expect([missing.status, missing.body]).toEqual([leadDeskAnswer.status, leadDeskAnswer.body]);
  });

  it("creates leads through Lead Desk's routes with a Lead Desk JWT, continuing the same rotation", async () => {
    const api = new Client(app, leadDeskToken(owner), accountId);
    const created = await api.post('/leads', { firstName: 'Grace', lastName: 'Over HTTP', teamId });
    expect(created.status).toBe(201);
    // Three in-process leads took agents 0, 1, 0: the rotation is one, whichever way a lead comes in.
    expect(created.body).toMatchObject({ accountId, teamId, assignedTo: agents[1], createdBy: owner });
    expect(created.body.auditLog[0]).toMatchObject({
      event: 'lead_created',
      user: owner,
      requestMethod: 'POST',
      requestPath: '/leads',
      requestHeaders: expect.objectContaining({ authorization: '[REDACTED]', 'x-account-id': accountId }),
      data: expect.objectContaining({ assignment: expect.objectContaining({ rotationId, user: agents[1] }) }),
    });

    const list = await api.get('/leads?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(4);

    // No token: 401. Another account's owner: 403. Both in Lead Desk's error shape.
    expect(await call(app, { method: 'POST', url: '/leads', account: accountId, body: { firstName: 'A', lastName: 'B', teamId } })).toMatchObject({
      status: 401,
      body: { error: expect.any(String) },
    });
    const otherOwner = newEmail('host-other');
    const other = await new Client(app, leadDeskToken(otherOwner)).post('/accounts', { name: 'Another host account' });
    expect(other.status).toBe(201);
    const foreign = await new Client(app, leadDeskToken(otherOwner), accountId).post('/leads', { firstName: 'A', lastName: 'B', teamId });
    expect(foreign).toMatchObject({ status: 403, body: { error: 'You do not have access to this account' } });
    // Deny by default still holds on Lead Desk's routes: no x-account-id, 400.
    expect(await new Client(app, leadDeskToken(owner)).get('/leads')).toMatchObject({ status: 400, body: { error: 'x-account-id header is required' } });
  });

  it('reads a lead created over HTTP through its own Repository<LeadEntity>, typed', async () => {
    const api = new Client(app, leadDeskToken(owner), accountId);
    const created = await api.post('/leads', {
      firstName: 'Edsger',
      lastName: 'Repository',
      email: 'Edsger@Example.com',
      teamId,
      monthlyTransactionVolume: 9_007_199_254_740_991,
      lastContacted: '2026-01-02T03:04:05.000Z',
    });
    expect(created.status).toBe(201);
    const reports = app.get(HostLeadReports);
    const lead = await reports.lead(accountId, created.body.id);
    expect(lead).toBeInstanceOf(LeadEntity);
    const row = lead!;
    expect(row).toMatchObject({
      id: created.body.id,
      accountId,
      teamId,
      leadSourceId: null,
      firstName: 'Edsger',
      lastName: 'Repository',
      email: 'Edsger@Example.com',
      assignedTo: created.body.assignedTo,
      createdBy: owner,
      archived: false,
      applicationId: null,
      // bigint columns come as strings: exact beyond 2^53 too
      monthlyTransactionVolume: '9007199254740991',
    });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(row.createdAt.toISOString()).toBe(created.body.createdAt);
    expect(row.lastContacted?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    // The account is part of every where: the same id in another account is not there.
    expect(await reports.lead('999999999', created.body.id)).toBeNull();
    expect((await reports.assignedTo(accountId, created.body.assignedTo)).map((l) => l.id)).toContain(created.body.id);
  });

  it("rate-limits Lead Desk's routes with the host's options, and only them", async () => {
    let status = 0;
    let retryAfter: unknown;
    for (let i = 0; i <= ANON_LIMIT && status !== 429; i++) {
      const res = await call(app, { method: 'GET', url: '/teams', account: accountId });
      status = res.status;
      retryAfter = res.headers['retry-after'];
    }
    expect(status).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await call(app, { method: 'GET', url: '/host/ping' })).status).toBe(200);
  });

  it('refuses bad options, naming each one', () => {
    expect(() => leadDeskConfig({ jwt: { secret: 'short' }, rateLimit: { perMinute: -1, redisUrl: 'http://x' }, membershipCacheMs: 1.5 })).toThrow(
      'Invalid LeadDeskModule options:\n  jwt.secret: required, a string of at least 16 characters\n  rateLimit.perMinute: an integer >= 0 when set\n' +
        '  rateLimit.redisUrl: a redis:// or rediss:// URL when set\n  membershipCacheMs: an integer from 0 to 60000 when set',
    );
    const config = leadDeskConfig({ jwt: LEAD_DESK_JWT });
    expect(config.rateLimit).toEqual({ perMinute: 1200, anonPerMinute: 60, redisUrl: undefined });
    expect(config.database).toMatchObject({ migrationsRun: false, membershipCacheMs: 1000 });
  });
});
