import type { Context } from 'koa';

/** Stops an upload: the answer closes the connection, and the socket goes once the answer is out. */
function refuseUpload(ctx: Context, limitBytes: number): never {
  ctx.set('Connection', 'close');
  // Taken now: once a body read past the limit is given up, Node detaches the socket from the request.
  const socket = ctx.req.socket;
  ctx.res.once('finish', () => socket.destroy());
  return ctx.throw(413, `the body may be at most ${limitBytes} bytes`);
}

/**
 * Reads a small JSON body (the media type is checked before, by `sameSiteJson`): 413 past
 * `limitBytes`, declared or sent, 400 for bad JSON or a client that stops sending. The server's
 * requestTimeout bounds how long a body may take.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  if (Number(ctx.get('Content-Length') || 0) > limitBytes) refuseUpload(ctx, limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) refuseUpload(ctx, limitBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if ((err as { status?: number }).status === 413) throw err;
    // The client went away mid-body: its mistake, answered (to nobody) as such, not a 500.
    return ctx.throw(400, 'the request body was cut off', {
      code: (err as NodeJS.ErrnoException).code ?? 'ECONNRESET',
      aborted: true,
    });
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return ctx.throw(400, 'the body is not valid JSON');
  }
}
