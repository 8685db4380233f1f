/**
 * Shader composition: every kernel body gets the shared prelude prepended, so a `.wgsl` file holds
 * only its math. `workgroup` constants are substituted textually (WGSL overrides cannot size arrays
 * in every implementation), everything else goes through pipeline overrides.
 */
import prelude from './prelude.wgsl?raw';

/** Prepends the prelude and replaces `${NAME}` placeholders with the given values. */
export function makeShader(body: string, defines: Record<string, string | number> = {}): string {
  let code = body;
  for (const [k, v] of Object.entries(defines)) code = code.split(`\${${k}}`).join(String(v));
  const missing = code.match(/\$\{([A-Z_0-9]+)\}/);
  if (missing) throw new Error(`makeShader: placeholder ${missing[0]} has no value`);
  return `${prelude}\n${code}`;
}
