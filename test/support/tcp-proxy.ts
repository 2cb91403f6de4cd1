/**
 * A TCP proxy of our own in front of a real server (PostgreSQL, Redis) on 127.0.0.1: `cut()`
 * drops every connection and stops listening (the dependency looks down: connections are
 * refused), `open(port)` listens again on the same port. The shared servers themselves are
 * never touched. Used by the outage tests and `npm run soak`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export class CuttableProxy {
  #server: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  /** A proxy for the host:port of a `postgres://` or `redis://` URL. */
  static forUrl(url: string, defaultPort: number): CuttableProxy {
    const parsed = new URL(url);
    return new CuttableProxy({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) });
  }

  /** The same URL, pointing at the proxy (call after `open`). */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  get isOpen(): boolean {
    return this.#server !== null;
  }

  async open(port = this.port): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.#sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    // The port was ours a moment ago; retry briefly while the kernel frees it.
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (err) {
        if (attempt >= 50 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
}
