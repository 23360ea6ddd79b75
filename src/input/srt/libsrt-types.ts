/**
 * libsrt 1.5's constants, error type and the typed surface (`LibSrt`) the FFI file builds.
 * Nothing here loads the library: tests and callers can use the numbers without libsrt.
 */
import type { IpEndpoint } from "./sockaddr.js";

/** Socket options (enum SRT_SOCKOPT, srt.h of libsrt 1.5.1). */
export const SRTO = {
  SNDSYN: 1,
  RCVSYN: 2,
  LINGER: 7,
  STATE: 17,
  /** The socket's readiness now, as epoll flags (IN: a message is ready to read; ERR: broken). */
  EVENT: 18,
  LATENCY: 23,
  PASSPHRASE: 26,
  PBKEYLEN: 27,
  KMSTATE: 28,
  CONNTIMEO: 36,
  SNDKMSTATE: 40,
  RCVKMSTATE: 41,
  RCVLATENCY: 43,
  PEERLATENCY: 44,
  STREAMID: 46,
  TRANSTYPE: 50,
  ENFORCEDENCRYPTION: 53,
  IPV6ONLY: 54,
  PEERIDLETIMEO: 55,
} as const;

/** enum SRT_SOCKSTATUS */
export const SRTS = {
  INIT: 1,
  OPENED: 2,
  LISTENING: 3,
  CONNECTING: 4,
  CONNECTED: 5,
  BROKEN: 6,
  CLOSING: 7,
  CLOSED: 8,
  NONEXIST: 9,
} as const;

/** enum SRT_KM_STATE */
export const SRT_KM_S = { UNSECURED: 0, SECURING: 1, SECURED: 2, NOSECRET: 3, BADSECRET: 4 } as const;

/** enum SRT_EPOLL_OPT */
export const SRT_EPOLL = { IN: 0x1, OUT: 0x4, ERR: 0x8, ET: 1 << 31 } as const;
export const SRT_EPOLL_ENABLE_EMPTY = 1;

/** A few SRT_ERRNO values (1000 * major + minor). */
export const SRT_E = {
  ENOSERVER: 1001,
  ECONNREJ: 1002,
  ESECFAIL: 1004,
  ECONNLOST: 2001,
  ENOCONN: 2002,
  EINVSOCK: 5004,
  EASYNCRCV: 6002,
  ETIMEOUT: 6003,
} as const;

/** enum SRT_REJECT_REASON values we act on. */
export const SRT_REJ = { TIMEOUT: 16, BADSECRET: 10, UNSECURE: 11, PEER: 2, BACKLOG: 5, CLOSE: 7 } as const;

export const SRTT_LIVE = 0;
export const LOG_CRIT = 2;

export class SrtError extends Error {
  constructor(
    readonly op: string,
    readonly code: number,
    message: string,
    /** srt_getrejectreason() for a failed connect, else null. */
    readonly rejectReason: number | null = null,
  ) {
    super(`${op}: ${message} (SRT error ${code})`);
    this.name = "SrtError";
  }
}

/**
 * struct CBytePerfMon (SRT_TRACEBSTATS) of libsrt 1.5.x, laid out in full so every field sits at
 * the offset the C compiler gives it (size 496 on x86-64/arm64, pinned by a unit test).
 */
export const TRACEBSTATS_FIELDS: Record<string, string> = {
  msTimeStamp: "int64_t",
  pktSentTotal: "int64_t",
  pktRecvTotal: "int64_t",
  pktSndLossTotal: "int",
  pktRcvLossTotal: "int",
  pktRetransTotal: "int",
  pktSentACKTotal: "int",
  pktRecvACKTotal: "int",
  pktSentNAKTotal: "int",
  pktRecvNAKTotal: "int",
  usSndDurationTotal: "int64_t",
  pktSndDropTotal: "int",
  pktRcvDropTotal: "int",
  pktRcvUndecryptTotal: "int",
  byteSentTotal: "uint64_t",
  byteRecvTotal: "uint64_t",
  byteRcvLossTotal: "uint64_t",
  byteRetransTotal: "uint64_t",
  byteSndDropTotal: "uint64_t",
  byteRcvDropTotal: "uint64_t",
  byteRcvUndecryptTotal: "uint64_t",
  pktSent: "int64_t",
  pktRecv: "int64_t",
  pktSndLoss: "int",
  pktRcvLoss: "int",
  pktRetrans: "int",
  pktRcvRetrans: "int",
  pktSentACK: "int",
  pktRecvACK: "int",
  pktSentNAK: "int",
  pktRecvNAK: "int",
  mbpsSendRate: "double",
  mbpsRecvRate: "double",
  usSndDuration: "int64_t",
  pktReorderDistance: "int",
  pktRcvAvgBelatedTime: "double",
  pktRcvBelated: "int64_t",
  pktSndDrop: "int",
  pktRcvDrop: "int",
  pktRcvUndecrypt: "int",
  byteSent: "uint64_t",
  byteRecv: "uint64_t",
  byteRcvLoss: "uint64_t",
  byteRetrans: "uint64_t",
  byteSndDrop: "uint64_t",
  byteRcvDrop: "uint64_t",
  byteRcvUndecrypt: "uint64_t",
  usPktSndPeriod: "double",
  pktFlowWindow: "int",
  pktCongestionWindow: "int",
  pktFlightSize: "int",
  msRTT: "double",
  mbpsBandwidth: "double",
  byteAvailSndBuf: "int",
  byteAvailRcvBuf: "int",
  mbpsMaxBW: "double",
  byteMSS: "int",
  pktSndBuf: "int",
  byteSndBuf: "int",
  msSndBuf: "int",
  msSndTsbPdDelay: "int",
  pktRcvBuf: "int",
  byteRcvBuf: "int",
  msRcvBuf: "int",
  msRcvTsbPdDelay: "int",
  pktSndFilterExtraTotal: "int",
  pktRcvFilterExtraTotal: "int",
  pktRcvFilterSupplyTotal: "int",
  pktRcvFilterLossTotal: "int",
  pktSndFilterExtra: "int",
  pktRcvFilterExtra: "int",
  pktRcvFilterSupply: "int",
  pktRcvFilterLoss: "int",
  pktReorderTolerance: "int",
  pktSentUniqueTotal: "int64_t",
  pktRecvUniqueTotal: "int64_t",
  byteSentUniqueTotal: "uint64_t",
  byteRecvUniqueTotal: "uint64_t",
  pktSentUnique: "int64_t",
  pktRecvUnique: "int64_t",
  byteSentUnique: "uint64_t",
  byteRecvUnique: "uint64_t",
};

/** The receiver-side fields of SRT_TRACEBSTATS the input reports. */
export interface SrtTraceStats {
  pktRecvTotal: number;
  pktRcvLossTotal: number;
  pktRcvDropTotal: number;
  /** Since the previous srt_bstats(clear=1) call. */
  pktRcvRetrans: number;
  /** Over the interval since the previous clear. */
  mbpsRecvRate: number;
  msRTT: number;
  msRcvBuf: number;
  byteRecvTotal: number;
}

export interface LibSrt {
  readonly version: string;
  createSocket(): number;
  /** srt_setsockflag with an int (booleans are passed as 0/1) or a string value. */
  setFlag(sock: number, opt: number, value: number | boolean | string): void;
  getIntFlag(sock: number, opt: number): number;
  getStringFlag(sock: number, opt: number): string;
  bind(sock: number, addr: IpEndpoint): void;
  listen(sock: number, backlog: number): void;
  /** Non-blocking accept: null when no connection is pending. */
  accept(sock: number): { sock: number; peer: IpEndpoint | null } | null;
  /** Non-blocking connect: completion is reported through epoll (OUT or ERR). */
  connect(sock: number, addr: IpEndpoint): void;
  /**
   * Non-blocking receive of one message into `buf`: its length, 0 when nothing is ready,
   * throws SrtError when the connection is gone.
   */
  recv(sock: number, buf: Buffer): number;
  /**
   * `recv`, with the packet's delivery time: libsrt's TSBPD time of the message (the sender's
   * timestamp on libsrt's steady clock plus the latency), µs, or 0 when libsrt gives none.
   */
  recvTimed(sock: number, buf: Buffer): { n: number; deliveryUs: number };
  /** libsrt's steady clock now, µs (the clock `recvTimed` times are on). */
  timeNowUs(): number;
  close(sock: number): void;
  getState(sock: number): number;
  getPeer(sock: number): IpEndpoint | null;
  rejectReason(sock: number): number;
  rejectReasonText(reason: number): string;
  bstats(sock: number, clear: boolean): SrtTraceStats | null;
  epollCreate(): number;
  epollAdd(eid: number, sock: number, events: number): void;
  epollUpdate(eid: number, sock: number, events: number): void;
  epollRemove(eid: number, sock: number): void;
  epollRelease(eid: number): void;
  /**
   * srt_epoll_uwait on a libuv pool thread. `events` receives SRT_EPOLL_EVENT {int fd; int events}
   * pairs; resolves with the number of pairs written (0 on timeout).
   */
  epollWait(eid: number, events: Buffer, timeoutMs: number): Promise<number>;
  /** srt_epoll_uwait with timeout 0, on the calling thread: what is ready now (same `events`). */
  epollPoll(eid: number, events: Buffer): number;
  /** Size in bytes koffi gives SRT_TRACEBSTATS and offsets of a few fields (layout test). */
  statsLayout(): { size: number; offsets: Record<string, number> };
}
