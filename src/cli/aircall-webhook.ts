import { AircallApi } from '../aircall-api/client';
import { AI_EVENTS } from '../aircall/ai';
import { CARD_EVENTS } from '../aircall/read';
import { CALL_EVENTS, MESSAGE_EVENTS } from '../aircall/schemas';
import type { Command } from './command';
import { configFrom, parseCommand, requireAircallApi, usageError } from './command';

const USAGE = `Usage: aircall-sf aircall-webhook --url https://HOST/webhooks/aircall

Creates the Aircall webhook this service receives, with the events it uses, or, when one with
that URL exists, sets its events and re-enables it (Aircall disables a webhook that keeps
failing). Prints what to put in AIRCALL_WEBHOOK_TOKEN; the last stdout line is the webhook as
JSON. Needs AIRCALL_API_ID and AIRCALL_API_TOKEN.`;

/** The path serve answers Aircall's webhook on (server/app.ts). */
export const WEBHOOK_PATH = '/webhooks/aircall';

/**
 * The events the product acts on (aircall/schemas.ts): a webhook with fewer misses updates;
 * call.created starts a call's insight card (aircall/read.ts, src/cards/).
 */
export const WEBHOOK_EVENTS: readonly string[] = [...CARD_EVENTS, ...CALL_EVENTS, ...MESSAGE_EVENTS, ...AI_EVENTS];

export const aircallWebhookCommand: Command = {
  name: 'aircall-webhook',
  summary: "create or re-enable the service's Aircall webhook",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, { url: { type: 'string' } });
    if (positionals.length > 0 || typeof values.url !== 'string')
      throw usageError(USAGE, 'aircall-webhook takes --url, the public URL of /webhooks/aircall.');
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw usageError(
        USAGE,
        `--url must be a URL such as https://aircall.acme.com/webhooks/aircall; got "${values.url}".`
      );
    }
    // Aircall delivers webhooks over HTTPS only (reference/aircall.md §1), and serve answers
    // one path: anything else would be a webhook that fails until Aircall disables it.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
      throw usageError(
        USAGE,
        `--url must be an https:// URL: Aircall delivers webhooks over HTTPS only (got ${url.protocol}//${url.host}). Put a reverse proxy with a certificate in front of serve (README, "Expose it to Aircall").`
      );
    if (url.pathname !== WEBHOOK_PATH || url.search !== '')
      throw usageError(
        USAGE,
        `--url must end with ${WEBHOOK_PATH}, the only path serve answers webhooks on (got ${url.pathname}${url.search}).`
      );
    const config = configFrom(values);
    const aircallApi = requireAircallApi(config, 'aircall-webhook');
    const api = new AircallApi(aircallApi);
    const existing = (await api.webhooks()).find((w) => w.url === url.toString());
    const webhook = existing
      ? await api.updateWebhook(existing.webhook_id, { url: existing.url, active: true, events: WEBHOOK_EVENTS })
      : await api.createWebhook({ url: url.toString(), custom_name: 'aircall-sf', events: WEBHOOK_EVENTS });
    // Aircall returns the token with the webhook it creates or updates (aircall.md §6).
    io.err(
      `${existing ? (existing.active ? 'Updated' : 'Re-enabled') : 'Created'} the webhook ${webhook.webhook_id} for ${webhook.url} (${WEBHOOK_EVENTS.length} events).` +
        (webhook.token ? ` Set AIRCALL_WEBHOOK_TOKEN=${webhook.token} where the service runs.` : '')
    );
    io.out(
      JSON.stringify({
        webhook_id: webhook.webhook_id,
        url: webhook.url,
        active: webhook.active,
        events: webhook.events,
        token: webhook.token ?? null
      })
    );
    return 0;
  }
};
