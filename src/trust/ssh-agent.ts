// Signing with a key held by ssh-agent, so an approver whose key has a passphrase signs without
// grantflow ever reading it: the agent protocol's sign request over the socket SSH_AUTH_SOCK names.
// An ed25519 signature is the same whoever computes it, so what the agent returns verifies as any.
import net from 'node:net';

const SSH_AGENT_FAILURE = 5;
const SSH_AGENTC_SIGN_REQUEST = 13;
const SSH_AGENT_SIGN_RESPONSE = 14;
/** The longest the agent may take (it may ask its user to confirm). */
const AGENT_TIMEOUT_MS = 60_000;

export class AgentError extends Error {}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** One request, one answer: the answer's type byte and payload. */
function exchange(socketPath: string, type: number, payload: Buffer): Promise<{ type: number; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AgentError(`ssh-agent at ${socketPath} did not answer within ${AGENT_TIMEOUT_MS / 1000} s`));
    }, AGENT_TIMEOUT_MS);
    const done = (error?: Error, answer?: { type: number; payload: Buffer }) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    socket.on('error', (error) => done(new AgentError(`cannot reach ssh-agent at ${socketPath}: ${error.message}`)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (data.length < 4) return;
      const length = data.readUInt32BE(0);
      if (data.length < 4 + length) return;
      done(undefined, { type: data[4]!, payload: data.subarray(5, 4 + length) });
    });
    socket.on('end', () => done(new AgentError(`ssh-agent at ${socketPath} closed the connection without an answer`)));
    const body = Buffer.concat([Buffer.from([type]), payload]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    socket.write(Buffer.concat([length, body]));
  });
}

/**
 * The agent's ed25519 signature of `data` with the key whose OpenSSH blob is `keyBlob`: the raw 64
 * bytes. Fails when the agent does not hold the key (`ssh-add` it) or refuses.
 */
export async function agentSign(socketPath: string, keyBlob: Buffer, data: Buffer): Promise<Buffer> {
  const answer = await exchange(socketPath, SSH_AGENTC_SIGN_REQUEST, Buffer.concat([sshString(keyBlob), sshString(data), Buffer.alloc(4)]));
  if (answer.type === SSH_AGENT_FAILURE) throw new AgentError('ssh-agent refused to sign: it does not hold this key (add it with ssh-add) or declined');
  if (answer.type !== SSH_AGENT_SIGN_RESPONSE) throw new AgentError(`ssh-agent answered with message type ${answer.type}, not a signature`);
  const blob = readString(answer.payload, 0);
  const type = readString(blob.bytes, 0);
  const signature = readString(blob.bytes, type.next);
  if (type.bytes.toString() !== 'ssh-ed25519' || signature.bytes.length !== 64) throw new AgentError('ssh-agent returned a signature that is not ed25519');
  return signature.bytes;
}

function readString(buffer: Buffer, offset: number): { bytes: Buffer; next: number } {
  if (offset + 4 > buffer.length) throw new AgentError('ssh-agent sent a truncated answer');
  const length = buffer.readUInt32BE(offset);
  if (offset + 4 + length > buffer.length) throw new AgentError('ssh-agent sent a truncated answer');
  return { bytes: buffer.subarray(offset + 4, offset + 4 + length), next: offset + 4 + length };
}
