/**
 * V8 flags the daemon runs with: the `antenne` bin's shebang, the Dockerfile, the Makefile and
 * the benchmarks all pass these (a test keeps them in step). They must be on node's command
 * line: set at run time, the young generation has already grown while the modules loaded.
 *
 * A 1 MiB semi-space: the audio path's garbage is short-lived frame buffers, so scavenges stay
 * cheap, and the start-up peak RSS drops from ~103 to ~89 MiB at no measurable CPU cost
 * (docs/benchmarks.md).
 */
export const NODE_FLAGS = ["--max-semi-space-size=1"];
