/**
 * References between the parts of a channel file: unique ids, known profiles, ports and mounts
 * used once. They read the raw document (not the validated config) so that a file with schema
 * errors still gets these reported in the same run; a value of the wrong shape is skipped here
 * (the schema reports it).
 */
import { parseSourceUrl } from "../output/icecast/request.js";
import { isWildcardHost, splitHostPort } from "./host-port.js";

/** A problem at a key path ("inputs.1.id"). */
export type PathIssue = [path: string, message: string];

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export function crossCheck(raw: unknown): PathIssue[] {
  const doc = obj(raw);
  const outputs = obj(doc.outputs);
  const profiles = Object.keys(obj(doc.profiles));
  return [
    ...inputIds(list(doc.inputs)),
    ...listenerPorts(list(doc.inputs)),
    ...hlsProfiles(outputs.hls, profiles),
    ...icecastOutputs(list(outputs.icecast), profiles),
  ];
}

function inputIds(inputs: unknown[]): PathIssue[] {
  const out: PathIssue[] = [];
  const seen = new Map<string, number>();
  inputs.forEach((inp, i) => {
    const id = str(obj(inp).id);
    if (id === null) return;
    const first = seen.get(id);
    if (first !== undefined)
      out.push([`inputs.${i}.id`, `duplicate input id "${id}" (also inputs.${first})`]);
    else seen.set(id, i);
  });
  return out;
}

/** Two SRT listeners on one UDP port clash unless both name different specific addresses. */
function listenerPorts(inputs: unknown[]): PathIssue[] {
  const out: PathIssue[] = [];
  const binds: { i: number; host: string; port: number }[] = [];
  inputs.forEach((inp, i) => {
    const srt = obj(obj(inp).srt);
    const addr = srt.mode === "listener" ? splitHostPort(str(srt.bind) ?? "") : null;
    // Port 0 asks for any free port: never a clash.
    if (!addr || addr.port === 0) return;
    const other = binds.find(
      (b) =>
        b.port === addr.port && (b.host === addr.host || isWildcardHost(b.host) || isWildcardHost(addr.host)),
    );
    if (other) out.push([`inputs.${i}.srt.bind`, `port ${addr.port} is already bound by inputs.${other.i}`]);
    else binds.push({ i, ...addr });
  });
  return out;
}

function unknownProfile(name: string, profiles: string[]): string {
  return `unknown profile "${name}" (defined: ${profiles.join(", ") || "none"})`;
}

function hlsProfiles(hls: unknown, profiles: string[]): PathIssue[] {
  const out: PathIssue[] = [];
  const seen = new Set<string>();
  list(obj(hls).profiles).forEach((p, i) => {
    const name = str(p);
    if (name === null) return;
    if (!profiles.includes(name)) out.push([`outputs.hls.profiles.${i}`, unknownProfile(name, profiles)]);
    if (seen.has(name)) out.push([`outputs.hls.profiles.${i}`, `profile "${name}" is listed twice`]);
    seen.add(name);
  });
  return out;
}

/** The output id an Icecast entry gets: its `id`, else the mount name. */
export function icecastId(entry: { id?: string | undefined; url: string }): string {
  return entry.id ?? mountOf(entry.url);
}

/** "fip-hifi.aac" for ".../fip-hifi.aac" (decoded); the URL itself when it does not parse. */
export function mountOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  } catch {
    return url;
  }
}

function icecastOutputs(entries: unknown[], profiles: string[]): PathIssue[] {
  const out: PathIssue[] = [];
  const ids = new Map<string, number>();
  const mounts = new Map<string, number>();
  entries.forEach((e, i) => {
    const entry = obj(e);
    const profile = str(entry.profile);
    if (profile !== null && !profiles.includes(profile))
      out.push([`outputs.icecast.${i}.profile`, unknownProfile(profile, profiles)]);
    const url = str(entry.url);
    if (url === null) return;
    const id = icecastId({ id: str(entry.id) ?? undefined, url });
    const firstId = ids.get(id);
    if (id === "hls") out.push([`outputs.icecast.${i}`, `output id "hls" is the HLS output's`]);
    else if (firstId !== undefined)
      out.push([`outputs.icecast.${i}`, `duplicate output id "${id}" (also outputs.icecast.${firstId})`]);
    else ids.set(id, i);
    // The server takes one source per mount: a second one would be refused forever.
    const mount = mountKey(url);
    const firstMount = mount === null ? undefined : mounts.get(mount);
    if (firstMount !== undefined)
      out.push([`outputs.icecast.${i}.url`, `same server and mount as outputs.icecast.${firstMount}`]);
    else if (mount !== null) mounts.set(mount, i);
  });
  return out;
}

function mountKey(url: string): string | null {
  try {
    const t = parseSourceUrl(url);
    return `${t.host.toLowerCase()}:${t.port}${t.path}`;
  } catch {
    return null;
  }
}
