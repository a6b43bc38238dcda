import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to PostgreSQL that, once armed, cuts the client's connection right after forwarding the first
 * message that contains `marker`: the statement reaches the server (and commits), its answer never comes back.
 * What a client sees when the connection is lost after a statement was sent.
 */
export class StatementCutter {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private marker: Buffer | null = null;
  private onCut?: () => void;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** How long the server side stays open after the cut, so the statement it received runs to its commit. */
    private readonly upstreamGraceMs = 1000,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      let tail = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        const seen = Buffer.concat([tail, chunk]);
        tail = seen.subarray(Math.max(0, seen.length - 256));
        upstream.write(chunk);
        if (this.marker && seen.includes(this.marker)) {
          this.marker = null;
          client.destroy();
          setTimeout(() => upstream.destroy(), this.upstreamGraceMs).unref();
          this.onCut?.();
        }
      });
      upstream.pipe(client);
      client.on('end', () => upstream.end());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Cuts the next connection that sends `marker`; resolves when it did. */
  arm(marker: string): Promise<void> {
    this.marker = Buffer.from(marker);
    return new Promise((resolve) => (this.onCut = resolve));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
