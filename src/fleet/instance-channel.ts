/**
 * The channel file one instance runs: the fleet's channel file with the keys that differ between
 * instances rewritten in the YAML document itself, so comments stay and every `${VAR}` the file
 * holds stays a reference. What changes, and why:
 *  - api.listen 0.0.0.0:<apiPort> and serveHls: the cache and Prometheus reach it from elsewhere;
 *  - SRT listener binds on the instance's srtBind (default 0.0.0.0: the pod's, container's or
 *    host's addresses), same port;
 *  - state and HLS under the instance's dataDir (its volume; default /var/lib/antenne);
 *  - each Icecast output pushes the instance's own mount on the fleet's master, with the fleet's
 *    source password reference; its id stays the listener-facing one (same metric label on both).
 */
import { isMap, parseDocument, type Document } from "yaml";
import { type ChannelModel, type FleetModel, type InstanceModel } from "./model.js";

export function renderInstanceChannel(fleet: FleetModel, ch: ChannelModel, inst: InstanceModel): string {
  const doc = parseDocument(ch.text, { uniqueKeys: true });
  doc.setIn(["api", "listen"], `0.0.0.0:${inst.apiPort}`);
  doc.setIn(["api", "serveHls"], true);
  doc.setIn(["switcher", "statePath"], `${inst.dataDir}/state.json`);
  if (ch.config.outputs.hls) doc.setIn(["outputs", "hls", "dir"], `${inst.dataDir}/hls`);
  ch.config.inputs.forEach((inp, i) => {
    if ("srt" in inp && inp.srt.mode === "listener") {
      const port = inp.srt.bind.slice(inp.srt.bind.lastIndexOf(":") + 1);
      doc.setIn(["inputs", i, "srt", "bind"], `${inst.srtBind}:${port}`);
    }
  });
  rewriteIcecast(doc, fleet, ch, inst);
  const header =
    ` Rendered by \`antenne render\` from ${ch.file} for instance ${inst.name} of fleet ${fleet.name}.\n` +
    " Edit the channel file and render again; this file is overwritten.";
  doc.commentBefore = doc.commentBefore ? `${header}\n\n${doc.commentBefore}` : header;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function rewriteIcecast(doc: Document, fleet: FleetModel, ch: ChannelModel, inst: InstanceModel): void {
  const ice = fleet.icecast;
  if (!ice) return;
  const base = `${ice.master.host}:${ice.master.port}`;
  const index = ch.instances.findIndex((i) => i.name === inst.name);
  ch.mounts.forEach((m, i) => {
    const entry = doc.getIn(["outputs", "icecast", i], true);
    if (!isMap(entry)) return;
    entry.set("id", m.id);
    entry.set("url", `http://source:${ice.master.sourcePassword ?? ""}@${base}${m.instanceMounts[index]}`);
    if (entry.get("admin") != null)
      entry.set("admin", `http://${ice.master.adminUser}:${ice.master.adminPassword ?? ""}@${base}`);
  });
}
