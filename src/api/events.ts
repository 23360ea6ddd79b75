import type { FastifyInstance } from "fastify";
import type { ChannelEvents, ChannelView } from "../status.js";

/** GET /api/v1/events: Server-Sent Events for switch, input and output changes. */
export function registerEvents(app: FastifyInstance, view: ChannelView, statusEveryMs: number): void {
  app.get("/api/v1/events", (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send("status", view.status());
    const handlers: { [K in keyof ChannelEvents]: ChannelEvents[K] } = {
      switch: (ev) => send("switch", ev),
      input: (ev) => send("input", ev),
      output: (ev) => send("output", ev),
    };
    for (const k of Object.keys(handlers) as (keyof ChannelEvents)[]) view.on(k, handlers[k] as never);
    // Levels move all the time: a periodic status event feeds the meters.
    const timer = setInterval(() => send("status", view.status()), statusEveryMs);
    const cleanup = () => {
      clearInterval(timer);
      for (const k of Object.keys(handlers) as (keyof ChannelEvents)[]) view.off(k, handlers[k] as never);
    };
    req.raw.on("close", cleanup);
    res.on("error", cleanup);
  });
}
