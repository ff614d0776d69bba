/**
 * The admin's settings, read from the org and cached: a change applies within the TTL
 * (30 s), without a restart. Invalid settings are reported, never guessed around.
 */
import type { SettingsResult } from '../settings/parse';
import { parseSettings } from '../settings/parse';
import type { OrgGateway } from '../salesforce/gateway';

export class SettingsSource {
  private cached: { result: SettingsResult; at: number } | null = null;

  constructor(
    private readonly gateway: Pick<OrgGateway, 'readSettings'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now
  ) {}

  async get(): Promise<SettingsResult> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.result;
    const result = parseSettings(await this.gateway.readSettings());
    this.cached = { result, at: this.now() };
    return result;
  }

  /** Forget the cache: the next get() reads the org. */
  invalidate(): void {
    this.cached = null;
  }
}
