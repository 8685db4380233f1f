/**
 * RunConfig: schema, defaults, resolution and presets. Callers: resolveRunConfig / parseRunConfig
 * to get a validated config, setByPath for `--set`, PRESETS for the lab's cards.
 */
export * from './defaults';
export * from './presets';
export * from './resolve';
export * from './schema';
