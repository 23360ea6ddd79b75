/**
 * Health-aware HLS (opt-in: `outputs.hls.healthAware`). An instance whose program is on its
 * safety source or blank, or whose playlists are not current (just restarted, encoder stuck),
 * steps aside: its playlists and /readyz answer 503, so a cache (`proxy_next_upstream
 * http_503`), a load balancer or Kubernetes readiness sends listeners to a peer instance that
 * still has the studio. Segments are served, except those this instance made while degraded:
 * the peer publishes the same names with the studio in them, and a cache must fetch those from
 * the peer rather than from the primary that still answers for its older segments.
 *
 * Never off air, without knowing the peer: a request carrying `X-Antenne-Accept-Degraded: 1`
 * is always served. The cache asks every instance normally first and, only when all of them
 * said 503, asks again with that header (nginx: `error_page 503 = @degraded`). So when both
 * instances are degraded, both serve. Every playlist response says what the instance is in
 * `X-Antenne-Health` (`ok`, or the reason), whatever it answers.
 */
import type { ProgramHealth } from "../../types/index.js";

/** Request and response header names (lower case, as Node gives request headers). */
export const ACCEPT_DEGRADED_HEADER = "x-antenne-accept-degraded";
export const HEALTH_HEADER = "x-antenne-health";

/** What the /hls/ route asks before serving a playlist or a segment. */
export interface PlaylistGate {
  /** Null to serve, else the reason for a 503. */
  playlist(acceptDegraded: boolean): string | null;
  /** Null to serve the segment file `name`, else the reason for a 503. */
  segment(name: string, acceptDegraded: boolean): string | null;
  /** "ok", or why the instance would step aside. */
  state(): string;
}

export type Readiness = { ok: true } | { ok: false; reason: string };

export interface HealthGateOptions {
  healthAware: boolean;
  health: ProgramHealth;
  /** Whether the playlists are current (a fresh segment in every variant). */
  fresh: () => Readiness;
}

export class HealthGate implements PlaylistGate {
  /** Segments made while degraded that are still on disk. */
  private readonly degradedNames = new Set<string>();

  constructor(private readonly o: HealthGateOptions) {}

  markDegraded(name: string): void {
    if (this.o.healthAware) this.degradedNames.add(name);
  }

  forget(name: string): void {
    this.degradedNames.delete(name);
  }

  segment(name: string, acceptDegraded: boolean): string | null {
    if (acceptDegraded || !this.degradedNames.has(name)) return null;
    return "segment made while degraded: a peer instance should serve it (healthAware)";
  }

  /** What /readyz gets from the HLS output. */
  ready(): Readiness {
    const fresh = this.o.fresh();
    if (!fresh.ok || !this.o.healthAware) return fresh;
    const degraded = this.o.health.degraded();
    return degraded === null
      ? fresh
      : { ok: false, reason: `${degraded}: a peer instance should serve (healthAware)` };
  }

  /** Null when a playlist request is served, else the reason for its 503. */
  playlist(acceptDegraded: boolean): string | null {
    if (!this.o.healthAware || acceptDegraded) return null;
    const r = this.ready();
    return r.ok ? null : r.reason;
  }

  /** The raw state for `X-Antenne-Health`: "ok", or why this instance would step aside. */
  state(): string {
    const fresh = this.o.fresh();
    if (!fresh.ok) return `stale: ${fresh.reason}`;
    const degraded = this.o.health.degraded();
    return degraded === null ? "ok" : `degraded: ${degraded}`;
  }
}
