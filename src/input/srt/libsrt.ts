/**
 * The one FFI file: Debian's libsrt 1.5 (libsrt1.5-openssl or -gnutls) through koffi.
 * Everything else talks to SRT through the typed `LibSrt` object this file builds.
 *
 * Threading rule: only `epollWait` runs off the main thread (koffi async call on the libuv
 * pool; `epollPoll` is the same call with timeout 0, synchronous). Every other call is
 * synchronous and non-blocking (sockets have RCVSYN/SNDSYN off), so the event loop never waits
 * on the network. libsrt's last-error is thread-local, so
 * `srt_getlasterror` is only meaningful right after a synchronous call on the main thread.
 */
import koffi from "koffi";
import { SOCKADDR_STORAGE_SIZE, decodeSockaddr, encodeSockaddr } from "./sockaddr.js";

export * from "./libsrt-types.js";
import {
  LOG_CRIT,
  SRT_EPOLL_ENABLE_EMPTY,
  SRT_E,
  SrtError,
  TRACEBSTATS_FIELDS,
  type LibSrt,
  type SrtTraceStats,
} from "./libsrt-types.js";

/**
 * SRT_MSGCTRL (srt.h): int flags, msgttl, inorder, boundary; int64_t srctime; int32_t pktseq,
 * msgno; SRT_SOCKGROUPDATA* grpdata; size_t grpdata_size — 48 bytes on 64-bit Linux.
 */
const MSGCTRL_SIZE = 48;
const MSGCTRL_SRCTIME = 16;
/** recvTimed's answer when nothing is waiting (shared: callers only read it). */
const NO_DATA: Readonly<{ n: number; deliveryUs: number }> = Object.freeze({ n: 0, deliveryUs: 0 });

/**
 * A message-control buffer initialised by libsrt itself, checked against the layout above:
 * srt_msgctrl_init writes msgttl = -1 and pktseq = msgno = -1 and leaves nothing past 48 bytes,
 * so a libsrt with another layout is refused here rather than misread later.
 */
function msgctrlBuffer(init: (b: Buffer) => unknown): Buffer {
  const b = Buffer.alloc(MSGCTRL_SIZE + 16, 0xaa);
  init(b);
  const ok =
    b.readInt32LE(0) === 0 &&
    b.readInt32LE(4) === -1 &&
    b.readBigInt64LE(MSGCTRL_SRCTIME) === 0n &&
    b.readInt32LE(24) === -1 &&
    b.readInt32LE(28) === -1 &&
    b.subarray(MSGCTRL_SIZE).every((x) => x === 0xaa);
  if (!ok) throw new Error("libsrt: SRT_MSGCTRL layout differs from srt.h 1.5 (48 bytes, srctime at 16)");
  return b.subarray(0, MSGCTRL_SIZE);
}

let loaded: LibSrt | null = null;

/** Loads libsrt once per process (the library and its threads are process-wide anyway). */
export function loadLibSrt(): LibSrt {
  loaded ??= bind();
  return loaded;
}

function bind(): LibSrt {
  const lib = koffi.load(process.env.ANTENNE_LIBSRT ?? "libsrt.so.1.5");
  const f = (decl: string) => lib.func(decl);
  const TraceBStats = koffi.struct("SRT_TRACEBSTATS", TRACEBSTATS_FIELDS);

  const srt_startup = f("int srt_startup(void)");
  const srt_cleanup = f("int srt_cleanup(void)");
  const srt_getversion = f("uint32_t srt_getversion(void)");
  const srt_setloglevel = f("void srt_setloglevel(int ll)");
  const srt_create_socket = f("int srt_create_socket(void)");
  const srt_bind = f("int srt_bind(int u, const void *name, int namelen)");
  const srt_listen = f("int srt_listen(int u, int backlog)");
  const srt_accept = f("int srt_accept(int u, void *addr, void *addrlen)");
  const srt_connect = f("int srt_connect(int u, const void *name, int namelen)");
  const srt_recvmsg = f("int srt_recvmsg(int u, void *buf, int len)");
  const srt_recvmsg2 = f("int srt_recvmsg2(int u, void *buf, int len, void *mctrl)");
  const srt_msgctrl_init = f("void srt_msgctrl_init(void *mctrl)");
  const srt_time_now = f("int64_t srt_time_now(void)");
  const srt_close = f("int srt_close(int u)");
  const srt_setsockflag = f("int srt_setsockflag(int u, int opt, const void *optval, int optlen)");
  const srt_getsockflag = f("int srt_getsockflag(int u, int opt, void *optval, void *optlen)");
  const srt_getsockstate = f("int srt_getsockstate(int u)");
  const srt_getpeername = f("int srt_getpeername(int u, void *name, void *namelen)");
  const srt_getrejectreason = f("int srt_getrejectreason(int u)");
  const srt_rejectreason_str = f("const char *srt_rejectreason_str(int id)");
  const srt_getlasterror = f("int srt_getlasterror(void *errno_loc)");
  const srt_getlasterror_str = f("const char *srt_getlasterror_str(void)");
  const srt_bstats = f("int srt_bstats(int u, void *perf, int clear)");
  const srt_epoll_create = f("int srt_epoll_create(void)");
  const srt_epoll_set = f("int32_t srt_epoll_set(int eid, int32_t flags)");
  const srt_epoll_add_usock = f("int srt_epoll_add_usock(int eid, int u, const void *events)");
  const srt_epoll_update_usock = f("int srt_epoll_update_usock(int eid, int u, const void *events)");
  const srt_epoll_remove_usock = f("int srt_epoll_remove_usock(int eid, int u)");
  const srt_epoll_release = f("int srt_epoll_release(int eid)");
  const srt_epoll_uwait = f("int srt_epoll_uwait(int eid, void *fdsSet, int fdsSize, int64_t msTimeOut)");

  const fail = (op: string, code = srt_getlasterror(null) as number): SrtError =>
    new SrtError(op, code, srt_getlasterror_str() as string);
  /** The last error, unless it is "no data yet": the reader drains until then, so that answer
   * is the common case and costs no Error (stack capture, message string) each time. */
  const failUnlessAgain = (op: string): SrtError | null => {
    const code = srt_getlasterror(null) as number;
    return code === SRT_E.EASYNCRCV ? null : fail(op, code);
  };
  const check = (op: string, rc: number): number => {
    if (rc < 0) throw fail(op);
    return rc;
  };

  // Scratch buffers: only touched by synchronous calls on the main thread.
  const int4 = Buffer.alloc(4);
  const len4 = Buffer.alloc(4);
  const addrBuf = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  const strBuf = Buffer.alloc(1024);
  const statsBuf = Buffer.alloc(TraceBStats.size);
  const msgctrl = msgctrlBuffer(srt_msgctrl_init);

  check("srt_startup", srt_startup() as number);
  // libsrt logs errors on stderr by default; our own logs say what matters, in JSON.
  srt_setloglevel(LOG_CRIT);
  const v = srt_getversion() as number;
  const version = `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`;
  process.once("exit", () => srt_cleanup());

  const setFlag = (sock: number, opt: number, value: number | boolean | string): void => {
    if (typeof value === "string") {
      const b = Buffer.from(value, "utf8");
      check(`srt_setsockflag(${opt})`, srt_setsockflag(sock, opt, b, b.length) as number);
      return;
    }
    int4.writeInt32LE(typeof value === "boolean" ? (value ? 1 : 0) : value);
    check(`srt_setsockflag(${opt})`, srt_setsockflag(sock, opt, int4, 4) as number);
  };

  const offsetsOf = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const k of Object.keys(TRACEBSTATS_FIELDS)) out[k] = koffi.offsetof(TraceBStats, k);
    return out;
  };

  return {
    version,
    createSocket: () => check("srt_create_socket", srt_create_socket() as number),
    setFlag,
    getIntFlag(sock, opt) {
      int4.writeInt32LE(0);
      len4.writeInt32LE(4);
      check(`srt_getsockflag(${opt})`, srt_getsockflag(sock, opt, int4, len4) as number);
      return int4.readInt32LE(0);
    },
    getStringFlag(sock, opt) {
      len4.writeInt32LE(strBuf.length);
      check(`srt_getsockflag(${opt})`, srt_getsockflag(sock, opt, strBuf, len4) as number);
      const n = Math.min(len4.readInt32LE(0), strBuf.length);
      const s = strBuf.subarray(0, n);
      const nul = s.indexOf(0);
      return s.subarray(0, nul < 0 ? n : nul).toString("utf8");
    },
    bind(sock, addr) {
      const sa = encodeSockaddr(addr);
      check("srt_bind", srt_bind(sock, sa, sa.length) as number);
    },
    listen: (sock, backlog) => void check("srt_listen", srt_listen(sock, backlog) as number),
    accept(sock) {
      len4.writeInt32LE(addrBuf.length);
      const ns = srt_accept(sock, addrBuf, len4) as number;
      if (ns < 0) {
        const err = failUnlessAgain("srt_accept");
        if (err === null) return null;
        throw err;
      }
      return { sock: ns, peer: decodeSockaddr(addrBuf) };
    },
    connect(sock, addr) {
      const sa = encodeSockaddr(addr);
      const rc = srt_connect(sock, sa, sa.length) as number;
      if (rc < 0) {
        const e = fail("srt_connect");
        throw new SrtError("srt_connect", e.code, e.message, srt_getrejectreason(sock) as number);
      }
    },
    recv(sock, buf) {
      const n = srt_recvmsg(sock, buf, buf.length) as number;
      if (n >= 0) return n;
      const err = failUnlessAgain("srt_recvmsg");
      if (err === null) return 0;
      throw err;
    },
    recvTimed(sock, buf) {
      msgctrl.writeBigInt64LE(0n, MSGCTRL_SRCTIME);
      const n = srt_recvmsg2(sock, buf, buf.length, msgctrl) as number;
      if (n >= 0) return { n, deliveryUs: Number(msgctrl.readBigInt64LE(MSGCTRL_SRCTIME)) };
      const err = failUnlessAgain("srt_recvmsg2");
      if (err === null) return NO_DATA;
      throw err;
    },
    timeNowUs: () => Number(srt_time_now() as number | bigint),
    close: (sock) => void srt_close(sock),
    getState: (sock) => srt_getsockstate(sock) as number,
    getPeer(sock) {
      // addrBuf is shared with accept(): clear it, and trust it only if libsrt wrote to it.
      // libsrt 1.5.1 answers 0 with length 0 for a caller socket connected non-blocking;
      // without this the last accepted peer of any listener came back as the caller's peer.
      addrBuf.fill(0);
      len4.writeInt32LE(addrBuf.length);
      if ((srt_getpeername(sock, addrBuf, len4) as number) < 0) return null;
      if (len4.readInt32LE(0) <= 0) return null;
      return decodeSockaddr(addrBuf);
    },
    rejectReason: (sock) => srt_getrejectreason(sock) as number,
    rejectReasonText: (reason) => srt_rejectreason_str(reason) as string,
    bstats(sock, clear) {
      if ((srt_bstats(sock, statsBuf, clear ? 1 : 0) as number) < 0) return null;
      const s = koffi.decode(statsBuf, TraceBStats) as Record<string, number | bigint>;
      const n = (k: keyof SrtTraceStats): number => Number(s[k] ?? 0);
      return {
        pktRecvTotal: n("pktRecvTotal"),
        pktRcvLossTotal: n("pktRcvLossTotal"),
        pktRcvDropTotal: n("pktRcvDropTotal"),
        pktRcvRetrans: n("pktRcvRetrans"),
        mbpsRecvRate: n("mbpsRecvRate"),
        msRTT: n("msRTT"),
        msRcvBuf: n("msRcvBuf"),
        byteRecvTotal: n("byteRecvTotal"),
      };
    },
    epollCreate() {
      const eid = check("srt_epoll_create", srt_epoll_create() as number);
      // An empty set is normal (a caller between attempts): wait, don't fail.
      srt_epoll_set(eid, SRT_EPOLL_ENABLE_EMPTY);
      return eid;
    },
    epollAdd(eid, sock, events) {
      int4.writeInt32LE(events | 0);
      check("srt_epoll_add_usock", srt_epoll_add_usock(eid, sock, int4) as number);
    },
    epollUpdate(eid, sock, events) {
      int4.writeInt32LE(events | 0);
      check("srt_epoll_update_usock", srt_epoll_update_usock(eid, sock, int4) as number);
    },
    epollRemove: (eid, sock) => void srt_epoll_remove_usock(eid, sock),
    epollRelease: (eid) => void srt_epoll_release(eid),
    epollWait(eid, events, timeoutMs) {
      return new Promise((resolve, reject) => {
        srt_epoll_uwait.async(
          eid,
          events,
          Math.floor(events.length / 8),
          timeoutMs,
          (err: unknown, rc: number) => {
            if (err) reject(err instanceof Error ? err : new Error(String(err)));
            // The error code is thread-local to the pool thread: only the fact is known here.
            else if (rc < 0) reject(new SrtError("srt_epoll_uwait", -1, "epoll wait failed"));
            else resolve(Math.min(rc, Math.floor(events.length / 8)));
          },
        );
      });
    },
    epollPoll(eid, events) {
      const pairs = Math.floor(events.length / 8);
      const rc = srt_epoll_uwait(eid, events, pairs, 0) as number;
      if (rc < 0) throw fail("srt_epoll_uwait");
      return Math.min(rc, pairs);
    },
    statsLayout: () => ({ size: TraceBStats.size, offsets: offsetsOf() }),
  };
}
