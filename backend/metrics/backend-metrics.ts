/**
 * The backend's Prometheus metrics (prom-client), one registry per backend: what operators
 * and the benchmark read at `GET /metrics` (docs/deployment.md lists them). Counters are
 * bumped where things happen; gauges (connections, queue depth, bus subscriptions) are read
 * when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ioCounters } from './io-counters.ts';

/** Seconds: from sub-millisecond (an embedded commit) to a minute (a long run). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface MetricsSources {
  connectionsByTransport(): Record<string, number>;
  queueDepth(): Promise<number>;
  busSubscriptions(): number;
}

export class BackendMetrics {
  readonly registry = new Registry();
  readonly messagesAccepted = new Counter({
    name: 'flowscope_messages_accepted_total',
    help: 'Agent messages accepted (message_ack sent, duplicates included).',
    registers: [this.registry],
  });
  readonly messagesRefused = new Counter({
    name: 'flowscope_messages_refused_total',
    help: 'Inbound messages refused with an error envelope, by error code.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly runsFinished = new Counter({
    name: 'flowscope_runs_finished_total',
    help: 'Runs ended by this process, by final status.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly eventsEmitted = new Counter({
    name: 'flowscope_events_emitted_total',
    help: 'Run events this process stored and published, by type.',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly busPublished = new Counter({
    name: 'flowscope_bus_messages_published_total',
    help: 'Messages this process put on the cross-process bus, by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly busReceived = new Counter({
    name: 'flowscope_bus_messages_received_total',
    help: 'Messages this process received from the cross-process bus and parsed, by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'flowscope_queue_wait_seconds',
    help: 'From a run accepted to its start (claimed by an engine).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly timeToFirstEvent = new Histogram({
    name: 'flowscope_time_to_first_event_seconds',
    help: 'From a run accepted to its first event (agent_started) published.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'flowscope_run_duration_seconds',
    help: 'From a run started to its agent_completed published.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly persistLatency = new Histogram({
    name: 'flowscope_persist_latency_seconds',
    help: 'Time to commit one write of run events (a batch, or a run end with its last events).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'flowscope_process_' });
    new Gauge({
      name: 'flowscope_connections',
      help: 'Open client connections on this process, by transport.',
      labelNames: ['transport'],
      registers: [this.registry],
      collect() {
        const counts = { socketio: 0, ws: 0, ...sources.connectionsByTransport() };
        for (const [transport, n] of Object.entries(counts)) this.set({ transport }, n);
      },
    });
    new Gauge({
      name: 'flowscope_queue_depth',
      help: 'Runs queued, in the whole deployment (read from the store when scraped; -1 when the store does not answer).',
      registers: [this.registry],
      async collect() {
        this.set(await sources.queueDepth().catch(() => -1));
      },
    });
    // The process-wide I/O counters (io-counters.ts), read when scraped.
    const io: Array<[string, string, keyof typeof ioCounters]> = [
      ['flowscope_store_statements_total', 'SQL statements sent to the store (PostgreSQL: BEGIN and COMMIT included), in this process.', 'storeStatements'],
      [
        'flowscope_store_transactions_total',
        'Store transactions (a SQLite batch, a PostgreSQL BEGIN..COMMIT or lone statement), in this process.',
        'storeTransactions',
      ],
      [
        'flowscope_store_worker_checkpoints_total',
        'SQLite WAL checkpoints run by the checkpoint worker thread, off the event loop, in this process.',
        'storeCheckpoints',
      ],
      [
        'flowscope_cache_round_trips_total',
        'Requests to the cache server (a pipeline is one; the in-process cache makes none), in this process.',
        'cacheRoundTrips',
      ],
    ];
    for (const [name, help, key] of io) {
      let last = 0;
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          const now = ioCounters[key];
          this.inc(Math.max(0, now - last));
          last = now;
        },
      });
    }
    new Gauge({
      name: 'flowscope_bus_subscriptions',
      help: 'Users whose bus channel this process is subscribed to (its connected and executing users).',
      registers: [this.registry],
      collect() {
        this.set(sources.busSubscriptions());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
