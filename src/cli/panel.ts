/**
 * What `serve` answers the settings panel (server/panel-api.ts; in the local console, the same
 * functions without the callout): a settings preview, the API share, phone-data health runs.
 */
import type { AircallApi } from '../aircall-api/client';
import { countryOf } from '../aircall/phone';
import type { ServiceConfig } from '../config';
import type { HealthReport } from '../health/health';
import { phoneHealth } from '../health/health';
import { previewSettings } from '../preview/preview';
import type { PanelApi } from '../server/panel-api';
import type { SettingsRow } from '../settings/parse';
import { agentLines } from './agents';
import type { Pipeline } from './pipeline';

export interface HealthRun {
  readonly state: 'idle' | 'running' | 'done' | 'failed';
  readonly startedAt: number | null;
  readonly progress: { readonly requests: number; readonly of: number } | null;
  readonly report: HealthReport | null;
  readonly error: string | null;
}

/** The country most of the company's lines are in: how its customers' national numbers are written. */
export function linesCountry(lines: ReadonlySet<string>): string | null {
  const counts = new Map<string, number>();
  for (const e164 of lines) {
    const cc = countryOf(e164);
    if (cc) counts.set(cc, (counts.get(cc) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** The agents no Salesforce user gets the calls of (R12), for the health report. */
export function unmatchedAgents(pipeline: Pipeline, api: AircallApi): () => Promise<HealthReport['agentsWithoutUser']> {
  return async () => {
    const agents = await api.users();
    const emails = agents.map((a) => a.email).filter((e): e is string => e !== null);
    const read = await pipeline.gateway.read({ numbers: [], emails, externalIds: [] });
    return agentLines(agents, read.users)
      .filter((l) => l.salesforceUserId === null)
      .map((l) => ({ id: l.aircallUserId, name: l.name, email: l.email }));
  };
}

export function panelServices(
  pipeline: Pipeline,
  config: ServiceConfig,
  api: AircallApi | null
): Omit<PanelApi, 'secret'> {
  let run: HealthRun = { state: 'idle', startedAt: null, progress: null, report: null, error: null };
  const lines = () => new Set([...pipeline.inbox.companyLines(), ...config.companyNumbers]);
  return {
    async preview(draft, days) {
      // previewSettings refuses a draft that is no object of Aircall_Settings__c fields.
      return previewSettings(
        {
          inbox: pipeline.inbox,
          gateway: pipeline.gateway,
          ownNumbers: lines(),
          retentionMs: config.retentionMs
        },
        { draft: draft as SettingsRow, days: days === undefined || days === null ? 7 : Number(days) }
      );
    },
    status() {
      const share = pipeline.share.state;
      return { apiShare: { pressure: share.pressure, used24h: share.ownUsed, cap: share.cap, reason: share.reason } };
    },
    startHealth(country) {
      if (run.state === 'running') return run;
      run = { state: 'running', startedAt: Date.now(), progress: null, report: run.report, error: null };
      const companyLines = lines();
      void phoneHealth(
        {
          gateway: pipeline.gateway,
          inbox: pipeline.inbox,
          companyLines,
          agentsWithoutUser: api ? unmatchedAgents(pipeline, api) : null,
          onProgress: (progress) => (run = { ...run, progress })
        },
        { defaultCountry: country ?? linesCountry(companyLines), days: 7 }
      ).then(
        (report) => (run = { ...run, state: 'done', report }),
        (error: unknown) =>
          (run = { ...run, state: 'failed', error: error instanceof Error ? error.message : String(error) })
      );
      return run;
    },
    health() {
      return run;
    }
  };
}
