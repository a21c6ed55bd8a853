/**
 * The scrape loop of bench:scrape, in a process of its own: `tsx bench/scrape-client.ts <url> <n> [warm-up] [pid]`.
 * `n` sequential GET requests to `<url>` over one keep-alive connection (after `warm-up` untimed ones, default 20),
 * each read to its last byte; prints one JSON line: the client-side milliseconds of each timed request (in order),
 * this process's CPU per request, the server process `pid`'s CPU per request (all its threads' run time from
 * /proc/<pid>/task/<tid>/schedstat, in ns, read just before and after the timed requests; NaN without a pid), and the
 * bodies of the last warm-up and the last timed request.
 *
 * Why a process of its own: the bench process holds the events it generated (a large heap), and its garbage
 * collections, on the same two cores, landed inside timed requests and inflated the client-side p99. This process
 * holds nothing but the loop. BENCH_SCRAPE_CLIENT=fetch times the same loop with fetch (undici, as the bench used to)
 * instead of node:http.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

const [url, nArg, warmArg, pidArg] = process.argv.slice(2);
if (!url || !nArg) throw new Error('usage: scrape-client.ts <url> <n> [warm-up] [pid]');
const n = Number(nArg);
const warmUp = Number(warmArg ?? 20);
const pid = pidArg ? Number(pidArg) : undefined;

/** The CPU time (ms) all threads of `pid` have run so far; threads that ended in between are not counted. */
function processCpuMs(p: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${p}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${p}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended
    }
  }
  return ns / 1e6;
}
const client = process.env.BENCH_SCRAPE_CLIENT ?? 'http';
if (client !== 'http' && client !== 'fetch') throw new Error('BENCH_SCRAPE_CLIENT must be http or fetch');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One GET over the keep-alive agent, read to its last byte; the status and, when `keep`, the body (otherwise the
 * chunks are only counted: copying 4 MB of an aggregator's body per request would cost this client more than the
 * service spends on it).
 */
function getHttp(keep: boolean): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url!, { agent }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.byteLength;
          if (keep) chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const length = Number(res.headers['content-length'] ?? bytes);
          if (bytes !== length) reject(new Error(`${url}: ${bytes} bytes read of ${length}`));
          else resolve({ status, body: keep ? Buffer.concat(chunks) : Buffer.alloc(0) });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function getFetch(keep: boolean): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url!);
  const body = await res.arrayBuffer();
  return { status: res.status, body: keep ? Buffer.from(body) : Buffer.alloc(0) };
}

const get = client === 'http' ? getHttp : getFetch;

let warm = '';
for (let i = 0; i < warmUp; i++) warm = (await get(i === warmUp - 1)).body.toString('utf8');
const ms = new Array<number>(n);
let last: Buffer = Buffer.alloc(0);
const server0 = pid === undefined ? NaN : processCpuMs(pid);
const cpu0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const t = performance.now();
  const res = await get(i === n - 1);
  ms[i] = performance.now() - t;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  if (i === n - 1) last = res.body;
}
const cpu = process.cpuUsage(cpu0);
const serverCpuMs = pid === undefined ? NaN : processCpuMs(pid) - server0;
agent.destroy();
process.stdout.write(
  `${JSON.stringify({
    client,
    ms,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / n,
    serverCpuMsPerRequest: serverCpuMs / n,
    warm,
    last: last.toString('utf8'),
  })}\n`,
);
