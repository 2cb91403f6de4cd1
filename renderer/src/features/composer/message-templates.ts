/** Composer templates: valid messages of each type and deliberately broken ones. */
import { MAX_MESSAGE_BYTES } from '../../../../protocol/index.ts';

const id = () => `m_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

export interface Template {
  name: string;
  /** `agent`: the agent picked in the composer (null: the server's default). */
  build(context: { lastRunId: string | null; agent?: string | null }): string;
}

export const TEMPLATES: Template[] = [
  {
    name: 'user_message',
    // the scripted agent needs a script: a short one, so the template stays valid with it picked
    build: ({ agent }) =>
      pretty({
        type: 'user_message',
        message_id: id(),
        payload: {
          content: 'what is 2 + 2?',
          ...(agent ? { agent } : {}),
          ...(agent === 'scripted' ? { script: [{ think: 'adding' }, { respond: '4' }] } : {}),
        },
      }),
  },
  {
    name: 'scripted run',
    build: () =>
      pretty({
        type: 'user_message',
        message_id: id(),
        payload: {
          content: 'scripted demo',
          agent: 'scripted',
          script: [{ think: 'planning' }, { tool: 'lookup', args: { q: 'demo' }, result: { hits: 3 }, delay_ms: 150 }, { respond: 'done' }],
        },
      }),
  },
  { name: 'ping', build: () => pretty({ type: 'ping', message_id: id() }) },
  { name: 'cancel_run', build: ({ lastRunId }) => pretty({ type: 'cancel_run', message_id: id(), payload: { run_id: lastRunId ?? 'run_id_here' } }) },
  { name: 'resume', build: ({ lastRunId }) => pretty({ type: 'resume', message_id: id(), payload: { run_id: lastRunId ?? 'run_id_here', after_seq: 0 } }) },
  { name: 'malformed JSON', build: () => '{"type": "user_message", "payload": {"content": "oops"' },
  {
    name: 'oversized',
    build: () => pretty({ type: 'user_message', message_id: id(), payload: { content: 'x'.repeat(MAX_MESSAGE_BYTES + 100) } }),
  },
  { name: 'wrong types', build: () => pretty({ type: 'user_message', message_id: 42, priority: 'urgent', payload: { content: 7 } }) },
];
