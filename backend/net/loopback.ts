/**
 * Loopback checks, one definition for every caller: the bind address and the `Host` header
 * (dev token endpoint, scenario library) and a peer's socket address (`GET /metrics`).
 */
import { isIP } from 'node:net';

/**
 * Whether a host names this machine's loopback interface: `localhost`, an IPv4 literal in
 * 127.0.0.0/8, or `::1` (bare or in brackets), with or without a `:port` (so a bind address
 * and a `Host` header both fit). Names that only start like one (`127.example.com`,
 * `localhost.evil.test`) are not loopback. The one definition used by every check.
 */
export function isLoopbackHost(host: string | undefined | null): boolean {
  if (!host) return false;
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end < 0) return false;
    const rest = name.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return false;
    name = name.slice(1, end);
  } else if (isIP(name) !== 6) {
    name = name.replace(/:\d{1,5}$/, '');
  }
  if (name === 'localhost') return true;
  const family = isIP(name);
  if (family === 4) return name.split('.')[0] === '127';
  if (family === 6) {
    try {
      return new URL(`http://[${name}]/`).hostname === '[::1]';
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Whether a peer's socket address (`req.socket.remoteAddress`) is this machine's loopback:
 * 127.0.0.0/8 (also IPv4-mapped, `::ffff:127.0.0.1`) or `::1`. Names are not addresses.
 */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false;
  const v4 = /^::ffff:/i.test(address) ? address.slice(7) : address;
  return isIP(v4) !== 0 && isLoopbackHost(v4);
}
