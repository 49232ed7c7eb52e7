/**
 * The Till MCP server over Streamable HTTP (one MCP session per client, its checkouts kept for the
 * session's life), on Node's http server: `POST|GET|DELETE /mcp`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createTillMcpServer, type TillMcpOptions } from './server';

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 256 * 1024) throw new Error('too large');
    chunks.push(c);
  }
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

/**
 * A handler for `/mcp` requests. `optionsFor` is asked once per new MCP session, with its
 * initialize request (e.g. to hand the assistant the checkout open in the page that connects).
 * `jsonResponse` answers plain JSON instead of an event stream (simple browser clients).
 */
export function createMcpHttpHandler(
  optionsFor: (req: IncomingMessage) => TillMcpOptions | undefined | Promise<TillMcpOptions | undefined>,
  { jsonResponse = false, maxSessions = 200, idleSeconds = 900 } = {},
) {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const lastSeen = new Map<string, number>();
  // Idle MCP sessions (and their checkouts) are dropped; the number of live ones is capped.
  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleSeconds * 1000;
    for (const [id, seen] of lastSeen) if (seen < cutoff) void transports.get(id)?.close();
  }, 30_000);
  sweep.unref();
  const fail = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const sid = req.headers['mcp-session-id'];
      const existing = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = await jsonBody(req);
        } catch {
          return fail(res, 400, 'Parse error: send JSON-RPC.');
        }
        if (existing) {
          lastSeen.set(sid as string, Date.now());
          return await existing.handleRequest(req, res, body);
        }
        if (!isInitializeRequest(body)) return fail(res, 400, 'No valid MCP session: initialize first.');
        if (transports.size >= maxSessions) return fail(res, 503, 'Too many MCP sessions; try again later.');
        const options = await optionsFor(req);
        if (!options) return fail(res, 403, 'Not allowed to start an MCP session here.');
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: jsonResponse,
          onsessioninitialized: (id) => {
            transports.set(id, transport);
            lastSeen.set(id, Date.now());
          },
        });
        transport.onclose = () => {
          if (transport.sessionId) {
            transports.delete(transport.sessionId);
            lastSeen.delete(transport.sessionId);
          }
        };
        await createTillMcpServer(options).connect(transport);
        return await transport.handleRequest(req, res, body);
      }
      if ((req.method === 'GET' || req.method === 'DELETE') && existing) return await existing.handleRequest(req, res);
      return fail(res, req.method === 'GET' || req.method === 'DELETE' ? 400 : 405, 'Unknown MCP session or method.');
    } catch {
      if (!res.headersSent) fail(res, 500, 'Internal error.');
      else res.end();
    }
  };
  return {
    handle,
    async close() {
      clearInterval(sweep);
      for (const t of transports.values()) await t.close().catch(() => undefined);
    },
  };
}

export function serveMcpHttp(options: TillMcpOptions, { port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const mcp = createMcpHttpHandler(() => options);
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Not found: the MCP endpoint is /mcp.' }, id: null }));
    }
    void mcp.handle(req, res);
  });
  return new Promise((resolve) =>
    server.listen(port, host, () => {
      const addr = server.address();
      const url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}/mcp`;
      resolve({
        server,
        url,
        close: async () => {
          await mcp.close();
          await new Promise<void>((r) => server.close(() => r()));
        },
      });
    }),
  );
}
