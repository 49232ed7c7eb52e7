#!/usr/bin/env node
/**
 * till-mcp — the Till MCP server for AI assistants.
 *
 *   till-mcp --endpoint https://shop.example/api/till/v1 [--agent-key KEY] [--http PORT]
 *            [--checkout cs_… --client-secret tcs_…]
 *
 * stdio by default (what desktop assistants launch); `--http PORT` serves Streamable HTTP at
 * http://127.0.0.1:PORT/mcp instead. The agent key may also come from TILL_AGENT_KEY.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { serveMcpHttp } from './http';
import { createTillMcpServer, type TillMcpOptions } from './server';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const endpoint = arg('--endpoint');
if (!endpoint || !/^https?:\/\//.test(endpoint)) {
  process.stderr.write('Usage: till-mcp --endpoint https://shop.example/api/till/v1 [--agent-key KEY] [--http PORT] [--checkout ID --client-secret SECRET]\n');
  process.exit(2);
}
const agentKey = arg('--agent-key') ?? process.env.TILL_AGENT_KEY;
const checkout = arg('--checkout');
const secret = arg('--client-secret');
const options: TillMcpOptions = { endpoint, ...(agentKey ? { agentKey } : {}), ...(checkout && secret ? { checkouts: [{ id: checkout, clientSecret: secret }] } : {}) };
const http = arg('--http');
if (http) {
  const { url } = await serveMcpHttp(options, { port: Number(http) });
  process.stderr.write(`till-mcp: Streamable HTTP at ${url}\n`);
} else {
  await createTillMcpServer(options).connect(new StdioServerTransport());
}
