import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCTION_NODE_ARGS } from './support/server-process';

describe('packaging', () => {
  it('the Docker image starts the server as `npm run start:prod` does (same node flags)', () => {
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...PRODUCTION_NODE_ARGS, 'dist/main.js']);
    expect(PRODUCTION_NODE_ARGS).toContain('--max-old-space-size=160');
  });
});
