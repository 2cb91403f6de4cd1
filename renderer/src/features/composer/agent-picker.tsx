/**
 * The agent a user_message names, picked from the target's `GET /api/agents` (read with the
 * sending user's token): its description, and the tools it may call with their parameter
 * schemas. A target without the route says so; the server's default agent is then used.
 */
import { useEffect, useState } from 'react';
import type { AgentsResponse } from '../../../../protocol/index.ts';
import { rest } from '../users/index.ts';
import { useCatalogVersion } from '../tools/index.ts';
import { explainFailure } from '../../ui/fetch-problem.ts';

interface Props {
  token: string | null;
  baseUrl: string;
  agent: string | null;
  onPick(agent: string | null): void;
}

export function AgentPicker({ token, baseUrl, agent, onPick }: Props) {
  const [agents, setAgents] = useState<AgentsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Read again after an agent module reloaded (the catalog's events).
  const catalogVersion = useCatalogVersion();
  useEffect(() => {
    if (!token) return;
    let stopped = false;
    setError(null);
    rest()
      .listAgents(token)
      .then((r) => {
        if (!stopped) setAgents(r);
      })
      .catch(async (err: unknown) => {
        const message = (await explainFailure(baseUrl, err)).message;
        if (!stopped) {
          setAgents(null);
          setError(message);
        }
      });
    return () => {
      stopped = true;
    };
  }, [token, baseUrl, catalogVersion]);

  const chosen = agents?.agents.find((a) => a.name === (agent ?? agents.default_agent));
  return (
    <div className="agent-picker" data-testid="agent-picker">
      <label>
        agent{' '}
        <select data-testid="agent-select" value={agent ?? ''} disabled={!agents} onChange={(e) => onPick(e.target.value || null)} aria-label="agent">
          <option value="">{agents ? `default (${agents.default_agent})` : 'default'}</option>
          {agents?.agents.map((a) => (
            <option key={a.name} value={a.name}>
              {a.name} · {a.source}
            </option>
          ))}
          {agent && !agents?.agents.some((a) => a.name === agent) && (
            <option value={agent}>
              {agent}
              {agents ? ' · not on this target' : ''}
            </option>
          )}
        </select>
      </label>
      {chosen && (
        <span className="muted agent-description" data-testid="agent-description" title={chosen.origin}>
          {chosen.description}
        </span>
      )}
      {agents && agents.tools.length > 0 && (
        <details className="agent-tools" data-testid="agent-tools">
          <summary>{agents.tools.length} tools</summary>
          <ul>
            {agents.tools.map((t) => (
              <li key={t.name} data-testid="agent-tool" data-tool={t.name}>
                <code>{t.name}</code> <span className="muted">{t.description}</span>
                <pre className="schema">{JSON.stringify(t.parameters, null, 2)}</pre>
              </li>
            ))}
          </ul>
        </details>
      )}
      {error && (
        <span className="muted" data-testid="agents-error" title={error}>
          agents unavailable: {error}
        </span>
      )}
    </div>
  );
}
