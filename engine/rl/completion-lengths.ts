/**
 * `completions/incorrect_mean_length` (docs/METRICS.md): the mean length of the wrong answers of a
 * step, where Dr. GRPO ("Understanding R1-Zero-Like Training") locates the length bias of GRPO's
 * per-answer normalisation: a long wrong answer spreads its negative advantage over more tokens.
 */

/**
 * Mean of `lengths[i]` over the completions with `correct[i]` false; undefined when every one is
 * correct (the metric is then not logged). Example: lengths [3, 5, 8], correct [true, false, false]: 6.5.
 */
export function incorrectMeanLength(
  lengths: readonly number[],
  correct: readonly boolean[],
): number | undefined {
  if (lengths.length !== correct.length)
    throw new Error(`incorrectMeanLength: ${lengths.length} lengths but ${correct.length} verdicts`);
  let sum = 0;
  let n = 0;
  lengths.forEach((len, i) => {
    if (!correct[i]) {
      sum += len;
      n++;
    }
  });
  return n > 0 ? sum / n : undefined;
}
