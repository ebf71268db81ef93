// Module hooks (node:module register) that report every resolved module URL to the main thread.
// Used by module-probe.mjs to see what an import really loads, ESM and CommonJS alike.
let port;

export function initialize(data) {
  port = data.port;
  // Messages on one port arrive in order: the echo tells the main thread every URL before it has arrived.
  port.on('message', (message) => port.postMessage({ echo: message }));
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  port.postMessage({ url: resolved.url });
  return resolved;
}
