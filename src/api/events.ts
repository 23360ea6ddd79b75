import type { ChannelEvents, ChannelView } from "../channel/view.js";
import type { Clock } from "../clock/clock.js";
import type { Router } from "./http.js";

const EVENT_NAMES = ["switch", "input", "output", "problem"] as const satisfies (keyof ChannelEvents)[];

/** GET /api/v1/events: Server-Sent Events for switch, input, output and problem (error) events. */
export function registerEvents(app: Router, view: ChannelView, clock: Clock, statusEveryMs: number): void {
  app.on("GET", "/api/v1/events", (_req, res) => {
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
    res.on("close", cleanup);
    res.on("error", cleanup);
    return null;
  });
}
