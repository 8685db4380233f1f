/** Run colours (Okabe-Ito, distinguishable with colour-blindness) and per-metric dash patterns. */

export const RUN_COLOURS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];
/** Presenter mode: darker, more saturated lines on white for projectors. */
export const RUN_COLOURS_HIGH_CONTRAST = ['#003f8a', '#b03000', '#006b4f', '#8e1f6b', '#7a5200', '#000000'];
export const METRIC_DASHES = [undefined, '6 3', '2 2', '10 3 2 3'];

export function runColour(index: number, highContrast: boolean): string {
  const list = highContrast ? RUN_COLOURS_HIGH_CONTRAST : RUN_COLOURS;
  return list[index % list.length];
}
