/**
 * Share links of experiments: `#experiment=NAME&scale=quick&seed=0` opens a declared experiment in
 * the gallery; `#experiment=vary&key=K&value=V&base=PAYLOAD` a vary-one-option experiment, its base
 * config in the run links' compressed form (engine/config/share-link.ts). Opening a link selects the
 * experiment; it runs when the person presses Run. A broken link is refused with the reason.
 */
import { parseRunConfig } from '../../engine/config/resolve.js';
import { SCALES, type Scale } from '../../engine/experiments/types.js';
import { type ExperimentSpec, findDeclared } from '../experiments/spec.js';
import { decodeSharePayload, encodeSharePayload } from './codec.js';

export type ExperimentLink = { ok: true; spec: ExperimentSpec } | { ok: false; error: string };

/** The fragment (with '#') that opens `spec`. */
export function experimentFragment(spec: ExperimentSpec): string {
  const p = new URLSearchParams();
  if (spec.kind === 'registry') {
    p.set('experiment', spec.name);
    p.set('scale', spec.scale);
    p.set('seed', String(spec.seed));
  } else {
    p.set('experiment', 'vary');
    p.set('key', spec.key);
    p.set('type', typeof spec.value);
    p.set('value', String(spec.value));
    p.set('base', encodeSharePayload(spec.config));
  }
  return `#${p.toString()}`;
}

/** A full link: the page's address without its old fragment, plus the experiment's. */
export function experimentShareUrl(pageHref: string, spec: ExperimentSpec): string {
  return pageHref.split('#')[0] + experimentFragment(spec);
}

/** The experiment a fragment names: null when it names none, else the spec or why it is refused. */
export function readExperimentLink(hash: string): ExperimentLink | null {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const name = p.get('experiment');
  if (name === null) return null;
  if (name === 'vary') return readVary(p);
  if (!findDeclared(name)) return { ok: false, error: `It names no experiment TabRL has ("${name}").` };
  const scale = p.get('scale') ?? 'full';
  if (!(SCALES as readonly string[]).includes(scale))
    return { ok: false, error: `Its scale "${scale}" is not one of ${SCALES.join(', ')}.` };
  const seedText = p.get('seed') ?? '0';
  const seed = Number(seedText);
  if (!/^\d+$/.test(seedText) || !Number.isSafeInteger(seed))
    return { ok: false, error: `Its seed "${seedText}" is not a whole number.` };
  return { ok: true, spec: { kind: 'registry', name, scale: scale as Scale, seed } };
}

function readVary(p: URLSearchParams): ExperimentLink {
  const key = p.get('key');
  const type = p.get('type');
  const text = p.get('value');
  // URLSearchParams turns '+' into ' '; the payload is base64url, which has neither
  const base = p.get('base');
  if (!key || text === null || !base)
    return { ok: false, error: 'It lacks the option (key=), its new value (value=) or the run (base=).' };
  const decoded = decodeSharePayload(base);
  if (!decoded.ok) return { ok: false, error: `Its run could not be read: ${decoded.error}` };
  const parsed = parseRunConfig(decoded.payload.config);
  if (!parsed.ok)
    return {
      ok: false,
      error: `Its run's configuration has invalid values: ${parsed.errors.slice(0, 5).join('; ')}.`,
    };
  let value: string | number | boolean;
  if (type === 'number') {
    value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      return { ok: false, error: `Its value "${text}" is not a number.` };
  } else if (type === 'boolean') {
    if (text !== 'true' && text !== 'false')
      return { ok: false, error: `Its value "${text}" is not true or false.` };
    value = text === 'true';
  } else if (type === 'string') value = text;
  else return { ok: false, error: `Its value type "${type}" is not number, boolean or string.` };
  return { ok: true, spec: { kind: 'vary', config: parsed.config, key, value } };
}
