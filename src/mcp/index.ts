/** `till-checkout/mcp`: the Till MCP server (see server.ts) and its transports (see bin.ts for the CLI). */
export { createTillMcpServer, type TillMcpOptions } from './server';
export { createMcpHttpHandler, serveMcpHttp } from './http';
