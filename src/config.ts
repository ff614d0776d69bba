/**
 * The service's configuration, from the environment (contract §2) and flags with the same
 * meaning. Validated once, at the boundary; messages name the variable, never its value
 * when it is a secret.
 */
import { existsSync } from 'node:fs';
import { AircallSfError, ERROR_CODES } from './errors';

/**
 * How batches read the org (SF_READ_PATH): `apex`, the package's snapshot resource, one
 * request; `rest`, documented REST resources only (src/org-api/rest-snapshot.ts), two
 * requests, for orgs that cannot run the package's Apex; `auto` (the default), the Apex
 * resource, falling back to REST while it is missing or failing.
 */
export type ReadPath = 'apex' | 'rest' | 'auto';
export const READ_PATHS: readonly ReadPath[] = ['apex', 'rest', 'auto'];

export type OrgAuth =
  | { readonly mode: 'access-token'; readonly instanceUrl: string; readonly accessToken: string }
  | {
      readonly mode: 'client-credentials';
      readonly instanceUrl: string;
      readonly loginUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | {
      readonly mode: 'jwt';
      readonly instanceUrl: string;
      readonly loginUrl: string;
      readonly clientId: string;
      readonly username: string;
      readonly keyFile: string;
    }
  | {
      readonly mode: 'refresh-token';
      readonly instanceUrl: string;
      readonly loginUrl: string;
      readonly clientId: string;
      readonly clientSecret: string | null;
      readonly refreshToken: string;
    };

export interface ServiceConfig {
  /** Null: no org configured; `serve` starts the embedded local org. */
  readonly org: OrgAuth | null;
  readonly webhookTokens: readonly string[];
  readonly port: number;
  readonly dataDir: string;
  /**
   * DATABASE_URL (postgres://…): the inbox and all service state in PostgreSQL, shared by any
   * number of `serve` processes; null: SQLite under the data dir.
   */
  readonly databaseUrl: string | null;
  /** AIRCALL_SF_RETENTION_DAYS: logged and skipped items are deleted after this long (dead letters are kept). */
  readonly retentionMs: number;
  readonly apiVersion: string;
  readonly concurrency: number;
  readonly settingsTtlMs: number;
  /** SF_NAMESPACE: the namespace of the installed managed package, or null (src/org-api/names.ts). */
  readonly namespace: string | null;
  /** SF_READ_PATH: how batches read the org (apex, rest or auto; gateway.ts). */
  readonly readPath: ReadPath;
  /** SF_REQUEST_TIMEOUT_MS: how long one org request may take before it is aborted and retried. */
  readonly requestTimeoutMs: number;
  /** METRICS_TOKEN: /metrics answers only this Bearer token. */
  readonly metricsToken: string | null;
  /** AIRCALL_SF_PANEL_SECRET: what the settings panel's callouts send (the Aircall_Service credential). */
  readonly panelSecret: string | null;
  /** AIRCALL_LIVE_CALL_EXPIRY_MINUTES: a call with no call.ended after this long is given up (skipped). */
  readonly liveCallExpiryMs: number;
  /** AIRCALL_COMPANY_NUMBERS: lines of the company, in E.164, besides those the events name. */
  readonly companyNumbers: readonly string[];
  /**
   * AIRCALL_SF_BATCH_WINDOW_MS: the latency budget of a batch. A call that ended waits up to
   * this long for others to share its two org requests, when others could join (calls still
   * live, updates); alone, it goes at once.
   */
  readonly batchWindowMs: number;
  /** AIRCALL_CARD_WINDOW_MS: how long a ringing call waits for others to share its card's org read. */
  readonly cardWindowMs: number;
  /** AIRCALL_SF_API_SHARE_CHECK_MS: how often the API use is counted and the share (A1) checked. */
  readonly shareCheckMs: number;
  /**
   * Aircall's Public API (AIRCALL_API_ID, AIRCALL_API_TOKEN, AIRCALL_API_URL, and
   * AIRCALL_API_REQUESTS_PER_MINUTE: this service's share of the company's 120); null when no
   * key is given.
   */
  readonly aircallApi: {
    readonly url: string;
    readonly apiId: string;
    readonly apiToken: string;
    readonly requestsPerMinute: number;
    /** AIRCALL_RECONCILE_MINUTES: how often `serve` reconciles with Aircall's API (default 5). */
    readonly reconcileIntervalMs: number;
    /** AIRCALL_WEBHOOK_URL: the webhook `serve` keeps enabled; else any ending in /webhooks/aircall. */
    readonly webhookUrl: string | null;
    /**
     * AIRCALL_AI: whether reconciliation fetches Aircall AI a call's webhooks did not bring
     * (`auto`, the default: once a call in its window came with AI; `on`; `off`).
     */
    readonly ai: 'auto' | 'on' | 'off';
  } | null;
}

export interface ConfigOverrides {
  readonly org?: string;
  readonly dataDir?: string;
  readonly port?: string;
}

const invalid = (message: string) => new AircallSfError(ERROR_CODES.CONFIG_INVALID, message);

function url(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(`${name} must be a URL such as https://acme.my.salesforce.com; got "${value}".`);
  }
  if (parsed.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    throw invalid(`${name} must use https (plain http is accepted for a local org on 127.0.0.1 only).`);
  }
  return value.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): ServiceConfig {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const instance = overrides.org ?? get('SF_INSTANCE_URL');
  const clientId = get('SF_CLIENT_ID');
  let org: OrgAuth | null = null;
  if (instance) {
    const instanceUrl = url(overrides.org ? '--org' : 'SF_INSTANCE_URL', instance);
    const loginUrl = get('SF_LOGIN_URL') ? url('SF_LOGIN_URL', get('SF_LOGIN_URL')!) : instanceUrl;
    if (get('SF_ACCESS_TOKEN')) {
      org = { mode: 'access-token', instanceUrl, accessToken: get('SF_ACCESS_TOKEN')! };
    } else if (clientId && get('SF_REFRESH_TOKEN')) {
      org = {
        mode: 'refresh-token',
        instanceUrl,
        loginUrl,
        clientId,
        clientSecret: get('SF_CLIENT_SECRET') ?? null,
        refreshToken: get('SF_REFRESH_TOKEN')!
      };
    } else if (clientId && get('SF_USERNAME') && get('SF_JWT_KEY_FILE')) {
      const keyFile = get('SF_JWT_KEY_FILE')!;
      if (!existsSync(keyFile)) throw invalid(`SF_JWT_KEY_FILE points to ${keyFile}, which does not exist.`);
      org = { mode: 'jwt', instanceUrl, loginUrl, clientId, username: get('SF_USERNAME')!, keyFile };
    } else if (clientId && get('SF_CLIENT_SECRET')) {
      org = { mode: 'client-credentials', instanceUrl, loginUrl, clientId, clientSecret: get('SF_CLIENT_SECRET')! };
    } else {
      throw invalid(
        `${overrides.org ? '--org' : 'SF_INSTANCE_URL'} is set but no credentials are: set SF_ACCESS_TOKEN, or SF_CLIENT_ID with SF_CLIENT_SECRET (client credentials), ` +
          'SF_USERNAME + SF_JWT_KEY_FILE (JWT bearer) or SF_REFRESH_TOKEN (refresh token).'
      );
    }
  }
  const tokens = (get('AIRCALL_WEBHOOK_TOKEN') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const portText = overrides.port ?? get('PORT') ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid(`PORT must be a port number (0 to 65535); got "${portText}".`);
  const concurrency = Number(get('AIRCALL_SF_CONCURRENCY') ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw invalid('AIRCALL_SF_CONCURRENCY must be a whole number >= 1.');
  const companyNumbers = (get('AIRCALL_COMPANY_NUMBERS') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const e164 = n.replace(/[\s().-]/g, '');
      if (!/^\+[1-9]\d{6,14}$/.test(e164))
        throw invalid(
          `AIRCALL_COMPANY_NUMBERS must list numbers in international form (+33 1 76 00 00 00); got "${n}".`
        );
      return e164;
    });
  const namespace = get('SF_NAMESPACE')?.trim() || null;
  // A letter, then up to 14 letters or digits (the namespace prefix Salesforce allows).
  if (namespace !== null && !/^[A-Za-z][A-Za-z0-9]{0,14}$/.test(namespace))
    throw invalid(
      `SF_NAMESPACE must be the package's namespace prefix (a letter, then up to 14 letters or digits), without "__" (got ${JSON.stringify(namespace)}).`
    );
  const readPath = (get('SF_READ_PATH') ?? 'auto') as ReadPath;
  if (!READ_PATHS.includes(readPath))
    throw invalid(`SF_READ_PATH must be one of ${READ_PATHS.join(', ')} (got ${JSON.stringify(readPath)}).`);
  const requestTimeoutMs = Number(get('SF_REQUEST_TIMEOUT_MS') ?? 30_000);
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 100)
    throw invalid('SF_REQUEST_TIMEOUT_MS must be a whole number of milliseconds >= 100.');
  const expiryMinutes = Number(get('AIRCALL_LIVE_CALL_EXPIRY_MINUTES') ?? 720);
  if (!(expiryMinutes > 0)) throw invalid('AIRCALL_LIVE_CALL_EXPIRY_MINUTES must be a number of minutes > 0.');
  const batchWindowMs = Number(get('AIRCALL_SF_BATCH_WINDOW_MS') ?? 10000);
  if (!Number.isInteger(batchWindowMs) || batchWindowMs < 0 || batchWindowMs > 60_000)
    throw invalid('AIRCALL_SF_BATCH_WINDOW_MS must be a whole number of milliseconds from 0 to 60000.');
  const cardWindowMs = Number(get('AIRCALL_CARD_WINDOW_MS') ?? 1000);
  if (!Number.isInteger(cardWindowMs) || cardWindowMs < 0 || cardWindowMs > 5000)
    throw invalid('AIRCALL_CARD_WINDOW_MS must be a whole number of milliseconds from 0 to 5000.');
  const shareCheckMs = Number(get('AIRCALL_SF_API_SHARE_CHECK_MS') ?? 5000);
  if (!Number.isInteger(shareCheckMs) || shareCheckMs < 50 || shareCheckMs > 300_000)
    throw invalid('AIRCALL_SF_API_SHARE_CHECK_MS must be a whole number of milliseconds from 50 to 300000.');
  const apiId = get('AIRCALL_API_ID');
  const apiToken = get('AIRCALL_API_TOKEN');
  if (Boolean(apiId) !== Boolean(apiToken))
    throw invalid(
      'Set both AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall: Integrations & API > API keys), or neither.'
    );
  const requestsPerMinute = Number(get('AIRCALL_API_REQUESTS_PER_MINUTE') ?? 60);
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1 || requestsPerMinute > 120)
    throw invalid(
      'AIRCALL_API_REQUESTS_PER_MINUTE must be a whole number from 1 to 120 (the company allows 120 in all).'
    );
  const reconcileMinutes = Number(get('AIRCALL_RECONCILE_MINUTES') ?? 5);
  if (!(reconcileMinutes >= 1 && reconcileMinutes <= 1440))
    throw invalid('AIRCALL_RECONCILE_MINUTES must be a number of minutes from 1 to 1440.');
  const webhookUrl = get('AIRCALL_WEBHOOK_URL');
  const aiSetting = get('AIRCALL_AI') ?? 'auto';
  const isAiSetting = (v: string): v is 'auto' | 'on' | 'off' => v === 'auto' || v === 'on' || v === 'off';
  if (!isAiSetting(aiSetting))
    throw invalid(
      'AIRCALL_AI must be auto (the default: fetch missed Aircall AI once the company is seen to have it), on or off.'
    );
  const databaseUrl = get('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw invalid('DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/aircall_sf.');
  const retentionDays = Number(get('AIRCALL_SF_RETENTION_DAYS') ?? 30);
  if (!(retentionDays >= 1 && retentionDays <= 3650))
    throw invalid('AIRCALL_SF_RETENTION_DAYS must be a number of days from 1 to 3650.');
  const aircallApi =
    apiId && apiToken
      ? {
          url: url('AIRCALL_API_URL', get('AIRCALL_API_URL') ?? 'https://api.aircall.io'),
          apiId,
          apiToken,
          requestsPerMinute,
          reconcileIntervalMs: reconcileMinutes * 60_000,
          webhookUrl: webhookUrl ? url('AIRCALL_WEBHOOK_URL', webhookUrl) : null,
          ai: aiSetting
        }
      : null;
  return {
    org,
    aircallApi,
    batchWindowMs,
    cardWindowMs,
    shareCheckMs,
    webhookTokens: tokens,
    companyNumbers,
    metricsToken: get('METRICS_TOKEN') ?? null,
    panelSecret: get('AIRCALL_SF_PANEL_SECRET') ?? null,
    liveCallExpiryMs: expiryMinutes * 60_000,
    requestTimeoutMs,
    readPath,
    namespace,
    port,
    dataDir: overrides.dataDir ?? get('DATA_DIR') ?? '.aircall-sf',
    databaseUrl,
    retentionMs: retentionDays * 24 * 60 * 60_000,
    apiVersion: get('SF_API_VERSION') ?? '62.0',
    concurrency,
    settingsTtlMs: 30_000
  };
}
