// A host service on Fastify with Lead Desk inside: it starts, creates an account and a token in code, creates
// a lead in-process (LeadsService, as POST /leads would) and one over HTTP (Lead Desk's typed client), then
// keeps serving, or exits with `--demo-only`.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AccountContexts,
  AccountsService,
  inProcessActor,
  LeadInputDto,
  LeadsService,
  signLeadDeskToken,
  userPrincipal,
  validateInput,
} from 'lead-desk';
import type { paths } from 'lead-desk/client';
import createClient from 'openapi-fetch';
import { AppModule, settings } from './app.module';

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
  await app.listen({ port: settings.port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${settings.port}`;

  // An account, created in code for a user of the host (who becomes its owner).
  const owner = 'owner@host.example.com';
  const account = await app.get(AccountsService).create(userPrincipal(owner), inProcessActor(owner), 'Host example account');

  // A lead in-process: the membership and role check the account guard makes, the routes' validation, then
  // the same rules, rotation and audit entry as POST /leads.
  const ctx = await app.get(AccountContexts).forMember(account.id, owner, 'leads:write');
  const input = await validateInput(LeadInputDto, { firstName: 'Grace', lastName: 'Hopper', company: 'Cobol Systems' });
  const { body: inProcess } = await app.get(LeadsService).create(ctx, input, { skipTeamAndSourceRequirement: false }, null);

  // A lead over HTTP: a Lead Desk token for the same user, and the typed client against this server.
  const token = signLeadDeskToken(settings.leadDesk.jwt, owner);
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
  const created = await api.POST('/leads', {
    params: { header: { 'x-account-id': account.id } },
    body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
  });
  if (!created.data) throw new Error(`POST /leads answered ${created.response.status}: ${JSON.stringify(created.error)}`);
  const listed = await api.GET('/leads', { params: { header: { 'x-account-id': account.id } } });
  const hello = (await (await fetch(`${baseUrl}/hello`)).json()) as { hello: string };

  console.log(
    JSON.stringify({
      accountId: account.id,
      inProcessLead: { id: inProcess.id, createdBy: inProcess.createdBy },
      httpLead: { id: created.data.id, status: created.response.status },
      listed: listed.data?.data.map((lead) => `${lead.firstName} ${lead.lastName}`),
      hello: hello.hello,
    }),
  );

  if (process.argv.includes('--demo-only')) await app.close();
  else console.log(`Host example listening on ${baseUrl} (Lead Desk's routes: /leads, /teams, ...; the host's: /hello)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
