/**
 * Errors the GPU runtime raises. Each names the kernel (or buffer) and the shapes involved, so a
 * failure deep inside a training step reads as "which op, on what" rather than a bare validation dump.
 */

/** A kernel could not be built or dispatched: a shader compile error, a bad binding, a wrong shape. */
export class KernelError extends Error {
  constructor(
    readonly kernel: string,
    readonly detail: string,
    readonly shapes?: string,
  ) {
    super(`kernel "${kernel}"${shapes ? ` (${shapes})` : ''}: ${detail}`);
    this.name = 'KernelError';
  }
}

/** A buffer could not be created: above the adapter's limits, or out of GPU memory. */
export class BufferError extends Error {
  constructor(
    readonly label: string,
    readonly bytes: number,
    detail: string,
  ) {
    super(`buffer "${label}" (${formatBytes(bytes)}): ${detail}`);
    this.name = 'BufferError';
  }
}

/** No WebGPU adapter could be had; the message says what to install or enable. */
export class NoAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAdapterError';
  }
}

/** The device was lost (driver reset, tab backgrounded too long, GPU removed). */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`GPU device lost (${reason}): ${detail}`);
    this.name = 'DeviceLostError';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
