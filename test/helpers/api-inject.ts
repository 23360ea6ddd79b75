/**
 * Requests to an API built with buildApi(), over real HTTP on loopback: the server listens on an
 * ephemeral port at the first request (unref'd, so a test file ends without closing it).
 */
import type { Api } from "../../src/api/server.js";

export interface InjectOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** An object or array is sent as JSON; a string as is. */
  payload?: unknown;
}

export interface InjectResponse {
  statusCode: number;
  headers: Headers;
  body: string;
  json(): unknown;
}

export class ApiClient {
  private base: Promise<string> | null = null;

  constructor(readonly api: Api) {}

  async inject(o: InjectOptions): Promise<InjectResponse> {
    this.base ??= this.api.listen({ host: "127.0.0.1", port: 0 }).then((url) => {
      this.api.server.unref();
      return url;
    });
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined;
    if (typeof o.payload === "string") body = o.payload;
    else if (o.payload !== undefined) {
      body = JSON.stringify(o.payload);
      headers["content-type"] ??= "application/json";
    }
    const r = await fetch(`${await this.base}${o.url}`, { method: o.method, headers, body });
    const text = await r.text();
    return { statusCode: r.status, headers: r.headers, body: text, json: () => JSON.parse(text) as unknown };
  }

  close(): Promise<void> {
    return this.api.close();
  }
}
