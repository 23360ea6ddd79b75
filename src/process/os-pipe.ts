/**
 * Polled OS pipes to children (libc through koffi: pipe2, fcntl, read, write, close).
 *
 * Why: on the audio path every wake-up of the event loop costs far more than the bytes it
 * moves (measured here: an idle 20 ms timer alone costs 0.85 % of a core; an encoder's four
 * outputs woke the daemon ~180 times a second, one ffmpeg write per encoded frame). The
 * program clock already wakes every tick, so the audio pipes are not watched by the event
 * loop at all: each tick reads what the children wrote since the last one and writes what
 * they should read next, with plain non-blocking read(2)/write(2). Only stderr (log lines)
 * stays a Node stream. See docs/design.md "One wake-up per tick".
 */
import koffi from "koffi";

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
const EAGAIN = 11;
const EINTR = 4;

interface LibC {
  pipe2: (fds: Int32Array, flags: number) => number;
  fcntl: (fd: number, cmd: number, arg: number) => number;
  read: (fd: number, buf: Buffer, n: number) => number;
  write: (fd: number, buf: Buffer | Uint8Array, n: number) => number;
  close: (fd: number) => number;
}

let libc: LibC | null = null;
function c(): LibC {
  if (libc) return libc;
  const lib = koffi.load("libc.so.6");
  libc = {
    pipe2: lib.func("int pipe2(_Out_ int *fds, int flags)") as LibC["pipe2"],
    fcntl: lib.func("int fcntl(int fd, int cmd, int arg)") as LibC["fcntl"],
    read: lib.func("long read(int fd, _Out_ uint8_t *buf, unsigned long n)") as LibC["read"],
    write: lib.func("long write(int fd, const uint8_t *buf, unsigned long n)") as LibC["write"],
    close: lib.func("int close(int fd)") as LibC["close"],
  };
  return libc;
}

function errno(): number {
  return koffi.errno();
}

export class PipeError extends Error {
  constructor(
    op: string,
    readonly errno: number,
  ) {
    super(`${op} failed (errno ${errno})`);
  }
}

/**
 * A pipe whose `childFd` end is handed to a child (blocking, as programs expect) and whose
 * other end stays here, non-blocking. Both ends are close-on-exec: spawn dup2()s the child's
 * end onto its stdio number, so no other child inherits either.
 */
export function osPipe(childReads: boolean, sizeBytes = 1 << 20): { parentFd: number; childFd: number } {
  const fds = new Int32Array(2);
  if (c().pipe2(fds, O_CLOEXEC) !== 0) throw new PipeError("pipe2", errno());
  const [r, w] = [fds[0]!, fds[1]!];
  const parentFd = childReads ? w : r;
  const flags = c().fcntl(parentFd, F_GETFL, 0);
  c().fcntl(parentFd, F_SETFL, flags | O_NONBLOCK);
  // A bigger pipe (up to /proc/sys/fs/pipe-max-size) rides out a late tick; best effort.
  c().fcntl(w, F_SETPIPE_SZ, sizeBytes);
  return { parentFd, childFd: childReads ? r : w };
}

export function closeFd(fd: number): void {
  c().close(fd);
}

/** The parent's reading end: `drain()` returns what the child wrote, never blocks. */
export class PipeReader {
  private fd: number;
  private readonly scratch: Buffer;
  eof = false;

  constructor(fd: number, chunkBytes = 64 * 1024) {
    this.fd = fd;
    this.scratch = Buffer.allocUnsafe(chunkBytes);
  }

  /**
   * Reads up to `maxBytes` (all that is there by default), handing each chunk (a copy) to
   * `onChunk`. Returns the bytes read.
   */
  drain(onChunk: (chunk: Buffer) => void, maxBytes = Infinity): number {
    let total = 0;
    while (this.fd >= 0 && total < maxBytes) {
      const want = Math.min(this.scratch.length, maxBytes - total);
      const n = c().read(this.fd, this.scratch, want);
      if (n > 0) {
        total += n;
        onChunk(Buffer.from(this.scratch.subarray(0, n)));
        if (n < want) break; // the pipe is empty now: spare the EAGAIN round trip
        continue;
      }
      if (n === 0) {
        this.eof = true;
        this.close();
        break;
      }
      const e = errno();
      if (e === EINTR) continue;
      if (e !== EAGAIN) this.close();
      break;
    }
    return total;
  }

  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
  }
}

/**
 * The parent's writing end. `write()` never blocks: what the pipe cannot take now is queued
 * and sent by later calls; the queue's size tells a child that stopped reading.
 */
export class PipeWriter {
  private fd: number;
  private queue: Buffer[] = [];
  queuedBytes = 0;
  broken = false;
  /** When the child last took bytes (monotonic ms): with bytes queued, a stuck child shows here. */
  lastProgressMs: number;

  constructor(
    fd: number,
    private readonly now: () => number,
  ) {
    this.fd = fd;
    this.lastProgressMs = now();
  }

  write(data: Buffer | Uint8Array): void {
    if (this.fd < 0) return;
    if (this.queue.length > 0) {
      // A copy: callers may reuse their buffer (SRT receive staging) once write returns.
      this.queue.push(Buffer.from(data));
      this.queuedBytes += data.byteLength;
      this.flush();
      return;
    }
    const sent = this.send(data);
    if (sent < data.byteLength) {
      const rest = Buffer.from(data.subarray(sent));
      this.queue.push(rest);
      this.queuedBytes += rest.length;
    }
  }

  /** Sends what is queued, as far as the pipe takes it. */
  flush(): void {
    while (this.queue.length > 0 && this.fd >= 0) {
      const head = this.queue[0]!;
      const sent = this.send(head);
      this.queuedBytes -= sent;
      if (sent < head.length) {
        this.queue[0] = head.subarray(sent);
        return;
      }
      this.queue.shift();
    }
  }

  private send(data: Buffer | Uint8Array): number {
    let off = 0;
    while (off < data.byteLength && this.fd >= 0) {
      const chunk = off === 0 ? data : data.subarray(off);
      const n = c().write(this.fd, chunk, chunk.byteLength);
      if (n > 0) {
        off += n;
        this.lastProgressMs = this.now();
        continue;
      }
      const e = errno();
      if (e === EINTR) continue;
      if (e !== EAGAIN) {
        // EPIPE: the child is gone; its exit is handled by the supervisor.
        this.broken = true;
        this.close();
      }
      break;
    }
    return off;
  }

  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
    this.queue = [];
    this.queuedBytes = 0;
  }
}
