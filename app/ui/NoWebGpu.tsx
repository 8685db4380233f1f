/** Shown instead of the lab when this browser offers no WebGPU: says what to use instead. */

export function NoWebGpu({ detail }: { detail: string }) {
  return (
    <section className="card warning" role="alert" aria-labelledby="no-webgpu-title" data-testid="no-webgpu">
      <h2 id="no-webgpu-title">WebGPU is not available in this browser</h2>
      <p>
        TabRL trains models with WebGPU compute shaders, on your own GPU. This browser did not give the page a
        GPU.
      </p>
      <ul>
        <li>
          <strong>Chrome or Edge 113+</strong> on Windows, macOS and ChromeOS have WebGPU on by default; on
          Linux, enable <code>chrome://flags/#enable-unsafe-webgpu</code> and{' '}
          <code>chrome://flags/#enable-vulkan</code>.
        </li>
        <li>
          <strong>Safari 26+</strong> (macOS, iOS) and <strong>Firefox 141+</strong> on Windows support
          WebGPU.
        </li>
        <li>
          Headless Chromium (tests, servers): start it with <code>--enable-unsafe-webgpu</code>, and add{' '}
          <code>--use-webgpu-adapter=swiftshader</code> on a machine without a GPU.
        </li>
        <li>
          The page must come from <code>https://</code> or <code>localhost</code>: WebGPU needs a secure
          context.
        </li>
      </ul>
      <details>
        <summary>What the browser said</summary>
        <p className="mono">{detail}</p>
      </details>
    </section>
  );
}
