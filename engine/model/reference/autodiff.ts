/**
 * A tiny reverse-mode autodiff over Float64Array, small enough to read in one sitting: each op computes
 * its output eagerly and records a closure that pushes the output's gradient into its inputs' gradients.
 * `Tape.backward` replays the closures in reverse. It exists to be the float64 oracle the GPU model is
 * tested against, so clarity beats speed everywhere.
 */

/** A value in the graph: row-major data with its shape, and its gradient once backward has reached it. */
export class Var {
  grad: Float64Array | null = null;
  constructor(
    readonly data: Float64Array,
    readonly shape: readonly number[],
    readonly label = '',
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length)
      throw new Error(`Var ${label}: shape [${shape.join(',')}] needs ${n} values, got ${data.length}`);
  }

  /** The gradient buffer, created (zeros) on first use; ops accumulate into it. */
  gradBuffer(): Float64Array {
    if (!this.grad) this.grad = new Float64Array(this.data.length);
    return this.grad;
  }
}

export class Tape {
  private readonly steps: (() => void)[] = [];

  /** Records the backward closure of an op just computed. */
  record(backward: () => void): void {
    this.steps.push(backward);
  }

  /** Seeds d(out)/d(out) = 1 for a scalar `out` and runs every recorded backward in reverse. */
  backward(out: Var): void {
    if (out.data.length !== 1) throw new Error(`backward needs a scalar, got shape [${out.shape.join(',')}]`);
    out.gradBuffer()[0] = 1;
    for (let i = this.steps.length - 1; i >= 0; i--) this.steps[i]();
  }
}
