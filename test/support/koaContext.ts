import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Koa from 'koa';

/** A Koa context for one request, over real Node request and response objects that are never sent. */
export function koaContext(o: { method?: string; headers?: Record<string, string> } = {}): Koa.Context {
  const req = new IncomingMessage(new Socket());
  req.method = o.method ?? 'GET';
  req.headers = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return new Koa().createContext(req, new ServerResponse(req));
}
