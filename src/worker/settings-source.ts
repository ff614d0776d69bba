/**
 * The admin's settings as last seen. Batches read them fresh in their snapshot (so a change
 * applies to the next call) and report them here with observe(); readiness and the CLI's
 * checks read them through get(), from the org when nothing was seen within the TTL.
 * Invalid settings are reported, never guessed around.
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

  /** The settings seen within the TTL, without asking the org; null when there are none. */
  peek(): SettingsResult | null {
    return this.cached && this.now() - this.cached.at < this.ttlMs ? this.cached.result : null;
  }

  /** The settings a batch just read. */
  observe(result: SettingsResult): void {
    this.cached = { result, at: this.now() };
  }

  /** Forget the cache: the next get() reads the org. */
  invalidate(): void {
    this.cached = null;
  }
}
