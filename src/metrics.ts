/** Prometheus text-format metrics: counters, gauges and one histogram, no dependency. */
type Labels = Readonly<Record<string, string>>;

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}` : '';
};

class Family {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge'
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines;
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[]
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i]! += 1;
    });
    this.sum += value;
    this.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`
    );
    return lines;
  }
}

export class Metrics {
  readonly eventsReceived = new Family('aircall_events_received_total', 'Webhook requests received.', 'counter');
  readonly eventsAccepted = new Family(
    'aircall_events_accepted_total',
    'Events stored durably (by event name).',
    'counter'
  );
  readonly eventsRejected = new Family(
    'aircall_events_rejected_total',
    'Webhook requests rejected, by reason.',
    'counter'
  );
  readonly eventsIgnored = new Family(
    'aircall_events_ignored_total',
    'Valid events the product does not use.',
    'counter'
  );
  readonly callsLogged = new Family(
    'aircall_items_logged_total',
    'Calls and messages logged (Task written), by kind.',
    'counter'
  );
  readonly callsSkipped = new Family(
    'aircall_items_skipped_total',
    'Calls and messages not logged, by reason.',
    'counter'
  );
  readonly callsFailed = new Family(
    'aircall_items_failed_total',
    'Calls and messages that became dead letters.',
    'counter'
  );
  readonly retries = new Family('aircall_retries_total', 'Transient failures retried later, by error code.', 'counter');
  readonly apiRequests = new Family(
    'salesforce_api_requests_used',
    'Daily API requests used, from Sforce-Limit-Info.',
    'gauge'
  );
  readonly apiLimit = new Family(
    'salesforce_api_requests_limit',
    'Daily API request allocation, from Sforce-Limit-Info.',
    'gauge'
  );
  readonly apiCalls = new Family(
    'salesforce_requests_total',
    'REST requests this service sent, by purpose.',
    'counter'
  );
  readonly apiShareUsed = new Family(
    'aircall_api_requests_24h',
    "This service's Salesforce API requests over the last 24 hours, every process counted (A1).",
    'gauge'
  );
  readonly apiShareCap = new Family(
    'aircall_api_share_requests',
    "The share of the org's daily API requests this service may use (API_Share__c of the org's maximum); absent without a cap.",
    'gauge'
  );
  readonly apiSharePressure = new Family(
    'aircall_api_pressure',
    "How hard the service batches to save API requests: 0 as usual, 1 near its share or the org's limit, 2 at it.",
    'gauge'
  );
  readonly inboxDepth = new Family('aircall_inbox_depth', 'Items waiting in the inbox.', 'gauge');
  readonly reconcileRuns = new Family(
    'aircall_reconcile_runs_total',
    "Reconciliations with Aircall's API, by outcome (ok, failed).",
    'counter'
  );
  readonly reconcileFed = new Family(
    'aircall_reconcile_calls_fed_total',
    'Calls found by reconciliation that no webhook had brought.',
    'counter'
  );
  readonly webhookActive = new Family(
    'aircall_webhook_active',
    "Whether Aircall's webhook for this service is active (1), disabled (0), or not found (-1).",
    'gauge'
  );
  readonly webhookReenabled = new Family(
    'aircall_webhook_reenabled_total',
    'Times the service re-enabled a webhook Aircall had disabled.',
    'counter'
  );
  readonly cardsPosted = new Family('aircall_cards_posted_total', 'Insight cards posted on ringing calls.', 'counter');
  readonly cardsNotPosted = new Family(
    'aircall_cards_not_posted_total',
    'Ringing calls that got no insight card, by reason (none is queued for later).',
    'counter'
  );
  readonly readsKept = new Family(
    'aircall_batches_on_kept_reads_total',
    "Batches logged on a read taken for insight cards (no org read of their own), by the read's kind (waiting, ringing).",
    'counter'
  );
  readonly itemsDeferred = new Family(
    'aircall_items_deferred_total',
    'Items of a batch put back to wait, within their own batch window, for a read that covers them: the rest of the batch went on kept reads.',
    'counter'
  );
  readonly cardLatency = new Histogram(
    'aircall_card_seconds',
    'From call.created accepted to its insight card posted.',
    [0.25, 0.5, 1, 1.5, 2, 5, 10]
  );
  readonly latency = new Histogram(
    'aircall_webhook_to_task_seconds',
    'From the event that changed an item to its Task written.',
    [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]
  );

  render(): string {
    // Every Family field is rendered: a metric added above cannot be forgotten here.
    const families = Object.values(this).filter((v): v is Family => v instanceof Family);
    return (
      [...families.flatMap((f) => f.render()), ...this.latency.render(), ...this.cardLatency.render()].join('\n') + '\n'
    );
  }
}
