import { createSocket, type Socket } from 'node:dgram';

/** How the server answers one name: its A records, or a failure the resolver must tell apart. */
export type DnsRecord = { a: string[] } | 'nxdomain' | 'servfail';

export interface DnsServer {
  /** The loopback address it listens on (port 53, as resolv.conf cannot name another port). */
  address: string;
  records: Map<string, DnsRecord>;
  /** Every question asked, as "TYPE name". */
  asked: string[];
  stop(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE = { ok: 0, servfail: 2, nxdomain: 3 } as const;

/**
 * A DNS server on UDP for tests: answers A questions from `records` (AAAA with no record), NXDOMAIN
 * for names it does not know, SERVFAIL where told. The CLI's own resolver (c-ares, reading
 * resolv.conf) asks it, so lookups never leave the machine.
 */
export async function startDnsServer(address: string): Promise<DnsServer> {
  const records = new Map<string, DnsRecord>();
  const asked: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const q = readQuestion(msg);
    if (!q) return;
    asked.push(`${q.type === TYPE_A ? 'A' : q.type === TYPE_AAAA ? 'AAAA' : q.type} ${q.name}`);
    const r = records.get(q.name.toLowerCase());
    const rcode =
      r === undefined || r === 'nxdomain' ? RCODE.nxdomain : r === 'servfail' ? RCODE.servfail : RCODE.ok;
    const answers = typeof r === 'object' && q.type === TYPE_A ? r.a : [];
    socket.send(reply(msg, q.end, rcode, answers), peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve());
  });
  return {
    address,
    records,
    asked,
    stop: () => new Promise((r) => socket.close(() => r())),
  };
}

function readQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i] as number;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += len + 1;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.'), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

/** The query's header and question, flagged as a response, with A records pointing at the question. */
function reply(query: Buffer, questionEnd: number, rcode: number, a: string[]): Buffer {
  const head = Buffer.from(query.subarray(0, questionEnd));
  head.writeUInt16BE(0x8180 | rcode, 2); // QR, RD, RA
  head.writeUInt16BE(a.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const answers = a.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name at offset 12
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(5, 6); // TTL
    rr.writeUInt16BE(4, 10);
    for (const [k, o] of ip.split('.').entries()) rr.writeUInt8(Number(o), 12 + k);
    return rr;
  });
  return Buffer.concat([head, ...answers]);
}
