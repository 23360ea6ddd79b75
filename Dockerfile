# One channel per container: docker run -v ./channels/x.yaml:/etc/antenne/channel.yaml -p 8080:8080 -p 10000:10000/udp antenne
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libsrt1.5-openssl ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY src/api/static ./src/api/static
COPY channels ./channels
ENV NODE_ENV=production
# In a container the API must listen on all interfaces: set api.listen to "0.0.0.0:8080" in the channel file.
EXPOSE 8080
VOLUME ["/var/lib/antenne"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=1", "/app/dist/src/cli.js"]
CMD ["run", "/etc/antenne/channel.yaml"]
