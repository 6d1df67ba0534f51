import type { Context } from 'koa';

/** Reads a small JSON body: 413 past `limitBytes`, 415 for another media type, 400 for bad JSON. */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) ctx.throw(413, `the body may be at most ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      ctx.set('Connection', 'close'); // stop reading an oversized upload
      ctx.throw(413, `the body may be at most ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  if (!ctx.is('application/json')) ctx.throw(415, 'send the body as application/json');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return ctx.throw(400, 'the body is not valid JSON');
  }
}
