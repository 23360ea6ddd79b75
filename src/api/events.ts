import type { FastifyInstance } from "fastify";
import type { ChannelEvents, ChannelView } from "../channel/view.js";
import type { Clock } from "../clock/clock.js";

const EVENT_NAMES = ["switch", "input", "output", "problem"] as const satisfies (keyof ChannelEvents)[];

/** GET /api/v1/events: Server-Sent Events for switch, input, output and problem (error) events. */
export function registerEvents(
  app: FastifyInstance,
  view: ChannelView,
  clock: Clock,
  statusEveryMs: number,
): void {
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
    const handlers = EVENT_NAMES.map((name) => {
      const fn = (ev: unknown) => send(name, ev);
      view.on(name, fn as never);
      return () => view.off(name, fn as never);
    });
    // Levels move all the time: a periodic status event feeds the meters.
    const timer = clock.interval(() => send("status", view.status()), statusEveryMs);
    const cleanup = () => {
      timer.cancel();
      for (const off of handlers) off();
    };
    req.raw.on("close", cleanup);
    res.on("error", cleanup);
  });
}
