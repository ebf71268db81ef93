// Imports the module named on the command line and prints, as one JSON line, its export names and
// every module that import loaded (resolved URLs, plus CommonJS files in require.cache).
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const urls = new Set();
let flushed;
const done = new Promise((resolve) => {
  flushed = resolve;
});
port1.on('message', (message) => {
  if (message.url) urls.add(message.url);
  if (message.echo === 'flush') flushed();
});
register(process.argv[3], import.meta.url, { data: { port: port2 }, transferList: [port2] });

const loaded = await import(process.argv[2]);
port1.postMessage('flush');
await done;
port1.close();
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(`${JSON.stringify({ names: Object.keys(loaded), urls: [...urls], cjs })}\n`);
