/** One HTTP(S) GET for readiness probes; `insecure` is for components that serve self-signed certificates. */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

export interface ProbeOptions {
  ca?: string | Buffer;
  token?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

export function probe(url: string, options: ProbeOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(
      url,
      {
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** A probe for waitFor: resolves true on a 200, undefined otherwise (the error is kept for the timeout). */
export async function isOk(url: string, options: ProbeOptions = {}): Promise<true | undefined> {
  const res = await probe(url, options);
  if (res.status === 200) return true;
  throw new Error(`GET ${url} answered ${res.status}: ${res.body.slice(0, 300)}`);
}
