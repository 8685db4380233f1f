/**
 * One option of the RunConfig as a labelled control, with its schema description as a tooltip (shown
 * on hover and on focus) and parseRunConfig's messages for it inline. Numbers are typed as text so an
 * out-of-range value can be shown with its message instead of being silently clamped.
 */
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { errorsAt, useConfigStore, valueAt } from '../../state/config-store.js';
import type { FieldSpec } from './config-fields.js';

function parseNumberInput(text: string, nullable: boolean): unknown {
  const t = text.trim();
  if (t === '' && nullable) return null;
  if (t === '') return t;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function rewardCodeNames(code: unknown): string[] {
  if (!Array.isArray(code)) return [];
  return code
    .map((c) => (c as { name?: unknown })?.name)
    .filter((n): n is string => typeof n === 'string' && n !== '');
}

function Control({ spec, id, describedBy }: { spec: FieldSpec; id: string; describedBy: string }) {
  const value = useConfigStore((s) => valueAt(s, spec.path));
  const setOption = useConfigStore((s) => s.setOption);
  const userNames = useConfigStore(useShallow((s) => rewardCodeNames(valueAt(s, ['reward_code']))));
  const f = spec.field;
  const set = (v: unknown) => setOption(spec.path, v);
  switch (f.kind) {
    case 'number':
      return (
        <input
          id={id}
          type="text"
          inputMode="decimal"
          aria-describedby={describedBy}
          placeholder={f.nullable ? 'none' : undefined}
          value={value === null || value === undefined ? '' : String(value)}
          onChange={(e) => set(parseNumberInput(e.target.value, f.nullable))}
        />
      );
    case 'enum':
      return (
        <select
          id={id}
          aria-describedby={describedBy}
          value={String(value ?? '')}
          onChange={(e) => set(e.target.value)}
        >
          {f.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    case 'boolean':
      return (
        <input
          id={id}
          type="checkbox"
          aria-describedby={describedBy}
          checked={value === true}
          onChange={(e) => set(e.target.checked)}
        />
      );
    case 'string':
      return (
        <input
          id={id}
          type="text"
          aria-describedby={describedBy}
          placeholder={f.nullable ? 'none' : undefined}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => set(f.nullable && e.target.value === '' ? null : e.target.value)}
        />
      );
    case 'multi-enum': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      const options = f.withRewardCode ? [...f.options, ...userNames] : f.options;
      return (
        <fieldset id={id} className="multi" aria-describedby={describedBy} aria-label={spec.name}>
          {options.map((o) => (
            <label key={o} className="inline">
              <input
                type="checkbox"
                checked={chosen.includes(o)}
                onChange={(e) => set(e.target.checked ? [...chosen, o] : chosen.filter((x) => x !== o))}
              />
              {o}
            </label>
          ))}
        </fieldset>
      );
    }
    case 'json':
      return (
        <input
          key={JSON.stringify(value ?? null)}
          id={id}
          type="text"
          className="mono"
          aria-describedby={describedBy}
          defaultValue={JSON.stringify(value ?? null)}
          onBlur={(e) => {
            try {
              set(JSON.parse(e.target.value));
            } catch {
              set(e.target.value);
            }
          }}
        />
      );
    default:
      return f satisfies never;
  }
}

export function ConfigField({ spec }: { spec: FieldSpec }) {
  const id = useId();
  const errors = useConfigStore(useShallow((s) => errorsAt(s.errors, spec.path)));
  const tipId = `${id}-tip`;
  const errId = `${id}-err`;
  return (
    <div className={`field${errors.length > 0 ? ' invalid' : ''}`} data-option={spec.path.join('.')}>
      <label htmlFor={id} className="field-label">
        {spec.name}
      </label>
      <Control spec={spec} id={id} describedBy={errors.length > 0 ? `${tipId} ${errId}` : tipId} />
      <span role="tooltip" id={tipId} className="tip">
        {spec.help || spec.name}
      </span>
      {spec.papers && (
        <span className="field-paper">
          {spec.papers.length > 1 ? 'Papers: ' : 'Paper: '}
          {spec.papers.map((paper, i) => (
            <span key={paper.title}>
              {i > 0 && ' · '}
              <a href={paper.url} target="_blank" rel="noreferrer" title={paper.title}>
                {paper.short ?? 'paper'}
                <span className="sr-only">: {paper.title}</span>
              </a>
            </span>
          ))}
        </span>
      )}
      {errors.length > 0 && (
        <span id={errId} className="field-error" role="alert">
          {errors.join('; ')}
        </span>
      )}
    </div>
  );
}
