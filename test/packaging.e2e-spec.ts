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

describe('packaging files', () => {
  const read = (file: string) => readFileSync(join(__dirname, '..', file), 'utf8');

  it('docker-compose restarts both services unless stopped, keeps PostgreSQL in a named volume, and the image declares no anonymous volume', () => {
    const compose = read('docker-compose.yml');
    const services = compose.split(/\n(?=  \w+:\n)/).filter((block) => /^  (db|api):/.test(block));
    expect(services).toHaveLength(2);
    for (const block of services) expect(block).toMatch(/\n    restart: unless-stopped\n/);
    expect(compose).toMatch(/- db-data:\/var\/lib\/postgresql\/data/);
    expect(read('Dockerfile')).not.toMatch(/^VOLUME/m);
  });

  it('npm pack output and .env stay out of git and the Docker build context', () => {
    expect(read('.gitignore').split('\n')).toEqual(expect.arrayContaining(['*.tgz', '.env']));
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['*.tgz', '.env']));
  });

  it('the README links the contract a clone has (docs/API.md) and names the health routes and the Docker token command', () => {
    const readme = read('README.md');
    expect(readme).toContain('](docs/API.md)');
    expect(read('docs/API.md')).toMatch(/^# /);
    expect(readme).not.toContain('../shared/API.md');
    for (const text of ['/health/live', '/health/ready', 'node dist/main.js token --email', 'node dist/main.js --help']) expect(readme).toContain(text);
  });
});
