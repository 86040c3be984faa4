import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** The name a process holds sync leases under: its host, its process id, and what it is (`mzi sync`, a service). */
export function leaseOwner(label: string): string {
  return `${hostname()}:${process.pid}:${label}:${randomUUID().slice(0, 8)}`.slice(0, 128);
}

/**
 * Whether a lease's owner is a process of this host that no longer runs (killed, crashed): its lease may be
 * taken over at once instead of when it expires. Owners on other hosts are never judged dead here.
 */
export function isDeadLocalOwner(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
