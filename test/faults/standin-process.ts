/**
 * The Flowless stand-in in a process of its own (combined-fault tests): its event loop is not the one
 * the Flowfull instances under test run on. Driven over IPC: each message { id, op, args } gets
 * { id, result } or { id, error } back. Prints nothing; exits when the parent disconnects.
 */
import { startFlowlessStandin } from '../../src/standin/index.js';

const secret = process.env.STANDIN_SECRET;
if (!secret || !process.send)
  throw new Error('standin-process: STANDIN_SECRET and an IPC channel are required');
const standin = await startFlowlessStandin({ bridgeSecret: secret, nodeEnv: 'test' });
let users = 0;

type Op = 'session' | 'revoke' | 'faults' | 'stats' | 'resetStats';
const ops: Record<Op, (args: never) => unknown> = {
  async session() {
    users++;
    const user = await standin.createUser({
      email: `u${users}.${process.pid}@example.test`,
      name: 'Ada',
      userType: 'user',
    });
    return (await standin.createSession(user.id)).sessionId;
  },
  revoke: (sessionId: string) => standin.revokeSession(sessionId),
  faults: (faults: Parameters<typeof standin.setFaults>[0]) => standin.setFaults(faults),
  stats: () => standin.stats(),
  resetStats: () => standin.resetStats(),
};

process.on('message', async (message: { id: number; op: Op; args?: unknown }) => {
  try {
    const result = await ops[message.op](message.args as never);
    process.send!({ id: message.id, result: result ?? null });
  } catch (error) {
    process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
process.on('disconnect', () => {
  void standin.close().finally(() => process.exit(0));
});
process.send({ ready: standin.url });
