// Node module hooks so the CLI (and benches) can `import src from './x.wgsl?raw'` as Vite does.
import { register } from 'node:module';

register('./raw-hooks.mjs', import.meta.url);
