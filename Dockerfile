# One channel per container (README.md, "Container"):
#   docker run -v ./fip.yaml:/etc/antenne/channel.yaml:ro -v antenne-fip:/var/lib/antenne \
#     -e ICECAST_PASSWORD -e ICECAST_ADMIN_PASSWORD -e SRT_PASSPHRASE -e ANTENNE_API_TOKEN \
#     -p 8080:8080 -p 10000:10000/udp antenne
# In a container the channel file listens on all interfaces (api.listen "0.0.0.0:8080") and keeps
# its state and HLS under the volume (switcher.statePath, outputs.hls.dir in /var/lib/antenne).
# scripts/assemble-image.ts builds this final stage's file system without a Docker engine and
# test/e2e/image.test.ts runs the daemon from it: both read this file, keep them working.

# TypeScript to dist/src only: tests and benchmarks are neither in the context nor compiled.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# The runtime dependencies, without the development ones.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# ffmpeg encodes (and decodes what the daemon cannot), libsrt is loaded by the SRT inputs, libfaad2 and
# libmpg123 decode AAC and MPEG audio in the daemon, tini forwards signals as PID 1.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libsrt1.5-openssl libfaad2 libmpg123-0 ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 antenne \
 && useradd --system --uid 10001 --gid antenne --home-dir /var/lib/antenne --no-create-home \
      --shell /usr/sbin/nologin antenne \
 && install -d -o antenne -g antenne -m 0750 /var/lib/antenne \
 && install -d -m 0755 /etc/antenne
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY src/api/static ./src/api/static
ENV NODE_ENV=production \
    ANTENNE_CHANNEL_FILE=/etc/antenne/channel.yaml \
    HOME=/var/lib/antenne
USER 10001:10001
# State (switcher.statePath) and HLS (outputs.hls.dir): the only place the daemon writes.
VOLUME ["/var/lib/antenne"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# The API address comes from the channel file (ANTENNE_CHANNEL_FILE): no curl in a slim image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/dist/src/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=1", "/app/dist/src/cli.js"]
CMD ["run", "/etc/antenne/channel.yaml"]
