/**
 * A bursty sender, made honestly: the bytes a real sender writes (ffmpeg's MPEG-TS on stdout)
 * are held and handed to the next stage (srt-live-transmit's stdin) once per period, all at once.
 * Done in front of SRT rather than on its UDP path: SRT's receiver delivers each packet at its
 * send time + latency, so datagrams held for 1 s on the wire would just be dropped as too late,
 * whereas an encoder or a gateway that flushes once a second is what an input meets in practice.
 */
import type { Readable, Writable } from "node:stream";

export class BurstPipe {
  private held: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private ended = false;
  /** Bursts released and the largest one, bytes. */
  bursts = 0;
  largest = 0;

  constructor(
    from: Readable,
    private readonly to: Writable,
    periodMs: number,
  ) {
    from.on("data", (b: Buffer) => this.held.push(b));
    from.on("end", () => {
      this.flush();
      this.stop();
    });
    this.timer = setInterval(() => this.flush(), periodMs);
  }

  private flush(): void {
    if (this.ended || this.held.length === 0) return;
    const burst = Buffer.concat(this.held);
    this.held = [];
    this.bursts++;
    this.largest = Math.max(this.largest, burst.length);
    this.to.write(burst);
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.to.end();
  }
}
