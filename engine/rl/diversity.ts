/**
 * Diversity of a step's answers (docs/ALGORITHMS.md, "Diversity"): for each group, the number of
 * distinct completion texts over the group's size, averaged over groups. RL that sharpens the policy
 * toward one answer per prompt drives it toward 1/G; the papers on RL and diversity ("Polychromic
 * Objectives for Reinforcement Learning") plot exactly this fall.
 */

/**
 * `completions/distinct_fraction` of groups of texts.
 * distinctFraction([['a', 'a', 'b', 'c'], ['x', 'x', 'x', 'x']]) = (3/4 + 1/4) / 2 = 0.5.
 */
export function distinctFraction(groups: readonly (readonly string[])[]): number {
  const sized = groups.filter((g) => g.length > 0);
  if (sized.length === 0) return 0;
  let sum = 0;
  for (const g of sized) sum += new Set(g).size / g.length;
  return sum / sized.length;
}
