/**
 * How deeply a parsed JSON value nests, measured without recursion. JSON.parse accepts any depth, but
 * JSON.stringify, structuredClone, zod and recursive merges overflow the stack on a few thousand levels
 * (a 20 KB `[[[[...]]]]` in a share link, a run file or a config.json), so the parsers of outside input
 * refuse values nested past a limit no real file comes near, with their own error, before touching them.
 */

/** Depth limit for TabRL's JSON inputs: real ones nest under 10 levels (tokenizer.json, run files). */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests more than `limit` arrays/objects deep (a scalar is depth 0, `[]` depth 1). */
export function nestedDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** A value as JSON for an error message, cut to `max` characters; safe on any depth (never throws). */
export function previewJson(value: unknown, max = 60): string {
  if (nestedDeeperThan(value)) return `(a value nested more than ${MAX_JSON_DEPTH} levels deep)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
