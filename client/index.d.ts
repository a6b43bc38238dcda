// `lead-desk/client`: the OpenAPI types of the HTTP API (generated into schema.d.ts by `npm run openapi`), for a
// typed client against a running server, e.g. with openapi-fetch:
//   import createClient from 'openapi-fetch';
//   import type { paths } from 'lead-desk/client';
//   const api = createClient<paths>({ baseUrl: 'http://localhost:3000', headers: { authorization: `Bearer ${token}` } });
export * from './schema';
